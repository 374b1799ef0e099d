"""One RevMan-style forest plot per pooled body of evidence.

Imported only when used (``calcidata.display.pooled_forests`` loads it); matplotlib
is imported inside :func:`pooled_forests`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from calcidata.display._plotbase import describe, tex_safe
from calcidata.display.html import HTML
from calcidata.display.labels import humanize
from calcidata.display.metaplot import forest, pooled_words, undrawable

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from calcidata.synthesis.pooled import PooledBody

NONE_POOLED = "calcidata pooled no body of evidence for this condition."


def panel_title(body: PooledBody) -> str:
    """``ESWT vs placebo or sham · deposit resolution · RR · 3-6 months``."""
    k = body.keys
    return (
        f"{body.treatment} vs {k['comparator']} · {humanize(k['outcome_domain'])} · "
        f"{body.measure} · {k['timepoint']}"
    )


def pooled_forest_figure(bodies: Sequence[PooledBody], *, narrow: bool = False) -> Figure:
    """A figure with one forest plot per pooled body (``bodies`` must not be empty).

    Parameters
    ----------
    bodies : sequence of PooledBody
        From :func:`calcidata.synthesis.pooled_bodies`.
    narrow : bool
        Draw it for a phone (:mod:`calcidata.display.twins`): each study's label on
        its own line above its estimate and interval (``forest(narrow=True)``); by
        default the figure is wide (RevMan's columns) and carries its phone drawing.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per body, titled with its question (:func:`panel_title`),
        drawn by :func:`calcidata.display.forest`; its text alternative gives each
        pooled result in words. Nothing is shown or saved.
    """
    if narrow:
        fig = _phone_figure(bodies)
    else:
        import matplotlib.pyplot as plt

        from calcidata.display.twins import PhoneFigure, phone_twin

        heights = [0.45 * (b.result.k + 6) for b in bodies]
        fig, axes = plt.subplots(
            len(bodies), 1, figsize=(9, sum(heights) + 0.8 * len(bodies)), squeeze=False,
            gridspec_kw={"height_ratios": heights, "hspace": 0.9}, FigureClass=PhoneFigure,
        )  # fmt: skip
        for body, ax in zip(bodies, axes[:, 0], strict=True):
            forest(body.result, labels=body.labels, measure=body.measure, ax=ax)
            ax.set_title(tex_safe(panel_title(body)), loc="left", fontsize=10)
        phone_twin(fig, lambda: pooled_forest_figure(bodies, narrow=True))
    words = (f"{panel_title(b)}: {pooled_words(b.result, b.measure)}" for b in bodies)
    describe(fig, " ".join(words))
    return fig


def _phone_figure(bodies: Sequence[PooledBody]) -> Figure:
    """The forests of ``bodies`` drawn for a phone, one under the other, titles wrapped."""
    from calcidata.display.metaplot import phone_below, phone_lines
    from calcidata.display.twins import (
        PHONE_LINE,
        PHONE_MARGIN,
        PHONE_WIDTH,
        fit_lines,
        new_figure,
    )

    width = (PHONE_WIDTH - 2 * PHONE_MARGIN) * 72
    favours = ("Favours treatment", "Favours comparator")  # forest's default
    titles = [  # a line breaks after a " · ", which it drops, never before one
        [line.rstrip(" ·\u00a0") for line in fit_lines(t, 10, width, bold=True)]
        for t in (panel_title(b).replace(" · ", "\u00a0· ") for b in bodies)
    ]
    sizes = [
        (
            0.1 + 0.19 * len(title),
            PHONE_LINE * len(phone_lines(b.result, b.labels, measure=b.measure, width=width)),
            phone_below(favours, width)[1],
        )
        for b, title in zip(bodies, titles, strict=True)
    ]
    total = sum(sum(s) for s in sizes) + 0.1
    fig = new_figure(PHONE_WIDTH, total, narrow=True)
    top = total
    for body, title, (above, height, below) in zip(bodies, titles, sizes, strict=True):
        top -= above + height
        ax = fig.add_axes((PHONE_MARGIN / PHONE_WIDTH, top / total,
                           1 - 2 * PHONE_MARGIN / PHONE_WIDTH, height / total))  # fmt: skip
        forest(body.result, labels=body.labels, measure=body.measure, narrow=True, ax=ax)
        ax.set_title(tex_safe("\n".join(title)), loc="left", fontsize=10)
        top -= below
    return fig


def pooled_forests(bodies: Sequence[PooledBody]) -> HTML:
    """The forest plots of :func:`pooled_forest_figure` as an inline SVG, or a sentence.

    Parameters
    ----------
    bodies : sequence of PooledBody
        As for :func:`pooled_forest_figure`, but may be empty.

    Returns
    -------
    HTML
        The figure as inline ``<svg role="img">`` drawings, wide and for a phone
        (:func:`calcidata.display.twins.twins_html`: CSS shows the one that fits;
        their text kept as text, named by the pooled results in words; closed
        after drawing, so a notebook shows it once), or :data:`NONE_POOLED`
        when ``bodies`` is empty. A body whose values cannot be drawn (not
        finite, or too large: see :func:`calcidata.display.metaplot.undrawable`)
        is named in a sentence under the figure instead of failing the report.
    """
    if not bodies:
        return HTML(f'<p class="calcidata-muted">{NONE_POOLED}</p>')
    why = [undrawable(b.result, b.measure) for b in bodies]
    note = "".join(
        f'<p class="calcidata-muted">Not drawn: {html.escape(panel_title(b))} '
        f"({html.escape(w)}).</p>"
        for b, w in zip(bodies, why, strict=True)
        if w
    )
    bodies = [b for b, w in zip(bodies, why, strict=True) if not w]
    if not bodies:
        return HTML(note)
    import matplotlib.pyplot as plt

    from calcidata.display.twins import twins_html

    fig = pooled_forest_figure(bodies)
    shown = twins_html(fig, pooled_forest_figure(bodies, narrow=True))
    plt.close(fig)
    return HTML(shown.replace("calcidata-figure", "calcidata-figure calcidata-forest") + note)


__all__ = ["NONE_POOLED", "panel_title", "pooled_forest_figure", "pooled_forests"]
