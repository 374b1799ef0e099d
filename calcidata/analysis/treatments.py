"""Treatments for one condition: ranked by evidence strength, and side by side."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from calcidata.analysis.caveats import join_codes, row_caveats, treatment_caveats
from calcidata.analysis.dosing import dosing_pairs, dosing_summary
from calcidata.analysis.evidence import counts, evidence_rows
from calcidata.analysis.selection import VIEW_DOCS, Selection, resolve, view_frame
from calcidata.schemas.vocabularies import CERTAINTY, INVASIVENESS, OUTCOME_DOMAINS, STRENGTH
from calcidata.tables.container import Tables, takes_tables

__all__ = ["NO_EVIDENCE", "RANKED_STRENGTH", "side_by_side", "treatment_ranking"]

#: The strength of a treatment that has no evidence row (known absent, not missing).
NO_EVIDENCE = "no_evidence"

#: Strength levels of a ranked treatment, weakest first: "no evidence", then the scale.
RANKED_STRENGTH = (NO_EVIDENCE, *STRENGTH)


def _category(values: Iterable[object], vocabulary: Sequence[str]) -> pd.Categorical:
    return pd.Categorical(list(values), categories=list(vocabulary), ordered=True)


def _has_dosing(
    tables: Tables, treatment_ids: Iterable[str], conditions: Sequence[str]
) -> dict[str, bool]:
    d = tables.dosing_ranges
    relevant = d["condition_id"].isna() | d["condition_id"].isin(list(conditions))
    dosed = set(d.loc[relevant, "treatment_id"])
    return {t: t in dosed for t in treatment_ids}


@takes_tables
def treatment_ranking(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """Treatment options for a condition, ranked by evidence strength.

    Strength is the best row level among the treatment's results for the
    condition and its narrower conditions (the rule of
    :func:`calcidata.evidence_strength`, applied to that subtree); it is never
    upgraded. Treatments that a dosing source names for the condition but that
    have no evidence row are listed last, with strength :data:`NO_EVIDENCE`.
    Only ``condition_id`` of the selection is used (it is required).

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, modality, invasiveness`` (codes), ``strength``
        (ordered categorical over :data:`RANKED_STRENGTH`), ``best_certainty``,
        ``results, sources``, ``studies, participants`` (Int64 upper bounds:
        sources can overlap), ``agreement`` (:data:`~calcidata.analysis.caveats.AGREEMENT`),
        ``dosing_reported`` (bool), ``caveats`` and ``treatment_id``.
    """
    sel = resolve(tables, select, filters).require("condition_id")
    cid = sel.condition_id
    sel = Selection(cid)
    below = sel.conditions(tables) or []  # never empty: it holds condition_id
    ev = evidence_rows(tables, sel)
    ev["_rc"] = row_caveats(ev, cid)
    tr = tables.treatments.set_index("treatment_id")
    rows = []
    if len(ev):
        totals = counts(ev, ["treatment_id"]).set_index("treatment_id")
        tid: Any  # a treatment id, as groupby gives its keys
        for tid, g in ev.groupby("treatment_id", sort=False):
            cert = g["certainty"].dropna()
            level, agreement, codes = treatment_caveats(g, cid)
            rows.append(
                {
                    "treatment_id": tid,
                    "strength": level,
                    "best_certainty": str(cert.max()) if len(cert) else pd.NA,
                    "results": len(g),
                    "sources": int(totals.loc[tid, "sources"]),
                    "studies": totals.loc[tid, "studies"],
                    "participants": totals.loc[tid, "participants"],
                    "agreement": agreement,
                    "_caveats": codes,
                }
            )
    with_ev = {r["treatment_id"] for r in rows}
    pairs = dosing_pairs(tables)
    named = sorted(set(pairs.loc[pairs["condition_id"].isin(below), "treatment_id"]) - with_ev)
    for tid in named:
        rows.append(
            {
                "treatment_id": tid,
                "strength": NO_EVIDENCE,
                "best_certainty": pd.NA,
                "results": 0,
                "sources": 0,
                "studies": pd.NA,
                "participants": pd.NA,
                "agreement": pd.NA,
                "_caveats": ["no_evidence"],
            }
        )
    columns = [
        "treatment",
        "modality",
        "invasiveness",
        "strength",
        "best_certainty",
        "results",
        "sources",
        "studies",
        "participants",
        "agreement",
        "dosing_reported",
        "caveats",
        "treatment_id",
    ]
    if not rows:
        return view_frame("treatment_ranking", columns)
    out = pd.DataFrame(rows)
    dosed = _has_dosing(tables, out["treatment_id"], below)
    out["dosing_reported"] = out["treatment_id"].map(dosed).astype(bool)
    out["caveats"] = [
        join_codes([*c, *([] if dosed[t] else ["no_dosing"])])
        for c, t in zip(out.pop("_caveats"), out["treatment_id"], strict=True)
    ]
    out["treatment"] = out["treatment_id"].map(tr["name"])
    out["modality"] = out["treatment_id"].map(tr["modality"].astype(object))
    out["invasiveness"] = _category(
        out["treatment_id"].map(tr["invasiveness"].astype(object)), INVASIVENESS
    )
    out["strength"] = _category(out["strength"], RANKED_STRENGTH)
    out["best_certainty"] = _category(out["best_certainty"], CERTAINTY)
    out["_p"] = out["participants"].astype("Float64").fillna(-1)
    out = out.sort_values(["strength", "_p", "treatment"], ascending=[False, False, True])
    for c in ("studies", "participants"):
        # pd.array takes a Series (pandas-stubs accept only sequences and arrays).
        out[c] = pd.array(out[c], dtype="Int64")  # type: ignore[call-overload]
    return view_frame("treatment_ranking", columns, out)


def _findings(g: pd.DataFrame) -> tuple[tuple[str, str, int], ...]:
    """``(outcome_domain, direction, results)`` per domain (vocabulary order), most first."""
    found = []
    per = g.groupby([g["outcome_domain"].astype(object), g["direction"].astype(object)]).size()
    for domain in OUTCOME_DOMAINS:
        if domain not in per.index.get_level_values(0):
            continue
        # per has a (domain, direction) index: .loc[domain] is a Series; pandas-stubs say a scalar.
        by_direction: pd.Series[int] = per.loc[domain]  # type: ignore[assignment]
        for direction, n in by_direction.sort_values(ascending=False, kind="stable").items():
            found.append((domain, str(direction), int(n)))
    return tuple(found)


@VIEW_DOCS
@takes_tables
def side_by_side(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """Treatments for one condition side by side.

    {parameters}
        ``condition_id`` (required; narrower conditions included);
        ``treatment_ids``: the treatments to compare, default those of
        :func:`treatment_ranking` in its order (a treatment without results for
        the selection is kept, with strength :data:`NO_EVIDENCE` and the
        ``no_evidence`` caveat); ``outcome``: only results of this domain.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, modality, invasiveness`` (codes), ``strength``
        (ordered categorical over :data:`RANKED_STRENGTH`), ``studies,
        participants`` (Int64), ``results``, ``key_findings`` (tuple of
        ``(outcome_domain, direction, results)``), ``dosing`` (tuple of dose
        records, see :func:`~calcidata.analysis.dosing.dosing_summary`),
        ``caveats`` and ``treatment_id``; in the order of ``treatment_ids``.
    """
    sel = resolve(tables, select, filters).require("condition_id")
    cid = sel.condition_id
    ev = evidence_rows(tables, sel)
    ev["_rc"] = row_caveats(ev, cid)
    ids = sel.treatment_ids
    if ids is None:
        ids = tuple(treatment_ranking(tables, condition_id=cid)["treatment_id"])
    ids = tuple(dict.fromkeys(ids))
    tr = tables.treatments.set_index("treatment_id")
    totals = counts(ev, ["treatment_id"]).set_index("treatment_id") if len(ev) else None
    dosing = dosing_summary(tables, Selection(cid, ids)) if ids else pd.Series(dtype=object)
    groups = dict(iter(ev.groupby("treatment_id", sort=False)))
    rows = []
    for tid in ids:
        g = groups.get(tid, ev.iloc[0:0])
        codes: set[str] = set()
        if len(g):
            level, _, found = treatment_caveats(g, cid)
            codes |= set(found)
            assert totals is not None  # g is a group of ev, so ev has rows
            studies, participants = totals.loc[tid, "studies"], totals.loc[tid, "participants"]
            findings = _findings(g)
        else:
            codes.add("no_evidence")
            studies = participants = pd.NA
            level, findings = NO_EVIDENCE, ()
        dose = dosing.get(tid, ())
        if not dose:
            codes.add("no_dosing")
        rows.append(
            {
                "treatment": tr.loc[tid, "name"],
                "modality": str(tr.loc[tid, "modality"]),
                "invasiveness": str(tr.loc[tid, "invasiveness"]),
                "strength": level,
                "studies": studies,
                "participants": participants,
                "results": len(g),
                "key_findings": findings,
                "dosing": dose,
                "caveats": join_codes(codes),
                "treatment_id": tid,
            }
        )
    columns = [
        "treatment",
        "modality",
        "invasiveness",
        "strength",
        "studies",
        "participants",
        "results",
        "key_findings",
        "dosing",
        "caveats",
        "treatment_id",
    ]
    out = pd.DataFrame(rows, columns=columns)
    out["invasiveness"] = _category(out["invasiveness"], INVASIVENESS)
    out["strength"] = _category(out["strength"], RANKED_STRENGTH)
    for c in ("studies", "participants"):
        # pd.array takes a Series (pandas-stubs accept only sequences and arrays).
        out[c] = pd.array(out[c], dtype="Int64")  # type: ignore[call-overload]
    out["results"] = out["results"].astype("int64")
    out.attrs["view"] = "side_by_side"
    return out
