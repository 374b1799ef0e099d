"""What the evidence says of the lay articles' claims: one rule, from the profile and doses.

The rule (also printed in ``data/README.md``):

1. A claim about what a condition is (``definition``), how it arises
   (``mechanism``) or how it evolves (``prognosis``), and a claim that names no
   treatment, is ``outside_scope``: the tables hold results of treatments and
   their doses, not descriptions of conditions.
2. A claim about a treatment's effect (``treatment_effect``, or a
   ``care_pathway`` naming a treatment) is judged on the bodies of evidence of
   :func:`calcidata.evidence_profile` for the treatment (or a narrower one) and
   the claim's condition (or a narrower one), on the outcome the claim names
   (else every outcome but adverse events). Bodies against placebo, sham, no
   treatment or usual care come first; only without them do other bodies count
   (an active comparator, one arm without a comparison), and then the verdict
   is at best ``partly_supported``. Among the bodies that count, those of the
   highest certainty decide (``very_low`` when none is stated). A body points
   *for* the treatment when all its results favour it, *against* it when all
   show no difference or favour the comparator, else it is mixed. The claim
   agrees when the deciding bodies all point the way it says
   (``claimed_effect``: ``benefit`` or ``no_benefit``), disagrees when they all
   point the other way:

   ==========  ========================  ==========================
   certainty   agrees                    disagrees
   ==========  ========================  ==========================
   high        supported                 contradicted
   moderate    supported                 contradicted
   low         partly_supported          contradicted
   very_low    partly_supported          partly_supported
   ==========  ========================  ==========================

   Mixed bodies give ``partly_supported``. No body: ``no_evidence_found``.
3. A claim about a dose (``dose``) is judged on the article's own dosing row:
   its daily dose is compared with the range the dose audit would use
   (:class:`calcidata.audit.reference.DoseReference`: ranges, maxima and
   starting doses of labels, guidelines, studies and reference works, never a
   mean, one patient's dose or a lay article). Wholly within: ``supported``;
   partly outside: ``partly_supported``; wholly outside: ``contradicted``; no
   reference: ``no_evidence_found``.
4. A claim about a schedule (``schedule``) compares the article's sessions per
   week with those of other sources' rows (not lay, not a mean or one
   patient's) for the treatment (its classes or narrower treatments) and the
   condition (a broader one, or none): the same words as for doses; none:
   ``no_evidence_found``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calcidata.audit.reference import cached_reference
from calcidata.schemas.vocabularies import AUDIT_DOSE_KINDS, CERTAINTY
from calcidata.tables.hierarchy import ancestors, descendants, parents_of

__all__ = ["claim_verdicts", "lay_doses", "verdict_from"]

#: Claim types the tables cannot judge.
OUT_OF_SCOPE_TYPES = ("definition", "mechanism", "prognosis")
#: Comparator groups that tell whether a treatment works (placebo, sham, nothing).
INACTIVE_COMPARATORS = ("placebo or sham", "no treatment or usual care")
#: Effect measures of one arm without a comparison.
WITHIN_ARM_MEASURES = ("proportion", "mean_change")
#: The verdict for (certainty, agrees) when the deciding bodies agree or disagree.
VERDICT_TABLE = {
    ("high", True): "supported",
    ("moderate", True): "supported",
    ("low", True): "partly_supported",
    ("very_low", True): "partly_supported",
    ("high", False): "contradicted",
    ("moderate", False): "contradicted",
    ("low", False): "contradicted",
    ("very_low", False): "partly_supported",
}
#: The verdict on a lay dose (or schedule) against the reference, by the dose's place.
DOSE_VERDICTS = {
    "within_range": "supported",
    "partly_below": "partly_supported",
    "partly_above": "partly_supported",
    "wider_than_range": "partly_supported",
    "below_range": "contradicted",
    "above_range": "contradicted",
    "no_reference": "no_evidence_found",
}
#: How a note words where a dose lies against the reference.
PLACE_WORDS = {
    "within_range": "within",
    "partly_below": "partly below",
    "partly_above": "partly above",
    "wider_than_range": "wider than",
    "below_range": "below",
    "above_range": "above",
}
_FOR = {"favours_treatment"}
_AGAINST = {"no_difference", "favours_comparator"}


def verdict_from(certainty: str, direction: str, claimed: str, inactive: bool) -> str:
    """The verdict of rule 2 for the deciding bodies' certainty and direction.

    ``direction`` is ``for``, ``against``, ``mixed`` or ``uncertain``; ``claimed`` is ``benefit`` or
    ``no_benefit``; ``inactive`` whether the bodies compare with placebo, sham or nothing.
    """
    if direction in ("mixed", "uncertain"):
        return "partly_supported"
    agrees = (direction == "for") == (claimed == "benefit")
    verdict = VERDICT_TABLE[(certainty, agrees)]
    if verdict == "supported" and not inactive:
        return "partly_supported"
    return verdict


def _direction(evidence_ids: str, directions: dict[str, str]) -> str:
    found = {directions.get(e) for e in str(evidence_ids or "").split(";") if e}
    found.discard(None)
    if found and found <= _FOR:
        return "for"
    if found and found <= _AGAINST:
        return "against"
    if found & _FOR and found & _AGAINST or "mixed" in found:
        return "mixed"
    return "uncertain"


def _arm_directions(tables, profile: pd.DataFrame) -> dict[str, str]:
    """Directions of results pooled from study arms (``study_outcomes``), from their CI.

    The 95% CI of the body excludes no effect on the side ``higher_is_better`` names:
    ``favours_treatment`` (or ``favours_comparator`` on the other side); otherwise
    ``no_difference``; ``uncertain`` when the side that is better is not known.
    """
    so = tables.study_outcomes
    better = dict(zip(so["study_outcome_id"], so["higher_is_better"].astype(object), strict=True))
    out: dict[str, str] = {}
    ratio = {"RR", "OR", "HR"}
    for ids, measure, lo, hi in zip(
        profile["evidence_ids"].astype(object),
        profile["effect_measure"].astype(object),
        profile["ci_low"].astype("float64"),
        profile["ci_high"].astype("float64"),
        strict=True,
    ):
        for i in str(ids or "").split(";"):
            if i not in better:
                continue
            null = 1.0 if measure in ratio else 0.0
            good = better[i]
            if np.isnan(lo) or np.isnan(hi) or good is None or good != good:
                out[i] = "uncertain"
            elif lo > null or hi < null:
                out[i] = "favours_treatment" if (lo > null) == bool(good) else "favours_comparator"
            else:
                out[i] = "no_difference"
    return out


def _bodies(profile: pd.DataFrame, directions: dict[str, str]) -> pd.DataFrame:
    """The profile's bodies with their direction, tier and certainty (very_low if none)."""
    out = profile.copy()
    if "within_arm" in out.columns:
        within = out["within_arm"].astype("boolean").fillna(False).astype(bool)
    else:
        within = out["effect_measure"].astype(object).isin(WITHIN_ARM_MEASURES)
    comparator = out["comparator"].astype(object).fillna("")
    out["inactive"] = comparator.isin(INACTIVE_COMPARATORS) & ~within
    out["certainty_level"] = (
        out["certainty"].astype(object).where(out["certainty"].notna(), "very_low")
    )
    out["direction"] = [_direction(e, directions) for e in out["evidence_ids"].astype(object)]
    return out


def _words_list(ids) -> str:
    return ";".join(dict.fromkeys(i for x in ids for i in str(x or "").split(";") if i))


def _effect_verdict(claim, bodies, tree, tnames, cnames, evidence: set) -> dict:
    tid, cid = claim.treatment_id, claim.condition_id
    treatments = set(descendants(tree["t"], tid))
    conditions = set(descendants(tree["c"], cid)) if isinstance(cid, str) else set()
    sel = bodies[bodies["treatment_id"].isin(treatments) & bodies["condition_id"].isin(conditions)]
    domain = claim.outcome_domain if isinstance(claim.outcome_domain, str) else None
    domains = sel["outcome_domain"].astype(object)
    sel = sel[domains == domain] if domain else sel[domains != "adverse_events"]
    what = f"{tnames.get(tid, tid)} for {cnames.get(cid, cid).lower()}"
    if domain:
        what += f" ({domain.replace('_', ' ')})"
    if sel.empty:
        return {
            "verdict": "no_evidence_found",
            "evidence_ids": "",
            "verdict_note": f"No result on {what} is in the tables.",
        }
    inactive = bool(sel["inactive"].any())
    tier = sel[sel["inactive"]] if inactive else sel
    rank = tier["certainty_level"].map(CERTAINTY.index)
    top = tier[rank == rank.max()]
    certainty = str(top["certainty_level"].iloc[0])
    dirs = set(top["direction"])
    direction = dirs.pop() if len(dirs) == 1 else "mixed"
    claimed = claim.claimed_effect if isinstance(claim.claimed_effect, str) else "benefit"
    verdict = verdict_from(certainty, direction, claimed, inactive)
    n = len(top)
    against = "placebo, sham or no treatment" if inactive else "other comparators or none"
    points = {
        "for": ("favours", "favour")[n > 1] + " the treatment",
        "against": ("shows", "show")[n > 1]
        + " no difference or favour"
        + ("s", "")[n > 1]
        + " the comparator",
        "mixed": ("points", "point")[n > 1] + " different ways",
        "uncertain": ("does", "do")[n > 1] + " not say which way the effect goes",
    }[direction]
    bodies_words = f"{n} bod{'ies' if n > 1 else 'y'} of evidence"
    note = (
        f"On {what}, the {bodies_words} of highest certainty "
        f"({certainty.replace('_', ' ')}, against {against}) {points}."
    )
    ids = _words_list(top["evidence_ids"]).split(";")
    rows = [i for i in ids if i in evidence]
    arms = [i for i in ids if i and i not in evidence]
    if arms:
        note = note[:-1] + f" (arm-level results pooled by calcidata: {', '.join(arms)})."
    return {"verdict": verdict, "evidence_ids": ";".join(rows), "verdict_note": note}


def _daily_place(lo: float, hi: float, ref_lo: float, ref_hi: float) -> str:
    """Where a daily range [lo, hi] lies against a reference range (either end may be NaN)."""
    lo = hi if np.isnan(lo) else lo
    hi = lo if np.isnan(hi) else hi
    below = not np.isnan(ref_lo) and lo < ref_lo * (1 - 1e-9)
    above = not np.isnan(ref_hi) and hi > ref_hi * (1 + 1e-9)
    if below and above:
        return "wider_than_range"
    if below:
        return "below_range" if hi < ref_lo * (1 - 1e-9) else "partly_below"
    if above:
        return "above_range" if lo > ref_hi * (1 + 1e-9) else "partly_above"
    return "within_range"


def lay_doses(tables) -> pd.DataFrame:
    """Each lay article's drug dose beside the studied or labelled range it is judged on.

    Returns
    -------
    pandas.DataFrame
        One row per dosing row of a lay article that gives a daily dose: ``dosing_id``,
        ``source_id``, ``treatment_id``, ``condition_id``, ``route``, ``daily_min``,
        ``daily_max``, ``daily_unit``, ``reference_min``, ``reference_max``,
        ``reference_dosing_ids``, ``place`` (``within_range``, ``partly_below``,
        ``partly_above``, ``wider_than_range``, ``below_range``, ``above_range`` or
        ``no_reference``) and ``reason`` (the reference and its sources, in words).
    """
    ref = cached_reference(tables)
    kinds = dict(zip(tables.sources["source_id"], tables.sources["kind"].astype(object)))
    d = tables.dosing_ranges
    lay = d[d["source_id"].map(kinds) == "lay_web_article"]
    daily = ref.doses.set_index("dosing_id")
    rows = []
    for r in lay.itertuples(index=False):
        if r.dosing_id not in daily.index or not isinstance(daily.loc[r.dosing_id, "unit"], str):
            continue
        own = daily.loc[r.dosing_id]
        unit = str(own["unit"]).removesuffix("/day")
        cond = r.condition_id if isinstance(r.condition_id, str) else None
        rng = ref.range_for(r.treatment_id, str(r.route), cond, unit)
        row = {
            "dosing_id": r.dosing_id,
            "source_id": r.source_id,
            "treatment_id": r.treatment_id,
            "condition_id": cond,
            "route": str(r.route),
            "daily_min": float(own["low"]),
            "daily_max": float(own["high"]),
            "daily_unit": str(own["unit"]),
            "reference_min": rng.low,
            "reference_max": rng.high,
            "reference_dosing_ids": rng.dosing_ids or "",
        }
        if rng.status is not None or r.dosing_id in str(rng.dosing_ids).split(";"):
            row.update(place="no_reference", reason=rng.reason or "only the article itself")
        else:
            row.update(
                place=_daily_place(row["daily_min"], row["daily_max"], rng.low, rng.high),
                reason=rng.basis,
            )
        rows.append(row)
    columns = [
        "dosing_id",
        "source_id",
        "treatment_id",
        "condition_id",
        "route",
        "daily_min",
        "daily_max",
        "daily_unit",
        "reference_min",
        "reference_max",
        "reference_dosing_ids",
        "place",
        "reason",
    ]
    return pd.DataFrame(rows, columns=columns)


def _span(lo: float, hi: float, unit: str) -> str:
    if np.isnan(lo):
        return f"up to {hi:.6g} {unit}"
    if np.isnan(hi) or lo == hi:
        return f"{lo:.6g} {unit}"
    return f"{lo:.6g} to {hi:.6g} {unit}"


def _dose_verdict(claim, doses: pd.DataFrame, tnames) -> dict:
    own = doses[
        (doses["source_id"] == claim.source_id)
        & (doses["treatment_id"] == claim.treatment_id)
        & (doses["condition_id"].astype(object) == claim.condition_id)
    ]
    name = tnames.get(claim.treatment_id, claim.treatment_id)
    if own.empty:
        return {
            "verdict": "no_evidence_found",
            "dosing_ids": "",
            "verdict_note": f"No daily dose of {name} from this article is in the tables.",
        }
    r = own.iloc[0]
    verdict = DOSE_VERDICTS[r["place"]]
    said = _span(r["daily_min"], r["daily_max"], r["daily_unit"])
    if r["place"] == "no_reference":
        note = f"The article's {said} of {name} has no studied or labelled range to compare with."
        ids = r["dosing_id"]
    else:
        ref = _span(r["reference_min"], r["reference_max"], r["daily_unit"])
        place = PLACE_WORDS[r["place"]]
        note = (
            f"The article's {said} of {name} is {place} the studied or labelled {ref} "
            f"({r['reason']})."
        )
        ids = f"{r['dosing_id']};{r['reference_dosing_ids']}"
    return {"verdict": verdict, "dosing_ids": ids, "verdict_note": note}


def _weekly(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    per = frame["frequency_per"].astype(object)
    factor = per.map({"week": 1.0, "day": 7.0, "month": 12 / 52}).astype("float64")
    return frame["frequency_min"].astype("float64") * factor, frame["frequency_max"].astype(
        "float64"
    ) * factor


def _schedule_verdict(claim, tables, tree, kinds, tnames, cnames) -> dict:
    d = tables.dosing_ranges
    name = tnames.get(claim.treatment_id, claim.treatment_id)
    lo, hi = _weekly(d)
    own = d[
        (d["source_id"] == claim.source_id) & (d["treatment_id"] == claim.treatment_id) & lo.notna()
    ]
    if own.empty:
        return {
            "verdict": "no_evidence_found",
            "dosing_ids": "",
            "verdict_note": f"No schedule of {name} from this article is in the tables.",
        }
    first = own.index[0]
    tid, cid = claim.treatment_id, claim.condition_id
    related = {tid, *ancestors(tree["t"], tid), *descendants(tree["t"], tid)}
    chain = {cid, *ancestors(tree["c"], cid)} if isinstance(cid, str) else set()
    cond = d["condition_id"].astype(object)
    ref = d[
        d["treatment_id"].isin(related)
        & (cond.isna() | cond.isin(chain))
        & d["dose_kind"].astype(object).isin(AUDIT_DOSE_KINDS)
        & (d["source_id"].map(kinds) != "lay_web_article")
        & lo.notna()
    ]
    said = _span(lo[first], hi[first], "sessions a week")
    if ref.empty:
        return {
            "verdict": "no_evidence_found",
            "dosing_ids": str(d.loc[first, "dosing_id"]),
            "verdict_note": (
                f"No study, label or guideline in the tables gives a schedule of {name} "
                f"for {cnames.get(cid, cid).lower()} to compare with the article's {said}."
            ),
        }
    ref_lo, ref_hi = float(lo[ref.index].min()), float(hi[ref.index].max())
    place = _daily_place(float(lo[first]), float(hi[first]), ref_lo, ref_hi)
    sources = ", ".join(dict.fromkeys(ref["source_id"]))
    return {
        "verdict": DOSE_VERDICTS[place],
        "dosing_ids": ";".join([str(d.loc[first, "dosing_id"]), *ref["dosing_id"]]),
        "verdict_note": (
            f"The article's {said} of {name} is {PLACE_WORDS[place]} the "
            f"{_span(ref_lo, ref_hi, 'sessions a week')} of {sources}."
        ),
    }


def claim_verdicts(tables, profile: pd.DataFrame | None = None) -> pd.DataFrame:
    """The verdict of every claim by the rule of this module.

    Parameters
    ----------
    tables : calcidata.Tables
        Loaded tables (claims, evidence, dosing_ranges, conditions, treatments, sources).
    profile : pandas.DataFrame, optional
        :func:`calcidata.evidence_profile` ``(tables)``, when the caller has it already.

    Returns
    -------
    pandas.DataFrame
        ``claim_id``, ``verdict``, ``evidence_ids``, ``dosing_ids`` and ``verdict_note``
        (the columns of ``claims.csv`` the rule fills), in the claims' order.
    """
    claims = tables.claims
    columns = ["claim_id", "verdict", "evidence_ids", "dosing_ids", "verdict_note"]
    if claims.empty:
        return pd.DataFrame(columns=columns)
    if profile is None:
        from calcidata.synthesis.profile import evidence_profile

        profile = evidence_profile(tables)
    ev = tables.evidence
    directions = dict(zip(ev["evidence_id"], ev["direction"].astype(object), strict=True))
    directions.update(_arm_directions(tables, profile))
    evidence_set = set(ev["evidence_id"])
    bodies = _bodies(profile, directions)
    tree = {
        "t": parents_of(tables.treatments, "treatment_id"),
        "c": parents_of(tables.conditions, "condition_id"),
    }
    tnames = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    tnames = {k: v[0].lower() + v[1:] if v[1:2].islower() else v for k, v in tnames.items()}
    cnames = dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
    kinds = dict(zip(tables.sources["source_id"], tables.sources["kind"].astype(object)))
    doses = lay_doses(tables)
    rows = []
    for claim in claims.itertuples(index=False):
        kind = str(claim.claim_type)
        result = {"verdict": "outside_scope", "evidence_ids": "", "dosing_ids": ""}
        if kind in OUT_OF_SCOPE_TYPES or not isinstance(claim.treatment_id, str):
            result["verdict_note"] = (
                "The tables hold results of treatments and their doses, not descriptions "
                "of what a condition is, how it arises or how it evolves."
                if kind in OUT_OF_SCOPE_TYPES
                else "The claim names no treatment whose results the tables could hold."
            )
        elif kind == "dose":
            result.update(_dose_verdict(claim, doses, tnames))
        elif kind == "schedule":
            result.update(_schedule_verdict(claim, tables, tree, kinds, tnames, cnames))
        elif not isinstance(claim.condition_id, str):
            result.update(
                verdict="no_evidence_found",
                verdict_note="The claim names no condition, so no body of evidence matches it.",
            )
        else:
            result.update(_effect_verdict(claim, bodies, tree, tnames, cnames, evidence_set))
        rows.append({"claim_id": claim.claim_id, **result})
    out = pd.DataFrame(rows, columns=columns)
    for col in ("evidence_ids", "dosing_ids"):
        out[col] = out[col].where(out[col] != "", None)
    return out
