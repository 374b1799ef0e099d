"""The condition tree: names, hierarchy order and the profile of one condition."""

from __future__ import annotations

from typing import Any

import pandas as pd

from calcidata.analysis.selection import Selection, resolve, subtree
from calcidata.tables.container import Tables, takes_tables
from calcidata.tables.hierarchy import depth, descendants, parents_of

__all__ = ["condition_name", "condition_order", "condition_profile", "condition_tree", "subtree"]


@takes_tables
def condition_order(tables: Tables) -> list[str]:
    """Every condition id in hierarchy order (roots by name, then their subtrees)."""
    cond = tables.conditions
    parents = parents_of(cond, "condition_id")
    names = dict(zip(cond["condition_id"], cond["name"], strict=True))
    roots = sorted((c for c, p in parents.items() if p is None), key=names.__getitem__)
    out: list[str] = []
    for r in roots:
        out.extend(c for c in descendants(parents, r, order=names.__getitem__) if c not in out)
    out.extend(c for c in cond["condition_id"] if c not in out)
    return out


@takes_tables
def condition_name(tables: Tables, select: Selection | None = None, /, **filters: Any) -> str:
    """Plain-English name of the selected condition (``condition_id`` is required)."""
    sel = resolve(tables, select, filters).require("condition_id")
    cond = tables.conditions
    return str(cond.loc[cond["condition_id"] == sel.condition_id, "name"].iloc[0])


@takes_tables
def condition_profile(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """What the selected condition is: one row of typed attributes.

    :func:`calcidata.display.record` shows it as one ``field``/``value`` line per
    attribute.

    Returns
    -------
    pandas.DataFrame
        One row: ``name, condition_id, mechanism, tissue`` (codes), ``body_sites``
        and ``synonyms`` (``;``-separated, as stored), ``icd10`` (only where a
        cited source shows one) and ``icd10_edition`` (``who`` or ``cm``),
        ``parent_id`` and ``parent`` (its name; both missing at the top level),
        ``narrower`` (names of the conditions directly below, sorted, as a tuple),
        ``summary``, ``evidence_rows`` and ``own_evidence_rows`` (rows for the
        subtree / the condition itself) and ``dosing_ranges`` (rows for the subtree).
    """
    sel = resolve(tables, select, filters).require("condition_id")
    cid = sel.condition_id
    assert cid is not None  # require() refused a selection without one
    cond = tables.conditions.set_index("condition_id")
    row = cond.loc[cid]
    names = cond["name"]
    children = cond.index[cond["parent_id"] == cid]
    below = subtree(tables, cid)
    parent = row["parent_id"] if isinstance(row["parent_id"], str) else pd.NA
    out = pd.DataFrame(
        {
            "name": [row["name"]],
            "condition_id": [cid],
            "mechanism": [row["mechanism"]],
            "tissue": [row["tissue"]],
            "body_sites": [row["body_sites"]],
            "icd10": [row["icd10"]],
            "icd10_edition": [row["icd10_edition"]],
            "synonyms": [row["synonyms"]],
            "parent_id": [parent],
            "parent": [names.get(parent, pd.NA) if isinstance(parent, str) else pd.NA],
            "narrower": [tuple(sorted(names[children]))],
            "summary": [row["summary"]],
            "evidence_rows": [int(tables.evidence["condition_id"].isin(below).sum())],
            "own_evidence_rows": [int((tables.evidence["condition_id"] == cid).sum())],
            "dosing_ranges": [int(tables.dosing_ranges["condition_id"].isin(below).sum())],
        }
    )
    for c in ("evidence_rows", "own_evidence_rows", "dosing_ranges"):
        out[c] = out[c].astype("Int64")
    out.attrs["view"] = "condition_profile"
    return out


@takes_tables
def condition_tree(tables: Tables) -> pd.DataFrame:
    """Every condition in hierarchy order, with its depth and how much evidence it has.

    Returns
    -------
    pandas.DataFrame
        One row per condition in :func:`condition_order`: ``condition_id, name,
        parent_id`` (missing at the top level), ``depth`` (0 at the top level),
        ``synonyms`` (``;``-separated, as stored), ``own_evidence_rows`` and
        ``evidence_rows`` (rows of the condition itself / of it and every
        narrower condition), both ``Int64``.
    """
    cond = tables.conditions.set_index("condition_id")
    parents = parents_of(tables.conditions, "condition_id")
    own = tables.evidence["condition_id"].value_counts()
    order = condition_order(tables)
    out = pd.DataFrame(
        {
            "condition_id": order,
            "name": [cond.loc[c, "name"] for c in order],
            "parent_id": [parents[c] if parents[c] is not None else pd.NA for c in order],
            "depth": [depth(parents, c) for c in order],
            "synonyms": [cond.loc[c, "synonyms"] for c in order],
            "own_evidence_rows": [int(own.get(c, 0)) for c in order],
            "evidence_rows": [int(own.reindex(subtree(tables, c)).fillna(0).sum()) for c in order],
        }
    )
    for c in ("depth", "own_evidence_rows", "evidence_rows"):
        out[c] = out[c].astype("Int64")
    out.attrs["view"] = "condition_tree"
    return out
