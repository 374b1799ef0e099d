"""A figure drawn twice: wide for a screen and paper, narrow for a phone; CSS shows one.

A figure-level plot returns a :class:`PhoneFigure` and hands it, with
:func:`phone_twin`, the way to draw itself again for a phone (panels in one
column, labels wrapped narrow, at most :data:`PHONE_WIDTH` inches wide so its text
keeps its size). Shown in a notebook or a report page, the figure is both drawings
in one ``<div class="calcidata-twins">``: the wide one above the phone breakpoint
and on paper, the narrow one below it. The hidden one is ``display: none``, out of
the accessibility tree, so a screen reader meets one figure with one name.

Private to :mod:`calcidata.display`; it imports matplotlib, so it is imported
only where a figure is drawn.
"""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.figure import Figure

#: Width in inches of a figure drawn for a phone: 3.7 in is 355 CSS px, inside the
#: 374 px a 390 px screen leaves, so the figure is shown at its own size (text of 11 px).
PHONE_WIDTH = 3.7
#: Label width (characters) of a figure drawn for a phone.
PHONE_LABEL_WIDTH = 20
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
    "PHONE_WIDTH",
    "PhoneFigure",
    "new_figure",
    "phone_twin",
    "twins_html",
]
