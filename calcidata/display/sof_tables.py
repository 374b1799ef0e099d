"""Summary of findings, one table per comparison, as GRADEpro lays it out; and the bottom lines.

Reads the frame of :func:`calcidata.synthesis.sof_rows` (columns of
``SYNTHESIS_CONTRACT.md``: ``comparison_id``, ``importance``, ``statement``,
``footnotes``, ``baseline_risk``, ``abs_effect``...) or any object with a ``.sof``
frame (a synthesis result). Each table is headed by its question (population,
intervention, comparison), comparisons against placebo, sham or no treatment first;
rows are the outcomes in the frame's order within the comparison (critical first), at
most :data:`MAIN_ROWS`, the others under "More outcomes". Under each table: the
footnotes worded from their codes (:mod:`calcidata.display.footnotes`) and a footnote
that links to GRADE's certainty definitions and how the absolute effects were
computed, stated once under the last table (:data:`NOTES_ID`), shown and printed.

A frame without these columns (an evidence profile before issue 18) is shown as
before by :func:`calcidata.display.sof.sof_table`, so reports keep running.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from calcidata.display.footnotes import (
    ABSOLUTE_EFFECTS_NOTE,
    GRADE_DEFINITIONS,
    footnote_codes,
    footnote_words,
)
from calcidata.display.html import HTML, NOT_REPORTED, _render
from calcidata.display.labels import Number, format_effect, humanize
from calcidata.display.sof import (
    BASIS_LABELS,
    CERTAINTY_SYMBOLS,
    CONTINUOUS,
    CREDIBLE_NOTE,
    NOT_APPLICABLE,
    NOT_ESTIMABLE,
    Record,
    _capital,
    _missing,
    _number,
    _participants,
    difference_words,
    per_1000,
    risk_difference_words,
    sof_table,
)
from calcidata.display.sof_csv import CSV_COLUMNS as CSV_COLUMNS
from calcidata.display.sof_csv import _csv
from calcidata.synthesis.bodies import INACTIVE_GROUPS, INACTIVE_IDS, comparator_group

if TYPE_CHECKING:  # pragma: no cover
    from calcidata.tables.container import Tables

#: Rows a table shows before "More outcomes" (GRADEpro: up to seven outcomes).
MAIN_ROWS = 7
#: The columns that make a frame a per-comparison summary of findings.
REQUIRED = ("comparison_id", "statement", "footnotes")
#: Comparators that are no active treatment: their comparisons come first.
CONTROL_IDS = INACTIVE_IDS
IMPORTANCE_ORDER = ("critical", "important", "not_important")
NO_STUDIES = "No studies"
#: The id of the notes under the last table (GRADE's definitions, the absolute effects).
NOTES_ID = "sof-grade-notes"
DASH = "\u2014"
BASELINE_NOTES = {
    "stated": "Risk with the comparator: the control risk the review states.",
    "control_arms": (
        "Risk with the comparator: the events over the participants of the control groups "
        "of the trials in this body."
    ),
}


def _sof_frame(data: object) -> pd.DataFrame:
    frame = getattr(data, "sof", data)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("expected the frame of synthesis.sof_rows or an object with .sof")
    return frame


def _names(tables: Tables | None) -> tuple[dict[Any, Any], dict[Any, Any]]:
    if tables is None:
        return {}, {}
    t, c = tables.treatments, tables.conditions
    treatments = dict(zip(t["treatment_id"], t["name"], strict=True))
    conditions = dict(zip(c["condition_id"], c["name"], strict=True))
    return treatments, conditions


def _text(value: object) -> str | None:
    return None if _missing(value) or str(value).strip() == "" else str(value)


def _comparator(r: Record, treatments: Mapping[Any, Any]) -> str:
    cid = _text(r.get("comparator_id"))
    if cid and cid in treatments:
        return str(treatments[cid])
    words = _text(r.get("comparator"))
    if words:
        return _capital(words)
    return _capital(humanize(cid)) if cid else NOT_REPORTED


def _intervention(r: Record, treatments: Mapping[Any, Any]) -> str:
    tid = _text(r.get("treatment_id"))
    if tid and tid in treatments:
        return str(treatments[tid])
    return _text(r.get("treatment")) or (_capital(humanize(tid)) if tid else NOT_REPORTED)


def _any(group: pd.DataFrame) -> str:
    """`` (any)`` for a comparison with class bodies (agents of a class gathered)."""
    flags = group["class_body"] if "class_body" in group else pd.Series(False, index=group.index)
    return " (any)" if flags.fillna(False).astype(bool).any() else ""


def is_control(r: Record) -> bool:
    """Whether a row's comparator is placebo, sham or no treatment (its id, else its group)."""
    cid = _text(r.get("comparator_id"))
    if cid:
        return cid in CONTROL_IDS
    return comparator_group(_text(r.get("comparator")) or "") in INACTIVE_GROUPS


def _direction(flag: object) -> str | None:
    """``higher is better`` / ``lower is better`` from a boolean (or its text); None if unknown."""
    if _missing(flag):
        return None
    if isinstance(flag, str):
        if flag.strip().lower() not in ("true", "false", "1", "0", "yes", "no"):
            return None
        flag = flag.strip().lower() in ("true", "1", "yes")
    return "higher is better" if bool(flag) else "lower is better"


def _outcome_cells(r: Record) -> tuple[str, str]:
    name = _text(r.get("outcome_name")) or _capital(humanize(r.get("outcome_domain")))
    details = []
    instrument = _text(r.get("instrument"))
    if instrument:
        details.append(instrument)
    lo, hi = r.get("scale_min"), r.get("scale_max")
    if not (_missing(lo) or _missing(hi)):
        details.append(f"scale {float(lo):g} to {float(hi):g}")
    direction = _direction(r.get("higher_is_better"))
    if direction:
        details.append(direction)
    when = _text(r.get("timepoint_band")) or _text(r.get("timepoint"))
    details.append(when if when and when != "not reported" else "timepoint not reported")
    importance = _text(r.get("importance"))
    if importance:
        details.append(str(humanize(importance)))
    return _capital(name), "; ".join(details)


def _within(baseline: float, values: list[Number]) -> bool:
    """Whether comparator risk + each difference stays in 0..1,000 per 1,000."""
    return all(_missing(v) or -1e-6 <= baseline + float(v) <= 1000 + 1e-6 for v in values)


def _dichotomous(r: Record, footnotes: list[str]) -> tuple[str, str, list[int]]:
    marks: list[int] = []
    baseline = r.get("baseline_risk")
    if _missing(baseline):
        return NOT_ESTIMABLE, NOT_ESTIMABLE, marks
    per = 1000 * float(baseline)
    basis = _text(r.get("baseline_basis"))
    if basis in BASELINE_NOTES:
        marks.append(_number(footnotes, BASELINE_NOTES[basis]))
    abs_cells = [r.get("abs_effect"), r.get("abs_ci_low"), r.get("abs_ci_high")]
    if per <= 0 or _missing(abs_cells[0]) or not _within(per, abs_cells):
        return per_1000(per), NOT_ESTIMABLE, marks
    return per_1000(per), risk_difference_words(*abs_cells), marks


def _continuous(r: Record, measure: str) -> tuple[str, str]:
    mean = r.get("comparator_mean")
    if _missing(mean):
        risk = NOT_REPORTED
    else:
        name = _text(r.get("outcome_name")) or humanize(r.get("outcome_domain"))
        extra = []
        lo, hi = r.get("scale_min"), r.get("scale_max")
        if not (_missing(lo) or _missing(hi)):
            extra.append(f"{float(lo):g} to {float(hi):g}")
        direction = _direction(r.get("higher_is_better"))
        if direction:
            extra.append(direction)
        tail = f" ({', '.join(extra)})" if extra else ""
        risk = f"The mean {str(name).lower()} was {float(mean):.2f}{tail}"
    diff = difference_words(measure, r.get("estimate"), r.get("ci_low"), r.get("ci_high"))
    instrument, unit = _text(r.get("instrument")), _text(r.get("abs_unit"))
    if measure == "SMD" and instrument and not _missing(r.get("abs_effect")):
        again = difference_words("", r["abs_effect"], r.get("abs_ci_low"), r.get("abs_ci_high"))
        diff += f"; on the {instrument}{f' ({unit})' if unit else ''}: {again.strip()}"
    return risk, diff


def _certainty(r: Record, footnotes: list[str], bases: list[tuple[str, str]]) -> dict[str, Any]:
    certainty = _text(r.get("certainty"))
    basis = _text(r.get("certainty_basis"))
    mark, label = BASIS_LABELS.get(basis or "", ("", ""))
    if mark and (mark, label) not in bases:
        bases.append((mark, label))
    notes = [_number(footnotes, footnote_words(code)) for code in footnote_codes(r["footnotes"])]
    reasons = _text(r.get("reasons"))
    if basis == "stated" and reasons:
        notes.append(_number(footnotes, f"Reasons the source gives for its rating: {reasons}."))
    return {
        "symbols": CERTAINTY_SYMBOLS.get(certainty or "", ""),
        "certainty": _capital(humanize(certainty)) if certainty else DASH,
        "basis_mark": mark,
        "notes": sorted(set(notes)),
    }


def _row(r: Record, footnotes: list[str], bases: list[tuple[str, str]]) -> dict[str, Any]:
    outcome, detail = _outcome_cells(r)
    base = {"outcome": outcome, "detail": detail, "statement": _text(r.get("statement")) or ""}
    if r.get("statement_code") == "no_studies":
        return {
            **base,
            **dict.fromkeys(("relative", "risk", "difference"), DASH),
            "participants": NO_STUDIES,
            "symbols": "",
            "certainty": DASH,
            "basis_mark": "",
            "notes": [],
            "effect_notes": [],
            "risk_notes": [],
        }
    measure = str(r.get("effect_measure"))
    marks: list[int] = []
    interval = r.get("interval_kind")
    if interval == "credible" and not _missing(r.get("estimate")):
        marks.append(_number(footnotes, CREDIBLE_NOTE))
    risk_notes: list[int] = []
    if measure in CONTINUOUS:
        relative = NOT_APPLICABLE
        risk, difference = _continuous(r, measure)
    else:
        effect = format_effect(measure, r.get("estimate"), r.get("ci_low"), r.get("ci_high"))
        relative = NOT_ESTIMABLE if _missing(effect) else str(effect)
        risk, difference, risk_notes = _dichotomous(r, footnotes)
    return {
        **base,
        "relative": relative,
        "risk": risk,
        "risk_notes": risk_notes,
        "difference": difference,
        "participants": _participants(r.get("n_participants"), r.get("n_studies")),
        "effect_notes": marks,
        **_certainty(r, footnotes, bases),
    }


def _ordered(group: pd.DataFrame) -> pd.DataFrame:
    if "rank_in_comparison" in group.columns:
        return group.sort_values("rank_in_comparison", kind="stable")
    if "importance" not in group.columns:
        return group
    rank = {name: i for i, name in enumerate(IMPORTANCE_ORDER)}
    key = group["importance"].astype(object).map(lambda v: rank.get(v, len(rank)))
    return group.assign(_i=key).sort_values("_i", kind="stable").drop(columns="_i")


def _anchor(comparison_id: object) -> str:
    return "sof-" + re.sub(r"[^a-z0-9]+", "-", str(comparison_id).lower()).strip("-")


def comparisons(data: object, tables: Tables | None = None) -> list[dict[str, Any]]:
    """Each comparison's question, ordered rows and footnotes (what the templates render).

    Comparisons keep the frame's order, those against placebo, sham or no treatment
    first; each dict has ``anchor``, ``intervention``, ``comparison``, ``population``,
    ``main`` and ``more`` (row dicts), ``footnotes`` (words, numbered in order),
    ``bases`` (certainty marks) and ``records`` (the frame's rows, ordered).
    """
    frame = _sof_frame(data)
    treatments, conditions = _names(tables)
    out = []
    for cid, group in frame.groupby("comparison_id", sort=False):
        group = _ordered(group)
        first = group.iloc[0].to_dict()
        main_mask: npt.NDArray[np.bool_] | Sequence[bool]
        if "main" in group.columns:
            main_mask = group["main"].astype(bool).to_numpy()
        else:
            main_mask = [i < MAIN_ROWS for i in range(len(group))]
        footnotes: list[str] = []
        bases: list[tuple[str, str]] = []
        rows = [_row(r, footnotes, bases) for r in group.to_dict("records")]
        population = [
            str(conditions.get(c, humanize(c)))
            for c in dict.fromkeys(group["condition_id"].astype(str))
        ]
        out.append(
            {
                "comparison_id": str(cid),
                "anchor": _anchor(cid),
                "intervention": _intervention(first, treatments) + _any(group),
                "comparison": _comparator(first, treatments),
                "population": "; ".join(population),
                "control": is_control(first),
                "main": [r for r, m in zip(rows, main_mask, strict=True) if m],
                "more": [r for r, m in zip(rows, main_mask, strict=True) if not m],
                "footnotes": footnotes,
                "bases": sorted(bases),
                "records": group,
            }
        )
    return sorted(out, key=lambda c: not c["control"])


def has_comparisons(data: object) -> bool:
    """Whether the frame has the per-comparison columns (else the old layout is used)."""
    frame = _sof_frame(data)
    return all(c in frame.columns for c in REQUIRED)


def sof_tables(
    data: object,
    tables: Tables | None = None,
    *,
    empty: str | None = None,
    narrower: Mapping[str, str] | None = None,
) -> HTML:
    """One summary-of-findings table per comparison, as escaped HTML.

    Parameters
    ----------
    data : pandas.DataFrame or a synthesis result
        The frame of :func:`calcidata.synthesis.sof_rows` (or an object with it
        as ``.sof``). Without the columns ``comparison_id``, ``statement`` and
        ``footnotes`` the frame is shown in the former single-table layout
        (:func:`calcidata.display.sof.sof_table`).
    tables : calcidata.Tables, optional
        For the names of treatments, comparators and conditions (no ids shown).
    empty : str, optional
        Message when there is no row.
    narrower : mapping of str to str, optional
        Condition name -> link to its report. Given with the synthesis of a
        condition, only the condition's own comparisons are tabled; those whose
        results all come from one narrower condition are linked to its report
        (:mod:`calcidata.display.narrower`; their bottom lines are in
        :func:`bottom_lines` with the same ``narrower``).
    """
    frame = _sof_frame(data)
    empty = empty or "No body of evidence is recorded for this selection."
    if not has_comparisons(frame):
        return sof_table(frame, empty=empty)
    from calcidata.display.narrower import split

    frame, away = split(data, tables, narrower)
    elsewhere = [
        {"name": e.name, "href": e.href, "count": e.rows["comparison_id"].nunique()} for e in away
    ]
    found = comparisons(frame, tables)
    for c in found:
        c["csv"] = _csv(c)
        c["csv_more"] = _csv(c, "more") if c["more"] else ""
    return _render(
        "sof_tables.html.j2",
        comparisons=found,
        empty=empty,
        elsewhere=elsewhere,
        definitions=GRADE_DEFINITIONS,
        absolute_note=ABSOLUTE_EFFECTS_NOTE,
        notes=NOTES_ID,
    )


__all__ = [
    "CONTROL_IDS",
    "MAIN_ROWS",
    "NOTES_ID",
    "comparisons",
    "has_comparisons",
    "is_control",
    "sof_tables",
]
