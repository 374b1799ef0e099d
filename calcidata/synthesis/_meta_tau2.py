"""Between-study variance (tau^2) estimators and vectorised pooling.

Every function here works on 2-D arrays: one row per meta-analysis, one column
per study (``k`` columns), so that many meta-analyses are pooled at once.
:func:`calcidata.synthesis.meta.pool` uses the same REML estimator on a single row.

statsmodels does not offer what is written here: it has no REML estimator, its
DerSimonian-Laird estimate is not truncated at zero, and it pools one
meta-analysis per call.
"""

from __future__ import annotations

import numpy as np
from scipy import special

#: Relative convergence tolerance of the iterative estimators (change in tau^2).
TOL = 1e-10
#: Maximum number of Fisher scoring / Newton iterations.
MAXITER = 200


# The tails of t, the normal and chi^2 as scipy.stats computes them, without its checks
# of the arguments (about 40 us a call; the pools call them once per distinct k): for
# the positive df used here they agree bit for bit, infinities and NaN included (the
# isf's "+ 0.0" is stats' "* scale + loc": no -0.0). tests/test_meta.py checks them.
def t_sf(x: np.ndarray, df: int) -> np.ndarray:
    """``scipy.stats.t.sf(x, df)``."""
    return np.asarray(special.stdtr(df, -x))


def t_isf(q: float, df: int) -> np.ndarray:
    """``scipy.stats.t.isf(q, df)`` for ``0 < q < 1``."""
    return np.asarray(-special.stdtrit(df, q) + 0.0)


def norm_sf(x: np.ndarray) -> np.ndarray:
    """``scipy.stats.norm.sf(x)``."""
    return np.asarray(special.ndtr(-x))


def norm_isf(q: float) -> np.ndarray:
    """``scipy.stats.norm.isf(q)`` for ``0 < q < 1``."""
    return np.asarray(-special.ndtri(q) + 0.0)


def chi2_sf(x: np.ndarray, df: int) -> np.ndarray:
    """``scipy.stats.chi2.sf(x, df)`` for ``x >= 0`` or NaN."""
    return np.asarray(special.chdtrc(df, x))


def _fe_parts(y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse-variance weights, their row sums and Cochran's Q for each row."""
    w = 1.0 / v
    sw = w.sum(axis=1)
    mu = (w * y).sum(axis=1) / sw
    q = (w * (y - mu[:, None]) ** 2).sum(axis=1)
    return w, sw, q


def cochran_q(y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Cochran's Q of each row, ``sum(w (y - mu)^2)`` about the fixed-effect mean."""
    return _fe_parts(y, v)[2]


def tau2_dl(y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """DerSimonian-Laird estimate of tau^2, truncated at zero, for each row.

    ``tau2 = max(0, (Q - (k - 1)) / (sum(w) - sum(w^2) / sum(w)))`` with
    ``w = 1 / v`` and Cochran's Q (DerSimonian & Laird 1986, Controlled
    Clinical Trials 7:177-188). statsmodels' ``combine_effects(method_re="dl")``
    returns the untruncated value.

    Parameters
    ----------
    y, v : numpy.ndarray
        Effect sizes and their sampling variances, shape ``(m, k)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(m,)``.
    """
    w, sw, q = _fe_parts(y, v)
    c = sw - (w**2).sum(axis=1) / sw
    tau2: np.ndarray = np.maximum(0.0, (q - (y.shape[1] - 1)) / c)
    return tau2


def tau2_pm(y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Paule-Mandel estimate of tau^2 for each row, by vectorised Newton steps.

    Solves the generalised Q equation ``sum(w (y - mu_w)^2) = k - 1`` with
    ``w = 1 / (v + tau2)``, starting from 0, with the update of DerSimonian &
    Kacker (2007, Contemporary Clinical Trials 28:105-114, appendix 8), which
    statsmodels' ``_fit_tau_iterative`` applies one meta-analysis at a time.
    Rows whose Q at ``tau2 = 0`` is below ``k - 1`` get 0.

    Returns
    -------
    tau2, converged : numpy.ndarray
        Shape ``(m,)`` each.
    """
    m, k = y.shape
    tau2 = np.zeros(m)
    done = np.zeros(m, dtype=bool)
    for _ in range(MAXITER):
        rows = np.flatnonzero(~done)
        if rows.size == 0:
            break
        w = 1.0 / (v[rows] + tau2[rows, None])
        mu = (w * y[rows]).sum(axis=1) / w.sum(axis=1)
        r2 = (y[rows] - mu[:, None]) ** 2
        ee = (w * r2).sum(axis=1) - (k - 1)
        step = np.where(ee > 0, ee / np.maximum((w**2 * r2).sum(axis=1), 1e-300), 0.0)
        new = tau2[rows] + step
        finished = (ee <= 0) | (np.abs(step) <= TOL * np.maximum(1.0, new))
        tau2[rows] = new
        done[rows] = finished
    return tau2, done


def _reml_score(y: np.ndarray, v: np.ndarray, tau2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """REML score and expected information for tau^2 (both times 2), one value per row."""
    w = 1.0 / (v + tau2[:, None])
    sw = w.sum(axis=1)
    w2 = w**2
    sw2 = w2.sum(axis=1)
    mu = (w * y).sum(axis=1) / sw
    score = (w2 * (y - mu[:, None]) ** 2).sum(axis=1) - (sw - sw2 / sw)
    info = sw2 - 2.0 * (w2 * w).sum(axis=1) / sw + (sw2 / sw) ** 2
    return score, info


def tau2_reml(
    y: np.ndarray, v: np.ndarray, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Restricted maximum-likelihood estimate of tau^2 for each row (Fisher scoring).

    With ``w = 1 / (v + tau2)``, ``mu`` the weighted mean and ``r = y - mu``,
    the REML score and expected information for tau^2 are (up to a common
    factor 1/2; Viechtbauer 2005, J Educ Behav Stat 30:261-293, eqs. 11-12;
    Harville 1977)::

        score = sum(w^2 r^2) - tr(P),      tr(P)   = sum(w) - sum(w^2) / sum(w)
        info  = tr(P P) = sum(w^2) - 2 sum(w^3) / sum(w) + (sum(w^2) / sum(w))^2

    Rows whose score at 0 is not positive get 0 (the truncated estimate). The
    others take Fisher steps ``tau2 + score / info`` from the DerSimonian-Laird
    start, safeguarded as in Numerical Recipes' ``rtsafe``: a step that leaves
    the bracket where the score changes sign, or does not halve the previous
    step, is replaced by bisection (plain Fisher scoring can oscillate). All
    rows are updated at once until the change is below ``TOL`` (relative to
    ``max(1, tau2)``).

    Returns
    -------
    tau2, converged : numpy.ndarray
        Shape ``(m,)`` each.
    """
    m = y.shape[0]
    tau2 = tau2_dl(y, v) if start is None else np.array(start, dtype=float)
    at_zero, _ = _reml_score(y, v, np.zeros(m))
    done = at_zero <= 0
    tau2[done] = 0.0
    lo, hi = np.zeros(m), np.full(m, np.inf)
    last = np.full(m, np.inf)  # size of the previous step
    for _ in range(MAXITER):
        rows = np.flatnonzero(~done)
        if rows.size == 0:
            break
        t = tau2[rows]
        score, info = _reml_score(y[rows], v[rows], t)
        lo[rows] = np.where(score > 0, t, lo[rows])
        hi[rows] = np.where(score > 0, hi[rows], t)
        step = score / info
        new = t + step
        # bisect when the step leaves the bracket or does not halve the previous step
        slow = (new <= lo[rows]) | (new >= hi[rows]) | (np.abs(step) > 0.5 * last[rows])
        bisect = slow & np.isfinite(hi[rows])
        new = np.maximum(np.where(bisect, 0.5 * (lo[rows] + hi[rows]), new), 0.0)
        last[rows] = np.abs(new - t)
        done[rows] = (np.abs(new - t) <= TOL * np.maximum(1.0, new)) | (
            hi[rows] - lo[rows] <= TOL * np.maximum(1.0, lo[rows])
        )
        tau2[rows] = new
    return tau2, done


def typical_variance(v: np.ndarray) -> np.ndarray:
    """Typical within-study variance ``s^2`` (Higgins & Thompson 2002, eq. 9).

    ``s^2 = (k - 1) sum(w) / (sum(w)^2 - sum(w^2))`` with ``w = 1 / v``, as
    metafor uses it for ``I^2 = tau^2 / (tau^2 + s^2)``.
    """
    w = 1.0 / v
    sw = w.sum(axis=1)
    s2: np.ndarray = (v.shape[1] - 1) * sw / (sw**2 - (w**2).sum(axis=1))
    return s2


def heterogeneity(
    q: np.ndarray, tau2: np.ndarray, v: np.ndarray, fixed: bool
) -> tuple[np.ndarray, np.ndarray]:
    """I^2 (percent) and H^2 as metafor reports them.

    Random effects: ``I^2 = 100 tau^2 / (tau^2 + s^2)``, ``H^2 = (tau^2 + s^2) / s^2``
    with :func:`typical_variance` ``s^2``. Fixed effect (tau^2 is not estimated):
    ``I^2 = 100 max(0, (Q - df) / Q)`` and ``H^2 = Q / df``.
    """
    df = v.shape[1] - 1
    if fixed:
        with np.errstate(divide="ignore", invalid="ignore"):
            i2 = np.where(q > df, 100.0 * (q - df) / np.where(q > 0, q, 1.0), 0.0)
            h2 = q / df if df > 0 else np.full_like(q, np.nan)
        return i2, h2
    s2 = typical_variance(v)
    return 100.0 * tau2 / (tau2 + s2), (tau2 + s2) / s2


def pool_rows(
    y: np.ndarray, v: np.ndarray, tau2: np.ndarray, *, knha: bool, pi_t: bool, level: float
) -> dict[str, np.ndarray]:
    """Pool each row given its tau^2: estimate, CI, test, Q, I^2, H^2 and PI.

    Inverse-variance weights ``1 / (v + tau2)``; with ``knha`` the variance of
    the estimate is ``sum(w (y - mu)^2) / ((k - 1) sum(w))`` (Hartung-Knapp /
    Sidik-Jonkman) and the quantiles come from t(k - 1). The prediction interval
    is ``mu +- crit sqrt(se^2 + tau2)`` with ``crit`` from t(k - 2) (``pi_t``;
    Higgins, Thompson & Spiegelhalter 2009) or the normal distribution.
    """
    m, k = y.shape
    alpha = 1.0 - level / 100.0
    w = 1.0 / (v + tau2[:, None])
    sw = w.sum(axis=1)
    mu = (w * y).sum(axis=1) / sw
    if knha:
        var = (w * (y - mu[:, None]) ** 2).sum(axis=1) / ((k - 1) * sw)
        crit = t_isf(alpha / 2, k - 1)
    else:
        var = 1.0 / sw
        crit = norm_isf(alpha / 2)
    se = np.sqrt(var)
    stat = mu / se
    tail = t_sf(np.abs(stat), k - 1) if knha else norm_sf(np.abs(stat))
    _, _, q = _fe_parts(y, v)
    out = {
        "estimate": mu,
        "se": se,
        "ci_low": mu - crit * se,
        "ci_high": mu + crit * se,
        "zval_or_tval": stat,
        "pval": 2.0 * tail,
        "tau2": tau2,
        "tau": np.sqrt(tau2),
        "q": q,
        "q_df": np.full(m, k - 1),
        "q_pval": chi2_sf(q, k - 1) if k > 1 else np.full(m, np.nan),
    }
    return out | prediction(mu, se, tau2, k, pi_t=pi_t, level=level)


def prediction(
    mu: np.ndarray, se: np.ndarray, tau2: np.ndarray, k: int, *, pi_t: bool, level: float
) -> dict[str, np.ndarray]:
    """Prediction interval ``mu +- crit sqrt(se^2 + tau2)``; NaN for t when k < 3."""
    alpha = 1.0 - level / 100.0
    if pi_t:
        crit = t_isf(alpha / 2, k - 2) if k >= 3 else np.nan
    else:
        crit = norm_isf(alpha / 2)
    half = crit * np.sqrt(se**2 + tau2)
    return {"pi_low": mu - half, "pi_high": mu + half}
