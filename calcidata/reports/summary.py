"""The one-line summary of each rendered report shown in ``reports/index.html``."""

from __future__ import annotations

import pandas as pd

from calcidata.analysis import Selection, dosing_table, evidence_rows
from calcidata.display.labels import humanize
from calcidata.tables import Tables


def report_summary(tables: Tables, report: str, params: dict) -> str:
    """One plain line saying what a rendered report holds (for ``reports/index.html``).

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    report : str
        Report name from :data:`calcidata.reports.REPORTS`.
    params : dict
        The report's validated parameters.

    Returns
    -------
    str
        For example ``"56 results on 27 treatments from 30 sources; strongest
        evidence: meta-analysis of RCTs"``. Counts are of rows shown, not studies.
    """
    condition_id = params.get("condition_id")
    treatment_ids = params.get("treatment_ids")
    modality = params.get("modality")
    if report == "dosing_ranges" and condition_id:
        dr = dosing_table(tables, Selection(condition_id, treatment_ids or None, None, modality))
        return (
            f"{_count(len(dr), 'dosing range')} for "
            f"{_count(dr['treatment_id'].nunique(), 'treatment')} from "
            f"{_count(dr['source_id'].nunique(), 'source')}"
        )
    if report == "dosing_ranges":
        dr = tables.dosing_ranges
        keep = pd.Series(True, index=dr.index)
        if treatment_ids:
            keep &= dr["treatment_id"].isin(list(treatment_ids))
        if modality:
            mod = tables.treatments.set_index("treatment_id")["modality"].astype(object)
            keep &= dr["treatment_id"].map(mod) == modality
        dr = dr.loc[keep]
        return (
            f"{_count(len(dr), 'dosing range')} for "
            f"{_count(dr['treatment_id'].nunique(), 'treatment')} from "
            f"{_count(dr['source_id'].nunique(), 'source')}"
        )
    ev = evidence_rows(
        tables,
        Selection(condition_id, treatment_ids or None, params.get("outcome"), modality),
    )
    if ev.empty:
        return "no reported results"
    line = (
        f"{_count(len(ev), 'result')} on {_count(ev['treatment_id'].nunique(), 'treatment')}"
        f" from {_count(ev['source_id'].nunique(), 'source')}"
    )
    if report == "evidence_map":
        pairs = ev[["treatment_id", "condition_id"]].drop_duplicates()
        return f"{line}; {_count(len(pairs), 'treatment-condition pair')}"
    best = ev["strength"].max()
    return f"{line}; strongest evidence: {humanize(best)}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
