"""Forest plot of a pooled meta-analysis, laid out as in RevMan.

Imported only when used (``calcidata.display.forest`` loads it); matplotlib is imported
inside :func:`forest`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import RATIO_MEASURES

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from calcidata.synthesis.meta import MetaResult

#: Largest absolute value drawn; larger ones are refused (ParameterError), not clipped.
LIMIT = 1e12
#: The same on the log scale of ratio measures (exp(300) is about 2e130).
LOG_LIMIT = 300.0


def forest(
    result: MetaResult,
    *,
    labels: Sequence[str] | None = None,
    measure: str | None = None,
    favours: tuple[str, str] = ("Favours treatment", "Favours comparator"),
    arms: Sequence[str] | None = None,
    narrow: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Draw a RevMan-style forest plot of ``result`` and return the Axes.

    One row per study: RevMan's columns left of the plot (the study, its arms
    when given, the weight "9.4%", the estimate and interval "0.49 [0.34, 0.70]"),
    each as wide as its longest text so that none overlaps the next, then a
    square (area proportional to the weight) at the estimate with its
    confidence interval. Every text is drawn as it is (``$`` is not mathtext).
    The figure's text alternative (:func:`calcidata.display.describe`) states
    the pooled result in words. Below:
    the pooled diamond (its tips at the CI), the prediction interval as a line
    under it, a line of heterogeneity statistics (tau², Q, df, p, I²) and the
    two "favours" labels under the axis. Nothing is shown or saved.

    Parameters
    ----------
    result : MetaResult
        From :func:`calcidata.meta.pool`.
    labels : sequence of str, optional
        Study labels, one per study (default "Study 1", ...).
    measure : str, optional
        ``"RR"``, ``"OR"`` or ``"HR"``: the result is on the log scale, so the
        plot shows ``exp`` of it on a log x axis with a line at 1. Otherwise
        a linear axis with a line at 0.
    favours : tuple of str
        Labels under the left and right side of the null line.
    arms : sequence of str, optional
        Participants per arm of each study (e.g. "12/13"), shown in an "Arms"
        column; no such column when omitted.
    narrow : bool
        Draw it for a phone (:func:`phone_lines`): each study's label on its own
        line, its estimate, interval and weight under it, then its interval across
        the whole width; a new figure is then :data:`~calcidata.display.twins.PHONE_WIDTH`
        wide.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure is made when omitted.

    Raises
    ------
    calcidata.errors.ParameterError
        Labels of the wrong length, or values too large to draw (not finite,
        or beyond 1e12 in absolute value; beyond 300 on the log scale for ratios).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon
    from matplotlib.transforms import ScaledTranslation

    from calcidata.display._plotbase import describe, tex_safe

    k = result.k
    labels = [f"Study {i + 1}" for i in range(k)] if labels is None else [str(s) for s in labels]
    if len(labels) != k:
        raise ParameterError(f"labels must have {k} entries (one per study); got {len(labels)}")
    ratio = measure is not None and measure.upper() in RATIO_MEASURES
    rows = result.summary_frame(labels)
    studies, pooled = rows.iloc[:k], rows.iloc[k]
    problem = undrawable(result, measure)
    if problem:
        raise ParameterError(f"result: {problem}")
    pi = np.array([result.pi_low, result.pi_high])
    show: Callable[[Any], Any] = np.exp if ratio else (lambda x: x)
    if arms is not None and len(arms) != k:
        raise ParameterError(f"arms must have {k} entries (one per study); got {len(arms)}")
    if narrow:
        return _phone(result, labels, measure, favours, arms, ax)

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.45 * (k + 6)))
    ys = np.arange(k, 0, -1, dtype=float)
    w = studies.weight.to_numpy()
    sizes = 20 + 180 * w / max(w.max(), 1e-300)
    for y, row in zip(ys, studies.itertuples(), strict=True):
        ax.plot(show([row.ci_low, row.ci_high]), [y, y], color="black", lw=1)
    ax.scatter(show(studies.estimate.to_numpy()), ys, s=sizes, marker="s", color="tab:blue",
               zorder=3, label="studies")  # fmt: skip
    y_pool = -0.5
    lo, mid, hi = show(pooled.ci_low), show(pooled.estimate), show(pooled.ci_high)
    diamond = Polygon(
        [(lo, y_pool), (mid, y_pool + 0.35), (hi, y_pool), (mid, y_pool - 0.35)],
        closed=True, color="black", label="pooled",
    )  # fmt: skip
    ax.add_patch(diamond)
    if np.all(np.isfinite(pi)) and result.method != "FE":
        ax.plot(show(pi), [y_pool - 0.7] * 2, color="tab:red", lw=2, label="prediction interval")
    ax.axvline(1.0 if ratio else 0.0, color="grey", lw=0.8)
    if ratio:
        ax.set_xscale("log")
    total = f"Total ({result.method}, {result.level:g}% CI)"
    ax.set_yticks([*ys, y_pool], [tex_safe(t) for t in [*labels, total]])
    ax.set_ylim(-2.0, k + 1.0)
    ax.tick_params(axis="y", length=0)
    pooled_text = _interval(show, pooled.estimate, pooled.ci_low, pooled.ci_high)
    columns = [
        (
            "Estimate [CI]",
            [_interval(show, r.estimate, r.ci_low, r.ci_high) for r in studies.itertuples()],
            pooled_text,
        ),
        ("Weight", [f"{r.weight:.1f}%" for r in studies.itertuples()], "100.0%"),
    ]
    if arms is not None:
        columns.append(("Arms", [str(a) for a in arms], ""))
    size = _text_size()
    gap, right = 12.0, 8.0  # points between columns, and from the last to the plot
    for header, cells, total_cell in columns:  # right to left, each as wide as its text
        width = max(_width(t, size, bold=True) for t in [header, *cells, total_cell])
        place = ScaledTranslation(-right / 72, 0, ax.figure.dpi_scale_trans)
        where = ax.get_yaxis_transform() + place
        ax.text(0, k + 0.6, header, transform=where, ha="right", fontweight="bold", size=size)
        for y, cell in zip(ys, cells, strict=True):
            ax.text(0, y, tex_safe(cell), transform=where, ha="right", va="center", size=size)
        ax.text(0, y_pool, total_cell, transform=where, ha="right", va="center",
                fontweight="bold", size=size)  # fmt: skip
        right += width + gap
    # the study names are the tick labels, left of every column
    ax.tick_params(axis="y", pad=right)
    ax.text(0, k + 0.6, "Study", transform=ax.get_yaxis_transform()
            + ScaledTranslation(-right / 72, 0, ax.figure.dpi_scale_trans),
            ha="right", fontweight="bold", size=size)  # fmt: skip
    ax.text(0.0, -0.1, _heterogeneity(result), transform=ax.transAxes, va="top", fontsize=8)
    ax.text(0.25, -0.2, tex_safe(favours[0]), transform=ax.transAxes, ha="center", va="top")
    ax.text(0.75, -0.2, tex_safe(favours[1]), transform=ax.transAxes, ha="center", va="top")
    describe(ax, pooled_words(result, measure, k))
    return ax


#: Font size (points) of the heterogeneity line.
_SMALL = 8.0
#: Between the parts of a phone forest's detail line; a line breaks only there (each
#: part's spaces are no-break spaces: "RR 0.49 [0.34, 0.70]" stays whole).
_KEEP = " · "


def phone_lines(
    result: MetaResult,
    labels: Sequence[str],
    *,
    measure: str | None = None,
    arms: Sequence[str] | None = None,
    width: float,
) -> list[tuple[str, str, int]]:
    """The lines of a forest drawn for a phone, top to bottom, each fitted to ``width`` pt.

    Each is ``(kind, text, study)``: per study its ``label`` (the name, wrapped),
    its ``detail`` ("RR 0.49 [0.34, 0.70] · weight 9.4% · arms 12/13") and its
    interval (``study``, with the study's index); then the ``total`` label and
    detail, the ``pooled`` diamond, the prediction interval (``pi``, random
    effects only) and the ``heterogeneity`` line. Text lines have no study (-1).
    """
    ratio = measure is not None and measure.upper() in RATIO_MEASURES
    show: Callable[[Any], Any] = np.exp if ratio else (lambda x: x)
    rows = result.summary_frame(list(labels))
    k, size, name = result.k, _text_size(), measure or "Estimate"
    lines: list[tuple[str, str, int]] = []

    def text(kind: str, words: str, bold: bool = False, at: float = size) -> None:
        from calcidata.display.twins import fit_lines

        fitted = fit_lines(words, at, width, bold)
        if words.count(_KEEP):  # a line broken after a part loses its " ·"
            fitted = [line.rstrip(" ·") for line in fitted]
        lines.extend((kind, line, -1) for line in fitted)

    for j, r in enumerate(rows.iloc[:k].itertuples()):
        text("label", str(labels[j]))
        parts = [f"{name} {_interval(show, r.estimate, r.ci_low, r.ci_high)}"]
        parts += [f"weight {r.weight:.1f}%", *([] if arms is None else [f"arms {arms[j]}"])]
        text("detail", _KEEP.join(p.replace(" ", "\u00a0") for p in parts))
        lines.append(("study", "", j))
    pooled = rows.iloc[k]
    text("total", f"Total ({result.method}, {result.level:g}% CI)", bold=True)
    estimate = _interval(show, pooled.estimate, pooled.ci_low, pooled.ci_high)
    parts = [f"{name} {estimate}", "weight 100.0%"]
    text("total", _KEEP.join(p.replace(" ", "\u00a0") for p in parts), bold=True)
    lines.append(("pooled", "", -1))
    if np.all(np.isfinite([result.pi_low, result.pi_high])) and result.method != "FE":
        lines.append(("pi", "", -1))
    text("heterogeneity", _heterogeneity(result), at=_SMALL)
    return lines


def phone_below(favours: tuple[str, str], width: float) -> tuple[list[list[str]], float]:
    """The two "favours" labels fitted under a phone forest ``width`` pt wide.

    Also the inches below its plot that they take with the tick labels.
    """
    from calcidata.display.twins import fit_lines

    fitted = [fit_lines(f, _text_size(), width / 2 - 6) for f in favours]
    return fitted, 0.4 + 0.19 * max(len(f) for f in fitted)


def _phone(
    result: MetaResult,
    labels: Sequence[str],
    measure: str | None,
    favours: tuple[str, str],
    arms: Sequence[str] | None,
    ax: Axes | None,
) -> Axes:
    """:func:`forest` drawn for a phone: see :func:`phone_lines` for its lines."""
    from matplotlib.patches import Polygon
    from matplotlib.transforms import ScaledTranslation

    from calcidata.display._plotbase import describe, plain_log_ticks, tex_safe
    from calcidata.display.twins import PHONE_MARGIN, PHONE_WIDTH, line_width, phone_axes

    ratio = measure is not None and measure.upper() in RATIO_MEASURES
    show: Callable[[Any], Any] = np.exp if ratio else (lambda x: x)
    width = line_width(ax) if ax is not None else (PHONE_WIDTH - 2 * PHONE_MARGIN) * 72
    lines = phone_lines(result, labels, measure=measure, arms=arms, width=width)
    fitted, below = phone_below(favours, width)
    if ax is None:
        ax = phone_axes(len(lines), below)
    ax.set_ylim(len(lines), 0)
    rows = result.summary_frame(list(labels))
    studies, pooled = rows.iloc[: result.k], rows.iloc[result.k]
    w = studies.weight.to_numpy()
    sides = 12 + 88 * w / max(w.max(), 1e-300)
    size, where = _text_size(), ax.get_yaxis_transform()
    at: list[float] = []
    for i, (kind, line, j) in enumerate(lines):
        y = i + 0.5
        if kind == "study":
            r = studies.iloc[j]
            ax.plot(show([r.ci_low, r.ci_high]), [y, y], color="black", lw=1)
            at.append(y)
        elif kind == "pooled":
            lo, mid, hi = show(pooled.ci_low), show(pooled.estimate), show(pooled.ci_high)
            ax.add_patch(Polygon([(lo, y), (mid, y - 0.35), (hi, y), (mid, y + 0.35)],
                                 closed=True, color="black", label="pooled"))  # fmt: skip
        elif kind == "pi":
            ax.plot(show([result.pi_low, result.pi_high]), [y, y], color="tab:red", lw=2,
                    label="prediction interval")  # fmt: skip
        else:
            ax.text(0, y, tex_safe(line), transform=where, va="center",
                    size=_SMALL if kind == "heterogeneity" else size,
                    fontweight="bold" if kind == "total" else "normal",
                    color="#333333" if kind == "detail" else "black",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})  # fmt: skip
    ax.scatter(show(studies.estimate.to_numpy()), at, s=sides, marker="s", color="tab:blue",
               zorder=3, label="studies")  # fmt: skip
    drawn = [studies.ci_low, studies.ci_high, [pooled.ci_low, pooled.ci_high, 0.0]]
    if any(kind == "pi" for kind, _, _ in lines):
        drawn.append([result.pi_low, result.pi_high])
    span = np.concatenate([np.asarray(v, dtype=float) for v in drawn])
    low, high = float(span.min()), float(span.max())
    pad = 0.05 * (high - low or 1.0)
    ax.axvline(show(0.0), color="grey", lw=0.8, zorder=1)
    if ratio:
        ax.set_xscale("log")
        plain_log_ticks(ax, show(low - pad), show(high + pad))
    else:
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.set_xlim(show(low - pad), show(high + pad))
    ax.set_yticks([])
    ax.grid(False)
    ax.spines[["left", "right", "top"]].set_visible(False)
    under = ax.transAxes + ScaledTranslation(0, -22 / 72, ax.figure.dpi_scale_trans)
    for x, words in zip((0.25, 0.75), fitted, strict=True):
        ax.text(x, 0, tex_safe("\n".join(words)), transform=under, ha="center", va="top",
                size=size)  # fmt: skip
    describe(ax, pooled_words(result, measure, result.k))
    return ax


def _text_size() -> float:
    """The font size (points) of a forest's texts: the theme's tick labels."""
    import matplotlib.pyplot as plt

    size = plt.rcParams["ytick.labelsize"]
    return float(size if isinstance(size, (int, float)) else plt.rcParams["font.size"])


def undrawable(result: MetaResult, measure: str | None = None) -> str | None:
    """Why :func:`forest` cannot draw ``result`` (values not finite or too large), or None."""
    ratio = measure is not None and measure.upper() in RATIO_MEASURES
    rows = result.summary_frame()
    k = result.k
    numbers = np.r_[
        rows.iloc[:k][["estimate", "ci_low", "ci_high"]].to_numpy(dtype=float).ravel(),
        [rows.iloc[k].ci_low, rows.iloc[k].ci_high],
    ]
    pi = np.array([result.pi_low, result.pi_high], dtype=float)
    limit = LOG_LIMIT if ratio else LIMIT
    with np.errstate(invalid="ignore", over="ignore"):
        if not np.all(np.isfinite(numbers)) or np.any(
            np.abs(np.r_[numbers, pi[np.isfinite(pi)]]) > limit
        ):
            return (
                f"values must be finite and within {limit:g} in absolute value"
                f"{' (log scale)' if ratio else ''} to be drawn in a forest plot"
            )
    return None


def pooled_words(result: MetaResult, measure: str | None, k: int | None = None) -> str:
    """The pooled result in words: the text alternative of its forest plot."""
    ratio = measure is not None and measure.upper() in RATIO_MEASURES
    show: Callable[[Any], Any] = np.exp if ratio else (lambda x: x)
    name = measure or "effect"
    model = "fixed effect" if result.method == "FE" else f"random effects ({result.method})"
    k = result.k if k is None else k
    return (
        f"Forest plot of {k} studies. Pooled {name} {_fmt(show(result.estimate))} "
        f"({result.level:g}% CI {_fmt(show(result.ci_low))} to {_fmt(show(result.ci_high))}), "
        f"{model}; I² = {result.i2:.0f}%."
    )


def _width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of ``text`` (as it is, no mathtext) at font ``size``, default font."""
    from calcidata.display.twins import text_width

    return text_width(text, size, bold)


def _interval(show: Any, est: object, low: object, high: object) -> str:
    return f"{_fmt(show(est))} [{_fmt(show(low))}, {_fmt(show(high))}]"


def _fmt(x: float) -> str:
    return f"{x:.2f}" if 1e-2 <= abs(x) < 1e5 or x == 0 else f"{x:.2g}"


def _heterogeneity(result: MetaResult) -> str:
    p = result.q_pval
    p_text = "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if math.isfinite(p) else "p = NA"
    return (
        f"Heterogeneity: Tau² = {result.tau2:.3g}; Q = {result.q:.2f}, df = {result.q_df} "
        f"({p_text}); I² = {result.i2:.0f}%"
    )
