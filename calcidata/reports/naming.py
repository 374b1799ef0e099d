"""Names of rendered outputs: the file stem (:func:`slug`) and the label of a parameter set."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from calcidata.reports.catalog import (
    CONDITIONS_WITH_EVIDENCE,
    CONDITIONS_WITHOUT_EVIDENCE,
    LAY_ARTICLES,
    TREATMENTS,
    Catalog,
)
from calcidata.reports.registry import Param, ReportSpec, get_report

if TYPE_CHECKING:  # pragma: no cover
    from calcidata.tables.container import Tables

_MAX_SLUG = 100


def _set_values(
    report: str | ReportSpec, params: Mapping[str, object]
) -> Iterator[tuple[Param, object]]:
    """``(param, value)`` of each parameter of ``report`` that has a value, in spec order."""
    spec = report if isinstance(report, ReportSpec) else get_report(report)
    for p in spec.params:
        value = params.get(p.name, p.default)
        if value is not None:
            yield p, value


def slug(report: str | ReportSpec, params: Mapping[str, object]) -> str:
    """File stem for one rendered parameter set.

    A parameter whose default is not ``None`` (such as ``condition_id``) gives
    its value; an optional one that is set gives ``name-value``; lists are joined
    with ``+``; parts with ``__``; ``all`` when nothing is set. Long stems are
    cut and end with a short hash, so different sets never share a stem.

    >>> slug("dosing_ranges", {"modality": "drug", "treatment_ids": None})
    'modality-drug'
    >>> slug("evidence_map", {})
    'all'
    """
    parts = []
    for p, value in _set_values(report, params):
        text = "+".join(value) if isinstance(value, (list, tuple)) else str(value)
        parts.append(text if p.default is not None else f"{p.name}-{text}")
    stem = "__".join(parts) or "all"
    safe = "".join(ch if ch.isalnum() or ch in "_-+." else "_" for ch in stem)
    if safe != stem or len(safe) > _MAX_SLUG:
        digest = hashlib.sha256(stem.encode()).hexdigest()[:8]
        safe = f"{safe[: _MAX_SLUG - 9]}~{digest}"
    return safe


def label(
    report: str | ReportSpec, params: Mapping[str, object], catalog: Catalog | None = None
) -> str:
    """Short human label of one parameter set: names instead of ids, ``all`` if none set.

    >>> label("dosing_ranges", {"modality": "drug"})
    'modality: drug'
    """
    bits = []
    for p, value in _set_values(report, params):
        names: Mapping[str, str] = {}
        named = (CONDITIONS_WITH_EVIDENCE, CONDITIONS_WITHOUT_EVIDENCE, LAY_ARTICLES)
        if catalog is not None and p.allowed in named[:2]:
            names = catalog.conditions
        elif catalog is not None and p.allowed == LAY_ARTICLES:
            names = catalog.articles
        elif catalog is not None and p.allowed == TREATMENTS:
            names = catalog.treatments
        values = value if isinstance(value, (list, tuple)) else [value]
        shown = ", ".join(names.get(v) or v for v in map(str, values))
        bits.append(
            shown
            if p.allowed in named
            else f"{p.name.replace('_ids', 's').replace('_', ' ')}: {shown}"
        )
    return "; ".join(bits) or "all"


def report_href(report: str | ReportSpec, params: Mapping[str, object]) -> str:
    """Link from one rendered report to another: ``../<report>/<slug>.html``.

    >>> report_href("treatment_comparison", {"condition_id": "calcinosis_ctd"})
    '../treatment_comparison/calcinosis_ctd.html'
    """
    spec = report if isinstance(report, ReportSpec) else get_report(report)
    return f"../{spec.name}/{quote(slug(spec, {**spec.defaults(), **params}))}.html"


def treatment_links(tables: Tables, condition_id: str | None) -> dict[str, str]:
    """Treatment name -> where it is compared: the condition's treatment comparison.

    For ``display.table(..., links={"treatment": ...})``; empty without a condition.
    """
    if not condition_id:
        return {}
    href = report_href("treatment_comparison", {"condition_id": condition_id}) + "#Side-by-side"
    names = tables.treatments["name"].astype(object)
    return {str(name): href for name in names if isinstance(name, str)}


def condition_links(
    tables: Tables, report: str = "condition_report", anchor: str = ""
) -> dict[str, str]:
    """Condition name -> its ``report`` (built for every condition with evidence).

    For ``display.table(..., links={"condition": ...})``: an evidence map row links
    the condition's report; a dose given for a condition, that condition's comparison.
    """
    catalog = Catalog.from_tables(tables)
    built = catalog.conditions_with_evidence  # what build renders
    names = dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
    links = {
        str(names[cid]): report_href(report, {"condition_id": cid}) + anchor
        for cid in built
        if isinstance(names.get(cid), str)
    }
    if report == "condition_report":  # a condition without evidence: its short page
        for cid in catalog.conditions_without_evidence:
            if isinstance(names.get(cid), str):
                links[str(names[cid])] = report_href("condition_gap", {"condition_id": cid})
    return links
