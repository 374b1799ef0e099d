"""Forest plot of a pooled meta-analysis, laid out as in RevMan.

Imported only when used (``calcidata.display.forest`` loads it); matplotlib is imported
inside :func:`forest`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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
    ax: Axes | None = None,
) -> Axes:
    """Draw a RevMan-style forest plot of ``result`` and return the Axes.

    One row per study: a square (area proportional to the weight) at the
    estimate with its confidence interval, and text columns with the estimate
    and interval (e.g. "0.49 [0.34, 0.70]") and the weight ("9.4%"). Below:
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
    show = np.exp if ratio else (lambda x: x)

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
    ax.set_yticks([*ys, y_pool], [*labels, f"Total ({result.method}, {result.level:g}% CI)"])
    ax.set_ylim(-2.0, k + 1.0)
    text = ax.get_yaxis_transform()
    ax.text(1.02, k + 0.6, "Estimate [CI]", transform=text, fontweight="bold")
    ax.text(1.32, k + 0.6, "Weight", transform=text, fontweight="bold")
    for y, row in zip(ys, studies.itertuples(), strict=True):
        ax.text(1.02, y, _interval(show, row.estimate, row.ci_low, row.ci_high), transform=text,
                va="center")  # fmt: skip
        ax.text(1.32, y, f"{row.weight:.1f}%", transform=text, va="center")
    ax.text(1.02, y_pool, _interval(show, pooled.estimate, pooled.ci_low, pooled.ci_high),
            transform=text, va="center", fontweight="bold")  # fmt: skip
    ax.text(1.32, y_pool, "100.0%", transform=text, va="center", fontweight="bold")
    ax.text(0.0, -0.1, _heterogeneity(result), transform=ax.transAxes, va="top", fontsize=8)
    ax.text(0.25, -0.2, favours[0], transform=ax.transAxes, ha="center", va="top")
    ax.text(0.75, -0.2, favours[1], transform=ax.transAxes, ha="center", va="top")
    ax.figure.subplots_adjust(left=0.25, right=0.62, bottom=0.2)
    return ax


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


def _interval(show: Any, est: float, low: float, high: float) -> str:
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
