"""The per-treatment bar charts drawn for a phone: each treatment named on its own line.

:func:`calcidata.display.plot_participants` and :func:`calcidata.display.plot_directions`
draw these when ``narrow`` is true (and carry them as the phone twin of their wide
drawing, :mod:`calcidata.display.twins`): the treatment's name, wrapped to the
width, on a line above its bar, the bar across the whole width and the legend
above the plot, so nothing is wider than a 390 px screen and the text keeps its size.

Private to :mod:`calcidata.display`; matplotlib is imported inside the functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from calcidata.display._plotbase import (
    DIRECTION_COLOURS,
    label_text,
    nothing,
    strength_colours,
    strength_legend,
    tex_safe,
)
from calcidata.schemas.vocabularies import DIRECTIONS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: Font size (points) of the words beside a bar: matplotlib's "small" of the theme.
_SMALL = "small"


def count_words(participants: float, studies: float | None) -> str:
    """``1,234 (3 studies)``: the words beside a bar of participants."""
    count = (
        "studies not reported"
        if pd.isna(studies)
        else f"{int(studies)} stud{'y' if int(studies) == 1 else 'ies'}"
    )
    return f"{int(participants):,} ({count})"


def _rows(labels: list[str], ax: Axes | None, xlabel: str) -> tuple[Axes, list[float]]:
    """An Axes with each label's lines above a line for its bar; the bars' y positions.

    A new phone figure (:func:`calcidata.display.twins.phone_axes`) when ``ax`` is None.
    """
    import matplotlib.pyplot as plt

    from calcidata.display.twins import PHONE_MARGIN, PHONE_WIDTH, fit_lines, line_width
    from calcidata.display.twins import phone_axes as new_phone_axes

    width = line_width(ax) if ax is not None else (PHONE_WIDTH - 2 * PHONE_MARGIN) * 72
    size = float(plt.rcParams["font.size"])
    named = [fit_lines(t, size, width) for t in labels]
    axis = fit_lines(xlabel, size, width)
    lines = sum(len(n) + 1 for n in named) or 2  # room for a sentence when empty
    if ax is None:
        ax = new_phone_axes(lines, below=0.3 + 0.19 * len(axis))
    ax.set_ylim(lines, 0)
    where, ys, at = ax.get_yaxis_transform(), [], 0
    for name in named:
        for line in name:
            ax.text(0, at + 0.5, tex_safe(line), transform=where, va="center", size=size,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})  # fmt: skip
            at += 1
        ys.append(at + 0.5)
        at += 1
    ax.set_xlabel("\n".join(axis))
    ax.set_yticks([])
    ax.grid(axis="y", visible=False)
    ax.spines[["left", "right", "top"]].set_visible(False)
    return ax, ys


def participants_phone(
    data: pd.DataFrame, *, x: str, y: str, studies: str, hue: str, ax: Axes | None
) -> Axes:
    """:func:`calcidata.display.plot_participants` for a phone (see the module)."""
    from calcidata.display.twins import line_width, text_width

    if data.empty:
        return nothing(_rows([], ax, "")[0], "No treatment to compare")
    rows = data.reset_index(drop=True)
    xlabel = "participants (upper bound: sources can overlap)"
    ax, ys = _rows([str(t) for t in rows[y]], ax, xlabel)
    part = rows[x].astype("Float64")
    known = part.notna().to_numpy()
    colours = strength_colours(rows[hue])
    words = [
        count_words(p, s) if k else "participants not reported"
        for k, p, s in zip(known, part, rows[studies], strict=True)
    ]
    for yi, k, p, c, w in zip(ys, known, part, colours, words, strict=True):
        if k:
            ax.barh([yi], [float(p)], color=[c], height=0.6)
        # 4 pt right of the bar's end (a browser collapses leading spaces in SVG text)
        ax.annotate(w, (float(p) if k else 0, yi), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=_SMALL, color="#333333")  # fmt: skip
    if known.any():  # room right of the longest bar for the longest words
        import matplotlib.pyplot as plt

        size = float(plt.rcParams["font.size"]) * 0.833
        width = line_width(ax)
        room = max(text_width(w, size) for w in words) + 10
        ax.set_xlim(0, float(part[known].max()) * width / max(width - room, width / 3))
    strength_legend(ax, rows[hue].astype(str), loc="lower left", anchor=(0.0, 1.02))
    return ax


def directions_phone(data: pd.DataFrame, *, x: str, y: str, hue: str, ax: Axes | None) -> Axes:
    """:func:`calcidata.display.plot_directions` for a phone (see the module)."""
    treatments = list(dict.fromkeys(data[y])) if len(data) else []
    ax, ys = _rows([str(t) for t in treatments], ax, "number of reported results")
    if not treatments:
        return nothing(ax, "No results to count")
    pos = dict(zip(treatments, ys, strict=True))
    left = dict.fromkeys(treatments, 0.0)
    for direction in DIRECTIONS:
        part = data.loc[(data[hue].astype(object) == direction) & (data[x] > 0)]
        if part.empty:
            continue
        ax.barh([pos[t] for t in part[y]], part[x], left=[left[t] for t in part[y]],
                height=0.6, color=DIRECTION_COLOURS[direction], label=label_text(direction),
                edgecolor="white")  # fmt: skip
        for t, n in zip(part[y], part[x], strict=True):
            left[t] += n
    ax.set_xlim(0, max(left.values()) * 1.02 or 1.0)
    # the default locator is a MaxNLocator, which takes integer=; the stub types the base class
    ax.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    ax.legend(title="Direction", loc="lower left", bbox_to_anchor=(0.0, 1.02), ncols=2,
              fontsize=_SMALL, title_fontsize=_SMALL)  # fmt: skip
    return ax


__all__ = ["count_words", "directions_phone", "participants_phone"]
