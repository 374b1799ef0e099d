"""Dose-range plots: one interval per reported range, one panel per comparable unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calcidata.display._plotbase import (
    PLOT_DOCS,
    new_axes,
    nothing,
    panel_grid,
    plain,
    plain_log_ticks,
    row_height,
    tell_apart,
    top_ticks_if_tall,
    worded,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_dose_range_grid", "plot_dose_ranges"]

_COLOUR = "#2b6a8e"


@PLOT_DOCS
def plot_dose_ranges(
    data: pd.DataFrame,
    *,
    low: str = "low",
    high: str = "high",
    label: str = "label",
    unit: str = "unit",
    ax: Axes | None = None,
    label_width: int = 60,
) -> Axes:
    """Interval plot of dose ranges in one unit (one panel of :func:`plot_dose_range_grid`).

    Parameters
    ----------
    data : pandas.DataFrame
        Rows of one ``panel`` of :func:`calcidata.analysis.dose_intervals`
        (worded); ``open_low``/``open_high`` mark a bound not reported and
        rows with ``plotted`` False are skipped.
    low, high, label, unit : str
        Columns of the bounds, the row labels and the unit (names the x axis).
    {ax}
    {label_width}

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
        ax = new_axes(9, row_height(rows[label], label_width) * len(rows) + 1.2)
    if rows.empty:
        return nothing(ax, "No numeric dose to draw")
    rows = rows.reset_index(drop=True)
    y = np.arange(len(rows))[::-1].astype(float)
    lo, hi = rows[low].to_numpy(float), rows[high].to_numpy(float)
    both = ~np.isnan(lo) & ~np.isnan(hi) & ~np.isclose(lo, hi, equal_nan=False)
    if both.any():
        ax.hlines(y[both], lo[both], hi[both], colors=_COLOUR, linewidth=3, zorder=2)
    closed_lo = ~np.isnan(lo) & ~rows["open_high"].to_numpy(bool)
    closed_hi = (
        ~np.isnan(hi)
        & ~rows["open_low"].to_numpy(bool)
        & ~(~np.isnan(lo) & np.isclose(lo, hi, equal_nan=False))
    )
    xs = np.concatenate([lo[closed_lo], hi[closed_hi]])
    ys = np.concatenate([y[closed_lo], y[closed_hi]])
    if len(xs):
        ax.scatter(xs, ys, s=40, color=_COLOUR, zorder=3, marker="o")
    up_to = rows["open_low"].to_numpy(bool)
    at_least = rows["open_high"].to_numpy(bool)
    if up_to.any():
        ax.scatter(hi[up_to], y[up_to], s=70, color=_COLOUR, marker="<", zorder=3)
    if at_least.any():
        ax.scatter(lo[at_least], y[at_least], s=70, color=_COLOUR, marker=">", zorder=3)
    values = np.concatenate([lo[~np.isnan(lo)], hi[~np.isnan(hi)]])
    positive = values[values > 0]
    if len(positive) == len(values) and len(values) and values.max() / values.min() > 30:
        ax.set_xscale("log")
        plain_log_ticks(ax, float(values.min()), float(values.max()))
    elif len(values):
        top = float(values.max())
        ax.set_xlim(0, top * 1.08 if top > 0 else 1)
    ax.set_yticks(y)
    ax.set_yticklabels([plain(t, label_width) for t in tell_apart(rows, label)])
    ax.set_ylim(-0.7, len(rows) - 0.3)
    units = rows[unit].dropna()
    ax.set_xlabel(plain(units.iloc[0]) if len(units) else "")
    ax.grid(axis="y", visible=False)
    top_ticks_if_tall(ax, len(rows))
    return ax


@PLOT_DOCS
def plot_dose_range_grid(
    data: pd.DataFrame,
    *,
    panel: str = "panel",
    label: str = "label",
    label_width: int = 60,
    narrow: bool = False,
) -> Figure:
    """Dose ranges, one panel per route and unit (drugs) or per setting (procedures).

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`calcidata.analysis.dose_intervals` (worded here when it has
        no ``panel``/``label`` columns yet).
    panel, label : str
        Columns naming the panel of each row and its label.
    {label_width}
    {narrow}

    Returns
    -------
    matplotlib.figure.Figure
        One Axes per panel with at least one number, drug panels first, titled
        with the panel name; a footnote says how many rows had no number.
    """
    from calcidata.display.twins import PHONE_LABEL_WIDTH, phone_twin

    data = worded(data, panel, label)
    if narrow:
        label_width = PHONE_LABEL_WIDTH
    fig, _ = panel_grid(
        data,
        panel,
        lambda rows, ax: plot_dose_ranges(rows, label=label, ax=ax, label_width=label_width),
        empty="No numeric dose or setting is reported for this selection",
        left_out_words="row{s} without a number (see the table)",
        legend=False,
        label=label,
        width=label_width,
        what="Dose ranges as their sources report them, by route and unit or setting",
        narrow=narrow,
    )
    if narrow:
        return fig
    return phone_twin(
        fig, lambda: plot_dose_range_grid(data, panel=panel, label=label, narrow=True)
    )
