"""Public Mantel-Haenszel and Peto pools (:func:`pool_mh`, :func:`pool_peto`, :func:`mh_tests`).

Re-exported by :mod:`calcidata.synthesis.meta` (``calcidata.meta``); the formulas and
their references are in :mod:`._meta_sparse`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from . import _meta_check as check
from . import _meta_sparse as sparse

if TYPE_CHECKING:
    from ._meta_result import MetaResult


def pool_mh(
    ai: Any,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    *,
    n1i: Any = None,
    n2i: Any = None,
    measure: str = "OR",
    level: float = 95,
) -> MetaResult:
    """Pool 2x2 tables with the Mantel-Haenszel method (metafor's ``rma.mh``).

    Parameters
    ----------
    ai, bi, ci, di : array_like
        Events and non-events in group 1 (intervention) and group 2 (comparator),
        one table per study; or give ``ai``, ``ci`` with ``n1i``, ``n2i`` group sizes.
    measure : {"OR", "RR", "RD"}
        Odds ratio, risk ratio (estimate on the log scale) or risk difference.
    level : float
        Confidence level in percent.

    Returns
    -------
    MetaResult
        An equal-effects pool (``method="MH"``, ``tau2 = 0``, prediction interval =
        confidence interval). The estimate and its variance use the cell counts
        directly, so zero cells need no correction (formulas and references in
        ``calcidata.synthesis._meta_sparse``). ``yi``/``vi`` are the per-study
        effect sizes (0.5 added to every cell of a table with a zero cell; NaN
        for a table with no events, or only events, in both groups); Cochran's
        ``q`` is taken about the MH estimate over the studies with an effect size,
        ``i2 = 100 max(0, (q - df) / q)`` and ``h2 = q / df``. ``weights`` are the
        MH weights in percent (``b c / n`` for OR, ``c n1 / n`` for RR,
        ``n1 n2 / n`` for RD). When the estimate cannot be formed (for OR and RR:
        no events, or for OR no non-events, in a group across all tables) every
        number is NaN, as metafor returns NA.

    Examples
    --------
    >>> res = pool_mh([0, 2, 1], [20, 18, 30], [3, 5, 4], [17, 15, 27], measure="RR")
    >>> res.method, res.k
    ('MH', 3)
    """
    measure = check.choice("measure", measure, sparse.MH_MEASURES)
    lv = check.level(level)
    a, b, c, d = sparse.tables(ai, bi, ci, di, n1i, n2i)
    est, var, w = sparse.mh(a, b, c, d, measure)
    yi, vi = sparse.study_effects(a, b, c, d, measure)
    return _sparse_result(est, var, w, yi, vi, "MH", lv)


def pool_peto(
    ai: Any,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    *,
    n1i: Any = None,
    n2i: Any = None,
    level: float = 95,
) -> MetaResult:
    """Pool 2x2 tables with Peto's one-step odds ratio (metafor's ``rma.peto``).

    Arguments as :func:`pool_mh`. The log odds ratio is ``sum(O - E) / sum(V)``
    with variance ``1 / sum(V)`` (Yusuf et al. 1985); zero cells need no
    correction. ``weights`` are each table's ``V`` in percent; ``yi``/``vi``
    are the per-study Peto log odds ratios (0.5 added to every cell of a table
    with a zero cell; NaN for a table with no events, or only events, in both
    groups) and ``q`` is taken about the pooled estimate. Peto's method is for
    rare events in groups of similar size with modest effects (Bradburn et al.
    2007; Cochrane Handbook 10.4.4.2).

    Raises
    ------
    calcidata.errors.ParameterError
        As :func:`pool_mh`, and when no table has both events and non-events
        (metafor stops with an error there too).
    """
    lv = check.level(level)
    a, b, c, d = sparse.tables(ai, bi, ci, di, n1i, n2i)
    est, var, v = sparse.peto(a, b, c, d)
    yi, vi = sparse.study_effects(a, b, c, d, "PETO")
    return _sparse_result(est, var, v, yi, vi, "PETO", lv)


def mh_tests(
    ai: Any,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    *,
    n1i: Any = None,
    n2i: Any = None,
    correct: bool = True,
) -> dict[str, float]:
    """Cochran-Mantel-Haenszel test of OR = 1 and Tarone's heterogeneity test.

    Returns ``cmh`` (chi-squared, 1 df; with the continuity correction of 1/2 when
    ``correct``), ``cmh_pval``, ``tarone`` (Breslow-Day with Tarone's
    correction at the MH odds ratio), ``tarone_df`` and ``tarone_pval``; NaN
    where a statistic cannot be formed. These are the ``MH``/``MHp`` and
    ``TA``/``TAp`` of metafor's ``rma.mh(measure="OR")``.
    """
    a, b, c, d = sparse.tables(ai, bi, ci, di, n1i, n2i)
    cmh, cmh_p = sparse.cmh_test(a, b, c, d, correct=bool(correct))
    log_or = sparse.mh(a, b, c, d, "OR")[0]
    ta, ta_df, ta_p = sparse.tarone_test(a, b, c, d, log_or)
    return {"cmh": cmh, "cmh_pval": cmh_p, "tarone": ta, "tarone_df": ta_df, "tarone_pval": ta_p}


def _sparse_result(
    est: float, var: float, w: np.ndarray, yi: np.ndarray, vi: np.ndarray, method: str, lv: float
) -> MetaResult:
    from ._meta_result import MetaResult

    se = math.sqrt(var) if math.isfinite(var) else math.nan
    crit = float(stats.norm.isf((1 - lv / 100) / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / se if se > 0 else math.nan
        wsum = float(np.sum(w))
        weights = 100 * np.asarray(w, float) / wsum if wsum > 0 else np.full(len(w), math.nan)
    q, df, q_p = sparse.heterogeneity(yi, vi, est)
    i2 = 100 * max(0.0, (q - df) / q) if df >= 1 and q > 0 else (0.0 if q == 0 else math.nan)
    lo, hi = est - crit * se, est + crit * se
    return MetaResult(
        k=len(w),
        estimate=est,
        se=se,
        ci_low=lo,
        ci_high=hi,
        zval_or_tval=z,
        pval=float(2 * stats.norm.sf(abs(z))) if math.isfinite(z) else math.nan,
        tau2=0.0,
        tau=0.0,
        q=q,
        q_df=df,
        q_pval=q_p,
        i2=i2,
        h2=q / df if df >= 1 else math.nan,
        pi_low=lo,
        pi_high=hi,
        weights=tuple(float(x) for x in weights),
        method=method,
        test="z",
        pi="z",
        level=lv,
        yi=tuple(float(x) for x in yi),
        vi=tuple(float(x) for x in vi),
    )
