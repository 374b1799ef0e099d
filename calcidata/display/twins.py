"""A figure drawn twice: wide for a screen and paper, narrow for a phone; CSS shows one.

A figure-level plot returns a :class:`PhoneFigure` (an axes-level one draws on
one when it makes its own figure) and hands it, with :func:`phone_twin`, the way to
draw itself again for a phone (panels in one column, labels wrapped narrow or on a
line of their own above their row, at most :data:`PHONE_WIDTH` inches wide so its
text keeps its size; :func:`phone_axes` and :func:`fit_lines` lay out the rows).
Shown in a notebook or a report page, the figure is both drawings in one
``<div class="calcidata-twins">``: the wide one above the phone breakpoint and on
paper, the narrow one below it. The hidden one is ``display: none``, out of
the accessibility tree, so a screen reader meets one figure with one name.

Private to :mod:`calcidata.display`; it imports matplotlib, so it is imported
only where a figure is drawn.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

#: Width in inches of a figure drawn for a phone: 3.7 in is 355 CSS px, inside the
#: 374 px a 390 px screen leaves, so the figure is shown at its own size (text of 11 px).
PHONE_WIDTH = 3.7
#: Label width (characters) of a figure drawn for a phone.
PHONE_LABEL_WIDTH = 20
#: A phone drawing whose rows are lines of text (a label above its bar or interval):
#: the height of one line and the margin each side of its plot, in inches.
PHONE_LINE, PHONE_MARGIN = 0.2, 0.1
#: Below this viewport width the narrow drawing shows (the pages' phone breakpoint).
PHONE_BREAKPOINT = "700px"

_STYLE = (
    "<style>.calcidata-twin-narrow{display:none}"
    f"@media (max-width:{PHONE_BREAKPOINT})"
    "{.calcidata-twin-wide{display:none}.calcidata-twin-narrow{display:block}}"
    "@media print{.calcidata-twin-wide{display:block!important}"
    ".calcidata-twin-narrow{display:none!important}}</style>"
)


class PhoneFigure(Figure):
    """A matplotlib figure that can carry a narrow drawing of itself for phones.

    Without one (``narrow`` None) it is shown as any figure is.
    """

    narrow: Callable[[], Figure] | None = None

    def _repr_mimebundle_(
        self, include: object = None, exclude: object = None
    ) -> dict[str, str] | None:
        """Both drawings in one HTML wrapper, when there is a twin (else as any figure).

        The wide drawing comes as SVG too, so it is not drawn a second time for that.
        """
        if self.narrow is None:
            return None
        shown = twins_html(self, self.narrow())
        wide = shown[shown.index("<svg") : shown.index("</svg>") + len("</svg>")]
        return {"text/html": shown, "image/svg+xml": wide}


def new_figure(width: float, height: float, narrow: bool) -> Figure:
    """A ``PhoneFigure``, pyplot's (shown at a notebook cell's end) unless ``narrow``."""
    import matplotlib.pyplot as plt

    if narrow:
        return PhoneFigure(figsize=(width, height))
    return plt.figure(figsize=(width, height), FigureClass=PhoneFigure)


def phone_twin(fig: Figure, narrow: Callable[[], Figure]) -> Figure:
    """Give ``fig`` (a :class:`PhoneFigure`) ``narrow``, which draws it for a phone.

    The narrow figure is drawn only when ``fig`` is shown. Returns ``fig``.
    """
    if isinstance(fig, PhoneFigure):
        fig.narrow = narrow
    return fig


def phone_axes(lines: float, below: float = 0.0) -> Axes:
    """One Axes of ``lines`` lines, full width, on a new phone figure (not pyplot's).

    Its y axis counts lines from the top (line ``i`` is centred on ``i + 0.5``);
    ``below`` inches are left under it for tick labels and words.
    """
    fig = new_figure(PHONE_WIDTH, lines * PHONE_LINE + below + 0.1, narrow=True)
    height = fig.get_figheight()
    ax = fig.add_axes(
        (
            PHONE_MARGIN / PHONE_WIDTH,
            below / height,
            1 - 2 * PHONE_MARGIN / PHONE_WIDTH,
            lines * PHONE_LINE / height,
        )
    )
    ax.set_ylim(lines, 0)
    return ax


def line_width(ax: Axes) -> float:
    """Width in points of ``ax``: how long a line of text drawn across it may be."""
    inches = ax.figure.get_size_inches()[0] if isinstance(ax.figure, Figure) else PHONE_WIDTH
    return float(ax.get_position().width * inches * 72)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of ``text`` (as it is, no mathtext) at font ``size``, default font."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(size=size, weight="bold" if bold else "normal")
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def fit_lines(text: object, size: float, width: float, bold: bool = False) -> list[str]:
    """``text`` wrapped onto the fewest lines each at most ``width`` points wide.

    Words (no-break spaces join them) are kept whole where they fit; a word wider
    than ``width`` is broken. The lines are measured with 5% to spare: renderers
    (Agg, a browser's font) differ a little.
    """
    words = re.sub(r"[ \t\r\n]+", " ", str(text)).strip()  # a no-break space stays
    for n in range(len(words), 0, -1):
        lines = textwrap.wrap(words, n, break_on_hyphens=False) or [""]
        if all(text_width(line, size, bold) <= 0.95 * width for line in lines):
            return lines
    return list(words)


def twins_html(wide: Figure, narrow: Figure) -> str:
    """``wide`` and ``narrow`` as inline SVGs in one wrapper; CSS shows the one that fits."""
    from calcidata.display.figure_html import svg_html

    shown = [
        svg_html(fig).replace("calcidata-figure", f"calcidata-figure calcidata-twin-{kind}", 1)
        for fig, kind in ((wide, "wide"), (narrow, "narrow"))
    ]
    return f'<div class="calcidata-twins">{_STYLE}{"".join(shown)}</div>'


__all__ = [
    "PHONE_LABEL_WIDTH",
    "PHONE_LINE",
    "PHONE_MARGIN",
    "PHONE_WIDTH",
    "PhoneFigure",
    "fit_lines",
    "line_width",
    "new_figure",
    "phone_axes",
    "phone_twin",
    "text_width",
    "twins_html",
]
