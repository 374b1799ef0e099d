"""The estimate of every body at once: the best review, a pool, one study, or none.

Vectorised over bodies (no Python loop per body): the best review is a sort and
a ``drop_duplicates``; pools of ``k`` studies are pooled together with
:func:`calcidata.meta.pool_many`. The rules are documented in
:mod:`calcidata.synthesis.profile`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from calcidata.schemas.effect_measures import MEASURES
from calcidata.schemas.vocabularies import NON_STUDY_DESIGNS, REVIEW_DESIGNS
from calcidata.synthesis import meta
from calcidata.synthesis._keyed import isin, sorted_codes
from calcidata.synthesis.rule import RULE

Z975 = float(stats.norm.isf(0.025))
BASES = ("review", "pooled", "single_study", "no_estimate")
_KIND = {k: m.kind for k, m in MEASURES.items()}
_OF_KIND = {kind: [k for k, m in MEASURES.items() if m.kind == kind] for kind in _KIND.values()}
_POOLABLE = [k for k, m in MEASURES.items() if m.poolable]
_RANK = {k: i for i, k in enumerate(MEASURES)}
#: The item columns the estimate itself reads.
_WORK = (
    "body_id", "item_id", "kind", "source_id", "study_id", "study_design", "effect_measure",
    "estimate", "ci_low", "ci_high", "n_studies", "n_participants", "events", "i2_percent", "yi",
    "vi", "level", "year", "depth", "order", "within_arm",
)  # fmt: skip
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

    def measure_in(names: list[str]) -> np.ndarray:  # isin, tested once per distinct measure
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


def _natural(measure: pd.Series, y: np.ndarray) -> np.ndarray:
    return np.where(measure.map(_KIND).eq("ratio").to_numpy(), np.exp(y), y)


def _best_reviews(cand: pd.DataFrame) -> pd.DataFrame:
    """The best review of each body: design level, participants, year, broadest condition."""
    return cand.sort_values(
        ["body_id", "level", "n_participants", "year", "depth", "item_id"],
        ascending=[True, False, False, False, True, True],
        na_position="last",
    ).drop_duplicates("body_id")


def _one_per_study(rows: pd.DataFrame, among: np.ndarray) -> pd.DataFrame:
    """One item per study and body: arm numbers first, then a CI, an estimate, then size.

    Only the ``among`` rows (a mask) compete; the frame is taken once, for the winners.
    """
    at = np.flatnonzero(among)

    def col(c: str, dtype: object = None) -> np.ndarray:
        # pandas takes any NumPy dtype (or None) here; its stubs want one literal type.
        return np.asarray(rows[c].to_numpy(dtype=dtype))[at]  # type: ignore[call-overload]

    has_y = ~np.isnan(col("yi", float))
    kind = col("kind", object)
    rank = np.where(has_y & (kind == "arms"), 0, np.where(has_y, 1, 2))
    rank = rank + (np.isnan(col("estimate", float)) & (kind == "evidence"))
    # one lexsort on numbers: body, study, rank, most participants (unknown last), order
    study = sorted_codes(col("study_id", object))[0]
    body = col("body_id")
    size = -col("n_participants", float)
    size = np.where(np.isnan(size), np.inf, size)
    idx = np.lexsort((col("order"), size, rank, study, body))
    b, st = body[idx], study[idx]
    first = np.r_[True, (b[1:] != b[:-1]) | (st[1:] != st[:-1])] if len(idx) else idx.astype(bool)
    return rows.iloc[at[idx[first]]]


#: What the estimate reads of each pool.
_POOL_COLUMNS = ("body_id", "egger_p", "k", "estimate", "ci_low", "ci_high", "i2", "tau2")


def _pool(studies: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Pool each body's studies (REML; HKSJ from 3 studies, a normal CI for 2).

    Returns one row per pooled body (estimate on the pooling scale, CI, I^2,
    tau^2, k, the Egger p for 10+ studies) and the percent weight of each study.
    Bodies of the same number of studies are pooled together by
    :func:`calcidata.meta.pool_many` (one call per distinct k, as arrays).
    """
    studies = studies[["body_id", "study_id", "yi", "vi"]].sort_values(["body_id", "study_id"])
    body = studies["body_id"].to_numpy()
    y_all, v_all = studies["yi"].to_numpy(float), studies["vi"].to_numpy(float)
    _, counts = np.unique(body, return_counts=True)
    k = np.repeat(counts, counts)  # body ids are sorted: each body's rows are contiguous
    weights = np.full(len(studies), np.nan)
    cols: dict[str, list[np.ndarray]] = {c: [] for c in _POOL_COLUMNS}
    for size in np.unique(k):
        at = np.flatnonzero(k == size)
        y, v = y_all[at].reshape(-1, size), v_all[at].reshape(-1, size)
        test = "knha" if size >= RULE.hksj_min_studies else "z"
        res = meta.pool_arrays(y, v, method="REML", test=test)  # pool_many without a frame
        w = 1.0 / (v + res["tau2"][:, None])
        weights[at] = (100 * w / w.sum(axis=1, keepdims=True)).ravel()
        egger = egger_many(y, v) if size >= RULE.egger_min_studies else np.full(len(y), np.nan)
        cols["body_id"].append(body[at][::size])
        cols["egger_p"].append(egger)
        for c in _POOL_COLUMNS[2:]:
            cols[c].append(res[c])
    out = pd.DataFrame({c: np.concatenate(v) for c, v in cols.items()}).set_index("body_id")
    return out, pd.Series(weights, index=studies.index)  # arrays joined once, not frames


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
    t = intercept / np.sqrt(s2 * (1 / k + xm**2 / sxx))
    p = np.asarray(2 * stats.t.sf(np.abs(t), k - 2), dtype=float).ravel()
    # an exact fit (the studies agree to rounding) has no asymmetry to test
    total = ((z - zm) ** 2).sum(axis=1)
    return np.where(s2.ravel() * (k - 2) <= 1e-20 * np.maximum(total, 1e-300), np.nan, p)


def _sides(studies: pd.DataFrame) -> pd.Series:
    """Per body: whether its studies' 95% CIs exclude no effect on opposite sides."""
    se = np.sqrt(studies["vi"].to_numpy(float))
    y = studies["yi"].to_numpy(float)
    pos = pd.Series(y - Z975 * se > 0, index=studies.index).groupby(studies["body_id"]).any()
    neg = pd.Series(y + Z975 * se < 0, index=studies.index).groupby(studies["body_id"]).any()
    return pos & neg


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
    full = items[[c for c in _NEEDED if c in items]]  # the columns behind keeps
    items = full[[c for c in _WORK if c in full]]  # narrower still: rows are copied often
    comparative = isin(items["effect_measure"], _OF_KIND["ratio"] + _OF_KIND["difference"])
    is_review = isin(items["study_design"], REVIEW_DESIGNS)
    body_ids = pd.Index(items["body_id"].unique(), name="body_id")
    out = pd.DataFrame(index=body_ids)
    out["basis"], out["review_id"] = "no_estimate", pd.NA
    for c in ("estimate", "ci_low", "ci_high", "n_studies", "n_participants", "events"):
        out[c] = np.nan
    out["i2_percent"], out["egger_p"], out["k_pooled"] = np.nan, np.nan, 0
    out["split_directions"] = False
    first = items[["body_id", "effect_measure"]].drop_duplicates("body_id").set_index("body_id")
    out["effect_measure"] = first["effect_measure"]
    behind: list[tuple[pd.Index, object]] = []  # the rows behind each estimate and their weight

    # 1. the best review with a comparative estimate
    cand = items[is_review & comparative & items["estimate"].notna() & ~items["within_arm"]]
    best = _best_reviews(cand)
    b = best.set_index("body_id")
    out.loc[b.index, "basis"] = "review"
    out.loc[b.index, "review_id"] = b["source_id"]
    for c in ("effect_measure", "estimate", "ci_low", "ci_high", "n_studies", "n_participants",
              "i2_percent"):  # fmt: skip
        out.loc[b.index, c] = b[c]
    behind.append((best.index, 100.0))
    done = out.index.isin(b.index)

    # 2. a pool of two or more independent primary studies (never within-arm, never reviews)
    rest = items["body_id"].isin(out.index[~done])
    primary = rest & ~is_review & ~isin(items["study_design"], NON_STUDY_DESIGNS)
    studies = _one_per_study(items, primary.to_numpy())
    pool_in = studies[studies["yi"].notna() & studies["effect_measure"].isin(_POOLABLE)
                      & ~studies["within_arm"]]  # fmt: skip
    if not pool_in.empty:
        n = pool_in.groupby(["body_id", "effect_measure"]).size().rename("n").reset_index()
        n["_r"] = n["effect_measure"].map(_RANK)
        n = n.sort_values(["body_id", "n", "_r"], ascending=[True, False, True])
        keep = n.drop_duplicates("body_id")
        keep = keep[keep["n"] >= 2]
        key = pd.MultiIndex.from_frame(keep[["body_id", "effect_measure"]])
        pool_in = pool_in[
            pd.MultiIndex.from_frame(pool_in[["body_id", "effect_measure"]]).isin(key)
        ]
    if not pool_in.empty:
        res, weights = _pool(pool_in)
        measure = pool_in.drop_duplicates("body_id").set_index("body_id")["effect_measure"]
        measure = measure.loc[res.index]
        out.loc[res.index, "basis"] = "pooled"
        out.loc[res.index, "effect_measure"] = measure
        for c in ("estimate", "ci_low", "ci_high"):
            out.loc[res.index, c] = _natural(measure, res[c].to_numpy())
        out.loc[res.index, "i2_percent"] = res["i2"]
        out.loc[res.index, "egger_p"] = res["egger_p"]
        out.loc[res.index, "k_pooled"] = res["k"]
        g = pool_in.groupby("body_id")
        out.loc[res.index, "n_studies"] = g.size()
        out.loc[res.index, "n_participants"] = (
            g["n_participants"].sum(min_count=1).where(g["n_participants"].count() == g.size())
        )
        out.loc[res.index, "events"] = (
            g["events"].sum(min_count=1).where(g["events"].count() == g.size())
        )
        out.loc[res.index, "split_directions"] = _sides(pool_in)
        behind.append((pool_in.index, weights[pool_in.index].to_numpy()))
    done = out["basis"].ne("no_estimate").to_numpy()

    # 3. exactly one study with an estimate (within-arm results too: shown apart)
    est_rows = studies[studies["body_id"].isin(out.index[~done])]
    est_rows = est_rows[(est_rows["estimate"].notna() | est_rows["yi"].notna())
                        & est_rows["effect_measure"].ne("other")]  # fmt: skip
    sizes = est_rows.groupby("body_id")["item_id"].transform("size")
    one = est_rows[sizes.eq(1)]
    if not one.empty:
        o = one.set_index("body_id")
        arm = o["kind"].eq("arms") & o["yi"].notna()
        se = np.sqrt(o["vi"].to_numpy(float))
        nat = {
            "estimate": _natural(o["effect_measure"], o["yi"].to_numpy(float)),
            "ci_low": _natural(o["effect_measure"], o["yi"].to_numpy(float) - Z975 * se),
            "ci_high": _natural(o["effect_measure"], o["yi"].to_numpy(float) + Z975 * se),
        }
        out.loc[o.index, "basis"] = "single_study"
        for c in ("estimate", "ci_low", "ci_high"):
            out.loc[o.index, c] = np.where(arm, nat[c], o[c].to_numpy(float))
        for c in ("effect_measure", "n_participants", "events"):
            out.loc[o.index, c] = o[c]
        out.loc[o.index, "n_studies"] = 1
        behind.append((one.index, 100.0))
    done = out["basis"].ne("no_estimate").to_numpy()

    # 4. no estimate: the best review, else the primary studies, else the best other row
    rest_ids = out.index[~done]
    left = items[items["body_id"].isin(rest_ids)]
    revs = _best_reviews(left[left["study_design"].isin(REVIEW_DESIGNS)])
    prim = studies[studies["body_id"].isin(rest_ids) & ~studies["body_id"].isin(revs["body_id"])]
    other = left[~left["body_id"].isin(revs["body_id"]) & ~left["body_id"].isin(prim["body_id"])]
    other = _best_reviews(other)
    unest = pd.concat([revs, prim, other])
    unest = unest.assign(weight=100.0 / unest.groupby("body_id")["item_id"].transform("size"))
    behind.append((unest.index, unest["weight"].to_numpy()))
    g = unest.groupby("body_id")
    single = g.size().eq(1)
    out.loc[g.size().index, "n_studies"] = np.where(single, g["n_studies"].first(), g.size())
    out.loc[g.size().index, "n_participants"] = np.where(
        single, g["n_participants"].first(),
        g["n_participants"].sum(min_count=1).where(g["n_participants"].count() == g.size()),
    )  # fmt: skip
    out.loc[g.size().index, "i2_percent"] = g["i2_percent"].first().where(single)
    r = revs.set_index("body_id")
    out.loc[r.index, "review_id"] = r["source_id"]
    labels = np.concatenate([np.asarray(at) for at, _ in behind])
    weight = np.concatenate([np.broadcast_to(np.asarray(w, float), len(at)) for at, w in behind])
    behind_frame = full.loc[labels].assign(weight=weight)  # whole rows taken once
    return out, behind_frame


__all__ = ["BASES", "Z975", "estimate_bodies", "study_effects"]
