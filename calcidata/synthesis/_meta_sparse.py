"""Mantel-Haenszel and Peto pooling of 2x2 tables (sparse data); public via :mod:`.meta`.

Both pool the cell counts directly, so a zero cell needs no correction; only the
per-study effect sizes used for Cochran's Q get metafor's ``add=1/2, to="only0"``,
and studies with no events (or only events) in both groups are left out of Q
(metafor's ``drop00=TRUE``). Formulas, with ``n = n1 + n2``, ``m1 = a + c``,
``m2 = b + d`` per table:

* MH odds ratio (Mantel & Haenszel 1959): ``OR = sum(a d / n) / sum(b c / n)``; variance
  of its log by Robins, Breslow & Greenland (1986), with ``P = (a + d) / n``,
  ``Q = (b + c) / n``, ``R = a d / n``, ``S = b c / n``:
  ``sum(P R) / (2 R+^2) + sum(P S + Q R) / (2 R+ S+) + sum(Q S) / (2 S+^2)``.
* MH risk ratio (Greenland & Robins 1985): ``RR = sum(a n2 / n) / sum(c n1 / n)``, variance
  of its log ``sum((n1 n2 m1 - a c n) / n^2) / (sum(a n2 / n) sum(c n1 / n))``.
* MH risk difference: ``RD = sum((a n2 - c n1) / n) / W``, ``W = sum(n1 n2 / n)``, variance by
  Sato, Greenland & Robins (1989): ``(RD P + Q) / W^2`` with
  ``P = sum((n1^2 c - n2^2 a + n1 n2 (n2 - n1) / 2) / n^2)`` and
  ``Q = sum((a (n2 - c) + c (n1 - a)) / (2 n))``.
* Peto's one-step odds ratio (Yusuf et al. 1985): ``O - E = a - n1 m1 / n``,
  ``V = n1 n2 m1 m2 / (n^2 (n - 1))``, ``log OR = sum(O - E) / sum(V)``, variance ``1 / sum(V)``.
* Cochran-Mantel-Haenszel test: ``(|sum(O - E)| - 1/2)^2 / sum(V)`` (the 1/2 only with
  ``correct=True``), 1 df. Tarone's (1985) test for heterogeneity of odds ratios: the
  Breslow-Day statistic ``sum((a - A)^2 / var(A))`` at the MH odds ratio (``A`` the
  fitted count solving the table's odds ratio = OR_MH), minus
  ``(sum(a) - sum(A))^2 / sum(var(A))``, with (number of tables - 1) df.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

from calcidata.errors import ParameterError

from . import _meta_check as check
from ._meta_effects import effect_sizes

MH_MEASURES = ("RR", "OR", "RD")


def tables(
    ai: object, bi: object, ci: object, di: object, n1i: object, n2i: object
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four cells of each 2x2 table (given as ``ai, bi, ci, di`` or ``ai, n1i, ci, n2i``)."""
    if bi is not None or di is not None:
        if n1i is not None or n2i is not None:
            raise ParameterError("give either bi and di or n1i and n2i, not both")
        arr = {n: check.vector(n, v) for n, v in (("ai", ai), ("bi", bi), ("ci", ci), ("di", di))}
    else:
        arr = {
            n: check.vector(n, v) for n, v in (("ai", ai), ("n1i", n1i), ("ci", ci), ("n2i", n2i))
        }
    check.same_length(arr)
    for name, values in arr.items():
        check.non_negative(name, values)
    if "n1i" in arr:
        check.at_most("ai", arr["ai"], "n1i", arr["n1i"])
        check.at_most("ci", arr["ci"], "n2i", arr["n2i"])
        arr["bi"], arr["di"] = arr.pop("n1i") - arr["ai"], arr.pop("n2i") - arr["ci"]
    a, b, c, d = arr["ai"], arr["bi"], arr["ci"], arr["di"]
    for name, n in (("n1i (group size)", a + b), ("n2i (group size)", c + d)):
        check.positive(name, n)
    return a, b, c, d


def mh(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, measure: str
) -> tuple[float, float, np.ndarray]:
    """MH estimate (log scale for RR and OR), its variance and the study weights.

    An estimate that cannot be formed (a sum that is zero) is NaN with NaN variance.
    """
    n1, n2 = a + b, c + d
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "OR":
            r, s = a * d / n, b * c / n
            rs, ss = r.sum(), s.sum()
            if rs == 0 or ss == 0:
                return math.nan, math.nan, s
            p, q = (a + d) / n, (b + c) / n
            var = (
                (p * r).sum() / (2 * rs**2)
                + (p * s + q * r).sum() / (2 * rs * ss)
                + (q * s).sum() / (2 * ss**2)
            )
            return math.log(rs / ss), float(var), s
        if measure == "RR":
            r, s = a * n2 / n, c * n1 / n
            rs, ss = r.sum(), s.sum()
            if rs == 0 or ss == 0:
                return math.nan, math.nan, s
            var = ((n1 * n2 * (a + c) - a * c * n) / n**2).sum() / (rs * ss)
            return math.log(rs / ss), float(var), s
        w = n1 * n2 / n
        ws = w.sum()
        rd = ((a * n2 - c * n1) / n).sum() / ws
        p = ((n1**2 * c - n2**2 * a + n1 * n2 * (n2 - n1) / 2) / n**2).sum()
        q = ((a * (n2 - c) + c * (n1 - a)) / (2 * n)).sum()
        return float(rd), float((rd * p + q) / ws**2), w


def peto(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray
) -> tuple[float, float, np.ndarray]:
    """Peto's log odds ratio, its variance and the per-study variances ``V`` (the weights)."""
    o_e, v = _o_e_v(a, b, c, d)
    if v.sum() <= 0:
        raise ParameterError(
            "Peto's method needs a table with events and non-events; every table has "
            "only one of the two outcomes"
        )
    return float(o_e.sum() / v.sum()), float(1 / v.sum()), v


def _o_e_v(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n1, n2 = a + b, c + d
    n, m1, m2 = n1 + n2, a + c, b + d
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, n1 * n2 * m1 * m2 / (n**2 * (n - 1)), 0.0)
    return a - n1 * m1 / n, v


def study_effects(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, measure: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per-study ``yi``, ``vi`` (``measure`` RR, OR, RD or PETO) for Q and forest plots.

    0.5 is added to every cell of a table with a zero cell; a table with no events or
    only events in both groups gets NaN (left out of Q), as metafor's escalc defaults.
    """
    yi, vi = np.full(a.size, np.nan), np.full(a.size, np.nan)
    keep = ~(((a == 0) & (c == 0)) | ((b == 0) & (d == 0)))
    if not keep.any():
        return yi, vi
    ka, kb, kc, kd = a[keep], b[keep], c[keep], d[keep]
    if measure == "PETO":
        zero = (ka == 0) | (kb == 0) | (kc == 0) | (kd == 0)
        ka, kb, kc, kd = (x + 0.5 * zero for x in (ka, kb, kc, kd))
        o_e, v = _o_e_v(ka, kb, kc, kd)
        yi[keep], vi[keep] = o_e / v, 1 / v
    else:
        es = effect_sizes(measure, ai=ka, bi=kb, ci=kc, di=kd)
        yi[keep], vi[keep] = es.yi.to_numpy(), es.vi.to_numpy()
    return yi, vi


def heterogeneity(yi: np.ndarray, vi: np.ndarray, estimate: float) -> tuple[float, int, float]:
    """Cochran's Q about ``estimate`` over the studies with an effect size, its df and p."""
    ok = np.isfinite(yi)
    df = int(ok.sum()) - 1
    if df < 1 or not math.isfinite(estimate):
        return math.nan, max(df, 0), math.nan
    q = float((((yi[ok] - estimate) ** 2) / vi[ok]).sum())
    return q, df, float(stats.chi2.sf(q, df))


def cmh_test(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, *, correct: bool = True
) -> tuple[float, float]:
    """Cochran-Mantel-Haenszel chi-squared test of OR = 1 (1 df) and its p-value."""
    o_e, v = _o_e_v(a, b, c, d)
    num = abs(o_e.sum()) - (0.5 if correct else 0.0)
    if v.sum() <= 0:
        return math.nan, math.nan
    stat = float(max(num, 0.0) ** 2 / v.sum()) if correct else float(num**2 / v.sum())
    return stat, float(stats.chi2.sf(stat, 1))


def tarone_test(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, log_or: float
) -> tuple[float, int, float]:
    """Tarone's test for heterogeneity of odds ratios at the MH odds ratio (statistic, df, p)."""
    if not math.isfinite(log_or):
        return math.nan, 0, math.nan
    psi = math.exp(log_or)
    n1, n2 = a + b, c + d
    m1 = a + c
    fitted, var = np.empty(a.size), np.empty(a.size)
    for i in range(a.size):
        lo, hi = max(0.0, m1[i] - n2[i]), min(n1[i], m1[i])
        if hi <= lo:  # a table with one possible count carries no information
            fitted[i], var[i] = a[i], 0.0
            continue

        def gap(x: float, i: int = i) -> float:
            return float(x * (n2[i] - m1[i] + x) - psi * (n1[i] - x) * (m1[i] - x))

        x = optimize.brentq(gap, lo, hi, xtol=1e-12)
        fitted[i] = x
        var[i] = 1 / (1 / x + 1 / (n1[i] - x) + 1 / (m1[i] - x) + 1 / (n2[i] - m1[i] + x))
    info = var > 0
    df = int(info.sum()) - 1
    if df < 1:
        return math.nan, max(df, 0), math.nan
    resid = a[info] - fitted[info]
    stat = float((resid**2 / var[info]).sum() - resid.sum() ** 2 / var[info].sum())
    return stat, df, float(stats.chi2.sf(stat, df))
