"""Effect sizes per study (metafor's ``escalc`` conventions); public via :mod:`.meta`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from calcidata.errors import ParameterError

from . import _meta_check as check

MEASURES = ("RR", "OR", "RD", "MD", "SMD")
_SM_STATISTIC = {"RR": "risk-ratio", "OR": "odds-ratio", "RD": "diff"}


def effect_sizes(
    measure: str,
    *,
    ai: Any = None,
    bi: Any = None,
    ci: Any = None,
    di: Any = None,
    n1i: Any = None,
    n2i: Any = None,
    m1i: Any = None,
    sd1i: Any = None,
    m2i: Any = None,
    sd2i: Any = None,
    vtype: str = "LS",
) -> pd.DataFrame:
    """Effect size ``yi`` and sampling variance ``vi`` of each study (metafor's ``escalc``).

    Parameters
    ----------
    measure : {"RR", "OR", "RD", "MD", "SMD"}
        Log risk ratio, log odds ratio, risk difference (2x2 tables: ``ai``,
        ``ci`` events in groups 1 and 2, with ``bi``/``di`` non-events or
        ``n1i``/``n2i`` group sizes, or both when they agree, as metafor's
        ``escalc`` accepts them); raw mean difference or standardized
        mean difference (``m1i``, ``sd1i``, ``n1i``, ``m2i``, ``sd2i``, ``n2i``).
    ai, bi, ci, di, n1i, n2i, m1i, sd1i, m2i, sd2i : array_like
        Per-study values, all of the same length.
    vtype : {"LS", "pooled"}
        For ``MD`` only: ``"LS"`` (default) uses the unpooled variance
        ``sd1^2/n1 + sd2^2/n2``; ``"pooled"`` (metafor's ``"HO"``, also accepted)
        uses ``sp^2 (1/n1 + 1/n2)`` with the pooled SD ``sp``.

    Returns
    -------
    pandas.DataFrame
        Columns ``yi`` and ``vi``, one row per study, in input order.

    Notes
    -----
    As in metafor (``add=1/2, to="only0"``), 0.5 is added to every cell of a
    2x2 table that has a zero cell, for RR, OR and RD alike. ``SMD`` is Hedges'
    g: Cohen's d times ``J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))`` with
    ``m = n1 + n2 - 2`` (Hedges 1981), variance ``1/n1 + 1/n2 + g^2 / (2 (n1 + n2))``
    (Hedges 1982, metafor's ``vtype="LS"``); it needs ``n1 + n2 >= 4``.

    Raises
    ------
    calcidata.errors.ParameterError
        Unknown measure or vtype, missing or extra arguments, lengths that
        differ, NaN or non-numeric values, negative counts, events above the
        group size, ``sd <= 0`` or ``n <= 0``.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # checked in _frame
        return _effect_sizes(
            measure, ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i, m1i=m1i, sd1i=sd1i,
            m2i=m2i, sd2i=sd2i, vtype=vtype,
        )  # fmt: skip


def _effect_sizes(
    measure: str,
    *,
    ai: Any,
    bi: Any,
    ci: Any,
    di: Any,
    n1i: Any,
    n2i: Any,
    m1i: Any,
    sd1i: Any,
    m2i: Any,
    sd2i: Any,
    vtype: str,
) -> pd.DataFrame:
    measure = check.choice("measure", measure, MEASURES)
    vt = check.choice("vtype", vtype, ("LS", "pooled", "HO"))
    if measure in _SM_STATISTIC:
        if vt != "LS":
            raise ParameterError(f"vtype applies to MD only; got vtype={vtype!r} for {measure}")
        return _binary(measure, ai=ai, bi=bi, ci=ci, di=di, n1i=n1i, n2i=n2i)
    given = {"m1i": m1i, "sd1i": sd1i, "n1i": n1i, "m2i": m2i, "sd2i": sd2i, "n2i": n2i}
    _refuse_extra(measure, {"ai": ai, "bi": bi, "ci": ci, "di": di})
    if measure == "SMD" and vt != "LS":
        raise ParameterError(f"vtype must be 'LS' for SMD; got {vtype!r}")
    arr = {name: check.vector(name, value) for name, value in given.items()}
    check.same_length(arr)
    for name in ("sd1i", "sd2i", "n1i", "n2i"):
        check.positive(name, arr[name])
    n1, n2, s1, s2 = arr["n1i"], arr["n2i"], arr["sd1i"], arr["sd2i"]
    diff = arr["m1i"] - arr["m2i"]
    if measure == "MD":
        if vt == "LS":
            vi = s1**2 / n1 + s2**2 / n2
        else:
            vi = _pooled_var(s1, n1, s2, n2) * (1 / n1 + 1 / n2)
        return _frame(diff, vi)
    if np.any(n1 + n2 < 4):
        raise ParameterError("n1i + n2i must be at least 4 for SMD (Hedges' correction)")
    yi, vi = hedges_g(diff, _pooled_var(s1, n1, s2, n2), n1, n2)
    return _frame(yi, vi)


def hedges_g(
    diff: np.ndarray, pooled_var: np.ndarray, n1: np.ndarray, n2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Hedges' g and its large-sample variance, as metafor's ``escalc(measure="SMD")``.

    ``d = diff / sp``; ``g = J(m) d`` with the exact correction
    ``J(m) = exp(lgamma(m/2) - log(sqrt(m/2)) - lgamma((m-1)/2))``, ``m = n1 + n2 - 2``
    (Hedges 1981, J Educ Stat 6:107-128, eq. 6e); variance
    ``1/n1 + 1/n2 + g^2 / (2 (n1 + n2))`` (Hedges 1982, eq. 8). statsmodels'
    ``effectsize_smd`` uses an approximate correction and another variance.
    """
    m = n1 + n2 - 2
    j = np.exp(special.gammaln(m / 2) - 0.5 * np.log(m / 2) - special.gammaln((m - 1) / 2))
    g = j * diff / np.sqrt(pooled_var)
    return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


def _pooled_var(s1: np.ndarray, n1: np.ndarray, s2: np.ndarray, n2: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = ((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2)
    if np.any(~np.isfinite(out) | (out <= 0)):
        raise ParameterError("n1i + n2i must be larger than 2 to pool the SDs")
    pooled: np.ndarray = out
    return pooled


def _binary(measure: str, **given: Any) -> pd.DataFrame:
    from statsmodels.stats.meta_analysis import effectsize_2proportions

    _refuse_extra(measure, {})
    arr = {name: check.vector(name, given[name]) for name in ("ai", "ci")}
    for group, (_events, rest, size) in enumerate((("ai", "bi", "n1i"), ("ci", "di", "n2i")), 1):
        if given[rest] is None and given[size] is None:
            raise ParameterError(f"group {group} needs {rest} (non-events) or {size} (group size)")
        for name in (rest, size):
            if given[name] is not None:
                arr[name] = check.vector(name, given[name])
    check.same_length(arr)
    for name, values in arr.items():
        check.non_negative(name, values)
    sizes = {}
    for events, rest, size in (("ai", "bi", "n1i"), ("ci", "di", "n2i")):
        # As metafor's escalc: bi and di with n1i and n2i are accepted when they agree.
        if rest in arr:
            sizes[size] = arr[events] + arr[rest]
            if size in arr:
                _consistent(events, rest, size, sizes[size], arr[size])
        else:
            sizes[size] = arr[size]
            check.at_most(events, arr[events], size, sizes[size])
    n1, n2 = sizes["n1i"], sizes["n2i"]
    for name, n in (("n1i", n1), ("n2i", n2)):
        check.positive(f"{name} (group size)", n)
    a, c = arr["ai"], arr["ci"]
    # metafor's add=1/2, to="only0": 0.5 in each of the four cells of a table with a zero
    # cell. Done here, not with statsmodels' zero_correction=0.5, which adds 0.5 to the
    # events of every study but grows the group sizes of the zero-cell studies only.
    zero = (a == 0) | (a == n1) | (c == 0) | (c == n2)
    a, c, n1, n2 = a + 0.5 * zero, c + 0.5 * zero, n1 + 1.0 * zero, n2 + 1.0 * zero
    yi, vi = effectsize_2proportions(a, n1, c, n2, statistic=_SM_STATISTIC[measure])
    return _frame(yi, vi)


def _consistent(events: str, rest: str, size: str, total: np.ndarray, given: np.ndarray) -> None:
    """Refuse a group size that differs from events + non-events (``n1i != ai + bi``)."""
    bad = np.flatnonzero(total != given)
    if bad.size:
        i = int(bad[0])
        raise ParameterError(
            f"{size} must equal {events} + {rest} when all three are given; position {i}: "
            f"{size} is {given[i]:g} but {events} + {rest} is {total[i]:g}"
        )


def _refuse_extra(measure: str, extra: dict[str, Any]) -> None:
    given = [name for name, value in extra.items() if value is not None]
    if given:
        raise ParameterError(f"{', '.join(given)} do not apply to measure {measure}")


def _frame(yi: np.ndarray, vi: np.ndarray) -> pd.DataFrame:
    """The effect sizes; a study whose ``yi`` or ``vi`` is not finite is refused, by position."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    bad = np.flatnonzero(~(np.isfinite(yi) & np.isfinite(vi)))
    if bad.size:
        i = int(bad[0])
        raise ParameterError(
            f"the effect size of position {i} is not finite (yi {yi[i]}, vi {vi[i]}): its "
            "values are beyond double precision; express them in other units"
        )
    return pd.DataFrame({"yi": yi, "vi": vi})
