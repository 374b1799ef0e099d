"""Meta-analysis: effect sizes per study and pooled (fixed- or random-effects) estimates.

>>> import calcidata
>>> es = calcidata.meta.effect_sizes("RR", ai=[4, 6], bi=[119, 300], ci=[11, 29], di=[128, 274])
>>> res = calcidata.meta.pool(es["yi"], es["vi"], method="REML")  # doctest: +SKIP

Which part comes from where
---------------------------
* statsmodels (``statsmodels.stats.meta_analysis``):
  ``effectsize_2proportions`` for the log risk ratio, log odds ratio and risk
  difference (with its per-study 0.5 zero correction); ``combine_effects`` for
  the fixed-effect pool, Cochran's Q, the DerSimonian-Laird and Paule-Mandel
  ("iterated") estimates, the inverse-variance random-effects pool and the
  Hartung-Knapp-Sidik-Jonkman variances (``var_hksj_re``/``var_hksj_fe``).
* scipy: the normal, t and chi-squared distributions; ``brentq`` as a fallback
  root finder for Paule-Mandel.
* written here (``_meta_sparse``): Mantel-Haenszel (RR, OR, RD) and Peto pools of
  2x2 tables with their formulas and references (:func:`pool_mh`, :func:`pool_peto`),
  the Cochran-Mantel-Haenszel and Tarone tests (:func:`mh_tests`).
* written here (``_meta_tau2``, documented with formula and reference): the
  REML estimator (Fisher scoring); truncation of the DL estimate at zero;
  metafor's I^2/H^2 (with the typical within-study variance); the prediction
  intervals; the vectorised :func:`pool_many`; mean differences and metafor's
  Hedges' g (exact gamma-function correction, large-sample variance).

Argument names and conventions follow R's metafor (``escalc``, ``rma``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from calcidata.errors import CalcidataError, ParameterError

from . import _meta_check as check
from . import _meta_tau2 as t2
from ._meta_effects import MEASURES, effect_sizes, hedges_g
from ._meta_mh import mh_tests, pool_mh, pool_peto
from ._meta_result import MetaResult

METHODS = ("FE", "DL", "PM", "REML")
TESTS = ("z", "knha")
PI_TYPES = ("t", "z")

__all__ = [
    "MEASURES", "METHODS", "MetaResult", "effect_sizes", "hedges_g", "mh_tests", "pool",
    "pool_many", "pool_mh", "pool_peto",
]  # fmt: skip


def pool(
    yi: Any,
    vi: Any,
    *,
    method: str = "REML",
    test: str = "z",
    pi: str = "t",
    level: float = 95,
) -> MetaResult:
    """Pool effect sizes with a fixed-effect or random-effects model.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and their sampling variances (> 0), one per study.
    method : {"FE", "DL", "PM", "REML"}
        Fixed effect (inverse variance), or random effects with tau^2 from
        DerSimonian-Laird, Paule-Mandel or restricted maximum likelihood.
        tau^2 is truncated at 0.
    test : {"z", "knha"}
        Normal-quantile tests and intervals, or the Hartung-Knapp
        (Sidik-Jonkman) adjusted variance with t(k - 1) quantiles.
    pi : {"t", "z"}
        Prediction interval ``estimate +- crit sqrt(se^2 + tau^2)``: ``crit``
        from t(k - 2) (Higgins, Thompson & Spiegelhalter 2009; Cochrane
        Handbook; NaN when k < 3) or from the normal distribution (metafor's
        default with ``test="z"``). ``se`` is the model's (HKSJ-adjusted under
        ``test="knha"``). For FE the prediction interval equals the CI.
    level : float
        Confidence level in percent, in (0, 100); as in metafor, a proportion
        between 0.5 and 1 (0.95) means the same (95). Below 0.5 (an alpha in
        metafor) it is refused.

    Returns
    -------
    MetaResult
        ``i2`` is ``100 tau^2 / (tau^2 + s^2)`` with the typical within-study
        variance ``s^2`` (metafor; for DL this is ``(Q - df) / Q``); for FE,
        ``100 max(0, (Q - df) / Q)`` and ``h2 = Q / df``, as metafor reports.

    Raises
    ------
    calcidata.errors.ParameterError
        Lengths differ, ``vi <= 0``, NaN or non-numeric values, fewer than 2
        studies for a random-effects model or ``knha``, unknown method, test
        or pi, level outside (0, 100).
    """
    y, v, method, test, pi, lv = _checked(yi, vi, method, test, pi, level, ndim=1)
    s = check.scale(v)  # a power of two: pooled on that scale and scaled back exactly
    # statsmodels takes square roots of its (unused) untruncated DL variances and divides
    # by k - 1; degenerate inputs (k = 1, identical effects under knha) give inf, not noise.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        check.in_range(y / s, v / (s * s), t2.cochran_q)
        if method == "REML":
            check.reml_in_range(y / s, v / (s * s), t2.tau2_dl)
        try:
            res = _pool_one(y / s, v / (s * s), method=method, test=test, pi=pi, level=lv)
        except CalcidataError:
            raise
        except (ValueError, ArithmeticError) as exc:
            raise check.pool_failure(exc) from None
    return check.rescaled(res, s, y, v)


_SCALAR_FIELDS = (
    "k", "estimate", "se", "ci_low", "ci_high", "zval_or_tval", "pval", "tau2", "tau",
    "q", "q_df", "q_pval", "i2", "h2", "pi_low", "pi_high",
)  # fmt: skip


def _checked(
    yi: Any, vi: Any, method: str, test: str, pi: str, level: float, *, ndim: int
) -> tuple[np.ndarray, np.ndarray, str, str, str, float]:
    """The checked arguments of :func:`pool` (``ndim=1``) or :func:`pool_many` (``ndim=2``)."""
    method = check.choice("method", method, METHODS)
    test = check.choice("test", test, TESTS)
    pi = check.choice("pi", pi, PI_TYPES)
    lv = check.level(level)
    y = check.vector("yi", yi, ndim=ndim)
    v = check.vector("vi", vi, ndim=ndim)
    check.same_length({"yi": y, "vi": v})
    check.positive("vi", v)
    if y.shape[-1] < 2 and (method != "FE" or test == "knha"):
        raise ParameterError(f"yi: method {method} with test {test} needs at least 2 studies")
    return y, v, method, test, pi, lv


def _pool_one(
    y: np.ndarray, v: np.ndarray, *, method: str, test: str, pi: str, level: float
) -> MetaResult:
    from statsmodels.stats.meta_analysis import combine_effects

    k = y.size
    fixed = method == "FE"
    if method == "PM":
        res = combine_effects(y, v, method_re="pm", atol=1e-12, maxiter=t2.MAXITER)
        tau2 = _pm_checked(y, v, float(res.tau2))
        if tau2 != res.tau2:
            res = _combine_at(y, v, tau2)
    elif method == "REML":
        tau2_arr, converged = t2.tau2_reml(y[None, :], v[None, :])
        if not converged[0]:
            raise CalcidataError("REML estimation of tau^2 did not converge")
        tau2 = float(tau2_arr[0])
        res = _combine_at(y, v, tau2)
    else:  # DL (and FE's Q) from Q computed about the pooled mean, not statsmodels' expansion
        tau2 = 0.0 if fixed else float(t2.tau2_dl(y[None, :], v[None, :])[0])
        res = _combine_at(y, v, tau2)
    if fixed or tau2 == 0.0:
        # With tau^2 = 0 the random-effects pool is the fixed-effect pool.
        est, var, wrel = res.mean_effect_fe, 1 / res.w_total_fe, res.weights_rel_fe
        var_knha = res.var_hksj_fe
    else:
        est, var, wrel = res.mean_effect_re, 1 / res.w_total_re, res.weights_rel_re
        var_knha = res.var_hksj_re
    knha = test == "knha"
    se = math.sqrt(var_knha if knha else var)
    dist = stats.t(k - 1) if knha else stats.norm()
    crit = dist.isf((1 - level / 100) / 2)
    stat = est / se
    q = float(t2.cochran_q(y[None, :], v[None, :])[0])  # stable when effects share an offset
    i2, h2 = t2.heterogeneity(np.array([q]), np.array([tau2]), v[None, :], fixed)
    if fixed:
        pi_low, pi_high = est - crit * se, est + crit * se
    else:
        band = t2.prediction(
            np.array([est]), np.array([se]), np.array([tau2]), k, pi_t=pi == "t", level=level
        )
        pi_low, pi_high = float(band["pi_low"][0]), float(band["pi_high"][0])
    return MetaResult(
        k=k,
        estimate=float(est),
        se=se,
        ci_low=float(est - crit * se),
        ci_high=float(est + crit * se),
        zval_or_tval=float(stat),
        pval=float(2 * dist.sf(abs(stat))),
        tau2=tau2,
        tau=math.sqrt(tau2),
        q=q,
        q_df=k - 1,
        q_pval=float(stats.chi2.sf(q, k - 1)) if k > 1 else math.nan,
        i2=float(i2[0]),
        h2=float(h2[0]),
        pi_low=float(pi_low),
        pi_high=float(pi_high),
        weights=tuple(float(x) for x in 100 * np.asarray(wrel)),
        method=method,
        test=test,
        pi=pi,
        level=level,
        yi=tuple(float(x) for x in y),
        vi=tuple(float(x) for x in v),
    )


def _combine_at(y: np.ndarray, v: np.ndarray, tau2: float) -> Any:  # statsmodels' results
    """Statsmodels' ``combine_effects`` at a given tau^2.

    Its Paule-Mandel routine returns its start value when allowed no
    iteration, so ``tau2_start=tau2, maxiter=0`` makes statsmodels do the
    inverse-variance pool and the HKSJ variances for our tau^2.
    """
    from statsmodels.stats.meta_analysis import combine_effects

    res = combine_effects(y, v, method_re="pm", tau2_start=tau2, maxiter=0)
    if not math.isclose(float(res.tau2), tau2, rel_tol=0, abs_tol=0):
        raise CalcidataError("statsmodels did not pool at the given tau^2")
    return res


def _pm_checked(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """Return statsmodels' Paule-Mandel tau^2, or solve with scipy's brentq if it is off."""
    k = y.size

    def excess(t: float) -> float:
        w = 1 / (v + t)
        mu = w @ y / w.sum()
        return float(w @ (y - mu) ** 2 - (k - 1))

    if excess(0.0) <= 0:
        return 0.0
    if abs(excess(tau2)) <= 1e-8 * k:
        return tau2
    hi = max(1.0, float(np.var(y)) * 10)
    while excess(hi) > 0:
        hi *= 10
    return float(optimize.brentq(excess, 0.0, hi, xtol=1e-14, rtol=1e-14))


# -- many meta-analyses at once -------------------------------------------------------------


def pool_arrays(
    yi: Any,
    vi: Any,
    *,
    method: str = "REML",
    test: str = "z",
    pi: str = "t",
    level: float = 95,
) -> dict[str, np.ndarray]:
    """:func:`pool_many` as a dict of arrays (no frame built: callers that pool often)."""
    y, v, method, test, pi, lv = _checked(yi, vi, method, test, pi, level, ndim=2)
    m, k = y.shape
    converged = np.ones(m, dtype=bool)
    if method == "FE":
        tau2 = np.zeros(m)
    elif method == "DL":
        tau2 = t2.tau2_dl(y, v)
    elif method == "PM":
        tau2, converged = t2.tau2_pm(y, v)
    else:
        tau2, converged = t2.tau2_reml(y, v)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = t2.pool_rows(y, v, tau2, knha=test == "knha", pi_t=pi == "t", level=lv)
    i2, h2 = t2.heterogeneity(out["q"], tau2, v, method == "FE")
    out["i2"], out["h2"] = i2, h2
    if method == "FE":
        out["pi_low"], out["pi_high"] = out["ci_low"], out["ci_high"]
    fields = {"k": np.full(m, k), **{f: out[f] for f in _SCALAR_FIELDS if f != "k"}}
    return fields | {"converged": converged}


def pool_many(
    yi: Any,
    vi: Any,
    *,
    method: str = "REML",
    test: str = "z",
    pi: str = "t",
    level: float = 95,
) -> pd.DataFrame:
    """Pool many meta-analyses of ``k`` studies each, vectorised across them.

    Parameters
    ----------
    yi, vi : array_like
        2-D arrays of shape ``(m, k)``: one row per meta-analysis, one column
        per study.
    method, test, pi, level
        As in :func:`pool`. REML runs vectorised Fisher scoring and PM
        vectorised Newton steps across rows (see ``_meta_tau2``).

    Returns
    -------
    pandas.DataFrame
        One row per meta-analysis with the scalar fields of :class:`MetaResult`
        (``k``, ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``zval_or_tval``,
        ``pval``, ``tau2``, ``tau``, ``q``, ``q_df``, ``q_pval``, ``i2``, ``h2``,
        ``pi_low``, ``pi_high``) and ``converged`` (False where the iteration
        did not converge; such rows are kept, not dropped).
    """
    out = pool_arrays(yi, vi, method=method, test=test, pi=pi, level=level)
    return pd.DataFrame(out)
