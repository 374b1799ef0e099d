"""Plots for the reports, following seaborn's contract.

Axes-level functions look like ``plot_x(data, *, ..., ax=None) -> Axes``: they
draw on ``ax`` (a new figure sized to the data when ``ax`` is None) and return
it; figure-level functions (``*_grid``) return a :class:`matplotlib.figure.Figure`.
Nothing here calls ``show()`` or ``savefig()``. The theme is set in one place,
:func:`set_theme`. Seaborn does not draw precomputed intervals, so forest and
range plots use matplotlib primitives with seaborn's styling.

Colours for evidence strength come from one ordered palette keyed on
:data:`calcidata.schemas.vocabularies.STRENGTH` (viridis: light yellow = weak,
dark purple = strong).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from calcidata.schemas.vocabularies import DIRECTIONS, STRENGTH

#: Colours of the directions of a result.
DIRECTION_COLOURS = {
    "favours_treatment": "#1b7837",
    "no_difference": "#878787",
    "favours_comparator": "#b2182b",
    "mixed": "#762a83",
    "uncertain": "#d9d9d9",
}
assert set(DIRECTION_COLOURS) == set(DIRECTIONS)

_MISSING_COLOUR = "#bbbbbb"


def set_theme() -> None:
    """Set calcidata's plot theme (seaborn ``whitegrid``); the one place it is set."""
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
        }
    )


def strength_palette() -> dict[str, tuple[float, float, float]]:
    """Ordered colours for the evidence-strength levels, weakest (light) to strongest (dark)."""
    import seaborn as sns

    colours = sns.color_palette("viridis_r", n_colors=len(STRENGTH))
    return dict(zip(STRENGTH, colours, strict=True))


def humanize(text: object) -> str:
    """A vocabulary value in plain words (see :func:`calcidata.compare.humanize`)."""
    from calcidata.analysis.compare import humanize as words

    return str(words(text))


def plain(text: object, width: int | None = None) -> str:
    """Table text made safe for matplotlib (no mathtext) and shortened to ``width``."""
    s = str(text)
    if width is not None and len(s) > width:
        s = s[: width - 1].rstrip() + "…"
    return s.replace("$", r"\$")


def _strength_colours(strength: pd.Series) -> list:
    pal = strength_palette()
    return [pal.get(str(s), _MISSING_COLOUR) for s in strength.astype(object)]


def _new_axes(width: float, height: float):
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return ax


def _strength_legend(ax, levels, *, loc="upper left", anchor=(1.01, 1.0), title=None):
    from matplotlib.lines import Line2D

    pal = strength_palette()
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=7, color=pal[s], label=humanize(s))
        for s in reversed(STRENGTH)
        if s in set(levels)
    ]
    if handles:
        ax.legend(
            handles=handles,
            title=title or "Evidence strength",
            loc=loc,
            bbox_to_anchor=anchor,
            fontsize="small",
            title_fontsize="small",
        )


def _plain_log_ticks(ax, low: float, high: float):
    """Log-scale ticks written as plain numbers (0.5, 1, 2) rather than powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    decades = np.log10(high / low) if low > 0 and high > 0 else 1.0
    subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _figure_strength_legend(fig, levels):
    """One evidence-strength legend above all panels of a figure."""
    from matplotlib.lines import Line2D

    pal = strength_palette()
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=7, color=pal[s], label=humanize(s))
        for s in reversed(STRENGTH)
        if s in set(levels)
    ]
    if handles:
        fig.legend(
            handles=handles,
            title="Evidence strength of each result",
            loc="upper center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=len(handles),
            fontsize="small",
            title_fontsize="small",
        )


def _nothing(ax, message: str):
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


# --------------------------------------------------------------------------- forest


def forest(
    data: pd.DataFrame, *, label: str = "label", ax=None, label_width: int = 90, legend: bool = True
):
    """Forest plot of precomputed estimates with their 95% intervals (one effect measure).

    Parameters
    ----------
    data : pandas.DataFrame
        Rows from :func:`calcidata.compare.forest_data` of one ``group``; uses
        ``estimate, ci_low, ci_high, strength, ratio, within_group, effect_measure``
        and ``label``. Rows with ``plotted`` False (no estimate) are skipped.
    label : str
        Column with the row labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure sized to the data.
    label_width : int
        Labels longer than this are shortened.
    legend : bool
        Draw the evidence-strength legend.

    Returns
    -------
    matplotlib.axes.Axes
        One interval line per row with both bounds, one marker per estimate
        (filled with an interval, hollow without), a reference line at the null
        value (0 for differences, 1 for ratios; none for within-group measures).
    """
    rows = data.loc[data["plotted"]] if "plotted" in data else data.loc[data["estimate"].notna()]
    if ax is None:
        ax = _new_axes(10, 0.3 * len(rows) + 1.2)
    if rows.empty:
        return _nothing(ax, "No numeric estimate to draw")
    rows = rows.reset_index(drop=True)
    y = np.arange(len(rows))[::-1].astype(float)
    colours = _strength_colours(rows["strength"])
    has_ci = rows["ci_low"].notna() & rows["ci_high"].notna()
    ratio = bool(rows["ratio"].any()) if "ratio" in rows else False
    within = bool(rows["within_group"].all()) if "within_group" in rows else False
    if has_ci.any():
        ax.hlines(
            y[has_ci.to_numpy()],
            rows.loc[has_ci, "ci_low"],
            rows.loc[has_ci, "ci_high"],
            colors=[c for c, h in zip(colours, has_ci, strict=True) if h],
            linewidth=2,
            zorder=2,
        )
    faces = [c if h else "white" for c, h in zip(colours, has_ci, strict=True)]
    ax.scatter(
        rows["estimate"], y, s=45, c=faces, edgecolors=colours, linewidths=1.5, zorder=3, marker="o"
    )
    if ratio:
        ax.set_xscale("log")
        bounds = rows[["estimate", "ci_low", "ci_high"]].to_numpy(float)
        _plain_log_ticks(ax, np.nanmin(bounds), np.nanmax(bounds))
        ax.axvline(1.0, color="#444444", linewidth=0.8, linestyle="--", zorder=1)
    elif not within:
        ax.axvline(0.0, color="#444444", linewidth=0.8, linestyle="--", zorder=1)
    ax.set_yticks(y)
    ax.set_yticklabels([plain(t, label_width) for t in rows[label]])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    measure = str(rows["effect_measure"].iloc[0]) if "effect_measure" in rows else ""
    if measure == "proportion":
        ax.set_xlim(-0.03, 1.03)
    xlabel = {
        "MD": "mean difference",
        "SMD": "standardised mean difference",
        "RR": "risk ratio (log scale)",
        "OR": "odds ratio (log scale)",
        "HR": "hazard ratio (log scale)",
        "RD": "risk difference",
        "proportion": "proportion (single arm, not a comparison)",
        "mean_change": "mean change within a group (not a comparison)",
    }.get(measure, measure)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    _top_ticks_if_tall(ax, len(rows))
    if legend:
        _strength_legend(ax, rows["strength"].astype(str))
    return ax


def forest_grid(data: pd.DataFrame, *, label_width: int = 90):
    """Forest plots grouped by outcome domain and effect measure, one panel per group.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.compare.forest_data`.
    label_width : int
        Labels longer than this are shortened.

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per group with at least one estimate, titled ``"pain · MD"``;
        a footnote says how many results have no numeric estimate.
    """
    fig, drawn = _panel_grid(
        data,
        "group",
        lambda rows, ax: forest(rows, ax=ax, label_width=label_width, legend=False),
        empty="No numeric estimate is reported for this selection",
        left_out_words="result{s} with no numeric estimate, or with an unnamed effect "
        "measure (see the table)",
        legend=True,
    )
    if len(drawn):
        _figure_strength_legend(fig, drawn["strength"].astype(str))
    return fig


def _panel_grid(data, key, draw, *, empty, left_out_words, legend):
    """Stack one panel per value of ``key`` (in order of appearance) and draw each.

    Rows with ``plotted`` False are counted in a footnote ("Not drawn: ...").
    Returns the figure and the rows that were drawn.
    """
    drawn = data.loc[data["plotted"]] if len(data) else data
    keys = list(dict.fromkeys(drawn[key])) if len(drawn) else []
    left_out = int((~data["plotted"]).sum()) if len(data) else 0
    note = None
    if left_out:
        words = left_out_words.format(s="s" if left_out != 1 else "")
        note = f"Not drawn: {left_out} {words}."
    if not keys:
        return _empty_figure(empty, note), drawn.iloc[0:0]
    sizes = [int((drawn[key] == k).sum()) for k in keys]
    fig, axes = _stacked_axes(sizes, legend=legend, note=note)
    for k, ax in zip(keys, axes, strict=True):
        draw(drawn.loc[drawn[key] == k], ax)
        ax.set_title(plain(k), loc="left")
    return fig, drawn


def _empty_figure(message: str, note: str | None):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 1.6))
    _nothing(ax, message)
    ax.grid(False)
    if note:
        fig.text(0.5, 0.02, note, ha="center", va="bottom", fontsize="small", color="#555555")
    return fig


#: Layout of stacked panels, in inches: row height, space for a title above a panel,
#: for tick labels and axis label below it, and for the figure legend and footnote.
_ROW, _ABOVE, _BELOW, _LEGEND, _NOTE, _WIDTH, _LEFT = 0.3, 0.4, 0.7, 0.75, 0.4, 12.0, 0.42


def _stacked_axes(sizes: list[int], *, legend: bool, note: str | None):
    """A figure with one full-width panel per size, heights proportional to their rows.

    Positions are computed once in inches (no layout engine, which is slow with
    many panels); labels wider than the left margin are kept by a tight bounding
    box when the figure is saved or displayed.
    """
    import matplotlib.pyplot as plt

    heights = [_ROW * n + 0.35 for n in sizes]
    extra_top = [0.25 if n > 15 else 0.0 for n in sizes]  # tick labels repeated on top
    total = (
        (_LEGEND if legend else 0.15)
        + sum(heights)
        + sum(extra_top)
        + len(sizes) * (_ABOVE + _BELOW)
        + (_NOTE if note else 0.1)
    )
    fig = plt.figure(figsize=(_WIDTH, total))
    y = total - (_LEGEND if legend else 0.15)
    axes = []
    for h, top in zip(heights, extra_top, strict=True):
        y -= _ABOVE + top + h
        axes.append(fig.add_axes((_LEFT, y / total, 0.96 - _LEFT, h / total)))
        y -= _BELOW
    if note:
        fig.text(
            0.5, 0.1 / total, note, ha="center", va="bottom", fontsize="small", color="#555555"
        )
    return fig, axes


# --------------------------------------------------------------------------- dosing


def dose_ranges(data: pd.DataFrame, *, label: str = "label", ax=None, label_width: int = 90):
    """Interval plot of dose ranges in one unit (one panel of :func:`dose_range_grid`).

    Parameters
    ----------
    data : pandas.DataFrame
        Rows from :func:`calcidata.compare.dose_intervals` of one ``panel``.
    label : str
        Column with the row labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure sized to the data.
    label_width : int
        Labels longer than this are shortened.

    Returns
    -------
    matplotlib.axes.Axes
        A line from low to high for each range with two different bounds, a
        marker at each reported bound; an open-ended range ("up to", "at least")
        has a triangle pointing to its open side. Log x-scale when the values
        span more than 30-fold.
    """
    rows = data.loc[data["plotted"]] if "plotted" in data else data
    if ax is None:
        ax = _new_axes(9, 0.3 * len(rows) + 1.2)
    if rows.empty:
        return _nothing(ax, "No numeric dose to draw")
    rows = rows.reset_index(drop=True)
    y = np.arange(len(rows))[::-1].astype(float)
    lo, hi = rows["low"].to_numpy(float), rows["high"].to_numpy(float)
    both = ~np.isnan(lo) & ~np.isnan(hi) & ~np.isclose(lo, hi, equal_nan=False)
    colour = "#2b6a8e"
    if both.any():
        ax.hlines(y[both], lo[both], hi[both], colors=colour, linewidth=3, zorder=2)
    closed_lo = ~np.isnan(lo) & ~rows["open_high"].to_numpy(bool)
    closed_hi = (
        ~np.isnan(hi)
        & ~rows["open_low"].to_numpy(bool)
        & ~(~np.isnan(lo) & np.isclose(lo, hi, equal_nan=False))
    )
    xs = np.concatenate([lo[closed_lo], hi[closed_hi]])
    ys = np.concatenate([y[closed_lo], y[closed_hi]])
    if len(xs):
        ax.scatter(xs, ys, s=40, color=colour, zorder=3, marker="o")
    up_to = rows["open_low"].to_numpy(bool)
    at_least = rows["open_high"].to_numpy(bool)
    if up_to.any():
        ax.scatter(hi[up_to], y[up_to], s=70, color=colour, marker="<", zorder=3)
    if at_least.any():
        ax.scatter(lo[at_least], y[at_least], s=70, color=colour, marker=">", zorder=3)
    values = np.concatenate([lo[~np.isnan(lo)], hi[~np.isnan(hi)]])
    positive = values[values > 0]
    if len(positive) == len(values) and len(values) and values.max() / values.min() > 30:
        ax.set_xscale("log")
        _plain_log_ticks(ax, float(values.min()), float(values.max()))
    elif len(values):
        top = float(values.max())
        ax.set_xlim(0, top * 1.08 if top > 0 else 1)
    ax.set_yticks(y)
    ax.set_yticklabels([plain(t, label_width) for t in rows[label]])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    unit = rows["unit"].dropna()
    ax.set_xlabel(plain(unit.iloc[0]) if len(unit) else "")
    ax.grid(axis="y", visible=False)
    _top_ticks_if_tall(ax, len(rows))
    return ax


def _top_ticks_if_tall(ax, n_rows: int, tall: int = 15):
    """Repeat the x tick labels above a panel with many rows, so values stay readable."""
    if n_rows > tall:
        ax.tick_params(axis="x", labeltop=True)


def dose_range_grid(data: pd.DataFrame, *, label_width: int = 90):
    """Dose ranges, one panel per route and unit (drugs) or per setting (procedures).

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per panel with at least one number, drug panels first, titled
        with the panel name; a footnote says how many rows had no number.
    """
    fig, _ = _panel_grid(
        data,
        "panel",
        lambda rows, ax: dose_ranges(rows, ax=ax, label_width=label_width),
        empty="No numeric dose or setting is reported for this selection",
        left_out_words="row{s} without a number (see the table)",
        legend=False,
    )
    return fig


# --------------------------------------------------------------------------- maps and bars


def evidence_map(
    data: pd.DataFrame,
    *,
    x: str = "condition",
    y: str = "treatment",
    size: str = "participants",
    hue: str = "strength",
    ax=None,
    label_width: int = 45,
):
    """Evidence-and-gap map: a bubble per cell, size = participants, colour = strength.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.compare.evidence_map` or
        :func:`calcidata.compare.outcome_map`; one row per cell.
    x, y : str
        Columns placed on the axes: in category order for a categorical column
        (only the categories present), else in order of first appearance.
    size : str
        Column giving the bubble size (``participants`` or ``studies``); a
        missing count is drawn at the smallest size.
    hue : str
        Evidence-strength column (colours from :func:`strength_palette`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure sized to the data.

    Returns
    -------
    matplotlib.axes.Axes
        One marker per row; x and y tick labels are the categories.
    """
    import seaborn as sns

    xs, ys = _categories(data[x]), _categories(data[y])
    if ax is None:
        ax = _new_axes(max(6.0, 0.38 * len(xs) + 5.5), max(2.5, 0.26 * len(ys) + 2.5))
    if data.empty:
        return _nothing(ax, "No evidence for this selection")
    frame = pd.DataFrame(
        {
            "_x": data[x].map({v: i for i, v in enumerate(xs)}).astype(float),
            "_y": data[y].map({v: i for i, v in enumerate(ys)}).astype(float),
            "_size": pd.to_numeric(data[size], errors="coerce").astype("float64").fillna(0.0),
            "_hue": data[hue].astype(object).astype(str),
        }
    )
    pal = strength_palette()
    levels = [s for s in STRENGTH if s in set(frame["_hue"])]
    ax.set_xscale("linear")  # positions are category indices
    ax.set_yscale("linear")
    sns.scatterplot(
        data=frame,
        x="_x",
        y="_y",
        hue="_hue",
        hue_order=levels,
        palette=pal,
        size="_size",
        sizes=(25, 500),
        size_norm=(0, max(frame["_size"].max(), 1)),
        edgecolor="#333333",
        linewidth=0.5,
        alpha=0.9,
        ax=ax,
        legend=False,
    )
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels([plain(v, label_width) for v in xs], rotation=60, ha="right")
    ax.set_yticks(range(len(ys)))
    ax.set_yticklabels([plain(v, label_width) for v in ys])
    ax.set_xlim(-0.7, len(xs) - 0.3)
    ax.set_ylim(len(ys) - 0.3, -0.7)
    ax.set_xlabel("")
    ax.set_ylabel("")
    _strength_legend(ax, levels)
    _size_legend(ax, frame["_size"], size)
    return ax


def _categories(values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        return [c for c in values.cat.categories if c in present]
    return list(dict.fromkeys(values))


def _size_legend(ax, sizes: pd.Series, name: str):
    from matplotlib.lines import Line2D

    top = float(sizes.max())
    if top <= 0:
        return
    nice = [v for v in (10, 100, 1000, 10000, 100000) if v < top * 0.8]
    marks = sorted({top, *nice[-2:]}, reverse=True)
    norm_area = [25 + (v / top) * (500 - 25) for v in marks]
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color="#999999",
            markersize=float(np.sqrt(a)),
            label=f"{v:,.0f}",
        )
        for v, a in zip(marks, norm_area, strict=True)
    ]
    handles.append(
        Line2D(
            [], [], marker="o", linestyle="", color="#999999", markersize=5, label="not reported"
        )
    )
    first = ax.get_legend()
    ax.legend(
        handles=handles,
        title=f"{humanize(name)} (upper bound)",
        loc="lower left",
        bbox_to_anchor=(1.01, 0.0),
        fontsize="small",
        title_fontsize="small",
        labelspacing=1.4,
    )
    if first is not None:
        ax.add_artist(first)


def participants_bars(data: pd.DataFrame, *, ax=None, label_width: int = 55):
    """Participants per treatment (upper bound), coloured by evidence strength.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.compare.side_by_side` (``treatment, strength,
        participants, studies``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure sized to the data.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per treatment whose participants are reported; treatments without
        a count get a "not reported" label instead of a bar.
    """
    if ax is None:
        ax = _new_axes(9, 0.32 * len(data) + 1.3)
    if data.empty:
        return _nothing(ax, "No treatment to compare")
    rows = data.reset_index(drop=True)
    y = np.arange(len(rows))[::-1].astype(float)
    part = rows["participants"].astype("Float64")
    known = part.notna().to_numpy()
    from calcidata.analysis.compare import vocabulary_code

    strength = rows["strength"].astype(object).map(lambda s: vocabulary_code(s, STRENGTH))
    colours = _strength_colours(strength)
    if known.any():
        ax.barh(
            y[known],
            part[known].astype(float),
            color=[c for c, k in zip(colours, known, strict=True) if k],
            height=0.6,
        )
    for yi, k, p, s in zip(y, known, part, rows["studies"], strict=True):
        if not k:
            ax.text(
                0, yi, "  participants not reported", va="center", fontsize="small", color="#555555"
            )
        else:
            studies = (
                "studies not reported"
                if pd.isna(s)
                else f"{int(s)} stud{'y' if int(s) == 1 else 'ies'}"
            )
            ax.text(
                float(p),
                yi,
                f"  {int(p):,} ({studies})",
                va="center",
                fontsize="small",
                color="#333333",
            )
    if known.any():
        ax.set_xlim(0, float(part[known].max()) * 1.4)
    ax.set_yticks(y)
    ax.set_yticklabels([plain(t, label_width) for t in rows["treatment"]])
    ax.set_xlabel("participants (upper bound: sources can overlap)")
    ax.grid(axis="y", visible=False)
    _strength_legend(ax, strength.astype(str))
    return ax


def direction_bars(data: pd.DataFrame, *, ax=None, label_width: int = 55):
    """Number of results per treatment, stacked by direction.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.compare.direction_counts` (long form).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure sized to the data.

    Returns
    -------
    matplotlib.axes.Axes
        One bar segment per (treatment, direction) with a non-zero count.
    """
    treatments = list(dict.fromkeys(data["treatment"])) if len(data) else []
    if ax is None:
        ax = _new_axes(9, 0.32 * len(treatments) + 1.3)
    if not treatments:
        return _nothing(ax, "No results to count")
    y = {t: float(i) for i, t in enumerate(reversed(treatments))}
    left = dict.fromkeys(treatments, 0.0)
    for direction in DIRECTIONS:
        part = data.loc[(data["direction"] == direction) & (data["results"] > 0)]
        if part.empty:
            continue
        ax.barh(
            [y[t] for t in part["treatment"]],
            part["results"],
            left=[left[t] for t in part["treatment"]],
            height=0.6,
            color=DIRECTION_COLOURS[direction],
            label=humanize(direction),
            edgecolor="white",
        )
        for t, n in zip(part["treatment"], part["results"], strict=True):
            left[t] += n
    ax.set_yticks(list(y.values()))
    ax.set_yticklabels([plain(t, label_width) for t in y])
    ax.set_xlabel("number of reported results")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", visible=False)
    ax.legend(
        title="Direction",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        title_fontsize="small",
    )
    return ax


def palette_table() -> Mapping[str, str]:
    """Hex colour of each evidence-strength level (for legends written in HTML)."""
    from matplotlib.colors import to_hex

    return {k: to_hex(v) for k, v in strength_palette().items()}
