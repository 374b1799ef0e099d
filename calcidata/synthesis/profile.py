"""Evidence profiles: bodies of evidence, their estimates and their certainty.

A *body of evidence* is one condition (with its narrower conditions) x
treatment x comparator group x outcome domain x effect measure x timepoint
band (the groups and bands are in :mod:`calcidata.synthesis.bodies`). With
``condition_id`` given, every result about that condition or a narrower one
joins the body of that condition; without it, each result stays with its own
condition. Every evidence row and every study_outcomes row belongs to exactly
one body: nothing is dropped.

Where the estimate comes from (``basis``)
-----------------------------------------
1. ``review``: the result of the best systematic review in the body that
   reports an estimate (measure other than ``other``): highest design level,
   then most participants, then most recent, then the broadest condition.
   Nothing is pooled beside it (so a trial the review includes is never counted
   twice) and two reviews are never pooled together; the other sources of the
   body are listed in ``other_source_ids``.
2. ``pooled``: without such a review, calcidata pools two or more independent
   primary studies with :func:`calcidata.meta.pool` (REML, Hartung-Knapp
   ``test="knha"``). Inputs: ``study_outcomes`` arm numbers (RR from counts;
   MD from means and SDs, SMD when the body's continuous outcomes are on
   different scales, i.e. worded differently) and evidence rows of single
   studies with an estimate and a 95% CI (SE recovered from the CI, on the log
   scale for ratios). One result per study (same ``study_id``): arm numbers
   first, then the largest. Within-group measures (proportion, mean change)
   and ``other`` are never pooled; studies with no event in either arm carry
   no information on a ratio and are left out of the pool.
3. ``single_study``: exactly one study reports an estimate.
4. ``no_estimate``: otherwise; the body is rated on its best review, else on
   its primary studies, else on its best other source.

Estimates and intervals are on the scale readers see (ratios as ratios).
The certainty rule is in :mod:`calcidata.synthesis.certainty`; ``strength`` is
the best row strength in the body (:mod:`calcidata.analysis.strength`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calcidata.analysis.conditions import condition_order
from calcidata.analysis.selection import subtree
from calcidata.analysis.strength import design_level, row_strength
from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import (
    CERTAINTY,
    EFFECT_MEASURES,
    NON_STUDY_DESIGNS,
    OUTCOME_DOMAINS,
    REVIEW_DESIGNS,
    STRENGTH,
    category_dtype,
)
from calcidata.synthesis import certainty as grade
from calcidata.synthesis._profile_estimate import BASES, Estimate, estimate_body, study_effects
from calcidata.synthesis.bodies import comparator_groups, timepoint_bands, timepoint_rank
from calcidata.tables.container import takes_tables
from calcidata.tables.hierarchy import depth, parents_of

#: Keys of a body of evidence, in column order.
KEYS = [
    "condition_id",
    "treatment_id",
    "comparator",
    "outcome_domain",
    "effect_measure",
    "timepoint",
]
#: The estimate of a body: its size, the pooled (or single) estimate and how it was got.
ESTIMATE_COLUMNS = ["n_studies", "n_participants", "estimate", "ci_low", "ci_high", "basis"]
COLUMNS = [
    *KEYS,
    *ESTIMATE_COLUMNS,
    "source_ids",
    "certainty",
    "certainty_basis",
    *grade.DOMAINS,
    "reasons",
    "notes",
    "strength",
    "i2_percent",
    "evidence_ids",
    "other_source_ids",
    "start_level",
]
_ROB_ORDER = ("low", "unclear", "some_concerns", "high")
_NO_COMPARISON = "no comparison group"


def _hierarchy(tables) -> tuple[list[str], dict[str, int]]:
    """Every condition in hierarchy order (roots by name, then subtrees) and its depth."""
    parents = parents_of(tables.conditions, "condition_id")
    order = condition_order(tables)
    return order, {c: depth(parents, c) for c in order}


def _column(frame: pd.DataFrame, column: str) -> dict:
    """``{id: value}`` of a table keyed by its first column."""
    return dict(zip(frame.iloc[:, 0].astype(str), frame[column].astype(object), strict=True))


def _item_keys(rows: pd.DataFrame, id_column: str, kind: str, effect_measure) -> dict:
    """The first columns of an item (evidence or arms row): its id, kind and body keys."""
    return {
        "item_id": rows[id_column].astype(str),
        "kind": kind,
        "row_condition": rows["condition_id"].astype(str),
        "treatment_id": rows["treatment_id"].astype(str),
        "comparator": comparator_groups(rows["comparator"]),
        "outcome_domain": rows["outcome_domain"].astype(str),
        "effect_measure": effect_measure,
        "timepoint": timepoint_bands(rows["timepoint"]),
    }


def _evidence_items(tables) -> pd.DataFrame:
    ev = tables.evidence
    num = {c: pd.to_numeric(ev[c], errors="coerce").astype(float) for c in ("estimate", "ci_low")}
    return pd.DataFrame(
        {
            **_item_keys(ev, "evidence_id", "evidence", ev["effect_measure"].astype(str)),
            "outcome": ev["outcome"].astype(object),
            "source_id": ev["source_id"].astype(str),
            "study_id": ev["source_id"].astype(str),
            "study_design": ev["study_design"].astype(str),
            "pooled_design": ev["pooled_design"].astype(object),
            "certainty": ev["certainty"].astype(object),
            "indirect": ev["indirect"].astype("boolean").fillna(False).astype(bool),
            "direction": ev["direction"].astype(object),
            "risk_of_bias": ev["risk_of_bias"].astype(object),
            "i2_percent": ev["i2_percent"].astype(float),
            "publication_bias": ev["publication_bias"].astype(object),
            **num,
            "ci_high": pd.to_numeric(ev["ci_high"], errors="coerce").astype(float),
            "n_studies": ev["n_studies"].astype(float),
            "n_participants": ev["n_participants"].astype(float),
            "events": np.nan,
        }
    )


def _arm_items(tables) -> pd.DataFrame:
    so = tables.study_outcomes
    design = _column(tables.sources, "design")
    arms = ["events_treatment", "n_treatment", "events_comparator", "n_comparator"]
    arms += ["mean_treatment", "sd_treatment", "mean_comparator", "sd_comparator"]
    num = {c: pd.to_numeric(so[c], errors="coerce").astype(float) for c in arms}
    dich = so["data_type"].astype(str).eq("dichotomous").to_numpy()
    return pd.DataFrame(
        {
            **_item_keys(so, "study_outcome_id", "arms", np.where(dich, "RR", "MD")),
            "outcome": so["outcome"].astype(str).str.lower().str.strip(),
            "source_id": so["source_id"].astype(str),
            "study_id": so["study_id"].astype(str),
            "study_design": so["study_id"].map(design).astype(str),
            "indirect": False,
            "n_studies": 1.0,
            "n_participants": num["n_treatment"] + num["n_comparator"],
            "events": np.where(dich, num["events_treatment"] + num["events_comparator"], np.nan),
            **num,
        },
        index=so.index,
    )


def body_items(tables, condition_id: str | None) -> pd.DataFrame:
    """Evidence rows and study_outcomes rows in one frame, keyed by body of evidence.

    Shared by the profile, the summary of findings and the pooled forests, so all
    three group the same rows into the same bodies.
    """
    order, depths = _hierarchy(tables)
    items = pd.concat([_evidence_items(tables), _arm_items(tables)], ignore_index=True)
    if condition_id is not None:
        if condition_id not in depths:
            raise ParameterError(f"unknown condition_id {condition_id!r}")
        items = items[items["row_condition"].isin(subtree(tables, condition_id))]
    items = items.assign(
        condition_id=condition_id if condition_id is not None else items["row_condition"],
        depth=items["row_condition"].map(depths),
        year=items["source_id"].map(_column(tables.sources, "year")),
        order=np.arange(len(items)),
    )
    # Continuous arm rows worded differently within one body are on different scales: SMD.
    cont = (items["kind"] == "arms") & (items["effect_measure"] == "MD")
    scales = items[cont].groupby([k for k in KEYS if k != "effect_measure"])["outcome"]
    smd = scales.transform("nunique") > 1
    items.loc[smd[smd].index, "effect_measure"] = "SMD"
    for c in ("pooled_design", "certainty", "direction", "risk_of_bias", "publication_bias"):
        items[c] = items[c].astype(object).where(items[c].notna(), None)
    primary = ~items["study_design"].isin([*REVIEW_DESIGNS, *NON_STUDY_DESIGNS])
    items.loc[primary, "n_studies"] = items.loc[primary, "n_studies"].fillna(1.0)
    items["level"] = [STRENGTH.index(x) for x in design_level(items)]
    return study_effects(items.reset_index(drop=True))


def _judgements(behind: pd.DataFrame, review_studies: pd.DataFrame) -> list[str | None]:
    """Risk-of-bias judgement behind each item: its own, else its review's (worst)."""
    rs = review_studies.assign(rob=review_studies["risk_of_bias"].astype(object))
    rs = rs[rs["rob"].notna()]
    worst = rs.groupby("study_id")["rob"].agg(lambda s: max(s, key=_ROB_ORDER.index))
    out = []
    for item, rob in zip(behind["study_id"], behind["risk_of_bias"], strict=True):
        out.append(rob if isinstance(rob, str) else worst.get(item))
    if len(behind) == 1 and out[0] is None and behind["study_design"].iloc[0] in REVIEW_DESIGNS:
        return list(rs.loc[rs["review_id"] == behind["study_id"].iloc[0], "rob"]) or [None]
    return out


def _ratings(body: pd.DataFrame, est: Estimate, review_studies: pd.DataFrame) -> dict:
    behind, measure = est.behind, str(body["effect_measure"].iloc[0])
    starts = [
        grade.start_level(d, p)
        for d, p in zip(behind["study_design"], behind["pooled_design"], strict=True)
    ]
    start = grade.RANDOMISED if all(s == grade.RANDOMISED for s, _ in starts) else "low"
    uncontrolled = next((r for _, r in starts if r), None) if all(r for _, r in starts) else None
    if uncontrolled is None and body["comparator"].iloc[0] == _NO_COMPARISON:
        uncontrolled = grade.footnote("risk_of_bias", "no comparison group")
    judgements = _judgements(behind, review_studies)
    weights = est.weights if len(est.weights) == len(judgements) else None
    n = est.n_studies if pd.notna(est.n_studies) else (2 if est.basis == "review" else len(behind))
    one = len(behind) == 1
    lo = est.ci_low if est.basis != "no_estimate" or not one else behind["ci_low"].iloc[0]
    hi = est.ci_high if est.basis != "no_estimate" or not one else behind["ci_high"].iloc[0]
    ratings = {
        "risk_of_bias": grade.rate_risk_of_bias(judgements, weights, uncontrolled=uncontrolled),
        "inconsistency": grade.rate_inconsistency(
            None if pd.isna(est.i2_percent) else float(est.i2_percent),
            est.directions,
            n_studies=int(n),
        ),
        "indirectness": grade.rate_indirectness(bool(behind["indirect"].any())),
        "imprecision": grade.rate_imprecision(
            measure,
            None if pd.isna(lo) else float(lo),
            None if pd.isna(hi) else float(hi),
            participants=None if pd.isna(est.n_participants) else float(est.n_participants),
            events=None if pd.isna(est.events) else float(est.events),
        ),
        "publication_bias": grade.rate_publication_bias(
            list(behind["publication_bias"]), egger_p=est.egger_p
        ),
    }
    return {"start": start, "ratings": ratings}


def _stated(est: Estimate) -> str | None:
    behind = est.behind
    if est.basis == "pooled" or len(behind) != 1 or behind["kind"].iloc[0] != "evidence":
        return None
    value = behind["certainty"].iloc[0]
    return value if isinstance(value, str) else None


def _ids(values) -> str:
    return ";".join(sorted({str(v) for v in values}))


def _profile_row(body: pd.DataFrame, review_studies: pd.DataFrame) -> dict:
    est = estimate_body(body)
    behind = est.behind
    behind_sources = set(behind["source_id"]) | set(behind["study_id"])
    all_sources = set(body["source_id"]) | set(body["study_id"])
    row = {k: body[k].iloc[0] for k in KEYS}
    row |= {
        "n_studies": est.n_studies,
        "n_participants": est.n_participants,
        "estimate": est.estimate,
        "ci_low": est.ci_low,
        "ci_high": est.ci_high,
        "basis": est.basis,
        "source_ids": _ids(behind_sources),
        "i2_percent": est.i2_percent,
        "evidence_ids": _ids(behind["item_id"]),
        "other_source_ids": _ids(all_sources - behind_sources),
        "strength": STRENGTH[int(row_strength(body).cat.codes.max())],
    }
    stated = _stated(est)
    if stated is not None:
        empty = dict.fromkeys(grade.DOMAINS, pd.NA)
        return (
            row
            | empty
            | {
                "certainty": stated,
                "certainty_basis": "stated",
                "reasons": "",
                "notes": "",
                "start_level": pd.NA,
            }
        )
    rated = _ratings(body, est, review_studies)
    ratings = rated["ratings"]
    return (
        row
        | {d: ratings[d].down for d in grade.DOMAINS}
        | {
            "certainty": grade.rate(rated["start"], ratings),
            "certainty_basis": "calcidata_rule",
            "reasons": grade.reasons(ratings),
            "notes": grade.notes(ratings),
            "start_level": rated["start"],
        }
    )


def _typed(rows: list[dict], tables) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=COLUMNS)
    order = condition_order(tables)
    names = _column(tables.treatments, "name")
    out = out.assign(
        _c=out["condition_id"].map({c: i for i, c in enumerate(order)}),
        _t=out["treatment_id"].map(names).fillna(out["treatment_id"]).str.lower(),
        _o=out["outcome_domain"].map(OUTCOME_DOMAINS.index),
        _m=out["effect_measure"].map(EFFECT_MEASURES.index),
        _p=out["timepoint"].map(timepoint_rank),
    )
    out = out.sort_values(["_c", "_t", "treatment_id", "_o", "comparator", "_m", "_p", "timepoint"])
    out = out.drop(columns=["_c", "_t", "_o", "_m", "_p"]).reset_index(drop=True)
    for c in ("condition_id", "treatment_id", "comparator", "timepoint", "source_ids"):
        out[c] = out[c].astype("string")
    strings = ("reasons", "notes", "evidence_ids", "other_source_ids", "certainty_basis")
    for c in (*strings, "start_level"):
        out[c] = out[c].astype("string")
    out["outcome_domain"] = out["outcome_domain"].astype(category_dtype(OUTCOME_DOMAINS, False))
    out["effect_measure"] = out["effect_measure"].astype(category_dtype(EFFECT_MEASURES, False))
    out["basis"] = out["basis"].astype(category_dtype(BASES, False))
    out["certainty"] = out["certainty"].astype(category_dtype(CERTAINTY))
    out["strength"] = out["strength"].astype(category_dtype(STRENGTH))
    for c in ("n_studies", "n_participants", *grade.DOMAINS):
        out[c] = pd.to_numeric(out[c], errors="coerce").round().astype("Int64")
    for c in ("estimate", "ci_low", "ci_high", "i2_percent"):
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out


@takes_tables
def evidence_profile(tables, condition_id: str | None = None) -> pd.DataFrame:
    """One row per body of evidence: its estimate and its certainty, with reasons.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables (not modified).
    condition_id : str, optional
        A condition: bodies gather its results and those of its narrower
        conditions under this id. None: every condition, each on its own.

    Returns
    -------
    pandas.DataFrame
        Keys ``condition_id, treatment_id, comparator, outcome_domain,
        effect_measure, timepoint``; ``n_studies``, ``n_participants`` (Int64);
        ``estimate``, ``ci_low``, ``ci_high`` (float, ratios on their natural
        scale); ``basis`` (review, pooled, single_study, no_estimate);
        ``source_ids`` (``;``-separated); ``certainty`` (ordered
        :data:`~calcidata.schemas.vocabularies.CERTAINTY`), ``certainty_basis``
        (stated or calcidata_rule); the domains ``risk_of_bias, inconsistency,
        indirectness, imprecision, publication_bias`` (Int64 0, -1, -2; missing
        when the certainty is stated); ``reasons`` (one footnote per
        rating-down, ``"; "``-joined); ``notes`` (domains not reported or not
        assessable); ``strength`` (best row strength, ordered); ``i2_percent``;
        ``evidence_ids`` (evidence and study_outcomes rows behind the estimate);
        ``other_source_ids`` (the body's other sources); ``start_level``
        (``high`` or ``low``: where calcidata's rating starts, by design;
        missing when the certainty is stated). Rows in condition
        hierarchy order, then treatment name, outcome domain (vocabulary order),
        comparator, effect measure and timepoint band.

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition of the tables.
    """
    items = body_items(tables, condition_id)
    rows = [
        _profile_row(body, tables.review_studies)
        for _, body in items.groupby(KEYS, sort=False, dropna=False)
    ]
    return _typed(rows, tables)


__all__ = ["COLUMNS", "KEYS", "evidence_profile"]
