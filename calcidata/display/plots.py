"""Plots of results, following seaborn's contract: the theme, forest rows, counts per treatment.

Axes-level functions look like ``plot_x(data, *, <column roles>, ax=None) -> Axes``:
they draw on ``ax`` (a new figure sized to the data when ``ax`` is None) and
return it; figure-level functions (``*_grid``) return a
:class:`matplotlib.figure.Figure`. Column roles are keywords whose defaults are
the column names of the :mod:`calcidata.analysis` views. Nothing here calls
``show()`` or ``savefig()``; the theme is set in one place, :func:`set_theme`.
Seaborn does not draw precomputed intervals, so the result and range plots use
matplotlib primitives with seaborn's styling. Dose plots are in
:mod:`calcidata.display.plot_doses`, maps in :mod:`calcidata.display.plot_maps`.

Colours for evidence strength come from one ordered palette keyed on
:data:`calcidata.schemas.vocabularies.STRENGTH` (viridis: light yellow = weak,
dark purple = strong).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calcidata.display._plotbase import (
    DIRECTION_COLOURS,
    PLOT_DOCS,
    describe,
    figure_strength_legend,
    label_text,
    new_axes,
    nothing,
    panel_grid,
    plain,
    plain_log_ticks,
    row_height,
    strength_colours,
    strength_legend,
    tell_apart,
    top_ticks_if_tall,
    worded,
)
from calcidata.display.phone_bars import count_words, directions_phone, participants_phone
from calcidata.schemas.vocabularies import DIRECTIONS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_directions", "plot_participants", "plot_results", "plot_results_grid", "set_theme"]

#: x-axis label of each effect measure.
MEASURE_AXES = {
    "MD": "mean difference",
    "SMD": "standardised mean difference",
    "RR": "risk ratio (log scale)",
    "OR": "odds ratio (log scale)",
    "HR": "hazard ratio (log scale)",
    "RD": "risk difference",
    "proportion": "proportion (single arm, not a comparison)",
    "mean_change": "mean change within a group (not a comparison)",
}


def set_theme() -> None:
    """Set calcidata's plot theme (seaborn ``whitegrid``); the one place it is set.

    In a notebook, figures are shown as SVG with their text kept as text, so they
    stay sharp when zoomed and their words can be searched, copied and printed.
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.85)
    mpl.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.titleweight": "bold",
            "axes.titlesize": "medium",
            "legend.frameon": False,
            "svg.fonttype": "none",
        }
    )
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing is shown inline
        return
    if get_ipython() is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg")  # type: ignore[no-untyped-call]  # matplotlib_inline: no annotations


@PLOT_DOCS
def plot_results(
    data: pd.DataFrame,
    *,
    x: str = "estimate",
    xmin: str = "ci_low",
    xmax: str = "ci_high",
    hue: str = "strength",
    label: str = "label",
    measure: str = "effect_measure",
    ax: Axes | None = None,
    label_width: int = 60,
    legend: bool = True,
) -> Axes:
    """Forest plot of precomputed estimates with their 95% intervals (one effect measure).

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of one effect measure, e.g. one ``group`` of
        :func:`calcidata.analysis.forest_data` worded by
        :func:`calcidata.display.words`. Rows with ``plotted`` False (no
        estimate) are skipped; ``ratio`` and ``within_group`` columns, when
        present, choose the scale and the null line.
    x, xmin, xmax : str
        Columns of the estimate and its interval.
    hue : str
        Evidence-strength column (codes; colours from ``strength_palette``).
    label : str
        Column with the row labels.
    measure : str
        Column with the effect measure (names the x axis).
    {ax}
    {label_width}
    legend : bool
        Draw the evidence-strength legend.

    Returns
    -------
    matplotlib.axes.Axes
        One interval line per row with both bounds, one marker per estimate
        (filled with an interval, hollow without), a reference line at the null
        value (0 for differences, 1 for ratios; none for within-group measures).
    """
    rows = data.loc[data["plotted"]] if "plotted" in data else data.loc[data[x].notna()]
    if ax is None:
        ax = new_axes(10, row_height(rows[label], label_width) * len(rows) + 1.2)
    if rows.empty:
        return nothing(ax, "No numeric estimate to draw")
    rows = rows.reset_index(drop=True)
    y = np.arange(len(rows))[::-1].astype(float)
    colours = strength_colours(rows[hue])
    has_ci = rows[xmin].notna() & rows[xmax].notna()
    ratio = bool(rows["ratio"].any()) if "ratio" in rows else False
    within = bool(rows["within_group"].all()) if "within_group" in rows else False
    if has_ci.any():
        ax.hlines(
            y[has_ci.to_numpy()],
            rows.loc[has_ci, xmin],
            rows.loc[has_ci, xmax],
            colors=[c for c, h in zip(colours, has_ci, strict=True) if h],
            linewidth=2,
            zorder=2,
        )
    faces = [c if h else "white" for c, h in zip(colours, has_ci, strict=True)]
    ax.scatter(rows[x], y, s=45, c=faces, edgecolors=colours, linewidths=1.5, zorder=3, marker="o")
    if ratio:
        ax.set_xscale("log")
        bounds = rows[[x, xmin, xmax]].to_numpy(float)
        plain_log_ticks(ax, np.nanmin(bounds), np.nanmax(bounds))
        ax.axvline(1.0, color="#444444", linewidth=0.8, linestyle="--", zorder=1)
    elif not within:
        ax.axvline(0.0, color="#444444", linewidth=0.8, linestyle="--", zorder=1)
    ax.set_yticks(y)
    ax.set_yticklabels([plain(t, label_width) for t in tell_apart(rows, label)])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    code = str(rows[measure].iloc[0]) if measure in rows else ""
    if code == "proportion":
        ax.set_xlim(-0.03, 1.03)
    ax.set_xlabel(MEASURE_AXES.get(code, code))
    ax.grid(axis="y", visible=False)
    top_ticks_if_tall(ax, len(rows))
    if legend:
        strength_legend(ax, rows[hue].astype(str))
    return ax


@PLOT_DOCS
def plot_results_grid(
    data: pd.DataFrame,
    *,
    group: str = "group",
    label: str = "label",
    hue: str = "strength",
    label_width: int = 60,
    narrow: bool = False,
) -> Figure:
    """Forest plots grouped by outcome domain and effect measure, one panel per group.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.analysis.forest_data` (worded here when it has no
        ``group``/``label`` columns yet).
    group, label, hue : str
        Columns naming the panel of each row, its label and its strength.
    {label_width}
    {narrow}

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per group with at least one estimate, titled ``"pain · MD"``;
        a footnote says how many results have no numeric estimate.
    """
    from calcidata.display.twins import PHONE_LABEL_WIDTH, phone_twin

    data = worded(data, group, label)
    if narrow:
        label_width = PHONE_LABEL_WIDTH
    fig, drawn = panel_grid(
        data,
        group,
        lambda rows, ax: plot_results(
            rows, hue=hue, label=label, ax=ax, label_width=label_width, legend=False
        ),
        empty="No numeric estimate is reported for this selection",
        left_out_words="result{s} with no numeric estimate, or with an unnamed effect "
        "measure (see the table)",
        legend=True,
        label=label,
        width=label_width,
        what="Estimates with their 95% confidence intervals, by outcome and effect measure",
        narrow=narrow,
    )
    if len(drawn):
        figure_strength_legend(fig, drawn[hue].astype(str))
    if narrow:
        return fig
    return phone_twin(
        fig, lambda: plot_results_grid(data, group=group, label=label, hue=hue, narrow=True)
    )


@PLOT_DOCS
def plot_participants(
    data: pd.DataFrame,
    *,
    x: str = "participants",
    y: str = "treatment",
    studies: str = "studies",
    hue: str = "strength",
    ax: Axes | None = None,
    label_width: int = 55,
    narrow: bool = False,
) -> Axes:
    """Participants per treatment (upper bound), coloured by evidence strength.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.analysis.side_by_side`.
    x, y, studies, hue : str
        Columns of the participants, the treatment label, the number of
        studies and the evidence strength (codes; "no evidence" is grey).
    {ax}
    {label_width}
    {narrow}

    Returns
    -------
    matplotlib.axes.Axes
        One bar per treatment whose participants are reported; treatments without
        a count get a "not reported" label instead of a bar.
    """
    alt = f"Participants per {y}, by evidence strength ({len(data)} rows)."
    if narrow:
        ax = participants_phone(data, x=x, y=y, studies=studies, hue=hue, ax=ax)
        return describe(ax, alt) if len(data) else ax
    if ax is None:
        ax = new_axes(9, 0.32 * len(data) + 1.3, phone=lambda: plot_participants(
            data, x=x, y=y, studies=studies, hue=hue, narrow=True))  # fmt: skip
    if data.empty:
        return nothing(ax, "No treatment to compare")
    rows = data.reset_index(drop=True)
    ys = np.arange(len(rows))[::-1].astype(float)
    part = rows[x].astype("Float64")
    known = part.notna().to_numpy()
    colours = strength_colours(rows[hue])
    if known.any():
        ax.barh(
            ys[known],
            part[known].astype(float),
            color=[c for c, k in zip(colours, known, strict=True) if k],
            height=0.6,
        )
    for yi, k, p, s in zip(ys, known, part, rows[studies], strict=True):
        if not k:
            ax.text(
                0, yi, "  participants not reported", va="center", fontsize="small", color="#555555"
            )
        else:
            ax.text(
                float(p), yi, f"  {count_words(p, s)}", va="center", fontsize="small",
                color="#333333",
            )  # fmt: skip
    if known.any():
        ax.set_xlim(0, float(part[known].max()) * 1.4)
    ax.set_yticks(ys)
    ax.set_yticklabels([plain(t, label_width) for t in rows[y]])
    ax.set_xlabel("participants (upper bound: sources can overlap)")
    ax.grid(axis="y", visible=False)
    strength_legend(ax, rows[hue].astype(str))
    return describe(ax, alt)


@PLOT_DOCS
def plot_directions(
    data: pd.DataFrame,
    *,
    x: str = "results",
    y: str = "treatment",
    hue: str = "direction",
    ax: Axes | None = None,
    label_width: int = 55,
    narrow: bool = False,
) -> Axes:
    """Number of results per treatment, stacked by direction.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.analysis.direction_counts` (long form).
    x, y, hue : str
        Columns of the count, the treatment label and the direction (code).
    {ax}
    {label_width}
    {narrow}

    Returns
    -------
    matplotlib.axes.Axes
        One bar segment per (treatment, direction) with a non-zero count.
    """
    treatments = list(dict.fromkeys(data[y])) if len(data) else []
    alt = f"Number of results per {y}, stacked by direction."
    if narrow:
        ax = directions_phone(data, x=x, y=y, hue=hue, ax=ax)
        return describe(ax, alt) if treatments else ax
    if ax is None:
        ax = new_axes(9, 0.32 * len(treatments) + 1.3, phone=lambda: plot_directions(
            data, x=x, y=y, hue=hue, narrow=True))  # fmt: skip
    if not treatments:
        return nothing(ax, "No results to count")
    pos = {t: float(i) for i, t in enumerate(reversed(treatments))}
    left = dict.fromkeys(treatments, 0.0)
    for direction in DIRECTIONS:
        part = data.loc[(data[hue].astype(object) == direction) & (data[x] > 0)]
        if part.empty:
            continue
        ax.barh(
            [pos[t] for t in part[y]],
            part[x],
            left=[left[t] for t in part[y]],
            height=0.6,
            color=DIRECTION_COLOURS[direction],
            label=label_text(direction),
            edgecolor="white",
        )
        for t, n in zip(part[y], part[x], strict=True):
            left[t] += n
    ax.set_yticks(list(pos.values()))
    ax.set_yticklabels([plain(t, label_width) for t in pos])
    ax.set_xlabel("number of reported results")
    # the default locator is a MaxNLocator, which takes integer=; the stub types the base class
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.grid(axis="y", visible=False)
    ax.legend(
        title="Direction",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        title_fontsize="small",
    )
    return describe(ax, alt)
