"""One RevMan-style forest plot per pooled body of evidence.

Imported only when used (``calcidata.display.pooled_forests`` loads it); matplotlib
is imported inside :func:`pooled_forests`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from calcidata.display.html import HTML
from calcidata.display.labels import humanize
from calcidata.display.metaplot import forest

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from calcidata.analysis.pooled import PooledBody

NONE_POOLED = "calcidata pooled no body of evidence for this condition."


def panel_title(body: PooledBody) -> str:
    """``ESWT vs placebo or sham · deposit resolution · RR · 3-6 months``."""
    k = body.keys
    return (
        f"{body.treatment} vs {k['comparator']} · {humanize(k['outcome_domain'])} · "
        f"{body.measure} · {k['timepoint']}"
    )


def pooled_forests(bodies: Sequence[PooledBody]) -> Figure | HTML:
    """A figure with one forest plot per pooled body, or a sentence when there is none.

    Parameters
    ----------
    bodies : sequence of PooledBody
        From :func:`calcidata.analysis.pooled_bodies`.

    Returns
    -------
    matplotlib.figure.Figure or HTML
        One panel per body, titled with its question (:func:`panel_title`),
        drawn by :func:`calcidata.display.forest`; :data:`NONE_POOLED` as HTML
        when ``bodies`` is empty. Nothing is shown or saved.
    """
    if not bodies:
        return HTML(f'<p class="calcidata-muted">{NONE_POOLED}</p>')
    import matplotlib.pyplot as plt

    heights = [0.45 * (b.result.k + 6) for b in bodies]
    fig, axes = plt.subplots(
        len(bodies), 1, figsize=(9, sum(heights) + 0.8 * len(bodies)), squeeze=False,
        gridspec_kw={"height_ratios": heights, "hspace": 0.9},
    )  # fmt: skip
    for body, ax in zip(bodies, axes[:, 0], strict=True):
        forest(body.result, labels=body.labels, measure=body.measure, ax=ax)
        ax.set_title(panel_title(body), loc="left", fontsize=10)
    return fig


__all__ = ["NONE_POOLED", "panel_title", "pooled_forests"]
