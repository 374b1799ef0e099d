"""The rules pandera cannot run on one frame: the dataset-level checks.

Foreign keys (single and ``;``-separated), loops in the ``parent_id``
hierarchies, ids shared by a condition and a treatment, one publication cited
twice (same PMID or DOI), rows that nothing uses and that cite no source, and
quotes of claims that their lay article does not hold (:mod:`~calcidata.tables.quotes`).
Every problem names the file, CSV line, column and value.
"""

from __future__ import annotations

import pandas as pd

from calcidata.errors import Problem
from calcidata.schemas import KEYS, SCHEMAS
from calcidata.schemas._base import LIST_SEP
from calcidata.schemas.spec import column_meta
from calcidata.tables.hierarchy import ancestors, cycles, parents_of
from calcidata.tables.quotes import quote_problems
from calcidata.tables.reader import RawTable, shorten


def check_dataset(frames: dict[str, pd.DataFrame], raws: dict[str, RawTable]) -> list[Problem]:
    """Rules across tables: foreign keys, hierarchies, use of every listed row."""
    problems: list[Problem] = []
    keys = {name: set(frames[name][KEYS[name]]) for name in frames}

    for name, frame in frames.items():
        raw = raws[name]
        shown = str(raw.path)
        for col, m in column_meta(SCHEMAS[name]).items():
            ref = m.get("references")
            if not ref:
                continue
            target = ref.split(".")[0]
            if target not in keys:
                continue
            for i, cell in enumerate(frame[col]):
                if cell is None or cell is pd.NA or cell != cell:
                    continue
                for value in str(cell).split(LIST_SEP) if m.get("multi") else [str(cell)]:
                    if value not in keys[target]:
                        problems.append(
                            Problem(
                                shown,
                                raw.line(i),
                                col,
                                shorten(value),
                                f"must name an existing {ref} (no such id in {target}.csv)",
                            )
                        )

    for name in ("conditions", "treatments"):
        if name in frames:
            problems.extend(_hierarchy_problems(frames[name], raws[name], KEYS[name]))

    both = keys.get("conditions", set()) & keys.get("treatments", set())
    for value in sorted(both):
        raw = raws["treatments"]
        i = list(frames["treatments"]["treatment_id"]).index(value)
        problems.append(
            Problem(
                str(raw.path),
                raw.line(i),
                "treatment_id",
                value,
                "id is used by both a condition and a treatment; ids must be unique across tables",
            )
        )

    if "sources" in frames:
        problems.extend(_duplicate_source_problems(frames["sources"], raws["sources"]))
    if "claims" in frames:
        kinds = None
        if "sources" in frames:
            s = frames["sources"]
            kinds = dict(zip(s["source_id"], s["kind"].astype(object), strict=True))
        problems.extend(quote_problems(frames["claims"], raws["claims"], kinds=kinds))
    if {"reproductions", "evidence", "review_studies"} <= frames.keys():
        problems.extend(_reproduction_problems(frames, raws["reproductions"]))
    if set(SCHEMAS) <= frames.keys():  # "unused" is only meaningful with every table read
        problems.extend(_unused_problems(frames, raws))
    return problems


def _duplicate_source_problems(frame: pd.DataFrame, raw: RawTable) -> list[Problem]:
    """One publication, one row: a PMID or DOI may not name two sources."""
    out = []
    for col in ("pmid", "doi"):
        first: dict[str, str] = {}
        for i, (sid, value) in enumerate(zip(frame["source_id"], frame[col], strict=True)):
            if not isinstance(value, str):
                continue
            key = value.lower()
            if key in first:
                out.append(
                    Problem(
                        str(raw.path),
                        raw.line(i),
                        col,
                        value,
                        f"the same {col} is already source {first[key]!r}: one "
                        "publication must be one row",
                    )
                )
            else:
                first[key] = sid
    for i, urls in enumerate(frame["urls"]):
        if isinstance(urls, str):
            parts = urls.split(" | ")
            for u in {u for u in parts if parts.count(u) > 1}:
                out.append(
                    Problem(
                        str(raw.path),
                        raw.line(i),
                        "urls",
                        shorten(u),
                        "the same URL is listed twice in this cell",
                    )
                )
    return out


def _reproduction_problems(frames: dict[str, pd.DataFrame], raw: RawTable) -> list[Problem]:
    """A reproduction's evidence row is its review's; its trials are the review's trials."""
    ev = frames["evidence"]
    review_of = dict(zip(ev["evidence_id"], ev["source_id"], strict=True))
    rs = frames["review_studies"]
    listed = set(zip(rs["review_id"], rs["study_id"], strict=True))
    out = []
    rows = frames["reproductions"][["source_id", "evidence_id", "study_ids"]].astype(object)
    for i, (review, evidence_id, studies) in enumerate(rows.itertuples(index=False)):
        if not isinstance(review, str):  # a missing review is the required column's problem
            continue
        cited = review_of.get(evidence_id) if isinstance(evidence_id, str) else None
        if cited is not None and cited != review:
            out.append(
                Problem(
                    str(raw.path),
                    raw.line(i),
                    "evidence_id",
                    evidence_id,
                    f"must be a result of the review {review!r} (the evidence row cites {cited!r})",
                )
            )
        for study in str(studies).split(LIST_SEP) if isinstance(studies, str) else []:
            if (review, study) not in listed:
                out.append(
                    Problem(
                        str(raw.path),
                        raw.line(i),
                        "study_ids",
                        study,
                        f"must be a study that review_studies lists for the review {review!r}",
                    )
                )
    return out


def _hierarchy_problems(frame: pd.DataFrame, raw: RawTable, key: str) -> list[Problem]:
    parents = parents_of(frame, key)
    looped = {node for loop in cycles(parents) for node in loop}
    out = []
    for i, node in enumerate(frame[key]):
        chain = [node, *ancestors(parents, node)]
        if looped & set(chain):
            out.append(
                Problem(
                    str(raw.path),
                    raw.line(i),
                    "parent_id",
                    str(parents.get(node)),
                    "parents must form a tree: this parent chain loops back",
                )
            )
    return out


def _unused_problems(frames: dict[str, pd.DataFrame], raws: dict[str, RawTable]) -> list[Problem]:
    out: list[Problem] = []
    for table, key in (("conditions", "condition_id"), ("treatments", "treatment_id")):
        if table not in frames:
            continue
        frame = frames[table]
        used = _referenced(frames, f"{table}.{key}")
        parents = parents_of(frame, key)
        used |= {up for node in list(used) for up in ancestors(parents, node)}
        for i, (node, cited) in enumerate(zip(frame[key], frame["source_ids"], strict=True)):
            if node not in used and not (isinstance(cited, str) and cited):
                out.append(
                    Problem(
                        str(raws[table].path),
                        raws[table].line(i),
                        key,
                        node,
                        "is used by no evidence or dosing row and cites no source: cite a source "
                        "that names it (listed deliberately) or remove it",
                    )
                )
    if "sources" in frames:
        cited = _referenced(frames, "sources.source_id")
        raw = raws["sources"]
        for i, sid in enumerate(frames["sources"]["source_id"]):
            if sid not in cited:
                out.append(
                    Problem(
                        str(raw.path),
                        raw.line(i),
                        "source_id",
                        sid,
                        "source is cited by no row of any table",
                    )
                )
    return out


def _referenced(frames: dict[str, pd.DataFrame], target: str) -> set[str]:
    """Every id that a column of another table (``references == target``) names."""
    table = target.split(".")[0]
    found: set[str] = set()
    for name, frame in frames.items():
        if name == table:
            continue  # a parent link is not a use
        for col, m in column_meta(SCHEMAS[name]).items():
            if m.get("references") == target:
                for cell in frame[col].dropna():
                    found.update(str(cell).split(LIST_SEP) if m.get("multi") else [str(cell)])
    return found
