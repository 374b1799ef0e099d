"""The words of the landing page (``reports/index.html``): the condition tree and the map.

:func:`landing_data` words two analysis frames, :func:`calcidata.analysis.condition_tree`
and :func:`calcidata.analysis.evidence_map`, into plain JSON-ready data (names, counts,
titles, a shade per cell). :mod:`calcidata.reports.index` keeps it next to the reports,
adds the links of the reports rendered, and writes the page; it never loads the tables
unless the data or the code changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import pandas as pd

from calcidata.analysis import condition_tree, evidence_map
from calcidata.display.labels import STRENGTH_WORDS, humanize
from calcidata.schemas.vocabularies import MODALITIES
from calcidata.tables.container import Tables

__all__ = ["SHADES", "landing_data", "legend", "shade"]

#: Upper bounds of the evidence-row counts of each shade of a map cell (1 is the lightest).
SHADES = (1, 2, 5, 10)


def shade(results: int) -> int:
    """The shade of a map cell with ``results`` evidence rows: 1 (one row) to 5 (over 10)."""
    for level, bound in enumerate(SHADES, start=1):
        if results <= bound:
            return level
    return len(SHADES) + 1


def legend() -> list[dict[str, object]]:
    """The shades of the map in words: ``{"shade": 1, "text": "1"}`` ... ``"over 10"``."""
    out: list[dict[str, object]] = []
    low = 1
    for level, bound in enumerate(SHADES, start=1):
        out.append({"shade": level, "text": str(bound) if low == bound else f"{low}\u2013{bound}"})
        low = bound + 1
    return out + [{"shade": len(SHADES) + 1, "text": f"over {SHADES[-1]}"}]


def _count(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n} {noun if n == 1 else (nouns or noun + 's')}"


def _synonyms(value: object) -> list[str]:
    return [s.strip() for s in value.split(";") if s.strip()] if isinstance(value, str) else []


def _cell_title(row: Any) -> str:
    """What one map cell holds, in words (the cell's tooltip and accessible name)."""
    parts = [f"{row.treatment} for {row.condition}: {_count(int(row.results), 'result')}"]
    if pd.notna(row.studies):
        parts.append(_count(int(row.studies), "study", "studies"))
    if pd.notna(row.participants):
        parts.append(_count(int(row.participants), "participant"))
    parts.append(f"evidence strength: {STRENGTH_WORDS.get(row.strength, humanize(row.strength))}")
    return "; ".join(parts)


def landing_data(tables: Tables) -> dict[str, Any]:
    """The condition tree and the evidence-and-gap map, worded, as JSON-ready data.

    Parameters
    ----------
    tables : Tables
        The loaded tables.

    Returns
    -------
    dict
        ``conditions``: one dict per condition in hierarchy order (``id, name,
        depth, synonyms, evidence_rows, own_evidence_rows``); ``columns``: the ids of
        the conditions that have evidence rows of their own (the map's columns, in
        hierarchy order); ``groups``: the map's rows, one dict per modality (``modality``
        in words, ``treatments``: ``id`` and ``name``, by name); ``cells``: one dict per
        treatment-condition pair with evidence (``treatment_id, condition_id, results,
        shade, title``); ``legend``: each shade and the counts it stands for, in words.
    """
    tree = condition_tree(tables)
    emap = evidence_map(tables)
    # itertuples' fields are any scalar to pandas-stubs; these columns are ids, names, counts
    tree_rows: Iterable[Any] = tree.itertuples(index=False)
    emap_rows: Iterable[Any] = emap.itertuples(index=False)
    conditions = [
        {
            "id": r.condition_id,
            "name": r.name,
            "depth": int(r.depth),
            "synonyms": _synonyms(r.synonyms),
            "evidence_rows": int(r.evidence_rows),
            "own_evidence_rows": int(r.own_evidence_rows),
        }
        for r in tree_rows
    ]
    columns = [c["id"] for c in conditions]  # every condition: empty columns are gaps too
    tr = tables.treatments
    rows = pd.DataFrame(
        {
            "treatment_id": tr["treatment_id"],
            "treatment": tr["name"],
            "modality": tr["modality"].astype(object),
        }
    )
    rows = rows.assign(_m=rows["modality"].map(MODALITIES.index))
    groups = []
    for modality, part in rows.sort_values(["_m", "treatment"]).groupby("_m", sort=True):
        code = cast(int, modality)  # the group key: an index into MODALITIES
        word = str(humanize(MODALITIES[int(code)]))
        groups.append(
            {
                "modality": word[:1].upper() + word[1:],
                "treatments": [
                    {"id": t.treatment_id, "name": t.treatment}
                    for t in part.itertuples(index=False)
                ],
            }
        )
    cells = [
        {
            "treatment_id": r.treatment_id,
            "condition_id": r.condition_id,
            "results": int(r.results),
            "shade": shade(int(r.results)),
            "title": _cell_title(r),
        }
        for r in emap_rows
    ]
    pairs = len(columns) * len(rows)
    gaps = {
        "conditions": len(columns),
        "conditions_without_evidence": len(set(columns) - set(emap["condition_id"])),
        "treatments": len(rows),
        "treatments_without_evidence": len(set(rows["treatment_id"]) - set(emap["treatment_id"])),
        "cells": pairs,
        "empty_cells": pairs - len(emap),
    }
    return {
        "conditions": conditions,
        "columns": columns,
        "gaps": gaps,
        "groups": groups,
        "cells": cells,
        "legend": legend(),
    }
