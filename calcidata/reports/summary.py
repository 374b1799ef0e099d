"""The one-line summary of each rendered report shown in ``reports/index.html``.

Each report declares its line in its spec (:attr:`ReportSpec.index_line`), a
template over the fields of :data:`FIELDS`; its first field names the rows it
counts (:data:`ROWS`).
"""

from __future__ import annotations

import string
from collections.abc import Callable

import pandas as pd

from calcidata.analysis import Selection, dosing_table, evidence_rows, subtree
from calcidata.display.labels import humanize
from calcidata.reports.catalog import Params
from calcidata.reports.registry import get_report
from calcidata.schemas.vocab_claims import VERDICTS
from calcidata.tables import Tables


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _one(params: Params, name: str) -> str | None:
    """The value of a string parameter (None when it is not set)."""
    value = params.get(name)
    return value if isinstance(value, str) else None


def _many(params: Params, name: str) -> tuple[str, ...] | None:
    """The values of a list parameter (None when it is not set or empty)."""
    value = params.get(name)
    return tuple(value) if isinstance(value, list) and value else None


def _evidence(tables: Tables, params: Params) -> pd.DataFrame:
    select = Selection(
        _one(params, "condition_id"),
        _many(params, "treatment_ids"),
        _one(params, "outcome"),
        _one(params, "modality"),
    )
    return evidence_rows(tables, select)


def _dosing(tables: Tables, params: Params) -> pd.DataFrame:
    condition_id, treatment_ids = _one(params, "condition_id"), _many(params, "treatment_ids")
    modality = _one(params, "modality")
    if condition_id:  # a condition's dosing view: its doses and general ones
        select = Selection(condition_id, treatment_ids, None, modality)
        return dosing_table(tables, select)
    dr = tables.dosing_ranges
    keep = pd.Series(True, index=dr.index)
    if treatment_ids:
        keep &= dr["treatment_id"].isin(list(treatment_ids))
    if modality:
        mod = tables.treatments.set_index("treatment_id")["modality"].astype(object)
        keep &= dr["treatment_id"].map(mod) == modality
    return dr.loc[keep]


def _claims(tables: Tables, params: Params) -> pd.DataFrame:
    claims = tables.claims
    source_id, condition_id = _one(params, "source_id"), _one(params, "condition_id")
    if source_id:
        claims = claims[claims["source_id"] == source_id]
    if condition_id:
        claims = claims[claims["condition_id"].isin(subtree(tables, condition_id))]
    return claims


def _verdicts(rows: pd.DataFrame) -> str:
    counts = rows["verdict"].astype(object).value_counts()
    shown = [f"{counts[v]} {humanize(v)}" for v in VERDICTS if counts.get(v, 0)]
    return ", ".join(shown) or "no verdicts"


#: The rows a line counts, named by its first field.
ROWS: dict[str, Callable[[Tables, Params], pd.DataFrame]] = {
    "results": _evidence,
    "dosing_ranges": _dosing,
    "claims": _claims,
}

#: What each field of a line says about the rows.
FIELDS: dict[str, Callable[[pd.DataFrame], str]] = {
    "results": lambda rows: _count(len(rows), "result"),
    "dosing_ranges": lambda rows: _count(len(rows), "dosing range"),
    "treatments": lambda rows: _count(rows["treatment_id"].nunique(), "treatment"),
    "sources": lambda rows: _count(rows["source_id"].nunique(), "source"),
    "pairs": lambda rows: _count(
        len(rows[["treatment_id", "condition_id"]].drop_duplicates()), "treatment-condition pair"
    ),
    "strongest": lambda rows: str(humanize(rows["strength"].max())),
    "claims": lambda rows: _count(len(rows), "claim"),
    "verdicts": _verdicts,
}


def report_summary(tables: Tables, report: str, params: Params, *, line: str | None = None) -> str:
    """One plain line saying what a rendered report holds (for ``reports/index.html``).

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    report : str
        Report name from :data:`calcidata.reports.REPORTS`.
    params : dict
        The report's validated parameters.
    line : str, optional
        The index line to fill in (default: the one of ``report`` in
        :data:`calcidata.reports.REPORTS`; a build given its own registry
        passes its spec's).

    Returns
    -------
    str
        The report's :attr:`~calcidata.reports.registry.ReportSpec.index_line`
        filled in, for example ``"56 results on 27 treatments from 30 sources;
        strongest evidence: meta-analysis of RCTs"``; ``"no reported results"``
        when a line about results has none. Counts are of rows shown, not studies.
    """
    line = line if line is not None else get_report(report).index_line
    names = [name for _, name, _, _ in string.Formatter().parse(line) if name]
    rows = ROWS[names[0]](tables, params)
    if names[0] == "results" and rows.empty:
        return "no reported results"
    return line.format(**{name: FIELDS[name](rows) for name in names})
