"""The estimate of every body at once: the best review, a pool, one study, or none.

Vectorised over bodies (no Python loop per body): the items' columns are read
once as NumPy arrays; the best review of each body, and one item per study, are
a ``lexsort`` and the first row of each run; pools of ``k`` studies are pooled
together with :func:`calcidata.meta.pool_arrays`. The rules are documented in
:mod:`calcidata.synthesis.profile`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from calcidata.schemas.effect_measures import MEASURES
from calcidata.schemas.effect_measures import codes as measures_where
from calcidata.schemas.vocabularies import NON_STUDY_DESIGNS, REVIEW_DESIGNS
from calcidata.synthesis import meta
from calcidata.synthesis._keyed import isin, sorted_codes
from calcidata.synthesis._meta_tau2 import t_sf
from calcidata.synthesis.rule import RULE

Z975 = float(stats.norm.isf(0.025))
BASES = ("review", "pooled", "single_study", "no_estimate")
_REVIEW, _POOLED, _SINGLE, _NONE = range(len(BASES))  # the codes of BASES
_OF_KIND = {kind: measures_where(kind=kind) for kind in ("ratio", "difference")}
_POOLABLE = measures_where(poolable=True)
_RANK = {k: i for i, k in enumerate(MEASURES)}
#: The item columns the estimate and the rule read.
_NEEDED = (
    "body_id", "item_id", "kind", "source_id", "study_id", "study_design", "pooled_design",
    "effect_measure", "estimate", "ci_low", "ci_high", "n_studies", "n_participants", "events",
    "i2_percent", "yi", "vi", "level", "year", "depth", "order", "within_arm", "certainty",
    "certainty_reasons", "indirect", "network", "direction", "publication_bias", "risk_of_bias",
    "control_risk", "outcome", "comparison_id", "lifted", "agent_id", "agent_comp", "comp_lifted",
)  # fmt: skip


def study_effects(items: pd.DataFrame) -> pd.DataFrame:
    """Add ``yi``, ``vi`` (log scale for ratios) where arm numbers or a 95% CI allow.

    Arm rows: log RR from counts (studies with no event in either arm carry no
    information on a ratio and get none), MD from means, SDs and sizes. Evidence
    rows of one primary study with an estimate and a 95% CI on a poolable
    measure: the SE recovered from the CI, ``(high - low) / (2 x 1.96)``, on the
    log scale for ratios.
    """
    n = len(items)
    yi, vi = np.full(n, np.nan), np.full(n, np.nan)

    def num(c: str) -> np.ndarray:
        return items[c].to_numpy(float, na_value=np.nan)

    kind = items["kind"].to_numpy(dtype=object)
    m_code, m_uniques = pd.factorize(items["effect_measure"].to_numpy(dtype=object))

    def measure_in(names: Sequence[str]) -> np.ndarray:  # isin, tested once per distinct measure
        return np.array([u in names for u in m_uniques] + [False], dtype=bool)[m_code]

    arms = kind == "arms"
    counts = ["events_treatment", "n_treatment", "events_comparator", "n_comparator"]
    d = {c: num(c) for c in counts}
    dich = arms & measure_in(["RR"])
    dich &= ~np.isnan(np.column_stack([d[c] for c in counts])).any(axis=1)
    dich &= (d["events_treatment"] + d["events_comparator"]) > 0
    if dich.any():
        es = meta.effect_sizes("RR", ai=d["events_treatment"][dich], n1i=d["n_treatment"][dich],
                               ci=d["events_comparator"][dich],
                               n2i=d["n_comparator"][dich])  # fmt: skip
        yi[dich], vi[dich] = es["yi"].to_numpy(), es["vi"].to_numpy()
    means = ["mean_treatment", "sd_treatment", "n_treatment"]
    means += ["mean_comparator", "sd_comparator", "n_comparator"]
    c = {k: num(k) for k in means}
    cont = arms & measure_in(["MD"])
    cont &= ~np.isnan(np.column_stack([c[k] for k in means])).any(axis=1)
    if cont.any():
        es = meta.effect_sizes("MD", m1i=c["mean_treatment"][cont], sd1i=c["sd_treatment"][cont],
                               n1i=c["n_treatment"][cont], m2i=c["mean_comparator"][cont],
                               sd2i=c["sd_comparator"][cont],
                               n2i=c["n_comparator"][cont])  # fmt: skip
        yi[cont], vi[cont] = es["yi"].to_numpy(), es["vi"].to_numpy()
    est, low, high = num("estimate"), num("ci_low"), num("ci_high")
    ci = (
        (kind == "evidence")
        & ~isin(items["study_design"], [*REVIEW_DESIGNS, *NON_STUDY_DESIGNS])
        & measure_in(_POOLABLE)
        & ~(np.isnan(est) | np.isnan(low) | np.isnan(high))
    )
    ratio = ci & measure_in(_OF_KIND["ratio"]) & (est > 0) & (low > 0)
    ratio &= high > 0
    diff = ci & measure_in(_OF_KIND["difference"])
    with np.errstate(divide="ignore", invalid="ignore"):
        yi[ratio] = np.log(est[ratio])
        se = (np.log(high[ratio]) - np.log(low[ratio])) / (2 * Z975)
    vi[ratio] = se**2
    yi[diff] = est[diff]
    vi[diff] = ((high[diff] - low[diff]) / (2 * Z975)) ** 2
    none = ~(vi > 0)
    yi[none], vi[none] = np.nan, np.nan
    return items.assign(yi=yi, vi=vi)


#: The item columns read as floats (NaN for missing).
_FLOATS = ("estimate", "ci_low", "ci_high", "n_studies", "n_participants", "events",
           "i2_percent", "yi", "vi")  # fmt: skip


def _arrays(items: pd.DataFrame) -> tuple[dict[str, np.ndarray], pd.Index, np.ndarray]:
    """The item columns the estimate reads as NumPy arrays, each converted once.

    Returns the arrays; the body ids in order of appearance (the result's rows);
    and each of those bodies' rank by body id. ``by`` is each row's body rank:
    every sort and group of the estimate is by body id, so per-body arrays are
    indexed by rank. ``first`` is the position of each body's first row (in order
    of appearance). Measure and design flags are tested once per distinct value.
    """
    body, ids = pd.factorize(items["body_id"].to_numpy())
    rank = np.empty(len(ids), dtype=np.intp)
    rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    m_code, m_uniques = pd.factorize(items["effect_measure"].to_numpy(dtype=object))

    def per_measure(values: Sequence[object]) -> np.ndarray:  # one value per distinct measure
        return np.asarray(values)[m_code]  # the last value for a missing measure (code -1)

    a = {c: items[c].to_numpy(float, na_value=np.nan) for c in _FLOATS}
    a |= {c: items[c].to_numpy(dtype=object) for c in ("item_id", "source_id", "study_id")}
    a |= {c: items[c].to_numpy() for c in ("level", "depth", "order", "within_arm", "year")}
    a["by"] = rank[body]
    # factorize numbers bodies as they come: a body's first row is where the running
    # maximum of the codes grows
    top = np.maximum.accumulate(body)
    a["first"] = np.flatnonzero(np.r_[True, top[1:] > top[:-1]]) if len(body) else body
    a["measure"] = items["effect_measure"].to_numpy(dtype=object)
    a["m_rank"] = per_measure([_RANK.get(m, -1) for m in m_uniques] + [-1])
    for name, names in (("comparative", measures_where(comparative=True)),
                        ("poolable", _POOLABLE), ("ratio", _OF_KIND["ratio"]),
                        ("other", ["other"])):  # fmt: skip
        a[name] = per_measure([m in names for m in m_uniques] + [False])
    d_code, d_uniques = pd.factorize(items["study_design"].to_numpy(dtype=object))
    for name, designs in (("review", REVIEW_DESIGNS), ("non_study", NON_STUDY_DESIGNS)):
        a[name] = np.array([d in designs for d in d_uniques] + [False])[d_code]
    a["arms"] = items["kind"].eq("arms").to_numpy(dtype=bool)
    a["evidence"] = items["kind"].eq("evidence").to_numpy(dtype=bool)
    return a, pd.Index(ids, name="body_id"), rank


def _firsts(by: np.ndarray) -> np.ndarray:
    """Mask of the first row of each run of equal ``by`` (rows sorted by body)."""
    return np.r_[True, by[1:] != by[:-1]] if len(by) else np.zeros(0, dtype=bool)


def _best(a: dict[str, np.ndarray], at: np.ndarray) -> np.ndarray:
    """The best row of each body among rows ``at`` (ascending positions).

    Design level, participants, year (each highest first), broadest condition,
    item id, then item order; unknown values last (as ``sort_values`` with
    ``na_position="last"`` orders them). Returns one position per body, by body id.
    """

    def high(x: np.ndarray) -> np.ndarray:  # highest first, unknown last
        return np.where(np.isnan(x), np.inf, -x)

    item = sorted_codes(a["item_id"][at])[0]
    item = np.where(item < 0, len(at), item)
    depth = a["depth"][at]  # whole numbers, never missing
    year = pd.Series(a["year"][at], dtype=object).to_numpy(float, na_value=np.nan)
    level = a["level"][at].astype(float)
    keys = (item, depth, high(year), high(a["n_participants"][at]), high(level), a["by"][at])
    idx = at[np.lexsort(keys)]  # lexsort is stable: ties keep item order
    return np.asarray(idx[_firsts(a["by"][idx])])


def _one_per_study(a: dict[str, np.ndarray], at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One item per study and body: arm numbers first, then a CI, an estimate, size, item id.

    Only the rows ``at`` compete. Returns the chosen positions, ordered by body
    id and study id (an unknown study first), and their study codes (-1 unknown).
    """
    has_y = ~np.isnan(a["yi"][at])
    arms = a["arms"][at]
    rank = np.where(has_y & arms, 0, np.where(has_y, 1, 2))
    rank = rank + (np.isnan(a["estimate"][at]) & a["evidence"][at])
    study = sorted_codes(a["study_id"][at])[0]
    group = a["by"][at].astype(np.int64) * (len(at) + 1) + study + 1  # body, then study
    # sorted by body and study (a quicksort); the few studies with more than one row are
    # then ordered by rank, most participants (unknown last), item id, order and position
    # (the rows' order decides nothing the ids can), and put back in their studies' places
    idx = np.argsort(group)
    g = group[idx]
    tied = np.r_[g[1:] == g[:-1], False] | np.r_[False, g[1:] == g[:-1]]
    if tied.any():
        sub = np.sort(idx[tied])
        size = -a["n_participants"][at[sub]]
        size = np.where(np.isnan(size), np.inf, size)
        item = sorted_codes(a["item_id"][at[sub]])[0]
        keys = (a["order"][at[sub]], item, size, rank[sub], group[sub])
        idx[tied] = sub[np.lexsort(keys)]
    first = _firsts(g)
    return at[idx[first]], study[idx[first]]


def _main_measure(by: np.ndarray, m_rank: np.ndarray) -> np.ndarray:
    """Mask of the rows of each body's most frequent measure (ties: measure order), if 2+."""
    width = np.int64(len(_RANK))
    pair = by.astype(np.int64) * width + m_rank
    pairs, n = np.unique(pair, return_counts=True)
    o = np.lexsort((pairs % width, -n, pairs // width))  # body, most rows, measure order
    pairs, n = pairs[o], n[o]
    keep = _firsts(pairs // width) & (n >= 2)
    return np.isin(pair, pairs[keep])


#: What the estimate reads of each pool.
_POOL_COLUMNS = ("body", "egger_p", "k", "estimate", "ci_low", "ci_high", "i2")


def _pool(
    by: np.ndarray, study: np.ndarray, y_in: np.ndarray, v_in: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Pool each body's studies (REML; HKSJ from 3 studies, a normal CI for 2).

    The rows are pooled in order of body and study id (an unknown study last).
    Returns per pooled body, by body id: ``estimate``, ``ci_low``, ``ci_high``
    (pooling scale), ``i2``, ``k`` and the Egger p for 10+ studies (``egger_p``);
    and the percent weight of each row. Bodies of the same number of studies are
    pooled together by :func:`calcidata.meta.pool_arrays` (one call per distinct k).
    """
    # rows by pool size, body, then study id (a missing id last, where sort_values put it
    # when the pools were first written): each size's bodies are one slice, row by row
    k = np.bincount(by)[by]
    order = np.lexsort((np.where(study < 0, np.iinfo(np.intp).max, study), by, k))
    k, body, y_all, v_all = k[order], by[order], y_in[order], v_in[order]
    weights = np.full(len(body), np.nan)
    cols: dict[str, list[np.ndarray]] = {c: [] for c in _POOL_COLUMNS}
    bounds = np.flatnonzero(np.r_[True, k[1:] != k[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        size = int(k[lo])
        y, v = y_all[lo:hi].reshape(-1, size), v_all[lo:hi].reshape(-1, size)
        test = "knha" if size >= RULE.hksj_min_studies else "z"
        res = meta.pool_arrays(y, v, method="REML", test=test)  # pool_many without a frame
        w = 1.0 / (v + res["tau2"][:, None])
        weights[lo:hi] = (100 * w / w.sum(axis=1, keepdims=True)).ravel()
        egger = egger_many(y, v) if size >= RULE.egger_min_studies else np.full(len(y), np.nan)
        cols["body"].append(body[lo:hi:size])
        cols["egger_p"].append(egger)
        for c in _POOL_COLUMNS[2:]:
            cols[c].append(res[c])
    out = {c: np.concatenate(v) for c, v in cols.items()}
    by_body = np.argsort(out["body"])
    out_weights = np.empty(len(body))
    out_weights[order] = weights
    return {c: v[by_body] for c, v in out.items()}, out_weights


def egger_many(y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Egger's test p-value of each row of ``y``, ``v`` (bodies x studies) at once.

    The same regression as :func:`calcidata.synthesis.certainty.egger_pvalue`
    (``y / se`` on ``1 / se`` by least squares; the intercept tested with t on
    ``k - 2`` df), in closed form over the rows. A row the regression fits exactly
    (residuals at rounding level: the studies agree) has no asymmetry to test: NaN.
    """
    se = np.sqrt(v)
    x, z = 1 / se, y / se
    k = y.shape[1]
    xm, zm = x.mean(axis=1, keepdims=True), z.mean(axis=1, keepdims=True)
    sxx = ((x - xm) ** 2).sum(axis=1, keepdims=True)
    slope = ((x - xm) * (z - zm)).sum(axis=1, keepdims=True) / sxx
    intercept = zm - slope * xm
    s2 = ((z - intercept - slope * x) ** 2).sum(axis=1, keepdims=True) / (k - 2)
    # 0 / 0 where the fit is exact (intercept and residuals 0): NaN, masked below anyway
    with np.errstate(divide="ignore", invalid="ignore"):
        t = intercept / np.sqrt(s2 * (1 / k + xm**2 / sxx))
    p = np.asarray(2 * t_sf(np.abs(t), k - 2), dtype=float).ravel()
    # an exact fit (the studies agree to rounding) has no asymmetry to test
    total = ((z - zm) ** 2).sum(axis=1)
    return np.where(s2.ravel() * (k - 2) <= 1e-20 * np.maximum(total, 1e-300), np.nan, p)


def _sum_known(x: np.ndarray, by: np.ndarray) -> np.ndarray:
    """Per body (by body id): the sum of ``x``, or NaN if a value is unknown (pandas' sum)."""
    g = pd.Series(x).groupby(by, sort=True)
    return np.asarray(g.sum(min_count=1).where(g.count() == g.size()).to_numpy(float))


def estimate_bodies(items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Basis and estimate of every body, and the items behind each estimate.

    Returns
    -------
    bodies : pandas.DataFrame
        Indexed by ``body_id``: ``basis``, ``effect_measure``, ``estimate``,
        ``ci_low``, ``ci_high`` (natural scale), ``n_studies``,
        ``n_participants``, ``events``, ``i2_percent``, ``egger_p``,
        ``split_directions``, ``k_pooled``, ``review_id``.
    behind : pandas.DataFrame
        The items behind each estimate with ``weight`` (percent; equal for a
        review's or unestimated rows).
    """
    items = items if "yi" in items else study_effects(items)
    a, ids, rank = _arrays(items)
    by, nb = a["by"], len(ids)
    # per body, by body id (reordered to the order of appearance at the end)
    basis = np.full(nb, _NONE)
    f = {c: np.full(nb, np.nan) for c in _FLOATS[:7] + ("egger_p",)}
    k_pooled, split = np.zeros(nb, dtype=np.int64), np.zeros(nb, dtype=bool)
    review_id = np.full(nb, pd.NA, dtype=object)
    measure = np.empty(nb, dtype=object)
    measure[rank] = a["measure"][a["first"]]  # each body's first row's
    behind: list[tuple[np.ndarray, object]] = []  # the rows behind each estimate and their weight

    # 1. the best review with a comparative estimate
    cand = a["review"] & a["comparative"] & ~np.isnan(a["estimate"]) & ~a["within_arm"]
    best = _best(a, np.flatnonzero(cand))
    at = by[best]
    basis[at], review_id[at], measure[at] = _REVIEW, a["source_id"][best], a["measure"][best]
    for c in ("estimate", "ci_low", "ci_high", "n_studies", "n_participants", "i2_percent"):
        f[c][at] = a[c][best]
    behind.append((best, 100.0))

    # 2. a pool of two or more independent primary studies (never within-arm, never reviews)
    rest = basis == _NONE
    studies, study = _one_per_study(a, np.flatnonzero(rest[by] & ~a["review"] & ~a["non_study"]))
    ok = ~np.isnan(a["yi"][studies]) & a["poolable"][studies] & ~a["within_arm"][studies]
    pool_in, study = studies[ok], study[ok]
    ok = _main_measure(by[pool_in], a["m_rank"][pool_in])
    pool_in, study = pool_in[ok], study[ok]
    if len(pool_in):
        pb, y, v = by[pool_in], a["yi"][pool_in], a["vi"][pool_in]
        res, weights = _pool(pb, study, y, v)
        first = pool_in[_firsts(pb)]  # pool_in is ordered by body: one row of each
        at = by[first]
        basis[at], measure[at], k_pooled[at] = _POOLED, a["measure"][first], res["k"]
        ratio = a["ratio"][first]
        for c in ("estimate", "ci_low", "ci_high"):
            f[c][at] = np.where(ratio, np.exp(res[c]), res[c])
        f["i2_percent"][at], f["egger_p"][at] = res["i2"], res["egger_p"]
        f["n_studies"][at] = np.bincount(pb)[at]
        for c in ("n_participants", "events"):
            f[c][at] = _sum_known(a[c][pool_in], pb)
        se = np.sqrt(v)  # split: the studies' 95% CIs exclude no effect on opposite sides
        side = [np.bincount(pb, ex, nb)[at] > 0 for ex in (y - Z975 * se > 0, y + Z975 * se < 0)]
        split[at] = side[0] & side[1]
        behind.append((pool_in, weights))

    # 3. exactly one study with an estimate (within-arm results too: shown apart)
    rows = studies[basis[by[studies]] == _NONE]
    rows = rows[(~np.isnan(a["estimate"][rows]) | ~np.isnan(a["yi"][rows])) & ~a["other"][rows]]
    one = rows[np.bincount(by[rows], minlength=nb)[by[rows]] == 1]
    if len(one):
        at, y, se = by[one], a["yi"][one], np.sqrt(a["vi"][one])
        arm, ratio = a["arms"][one] & ~np.isnan(y), a["ratio"][one]
        basis[at], measure[at], f["n_studies"][at] = _SINGLE, a["measure"][one], 1
        for c, yc in (("estimate", y), ("ci_low", y - Z975 * se), ("ci_high", y + Z975 * se)):
            f[c][at] = np.where(arm, np.where(ratio, np.exp(yc), yc), a[c][one])
        for c in ("n_participants", "events"):
            f[c][at] = a[c][one]
        behind.append((one, 100.0))

    # 4. no estimate: the best review, else the primary studies, else the best other row
    rest = basis == _NONE
    left = np.flatnonzero(rest[by])
    revs = _best(a, left[a["review"][left]])
    taken = np.zeros(nb, dtype=bool)
    taken[by[revs]] = True
    prim = studies[rest[by[studies]] & ~taken[by[studies]]]
    taken[by[prim]] = True
    unest = np.concatenate([revs, prim, _best(a, left[~taken[by[left]]])])
    ub = by[unest]
    size = np.bincount(ub, minlength=nb)
    behind.append((unest, 100.0 / size[ub]))
    single = size[ub] == 1
    at, row = ub[single], unest[single]
    f["n_studies"][at], f["n_participants"][at] = a["n_studies"][row], a["n_participants"][row]
    f["i2_percent"][at] = a["i2_percent"][row]
    at = np.unique(ub[~single])
    f["n_studies"][at], f["i2_percent"][at] = size[at], np.nan
    f["n_participants"][at] = _sum_known(a["n_participants"][unest[~single]], ub[~single])
    review_id[by[revs]] = a["source_id"][revs]

    def text(values: np.ndarray) -> pd.Series:  # an object column, as before (not str)
        return pd.Series(values[rank], ids, dtype=object)

    out = pd.DataFrame(
        {"basis": pd.array(np.asarray(BASES, dtype=object)[basis[rank]], dtype="str"),
         "review_id": text(review_id), **{c: v[rank] for c, v in f.items()},
         "k_pooled": k_pooled[rank], "split_directions": split[rank],
         "effect_measure": text(measure)},
        index=ids,
    )  # fmt: skip
    at = np.concatenate([r for r, _ in behind])
    weight = np.concatenate([np.broadcast_to(np.asarray(w, float), len(r)) for r, w in behind])
    columns = items.columns.get_indexer(pd.Index([c for c in _NEEDED if c in items]))
    return out, items.iloc[at, columns].assign(weight=weight)  # whole rows taken once


__all__ = ["BASES", "Z975", "estimate_bodies", "study_effects"]
