"""Evidence-and-gap maps: a bubble per cell, size = participants, colour = strength."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calcidata.display._plotbase import (
    ALT_PREFIX,
    PLOT_DOCS,
    describe,
    label_text,
    new_axes,
    nothing,
    plain,
    row_height,
    strength_legend,
    strength_palette,
)
from calcidata.display.wording import worded
from calcidata.schemas.vocabularies import STRENGTH

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.legend import Legend

    from calcidata.display.html import HTML

__all__ = ["plot_evidence_map"]


@PLOT_DOCS
def plot_evidence_map(
    data: pd.DataFrame,
    *,
    x: str = "condition",
    y: str = "treatment",
    size: str = "participants",
    hue: str = "strength",
    ax: Axes | None = None,
    label_width: int = 60,
    columns: list[Any] | None = None,
    size_max: float | None = None,
) -> Axes:
    """Evidence-and-gap map: a bubble per cell, size = participants, colour = strength.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.analysis.evidence_map` or
        :func:`calcidata.analysis.outcome_map`, one row per cell (worded here:
        outcome domains in plain words, strength kept as codes).
    x, y : str
        Columns placed on the axes: in category order for a categorical column
        (only the categories present), else in order of first appearance.
        A row without ``hue`` (from :func:`calcidata.analysis.evidence_grid`) is an
        empty cell, drawn as a small grey square: every row and column is shown.
    size : str
        Column giving the bubble size (``participants`` or ``studies``); a
        missing count is drawn at the smallest size.
    hue : str
        Evidence-strength column (colours from :func:`strength_palette`).
    {ax}
    {label_width}
    columns : list, optional
        The x categories, in order (default: those of ``data``), so that maps of
        parts of the rows share their columns (:func:`evidence_map_panels`).
    size_max : float, optional
        The size drawn largest (default: the largest in ``data``), so that parts
        share one bubble scale.

    Returns
    -------
    matplotlib.axes.Axes
        One marker per row; x and y tick labels are the categories.
    """
    import seaborn as sns

    data = worded(data)
    xs = list(columns) if columns is not None else categories(data[x])
    ys = categories(data[y])
    if ax is None:
        # room for the longest label lines (about 0.075 in a character) and the legends
        ylab = max((len(line) for v in ys for line in plain(v, label_width).split("\n")), default=0)
        xlab = max((len(line) for v in xs for line in plain(v, label_width).split("\n")), default=0)
        ax = new_axes(
            max(6.0, 0.38 * len(xs) + 0.075 * ylab + 2.8),
            max(2.5, row_height(ys, label_width, 0.26) * len(ys) + 0.075 * xlab + 1.2),
        )
    if data.empty:
        return nothing(ax, "No evidence for this selection")
    gaps = data[hue].isna()
    if gaps.any():  # a full grid: each empty cell is a small grey mark, counted in the title
        ax.scatter(
            data.loc[gaps, x].map({v: i for i, v in enumerate(xs)}).astype(float),
            data.loc[gaps, y].map({v: i for i, v in enumerate(ys)}).astype(float),
            marker="s",
            s=6,
            color="#d9d9d9",
            linewidths=0,
            zorder=0,
        )
        ax.set_title(f"{int(gaps.sum())} of {len(data)} cells empty (grey: no result)", loc="left")
        data = data[~gaps]
        if data.empty:
            ax.set_xticks(range(len(xs)))
            ax.set_xticklabels([plain(v, label_width) for v in xs], rotation=90)
            ax.set_yticks(range(len(ys)))
            ax.set_yticklabels([plain(v, label_width) for v in ys])
            return ax
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
        size_norm=(0, max(size_max or frame["_size"].max(), 1)),
        edgecolor="#333333",
        linewidth=0.5,
        alpha=0.9,
        ax=ax,
        legend=False,
    )
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels([plain(v, label_width) for v in xs], rotation=90)
    # the columns are named at the top, where a reader starts; a tall map repeats them below
    ax.tick_params(axis="x", top=True, labeltop=True, bottom=len(ys) > 15, labelbottom=len(ys) > 15)
    ax.set_yticks(range(len(ys)))
    ax.set_yticklabels([plain(v, label_width) for v in ys])
    ax.set_xlim(-0.7, len(xs) - 0.3)
    ax.set_ylim(len(ys) - 0.3, -0.7)
    ax.set_xlabel("")
    ax.set_ylabel("")
    # the legends fill the corner left of the column labels, above the row labels, so
    # that the map's first screen (on a phone too) says how to read it
    strength_legend(ax, levels, loc="upper right", anchor=(-0.01, _labels_top(ax)))
    size_legend(ax, frame["_size"], size, top=size_max)
    describe(
        ax,
        f"Evidence map: {len(ys)} {y}s by {len(xs)} {x}s; {len(frame)} cells hold evidence, "
        f"each a bubble sized by {size} and coloured by evidence strength.",
    )
    return ax


def categories(values: pd.Series) -> list[Any]:
    """Category order for a categorical column (only those present), else first appearance."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        return [c for c in values.cat.categories if c in present]
    return list(dict.fromkeys(values))


def _left_of(ax: Axes, legend: Legend) -> tuple[float, float]:
    """Axes coordinates just left of ``legend`` (drawn above the axes' top left corner)."""
    # drawn with the Agg canvas, which has get_renderer (the stub types the base canvas)
    box = legend.get_window_extent(ax.figure.canvas.get_renderer())  # type: ignore[attr-defined]
    left, top = ax.transAxes.inverted().transform((box.x0, box.y1))
    return (left - 0.02, top)


def _labels_top(ax: Axes) -> float:
    """The top of the column labels above ``ax``, in axes coordinates (at least 1.01)."""
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg, as above
    tops = [t.get_window_extent(renderer).y1 for t in ax.get_xticklabels() if t.get_text()]
    if not tops:
        return 1.01
    return max(1.01, float(ax.transAxes.inverted().transform((0, max(tops)))[1]))


def size_legend(ax: Axes, sizes: pd.Series, name: str, top: float | None = None) -> None:
    """A legend of bubble sizes (two round numbers, the largest value, "not reported")."""
    from matplotlib.lines import Line2D

    top = float(top if top is not None else sizes.max())
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
        title=f"{label_text(name)} (upper bound)",
        loc="upper right" if first is not None else "lower left",
        bbox_to_anchor=_left_of(ax, first) if first is not None else (1.01, 0.0),
        fontsize="small",
        title_fontsize="small",
        labelspacing=1.4,
    )
    if first is not None:
        ax.add_artist(first)


def evidence_map_panels(
    data: pd.DataFrame,
    *,
    x: str = "condition",
    y: str = "treatment",
    rows: int = 15,
    **kwargs: Any,
) -> HTML:
    """The evidence map in parts of at most ``rows`` rows, each a figure with every column.

    A long map is easier to read in parts, and each part prints on one page
    with its column labels and legends (a figure is never split across pages).
    The parts share the columns and the bubble scale. Other keywords go to
    :func:`plot_evidence_map`.

    Returns
    -------
    calcidata.display.html.HTML
        One inline SVG per part (``role="img"``, named by its text alternative).
    """
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    from calcidata.display._plotbase import svg_html
    from calcidata.display.html import HTML

    shown = worded(data)
    xs, ys = categories(shown[x]), categories(shown[y])
    size = kwargs.get("size", "participants")
    top = pd.to_numeric(shown[size], errors="coerce").max() if len(shown) else None
    top = float(top) if top is not None and not pd.isna(top) else None
    parts = [ys[i : i + rows] for i in range(0, len(ys), rows)] or [[]]
    out: list[str] = []
    for n, part in enumerate(parts, start=1):
        chunk = data.loc[shown[y].isin(part).to_numpy()] if part else data
        ax = plot_evidence_map(chunk, x=x, y=y, columns=xs, size_max=top, **kwargs)
        if len(parts) > 1:
            title = ax.get_title(loc="left")  # e.g. the count of empty cells
            ax.set_title(f"Part {n} of {len(parts)}" + (f": {title}" if title else ""), loc="left")
            alt = ax.figure.get_gid() or ""
            describe(ax, f"{alt[len(ALT_PREFIX) :]} Part {n} of {len(parts)}.")
        fig = ax.figure
        assert isinstance(fig, Figure)  # plot_evidence_map draws on a figure of its own
        out.append(svg_html(fig))
        plt.close(fig)
    return HTML("".join(out))
