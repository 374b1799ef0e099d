"""Helpers for the plots' tests: the text a figure draws, measured where it is drawn."""

from __future__ import annotations

import itertools

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: 9 CSS px in points: the smallest text a figure shown at its own size may have.
NINE_PX = 9 * 72 / 96


def drawn_texts(fig: Figure) -> list[Text]:
    """Every non-empty text ``fig`` draws: its own, each Axes' texts, titles, axis labels,
    legends and the tick labels inside the view (not a tick the locator made outside it)."""
    fig.draw_without_rendering()  # a figure off pyplot has a canvas that does not draw
    found: list[Text] = list(fig.texts)
    for legend in fig.legends:
        found += [legend.get_title(), *legend.get_texts()]
    for ax in fig.axes:
        found += [*ax.texts, ax.title, ax._left_title, ax.xaxis.label, ax.yaxis.label]
        if ax.get_legend() is not None:
            found += [ax.get_legend().get_title(), *ax.get_legend().get_texts()]
        for axis, (lo, hi) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            lo, hi = min(lo, hi), max(lo, hi)
            for tick in axis.get_major_ticks():
                if lo <= tick.get_loc() <= hi:
                    found += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    return [t for t in found if t.get_visible() and t.get_text().strip()]


def overlapping(texts: list[Text], tolerance: float = 0.5) -> list[tuple[str, str]]:
    """The pairs of ``texts`` whose boxes (in display pixels) overlap by more than ``tolerance``."""
    boxes: list[tuple[str, Bbox]] = [(t.get_text(), t.get_window_extent()) for t in texts]
    return [
        (a, b)
        for (a, p), (b, q) in itertools.combinations(boxes, 2)
        if min(p.x1, q.x1) - max(p.x0, q.x0) > tolerance
        and min(p.y1, q.y1) - max(p.y0, q.y0) > tolerance
    ]
