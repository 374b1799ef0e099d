"""Evidence-and-gap maps: a bubble per cell, size = participants, colour = strength."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calcidata.display._plotbase import (
    PLOT_DOCS,
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

    Returns
    -------
    matplotlib.axes.Axes
        One marker per row; x and y tick labels are the categories.
    """
    import seaborn as sns

    data = worded(data)
    xs, ys = categories(data[x]), categories(data[y])
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
        size_norm=(0, max(frame["_size"].max(), 1)),
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
    strength_legend(ax, levels)
    size_legend(ax, frame["_size"], size)
    return ax


def categories(values: pd.Series) -> list:
    """Category order for a categorical column (only those present), else first appearance."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna())
        return [c for c in values.cat.categories if c in present]
    return list(dict.fromkeys(values))


def size_legend(ax, sizes: pd.Series, name: str) -> None:
    """A legend of bubble sizes (two round numbers, the largest value, "not reported")."""
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
        title=f"{label_text(name)} (upper bound)",
        loc="lower left",
        bbox_to_anchor=(1.01, 0.0),
        fontsize="small",
        title_fontsize="small",
        labelspacing=1.4,
    )
    if first is not None:
        ax.add_artist(first)
