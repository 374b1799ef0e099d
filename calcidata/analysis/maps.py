"""Maps of the evidence: treatments x conditions, treatments x outcomes, and the gaps."""

from __future__ import annotations

from typing import Any

import pandas as pd

from calcidata.analysis.caveats import GAP_KINDS
from calcidata.analysis.conditions import condition_order
from calcidata.analysis.dosing import dosing_pairs
from calcidata.analysis.evidence import counts, evidence_rows, treatment_order
from calcidata.analysis.selection import VIEW_DOCS, Selection, resolve, subtree, view_frame
from calcidata.schemas.vocabularies import (
    MODALITIES,
    OUTCOME_DOMAINS,
    STRENGTH,
    category_dtype,
    ordered,
)
from calcidata.tables.container import Tables, takes_tables

__all__ = ["evidence_gaps", "evidence_grid", "evidence_map", "gap_counts", "outcome_map"]


#: What a map shows of each cell (made by :func:`_best`).
_CELL = ["strength", "results", "studies", "participants"]


def _best(ev: pd.DataFrame, keys: list[str], **more: tuple[str, str]) -> pd.DataFrame:
    """Best strength (ordered categorical), result and participant counts per group."""
    best = (
        ev.groupby(keys, observed=True)
        .agg(
            level=("strength", lambda s: s.cat.codes.max()),
            results=("evidence_id", "size"),
            treatment=("treatment", "first"),
            **more,
        )
        .reset_index()
    )
    out = best.merge(counts(ev, keys), on=keys, how="left")
    out["strength"] = pd.Categorical.from_codes(
        out.pop("level").astype(int), dtype=category_dtype(STRENGTH)
    )
    return out


@VIEW_DOCS
@takes_tables
def evidence_map(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """Treatments x conditions: strength, studies and participants of each pair with evidence.

    {parameters}
        ``modality``: only treatments of this modality; ``condition_id``: only
        this condition and its narrower conditions.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, condition, strength`` (ordered categorical),
        ``results, studies, participants, modality`` (code), ``treatment_id,
        condition_id``; conditions in hierarchy order, treatments by modality
        then name.
    """
    sel = resolve(tables, select, filters)
    ev = evidence_rows(tables, sel)
    columns = ["treatment", "condition", *_CELL, "modality", "treatment_id", "condition_id"]
    if ev.empty:
        return view_frame("evidence_map", columns, strength=ordered([], STRENGTH))
    keys = ["treatment_id", "condition_id"]
    out = _best(ev, keys, condition=("condition", "first"), modality=("modality", "first"))
    corder = {c: i for i, c in enumerate(condition_order(tables))}
    out["_c"] = out["condition_id"].map(corder)
    out["_m"] = out["modality"].map(MODALITIES.index)
    return view_frame("evidence_map", columns, out.sort_values(["_c", "_m", "treatment"]))


@takes_tables
def outcome_map(tables: Tables, select: Selection | None = None, /, **filters: Any) -> pd.DataFrame:
    """Treatments x outcome domains: best strength and participants per cell.

    For one condition and its narrower conditions, or for every condition when
    no ``condition_id`` is selected; optionally only treatments of one modality.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, outcome_domain`` (ordered categorical of the domains
        present, in vocabulary order), ``strength`` (ordered categorical),
        ``results, studies, participants, treatment_id``.
    """
    sel = resolve(tables, select, filters)
    ev = evidence_rows(tables, sel)
    columns = ["treatment", "outcome_domain", *_CELL, "treatment_id"]
    if ev.empty:
        return view_frame("outcome_map", columns, strength=ordered([], STRENGTH))
    ev = ev.assign(outcome_domain=ev["outcome_domain"].astype(object))
    out = _best(ev, ["treatment_id", "outcome_domain"])
    out["_t"] = out["treatment_id"].map(treatment_order(ev))
    out["_d"] = out["outcome_domain"].map(OUTCOME_DOMAINS.index)
    out = out.sort_values(["_t", "_d"])
    present = [d for d in OUTCOME_DOMAINS if d in set(out["outcome_domain"])]
    out["outcome_domain"] = pd.Categorical(out["outcome_domain"], categories=present, ordered=True)
    return view_frame("outcome_map", columns, out)


#: The columns of :func:`evidence_gaps`, each with its value where a gap has none.
_GAP_COLUMNS = {
    "gap": pd.NA,
    "treatment": pd.NA,
    "condition": pd.NA,
    "best_evidence": pd.NA,
    "results": 0,
    "participants": pd.NA,
    "dosing_rows": pd.NA,
    "designs": pd.NA,
    "all_indirect": False,
}


def _gap(
    kind: str, treatment: object, condition: str, cid: str, tid: str, **more: Any
) -> dict[str, Any]:
    row = {**_GAP_COLUMNS, "gap": kind, "treatment": treatment, "condition": condition}
    return {**row, "_c": cid, "_t": tid, **more}


@takes_tables
def evidence_gaps(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """The largest gaps in the evidence, most severe first.

    A gap is one of :data:`~calcidata.analysis.caveats.GAP_KINDS`: a condition
    with no evidence at all (only listed without a modality filter); a
    treatment that a source gives a dose or setting for, for a condition,
    without any evidence row for that pair; or a (treatment, condition) pair
    whose best evidence is lay or opinion level, case series or case reports,
    or indirect only. Pairs with evidence from at least one direct
    observational study or trial are not gaps here, however small: their size
    is in the evidence map.

    Returns
    -------
    pandas.DataFrame
        Columns ``gap`` (the kind), ``treatment`` (missing for a condition
        without evidence), ``condition``, ``best_evidence`` (strength code),
        ``results``, ``participants``, ``dosing_rows`` (Int64), ``designs``
        (study designs seen, ``;``-separated, most frequent first) and
        ``all_indirect``; most severe kind first, then conditions in hierarchy
        order and treatments by name.
    """
    sel = resolve(tables, select, filters)
    modality = sel.modality
    conditions = sel.conditions(tables) or condition_order(tables)
    ev = evidence_rows(tables, sel)
    cnames = dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
    tr = tables.treatments.set_index("treatment_id")
    rows = []
    tid: Any  # ids, as the frames and their groupby give them
    cid: Any
    if modality is None:
        all_ev = set(tables.evidence["condition_id"])
        for cid in conditions:
            if not set(subtree(tables, cid)) & all_ev:
                rows.append(_gap("condition_without_evidence", pd.NA, cnames[cid], cid, ""))
    pairs = dosing_pairs(tables)
    pairs = pairs.loc[pairs["condition_id"].isin(conditions)]
    if modality is not None:
        pairs = pairs.loc[pairs["treatment_id"].map(tr["modality"].astype(object)) == modality]
    have = set(zip(tables.evidence["treatment_id"], tables.evidence["condition_id"], strict=True))
    dr = tables.dosing_ranges
    for tid, cid in pairs.itertuples(index=False):
        if (tid, cid) not in have:
            n = int(((dr["treatment_id"] == tid) & (dr["condition_id"] == cid)).sum())
            rows.append(
                _gap("no_evidence", tr.loc[tid, "name"], cnames[cid], cid, tid, dosing_rows=n)
            )
    if len(ev):
        totals = counts(ev, ["treatment_id", "condition_id"]).set_index(
            ["treatment_id", "condition_id"]
        )
        for (tid, cid), g in ev.groupby(["treatment_id", "condition_id"]):
            level = STRENGTH[int(g["strength"].cat.codes.max())]
            indirect = bool(g["indirect"].astype("boolean").fillna(False).all())
            kind = {
                "lay_or_opinion": "lay_or_opinion_only",
                "case_reports": "case_reports_only",
            }.get(level)
            if kind is None and indirect:
                kind = "indirect_only"
            if kind is None:
                continue
            designs = ";".join(
                str(x) for x in g["study_design"].astype(object).value_counts().index
            )
            rows.append(
                _gap(
                    kind,
                    tr.loc[tid, "name"],
                    cnames[cid],
                    cid,
                    tid,
                    best_evidence=level,
                    results=len(g),
                    participants=totals.loc[(tid, cid), "participants"],
                    designs=designs,
                    all_indirect=indirect,
                )
            )
    columns = list(_GAP_COLUMNS)
    if not rows:
        return view_frame("evidence_gaps", columns)
    out = pd.DataFrame(rows)
    corder = {c: i for i, c in enumerate(condition_order(tables))}
    out["_k"] = out["gap"].map(list(GAP_KINDS).index)
    out["_c"] = out["_c"].map(corder)
    out["_n"] = out["treatment"].fillna("any treatment")
    out = out.sort_values(["_k", "_c", "_n"], na_position="first")
    # pd.array takes a Series (pandas-stubs accept only sequences and arrays).
    out["participants"] = pd.array(out["participants"], dtype="Int64")  # type: ignore[call-overload]
    # pd.array takes a Series (pandas-stubs accept only sequences and arrays).
    out["dosing_rows"] = pd.array(out["dosing_rows"], dtype="Int64")  # type: ignore[call-overload]
    out["best_evidence"] = pd.Categorical(
        out["best_evidence"], categories=list(STRENGTH), ordered=True
    )
    return view_frame("evidence_gaps", columns, out)


@VIEW_DOCS
@takes_tables
def evidence_grid(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """Every treatment x every condition, the empty cells (gaps) included.

    {parameters}
        ``modality``: only treatments of this modality; ``condition_id``: only
        this condition and its narrower conditions.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`evidence_map` plus ``gap`` (True for a pair with no
        result): one row per pair of a condition and a treatment in the tables,
        a gap with ``results`` 0 and no strength; conditions in hierarchy order,
        treatments by modality then name.
    """
    sel = resolve(tables, select, filters)
    found = evidence_map(tables, sel)
    conditions = sel.conditions(tables) or condition_order(tables)
    tr = tables.treatments
    if sel.modality is not None:
        tr = tr[tr["modality"].astype(object) == sel.modality]
    cnames = dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
    tr = tr.assign(_m=tr["modality"].astype(object).map(MODALITIES.index)).sort_values(
        ["_m", "name"]
    )
    grid = pd.DataFrame(
        [
            (t, n, m, c)
            for c in conditions
            for t, n, m in zip(tr["treatment_id"], tr["name"], tr["modality"], strict=True)
        ],
        columns=["treatment_id", "treatment", "modality", "condition_id"],
    )
    grid["condition"] = grid["condition_id"].map(cnames)
    keys = ["treatment_id", "condition_id"]
    out = grid.merge(found[[*keys, *_CELL]], on=keys, how="left")
    out["results"] = out["results"].fillna(0).astype(int)
    out["gap"] = out["results"] == 0
    out["strength"] = pd.Categorical(
        out["strength"].astype(object), categories=list(STRENGTH), ordered=True
    )
    columns = ["treatment", "condition", *_CELL, "modality", "treatment_id", "condition_id"]
    return view_frame("evidence_grid", [*columns, "gap"], out)


@takes_tables
def gap_counts(tables: Tables, select: Selection | None = None, /, **filters: Any) -> pd.DataFrame:
    """How many conditions, treatments and treatment-condition cells have no result.

    Returns
    -------
    pandas.DataFrame
        One row each for ``conditions``, ``treatments`` and ``cells`` (column
        ``counted``), with ``in_tables`` (how many :func:`evidence_grid` shows for the
        same selection) and ``without_result`` (how many of them have no result).
    """
    grid = evidence_grid(tables, select, **filters)
    by_c = grid.groupby("condition_id", sort=False)["gap"].all()
    by_t = grid.groupby("treatment_id", sort=False)["gap"].all()
    out = pd.DataFrame(
        {
            "counted": ["conditions", "treatments", "cells"],
            "in_tables": [len(by_c), len(by_t), len(grid)],
            "without_result": [int(by_c.sum()), int(by_t.sum()), int(grid["gap"].sum())],
        }
    )
    return view_frame("gap_counts", list(out.columns), out)
