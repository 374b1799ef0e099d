"""The verdicts on the lay articles' claims: one stacked bar per article."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from calcidata.display._plotbase import PLOT_DOCS, new_axes, nothing, plain
from calcidata.display.labels import humanize
from calcidata.schemas.vocab_claims import VERDICTS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["VERDICT_COLOURS", "plot_verdicts"]

#: One colour per verdict, from agreement (green) to contradiction (red); grey: not judged.
VERDICT_COLOURS = {
    "supported": "#1b7837",
    "partly_supported": "#a6dba0",
    "contradicted": "#c51b7d",
    "no_evidence_found": "#bdbdbd",
    "outside_scope": "#f0f0f0",
}


@PLOT_DOCS
def plot_verdicts(
    data: pd.DataFrame,
    *,
    x: str = "claims",
    y: str = "article",
    hue: str = "verdict",
    ax: Axes | None = None,
    label_width: int = 40,
) -> Axes:
    """Claims per article (``y``) stacked by verdict (``hue``): one bar segment per count.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.analysis.verdict_counts` (codes, not words).
    x, y, hue : str
        The count, the bar and the verdict columns.
    {ax}
    {label_width}

    Returns
    -------
    matplotlib.axes.Axes
        One horizontal bar segment per (article, verdict) with a count above zero.
    """
    bars = list(dict.fromkeys(data[y]))
    if ax is None:
        ax = new_axes(8.0, max(1.8, 0.55 * len(bars) + 1.2))
    if data.empty or data[x].sum() == 0:
        return nothing(ax, "No claims for this selection")
    left = pd.Series(0.0, index=bars)
    for verdict in VERDICTS:
        part = data[data[hue].astype(object) == verdict].set_index(y)[x].reindex(bars).fillna(0)
        shown = part[part > 0]
        if shown.empty:
            continue
        ax.barh(
            [bars.index(b) for b in shown.index],
            shown.to_numpy(),
            left=left[shown.index].to_numpy(),
            color=VERDICT_COLOURS[verdict],
            edgecolor="#555555",
            linewidth=0.5,
            label=str(humanize(verdict)),
        )
        left = left.add(part, fill_value=0)
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([plain(b, label_width) for b in bars])
    ax.invert_yaxis()
    ax.set_xlabel("claims")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax
