"""A figure as HTML: an inline SVG named by its text alternative, in a box.

Private to :mod:`calcidata.display` (re-exported by its ``_plotbase``);
matplotlib is imported inside the function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: Where a figure's text alternative travels inside its SVG (read by ``reports.page``).
ALT_PREFIX = "calcidata-alt:"


def svg_html(fig: Figure) -> str:
    """``fig`` as an inline ``<svg role="img">`` named by its text alternative, in a box.

    Its text stays text (``svg.fonttype`` none); the box scrolls when the page
    keeps the figure's text at a readable size (see ``reports/assets/page.js``).
    """
    import html
    import io

    import matplotlib.pyplot as plt

    gid = fig.get_gid() or ""
    alt = gid[len(ALT_PREFIX) :] if gid.startswith(ALT_PREFIX) else "Figure"
    fig.set_gid(None)
    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :].replace(
        "<svg ", f'<svg role="img" aria-label="{html.escape(alt, quote=True)}" ', 1
    )
    return f'<div class="jp-RenderedSVG calcidata-figure">{svg}</div>'


__all__ = ["ALT_PREFIX", "svg_html"]
