"""What every calcidata plot shares: palettes, legends, empty panels and stacked grids.

Private to :mod:`calcidata.display`; matplotlib and seaborn are imported inside
the functions, so importing this module draws in neither.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar, cast

import numpy as np
import pandas as pd

from calcidata._api import DocComponents
from calcidata.display.figure_html import ALT_PREFIX as ALT_PREFIX  # re-exported
from calcidata.display.figure_html import svg_html as svg_html  # re-exported
from calcidata.display.labels import STRENGTH_WORDS, humanize
from calcidata.display.wording import worded as _worded_view
from calcidata.schemas.vocabularies import DIRECTIONS, STRENGTH

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.typing import LegendLocType

#: An Axes or a Figure: what :func:`describe` takes and gives back.
_Where = TypeVar("_Where", "Axes", "Figure")

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

_AX = """
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure sized to the data.
"""
_LABEL_WIDTH = """
    label_width : int
        Labels longer than this wrap onto more lines.
"""
#: Words about the parameters every plot shares, formatted into the plots' docstrings
#: (a line ``{ax}``, ``{label_width}`` or ``{narrow}`` stands for them).
_NARROW = """
    narrow : bool
        Draw it for a phone (:mod:`calcidata.display.twins`); by default the figure is
        wide and carries its phone drawing, shown in its place on a small screen.
"""
PLOT_DOCS = DocComponents(ax=_AX, label_width=_LABEL_WIDTH, narrow=_NARROW)


def strength_palette() -> dict[str, tuple[float, float, float]]:
    """Ordered colours for the evidence-strength levels, weakest (light) to strongest (dark)."""
    import seaborn as sns

    colours = sns.color_palette("viridis_r", n_colors=len(STRENGTH))
    return dict(zip(STRENGTH, colours, strict=True))


def plain(text: object, width: int | None = None) -> str:
    """Table text made safe for matplotlib (no mathtext), wrapped onto lines of ``width``.

    Nothing is cut: a long label takes more lines (see :func:`row_height`); only a
    word longer than ``width`` (a DOI, say) is broken.
    """
    s = str(text)
    if width is not None and len(s) > width:
        s = "\n".join(textwrap.wrap(s, width, break_on_hyphens=False))
    return s.replace("$", r"\$")  # an escaped dollar never starts mathtext


def row_height(labels: Iterable[object], width: int | None, base: float = 0.3) -> float:
    """Height in inches of one plot row that must hold the longest of ``labels`` wrapped."""
    lines = max((plain(t, width).count("\n") + 1 for t in labels), default=1)
    return max(base, 0.15 * lines + 0.06)


def tell_apart(
    rows: pd.DataFrame, label: str, by: Sequence[str] = ("outcome", "population", "route")
) -> list[str]:
    """The labels of ``rows``, with what differs added where two rows share one.

    For each group of rows with the same label, the first column of ``by`` whose
    values differ within the group is added in brackets; rows still alike are
    numbered.
    """
    labels = [str(v) for v in rows[label]]
    frame = rows.reset_index(drop=True)
    groups: dict[str, list[int]] = {}
    for i, text in enumerate(labels):
        groups.setdefault(text, []).append(i)
    for text, idx in groups.items():
        if len(idx) < 2:
            continue
        for column in by:
            if column not in frame.columns:
                continue
            values = frame.loc[idx, column].astype(object).where(frame.loc[idx, column].notna())
            if values.nunique(dropna=False) > 1:
                for i in idx:
                    value = frame.at[i, column]
                    labels[i] = f"{text} ({value if isinstance(value, str) else 'not reported'})"
                break
        seen: dict[str, int] = {}
        for i in idx:
            seen[labels[i]] = seen.get(labels[i], 0) + 1
        if any(n > 1 for n in seen.values()):
            count: dict[str, int] = {}
            for i in idx:
                if seen[labels[i]] > 1:
                    count[labels[i]] = count.get(labels[i], 0) + 1
                    labels[i] = f"{labels[i]} #{count[labels[i]]}"
    return labels


def strength_colours(strength: pd.Series) -> list[str | tuple[float, float, float]]:
    pal = strength_palette()
    return [pal.get(str(s), _MISSING_COLOUR) for s in strength.astype(object)]


def new_axes(width: float, height: float, phone: Callable[[], Axes] | None = None) -> Axes:
    """Axes on a new pyplot figure; ``phone`` draws it again for a phone (its twin)."""
    import matplotlib.pyplot as plt

    from calcidata.display.twins import PhoneFigure, phone_twin

    fig, ax = plt.subplots(figsize=(width, height), layout="constrained", FigureClass=PhoneFigure)
    if phone is not None:
        drawn = phone  # a phone drawing's Axes lie on a Figure of their own (twins.phone_axes)
        phone_twin(fig, lambda: cast("Figure", drawn().get_figure(root=True)))
    return ax


def strength_handles(levels: Iterable[object]) -> list[Line2D]:
    """Legend markers of the evidence-strength levels present in ``levels``, strongest first."""
    from matplotlib.lines import Line2D

    pal, present = strength_palette(), set(levels)
    return [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markersize=7,
            color=pal[s],
            label=STRENGTH_WORDS.get(s, label_text(s)),
        )  # fmt: skip
        for s in reversed(STRENGTH)
        if s in present
    ]


def strength_legend(
    ax: Axes,
    levels: Iterable[object],
    *,
    loc: LegendLocType = "upper left",
    anchor: tuple[float, float] = (1.01, 1.0),
    title: str | None = None,
) -> None:
    """An evidence-strength legend beside ``ax``."""
    handles = strength_handles(levels)
    if handles:
        ax.legend(
            handles=handles,
            title=title or "Evidence strength",
            loc=loc,
            bbox_to_anchor=anchor,
            fontsize="small",
            title_fontsize="small",
        )


def plain_log_ticks(ax: Axes, low: float, high: float) -> None:
    """Log-scale ticks written as plain numbers (0.5, 1, 2) rather than powers of ten."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    decades = np.log10(high / low) if low > 0 and high > 0 else 1.0
    subs = (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def figure_strength_legend(fig: Figure, levels: Iterable[object]) -> None:
    """One evidence-strength legend above all panels of a figure."""
    handles = strength_handles(levels)
    if handles:
        fig.legend(
            handles=handles,
            title="Evidence strength of each result",
            loc="upper center",
            bbox_to_anchor=(0.5, 1.0),
            ncols=len(handles) if fig.get_figwidth() > 6 else 2,  # a phone's: two
            fontsize="small",
            title_fontsize="small",
        )


def nothing(ax: Axes, message: str) -> Axes:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def worded(data: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``data`` worded by :func:`~calcidata.display.words` when it lacks one of ``columns``.

    Lets a plot take an analysis frame as it comes (``forest_data`` has no
    ``group`` or ``label`` text yet) or a frame already worded.
    """
    if all(c in data.columns for c in columns):
        return data
    return _worded_view(data)


def label_text(value: object) -> str:
    """A vocabulary value in plain words, as text for a legend (no mathtext either)."""
    return plain(humanize(value))


def panel_grid(
    data: pd.DataFrame,
    key: str,
    draw: Callable[[pd.DataFrame, Axes], object],
    *,
    empty: str,
    left_out_words: str,
    legend: bool,
    label: str | None = None,
    width: int | None = None,
    what: str = "Figure",
    narrow: bool = False,
) -> tuple[Figure, pd.DataFrame]:
    """Stack one panel per value of ``key`` (in order of appearance) and draw each.

    Rows with ``plotted`` False are counted in a footnote ("Not drawn: ...").
    A panel whose ``label`` texts wrap onto several lines (at ``width``) gets
    taller rows. The figure's text alternative starts with ``what`` and names each
    panel with its number of rows. ``narrow`` draws it for a phone (see
    :mod:`calcidata.display.twins`): titles, axis labels and footnote wrapped too.
    Returns the figure (a ``PhoneFigure``) and the rows that were drawn.
    """
    drawn = data.loc[data["plotted"]] if len(data) else data
    keys = list(dict.fromkeys(drawn[key])) if len(drawn) else []
    left_out = int((~data["plotted"]).sum()) if len(data) else 0
    note = None
    if left_out:
        words = left_out_words.format(s="s" if left_out != 1 else "")
        note = f"Not drawn: {left_out} {words}."
    wrap = _PHONE_TEXT if narrow else None
    note = note and plain(note, _PHONE_NOTE if narrow else None)
    if not keys:
        fig = empty_figure(plain(empty, wrap), note, narrow=narrow)
        return describe(fig, f"{what}: {empty}."), drawn.iloc[0:0]
    sizes = [
        int((drawn[key] == k).sum())
        * (row_height(drawn.loc[drawn[key] == k, label], width) / _ROW if label else 1.0)
        for k in keys
    ]
    titles = [plain(k, wrap) for k in keys]
    fig, axes = stacked_axes(sizes, legend=legend, note=note, titles=titles, narrow=narrow)
    for k, title, ax in zip(keys, titles, axes, strict=True):
        draw(drawn.loc[drawn[key] == k], ax)
        if narrow:  # the title from the figure's left edge; the axis label wrapped
            ax.set_title(title, loc="left", x=(0.02 - _PHONE_LEFT) / (0.96 - _PHONE_LEFT))
            ax.set_xlabel("\n".join(textwrap.wrap(ax.get_xlabel(), _PHONE_AXIS)))
        else:
            ax.set_title(title, loc="left")
    panels = "; ".join(f"{k} ({int((drawn[key] == k).sum())} rows)" for k in keys)
    describe(
        fig, f"{what}, {len(keys)} panel{'s' if len(keys) > 1 else ''}: {panels}. {note or ''}"
    )
    return fig, drawn


def empty_figure(message: str, note: str | None, *, narrow: bool = False) -> Figure:
    from calcidata.display.twins import PHONE_WIDTH, new_figure

    fig = new_figure(PHONE_WIDTH if narrow else 8, 1.6, narrow)
    ax = fig.add_subplot()
    nothing(ax, message)
    ax.grid(False)
    if note:
        fig.text(0.5, 0.02, note, ha="center", va="bottom", fontsize="small", color="#555555")
    return fig


#: Layout of stacked panels, in inches: row height, space for a title above a panel,
#: for tick labels and axis label below it, and for the figure legend and footnote.
_ROW, _ABOVE, _BELOW, _LEGEND, _NOTE, _WIDTH, _LEFT = 0.3, 0.4, 0.7, 0.75, 0.4, 12.0, 0.42
#: For a phone (width in :mod:`~calcidata.display.twins`): a line of text, left, wraps.
_LINE, _PHONE_LEFT, _PHONE_TEXT, _PHONE_AXIS, _PHONE_NOTE = 0.19, 0.45, 44, 26, 60


def stacked_axes(
    sizes: list[float],
    *,
    legend: bool,
    note: str | None,
    titles: Sequence[str] = (),
    narrow: bool = False,
) -> tuple[Figure, list[Axes]]:
    """A figure with one full-width panel per size, heights proportional to their rows.

    Positions are computed once in inches (no layout engine, which is slow with
    many panels); labels wider than the left margin are kept by a tight bounding
    box when the figure is saved or displayed. Wrapped ``titles`` or note get their
    lines; a ``narrow`` figure (for a phone) is shown with its wide twin, not by pyplot.
    """
    from calcidata.display.twins import PHONE_WIDTH, new_figure

    width, left = (PHONE_WIDTH, _PHONE_LEFT) if narrow else (_WIDTH, _LEFT)
    lines = [t.count("\n") for t in titles] or [0] * len(sizes)
    heights = [_ROW * n + 0.35 for n in sizes]
    extra_top = [0.25 if n > 15 else 0.0 for n in sizes]  # tick labels repeated on top
    above = [_ABOVE + _LINE * n for n in lines]
    below = _BELOW + _LINE * narrow  # room for an axis label on two lines
    head = (_LEGEND + _LINE * narrow) if legend else 0.15
    notes = (_NOTE + _LINE * note.count("\n")) if note else 0.1
    total = head + sum(heights) + sum(extra_top) + sum(above) + len(sizes) * below + notes
    fig = new_figure(width, total, narrow)
    y = total - head
    axes = []
    for h, top, a in zip(heights, extra_top, above, strict=True):
        y -= a + top + h
        axes.append(fig.add_axes((left, y / total, 0.96 - left, h / total)))
        y -= below
    if note:
        fig.text(
            0.5, 0.1 / total, note, ha="center", va="bottom", fontsize="small", color="#555555"
        )
    return fig, axes


def top_ticks_if_tall(ax: Axes, n_rows: int, tall: int = 15) -> None:
    """Repeat the x tick labels above a panel with many rows, so values stay readable."""
    if n_rows > tall:
        ax.tick_params(axis="x", labeltop=True)


def palette_table() -> Mapping[str, str]:
    """Hex colour of each evidence-strength level (for legends written in HTML)."""
    from matplotlib.colors import to_hex

    return {k: to_hex(v) for k, v in strength_palette().items()}


def describe(where: _Where, text: str) -> _Where:
    """Give the figure of ``where`` (an Axes or a Figure) a text alternative; returns ``where``.

    The text says what the figure shows, in words (for a forest plot, the pooled
    result). It travels in the SVG as the id of the figure's outer group, and the
    report page makes it the figure's accessible name (``aria-label``).
    """
    fig = getattr(where, "figure", None) or where
    fig.set_gid(ALT_PREFIX + " ".join(str(text).split()))
    return where


def tex_safe(text: object) -> str:
    """``text`` with ``$`` escaped, so that matplotlib never reads it as mathtext."""
    return str(text).replace("$", r"\$")
