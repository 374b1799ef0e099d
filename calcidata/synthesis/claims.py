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
   (else every outcome but adverse events), leaving out bodies whose comparator
   arm gets the treatment too (an add-on against a sham add-on tests the add-on,
   not the treatment). Bodies against placebo, sham, no
   treatment or usual care come first; only without them do other bodies count
   (an active comparator, one arm without a comparison), and then the verdict
   is at best ``partly_supported``. Among the bodies that count, those of the
   highest certainty decide (``very_low`` when none is stated). A body points
   *for* the treatment when all its results favour it, *against* it when all
   show no difference or favour the comparator, else it is mixed. The claim
   agrees when the deciding bodies all point the way it says
   (``claimed_effect``: ``benefit`` or ``no_benefit``), disagrees when they all
   point the other way:

   * agrees, at high or moderate certainty: ``supported``; at low or very low
     certainty: ``partly_supported``;
   * disagrees, at high, moderate or low certainty: ``contradicted``; at very
     low certainty: ``partly_supported`` (too uncertain to contradict it).

   Bodies that point different ways, or do not say which way (a result marked
   uncertain, or study arms pooled by calcidata whose 95% CI crosses no effect),
   give ``partly_supported``. No body: ``no_evidence_found``.
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

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calcidata.schemas.vocabularies import CERTAINTY
from calcidata.synthesis.bodies import INACTIVE_GROUPS, INACTIVE_IDS
from calcidata.synthesis.lay_doses import dose_verdict, lay_doses, schedule_verdict
from calcidata.tables.container import takes_tables
from calcidata.tables.hierarchy import descendants, parents_of

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

__all__ = ["claim_verdicts", "lay_doses", "verdict_from"]

#: Claim types the tables cannot judge.
OUT_OF_SCOPE_TYPES = ("definition", "mechanism", "prognosis")
#: Comparator groups that tell whether a treatment works (placebo, sham, nothing).
INACTIVE_COMPARATORS = tuple(INACTIVE_GROUPS)
#: Comparator ids of the same (where the profile names the comparator's treatment id).
INACTIVE_COMPARATOR_IDS = INACTIVE_IDS
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


def _arm_directions(tables: Tables, profile: pd.DataFrame) -> dict[str, str]:
    """Directions of results pooled from study arms (``study_outcomes``), from their CI.

    The 95% CI of the body excludes no effect on the side ``higher_is_better`` names:
    ``favours_treatment`` (or ``favours_comparator`` on the other side); otherwise
    ``uncertain`` (an interval across no effect does not show that there is none, and
    the side that is better may not be known).
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
                out[i] = "uncertain"  # a CI across no effect: too imprecise to say none
    return out


def _bodies(
    profile: pd.DataFrame, directions: dict[str, str], comparators: dict[str, str]
) -> pd.DataFrame:
    """The profile's bodies with their direction, tier and certainty (very_low if none).

    ``comparators``: the comparator of each result as its row words it (the profile
    holds the comparator's group).
    """
    out = profile.copy()
    out["comparator_text"] = [
        " | ".join(comparators.get(i, "") for i in str(ids or "").split(";"))
        for ids in out["evidence_ids"].astype(object)
    ]
    if "within_arm" in out.columns:
        within = out["within_arm"].astype("boolean").fillna(False).astype(bool)
    else:
        within = out["effect_measure"].astype(object).isin(WITHIN_ARM_MEASURES)
    comparator = out["comparator"].astype(object).fillna("")
    inactive = comparator.isin(INACTIVE_COMPARATORS)
    if "comparator_id" in out.columns:  # the profile of issue 18 names the comparator's id
        inactive |= out["comparator_id"].astype(object).isin(INACTIVE_COMPARATOR_IDS)
    out["inactive"] = inactive & ~within
    out["certainty_level"] = (
        out["certainty"].astype(object).where(out["certainty"].notna(), "very_low")
    )
    out["direction"] = [_direction(e, directions) for e in out["evidence_ids"].astype(object)]
    return out


def _words_list(ids: Iterable[object]) -> str:
    return ";".join(dict.fromkeys(i for x in ids for i in str(x or "").split(";") if i))


def _in_both_arms(bodies: pd.DataFrame, treatments: set[str], words: list[str]) -> pd.Series:
    """Bodies whose comparator arm also gets the treatment (an add-on compared with sham)."""
    text = bodies["comparator_text"].astype(object).fillna("").str.lower()
    # "sham iontophoresis plus physiotherapy" gets physiotherapy; "no bisphosphonate" does not
    found = [re.compile(r"(?<!no )(?<!without )\b" + re.escape(w)) for w in words]
    both = text.map(lambda t: any(f.search(t) for f in found)).astype(bool)
    if "comparator_id" in bodies.columns:
        both |= bodies["comparator_id"].astype(object).isin(treatments)
    return both


def _effect_verdict(
    claim: Any,  # a row of claims.itertuples()
    bodies: pd.DataFrame,
    tree: Mapping[str, Mapping[str, str | None]],
    tnames: Mapping[str, str],
    cnames: Mapping[str, str],
    evidence: set[str],
    words: Mapping[str, list[str]],
) -> dict[str, str]:
    tid, cid = claim.treatment_id, claim.condition_id
    treatments = set(descendants(tree["t"], tid))
    conditions = set(descendants(tree["c"], cid)) if isinstance(cid, str) else set()
    sel = bodies[bodies["treatment_id"].isin(treatments) & bodies["condition_id"].isin(conditions)]
    sel = sel[~_in_both_arms(sel, treatments, words.get(tid, []))]
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


def _treatment_words(treatments: pd.DataFrame) -> dict[str, list[str]]:
    """Each treatment's name, id and synonyms in lower case (to find it in a comparator)."""
    out = {}
    for tid, name, syn in zip(
        treatments["treatment_id"], treatments["name"], treatments["synonyms"], strict=True
    ):
        found = [str(name).lower(), str(tid).replace("_", " ")]
        found += [
            w.strip() for w in str(syn).lower().split(";") if isinstance(syn, str) and w.strip()
        ]
        out[tid] = [w for w in found if len(w) > 3]
    return out


@takes_tables
def claim_verdicts(tables: Tables, profile: pd.DataFrame | None = None) -> pd.DataFrame:
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
        from calcidata.synthesis.result import evidence_profile

        profile = evidence_profile(tables)
    ev = tables.evidence
    directions = dict(zip(ev["evidence_id"], ev["direction"].astype(object), strict=True))
    directions.update(_arm_directions(tables, profile))
    evidence_set = set(ev["evidence_id"])
    comparators = {
        str(k): str(v)
        for frame, key in ((ev, "evidence_id"), (tables.study_outcomes, "study_outcome_id"))
        for k, v in zip(frame[key], frame["comparator"], strict=True)
        if isinstance(v, str)
    }
    bodies = _bodies(profile, directions, comparators)
    tree = {
        "t": parents_of(tables.treatments, "treatment_id"),
        "c": parents_of(tables.conditions, "condition_id"),
    }
    tnames = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    tnames = {k: v[0].lower() + v[1:] if v[1:2].islower() else v for k, v in tnames.items()}
    cnames = dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
    kinds = dict(
        zip(tables.sources["source_id"], tables.sources["kind"].astype(object), strict=True)
    )
    doses = lay_doses(tables)
    words = _treatment_words(tables.treatments)
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
            result.update(dose_verdict(claim, doses, tnames))
        elif kind == "schedule":
            result.update(schedule_verdict(claim, tables, tree, kinds, tnames, cnames))
        elif not isinstance(claim.condition_id, str):
            result.update(
                verdict="no_evidence_found",
                verdict_note="The claim names no condition, so no body of evidence matches it.",
            )
        else:
            result.update(_effect_verdict(claim, bodies, tree, tnames, cnames, evidence_set, words))
        rows.append({"claim_id": claim.claim_id, **result})
    out = pd.DataFrame(rows, columns=columns)
    for col in ("evidence_ids", "dosing_ids"):
        out[col] = out[col].where(out[col] != "", None)
    return out


@takes_tables
def recomputed_claims(tables: Tables, profile: pd.DataFrame | None = None) -> pd.DataFrame:
    r"""``claims.csv`` as text cells with the columns the rule fills recomputed.

    For curators after the evidence changes::

        recomputed_claims(calcidata.load()).to_csv(
            "data/claims.csv", index=False, lineterminator="\n"
        )

    calcidata itself never writes an input file.
    """
    claims = tables.claims
    out = claims.astype(object).where(claims.notna(), "")
    rule = claim_verdicts(tables, profile).set_index("claim_id")
    for col in ("verdict", "evidence_ids", "dosing_ids", "verdict_note"):
        values = rule[col].astype(object)
        out[col] = claims["claim_id"].map(values.where(values.notna(), "")).to_numpy()
    return out.reset_index(drop=True)
