"""Where a body of evidence's estimate comes from: the best review, a pool, one study.

Private helper of :mod:`calcidata.synthesis.profile`; the rules are documented
there. Input is one body's *items*: evidence rows and study_outcomes rows in
one frame (see ``profile.body_items``), with ``yi``/``vi`` already computed where
the numbers allow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from calcidata.schemas.vocabularies import NON_STUDY_DESIGNS, RATIO_MEASURES, REVIEW_DESIGNS
from calcidata.synthesis import meta
from calcidata.synthesis.certainty import egger_pvalue

Z975 = float(stats.norm.isf(0.025))
#: Measures calcidata pools (comparative, between groups).
POOLABLE = ("MD", "SMD", "RR", "OR", "HR", "RD")
BASES = ("review", "pooled", "single_study", "no_estimate")


@dataclass
class Estimate:
    """The estimate of one body and the items behind it."""

    basis: str
    behind: pd.DataFrame
    estimate: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    n_studies: float = math.nan
    n_participants: float = math.nan
    events: float = math.nan
    i2_percent: float = math.nan
    weights: list[float] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)
    egger_p: float = math.nan


def study_effects(items: pd.DataFrame) -> pd.DataFrame:
    """Add ``yi``, ``vi`` (log scale for ratios) where arm numbers or a 95% CI allow.

    Arm-level rows: ``meta.effect_sizes`` (RR from counts, excluding studies with
    no event in either arm; MD or SMD from means, SDs and sizes). Evidence rows
    of a single primary study with an estimate and a 95% CI on a poolable
    measure: the SE recovered from the CI, ``(high - low) / (2 x 1.96)``, on the
    log scale for ratios.
    """
    out = items.assign(yi=np.nan, vi=np.nan)
    arms = out["kind"] == "arms"
    counts = ["events_treatment", "n_treatment", "events_comparator", "n_comparator"]
    dich = arms & (out["effect_measure"] == "RR") & out[counts].notna().all(axis=1)
    dich &= (out["events_treatment"] + out["events_comparator"]) > 0
    if dich.any():
        d = out.loc[dich, counts].astype(float)
        es = meta.effect_sizes(
            "RR",
            ai=d["events_treatment"],
            n1i=d["n_treatment"],
            ci=d["events_comparator"],
            n2i=d["n_comparator"],
        )
        out.loc[dich, "yi"], out.loc[dich, "vi"] = es["yi"].to_numpy(), es["vi"].to_numpy()
    means = ["mean_treatment", "sd_treatment", "n_treatment"]
    means += ["mean_comparator", "sd_comparator", "n_comparator"]
    for measure in ("MD", "SMD"):
        cont = arms & (out["effect_measure"] == measure) & out[means].notna().all(axis=1)
        if cont.any():
            c = out.loc[cont, means].astype(float)
            es = meta.effect_sizes(
                measure,
                m1i=c["mean_treatment"],
                sd1i=c["sd_treatment"],
                n1i=c["n_treatment"],
                m2i=c["mean_comparator"],
                sd2i=c["sd_comparator"],
                n2i=c["n_comparator"],
            )
            out.loc[cont, "yi"], out.loc[cont, "vi"] = es["yi"].to_numpy(), es["vi"].to_numpy()
    ci = (
        (out["kind"] == "evidence")
        & ~out["study_design"].isin([*REVIEW_DESIGNS, *NON_STUDY_DESIGNS])
        & out["effect_measure"].isin(POOLABLE)
        & out[["estimate", "ci_low", "ci_high"]].notna().all(axis=1)
    )
    ratio = ci & out["effect_measure"].isin(RATIO_MEASURES)
    ratio &= (out[["estimate", "ci_low", "ci_high"]] > 0).all(axis=1)
    diff = ci & ~out["effect_measure"].isin(RATIO_MEASURES)
    out.loc[ratio, "yi"] = np.log(out.loc[ratio, "estimate"].astype(float))
    se = (np.log(out.loc[ratio, "ci_high"]) - np.log(out.loc[ratio, "ci_low"])) / (2 * Z975)
    out.loc[ratio, "vi"] = se**2
    out.loc[diff, "yi"] = out.loc[diff, "estimate"].astype(float)
    out.loc[diff, "vi"] = ((out.loc[diff, "ci_high"] - out.loc[diff, "ci_low"]) / (2 * Z975)) ** 2
    out.loc[out["vi"] <= 0, ["yi", "vi"]] = np.nan
    return out


def _natural(measure: str, y: float) -> float:
    return math.exp(y) if measure in RATIO_MEASURES else y


def _sum(values: pd.Series) -> float:
    v = pd.to_numeric(values, errors="coerce")
    return float(v.sum()) if v.notna().all() and len(v) else math.nan


def _best_first(rows: pd.DataFrame) -> pd.DataFrame:
    """Highest design level, then most participants, then most recent, broadest condition."""
    return rows.sort_values(
        ["level", "n_participants", "year", "depth", "item_id"],
        ascending=[False, False, False, True, True],
        na_position="last",
    )


def _one_per_study(rows: pd.DataFrame) -> pd.DataFrame:
    """One item per study: arm-level numbers first, then a CI, then an estimate, then size."""
    rank = np.select(
        [rows["yi"].notna() & (rows["kind"] == "arms"), rows["yi"].notna()], [0, 1], default=2
    )
    rank = rank + rows["estimate"].isna().to_numpy() * (rows["kind"] == "evidence").to_numpy()
    ordered = rows.assign(_rank=rank).sort_values(
        ["study_id", "_rank", "n_participants", "order"],
        ascending=[True, True, False, True],
        na_position="last",
    )
    return ordered.drop_duplicates("study_id").drop(columns="_rank")


def _sides(behind: pd.DataFrame) -> list[str]:
    """Which side each study's 95% CI excludes no effect on (``favours_*`` words)."""
    se = np.sqrt(behind["vi"].to_numpy(dtype=float))
    y = behind["yi"].to_numpy(dtype=float)
    out = []
    for lo, hi in zip(y - Z975 * se, y + Z975 * se, strict=True):
        if lo > 0:
            out.append("favours_treatment")
        elif hi < 0:
            out.append("favours_comparator")
    return out


def estimate_body(body: pd.DataFrame) -> Estimate:
    """Basis and estimate of one body (items with ``yi``/``vi``, ``level``, ``depth``)."""
    measure = str(body["effect_measure"].iloc[0])
    is_review = body["study_design"].isin(REVIEW_DESIGNS)
    reviews = body[is_review & (measure != "other") & body["estimate"].notna()]
    if not reviews.empty:
        best = _best_first(reviews).iloc[[0]]
        row = best.iloc[0]
        return Estimate(
            "review",
            best,
            estimate=float(row["estimate"]),
            ci_low=float(row["ci_low"]) if pd.notna(row["ci_low"]) else math.nan,
            ci_high=float(row["ci_high"]) if pd.notna(row["ci_high"]) else math.nan,
            n_studies=row["n_studies"],
            n_participants=row["n_participants"],
            i2_percent=row["i2_percent"],
            directions=[str(row["direction"])],
        )
    primary = body[~is_review & ~body["study_design"].isin(NON_STUDY_DESIGNS)]
    studies = _one_per_study(primary) if not primary.empty else primary
    poolable = studies[studies["yi"].notna()] if measure in POOLABLE else studies.iloc[:0]
    if len(poolable) >= 2:
        res = meta.pool(poolable["yi"], poolable["vi"], method="REML", test="knha")
        k = len(poolable)
        return Estimate(
            "pooled",
            poolable,
            estimate=_natural(measure, res.estimate),
            ci_low=_natural(measure, res.ci_low),
            ci_high=_natural(measure, res.ci_high),
            n_studies=k,
            n_participants=_sum(poolable["n_participants"]),
            events=_sum(poolable["events"]),
            i2_percent=res.i2,
            weights=list(res.weights),
            directions=_sides(poolable),
            egger_p=egger_pvalue(poolable["yi"], poolable["vi"]) if k >= 10 else math.nan,
        )
    with_estimate = studies[studies["estimate"].notna() | studies["yi"].notna()]
    if measure != "other" and len(with_estimate) == 1:
        return _single(with_estimate, measure)
    if is_review.any():
        best = _best_first(body[is_review]).iloc[[0]]
        return _unestimated(best)
    if not studies.empty:
        return _unestimated(studies)
    return _unestimated(_best_first(body).iloc[[0]])


def _single(one: pd.DataFrame, measure: str) -> Estimate:
    row = one.iloc[0]
    if pd.notna(row["yi"]) and row["kind"] == "arms":
        se = math.sqrt(row["vi"])
        est = _natural(measure, row["yi"])
        lo, hi = _natural(measure, row["yi"] - Z975 * se), _natural(measure, row["yi"] + Z975 * se)
    else:
        est = float(row["estimate"])
        lo = float(row["ci_low"]) if pd.notna(row["ci_low"]) else math.nan
        hi = float(row["ci_high"]) if pd.notna(row["ci_high"]) else math.nan
    return Estimate(
        "single_study",
        one,
        estimate=est,
        ci_low=lo,
        ci_high=hi,
        n_studies=1,
        n_participants=row["n_participants"],
        events=row["events"],
        directions=[str(row["direction"])] if isinstance(row["direction"], str) else [],
    )


def _unestimated(rows: pd.DataFrame) -> Estimate:
    one = len(rows) == 1
    return Estimate(
        "no_estimate",
        rows,
        n_studies=rows["n_studies"].iloc[0] if one else len(rows),
        n_participants=rows["n_participants"].iloc[0] if one else _sum(rows["n_participants"]),
        i2_percent=rows["i2_percent"].iloc[0] if one else math.nan,
        directions=[d for d in rows["direction"].astype(object) if isinstance(d, str)],
    )
