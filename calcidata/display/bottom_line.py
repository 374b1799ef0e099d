"""The bottom line per comparison, and the results that have no comparison.

:func:`bottom_lines` opens a report: for each comparison (in the order of its
summary-of-findings table, placebo, sham or no treatment first) the plain-language
statements of its critical outcomes in one short paragraph, each with its
certainty, linked to the comparison's table. :func:`results_without_comparison`
lists the within-arm results (one group's proportion or mean change), which say
what happened with a treatment, not what it changed, and so are never shown as a
comparison's effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from calcidata.display.html import HTML, _render, table
from calcidata.display.labels import format_effect, humanize, participants_studies
from calcidata.display.sof import Record, _capital, _missing
from calcidata.display.sof_tables import _names, _sof_frame, _text, comparisons, has_comparisons

if TYPE_CHECKING:  # pragma: no cover
    from calcidata.analysis import Selection
    from calcidata.tables.container import Tables

#: Effect measures of one arm (used when a profile has no ``within_arm`` column).
WITHIN_ARM_MEASURES = ("proportion", "mean_change")


def _outcome(record: Record) -> str:
    """The outcome's name inside a sentence (first letter small unless an acronym)."""
    name = str(_text(record.get("outcome_name")) or humanize(record.get("outcome_domain")))
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _sentences(records: list[Record]) -> list[dict[str, str]]:
    """The critical outcomes' sentences; those without studies named together, last."""
    said = [_sentence(r) for r in records if r.get("statement_code") != "no_studies"]
    none = list(
        dict.fromkeys(_outcome(r) for r in records if r.get("statement_code") == "no_studies")
    )
    if none:
        said.append({"statement": f"No studies measured {_listed(none)}", "certainty": ""})
    return said


def _sentence(record: Record) -> dict[str, str]:
    statement = _text(record.get("statement"))
    if record.get("statement_code") == "not_estimable" or not statement:
        statement = f"{_capital(_outcome(record))}: not estimable (no effect estimate)"
    certainty = _text(record.get("certainty"))
    statement = statement.rstrip(". ")
    return {
        "statement": _capital(statement),
        "certainty": f"{humanize(certainty)} certainty" if certainty else "",
    }


def _lines(frame: pd.DataFrame, tables: Tables | None, href: str = "") -> list[dict[str, Any]]:
    """One line per comparison; its title links to ``href`` + ``#`` + the table's anchor."""
    lines = []
    for c in comparisons(frame, tables):
        records = c["records"]
        critical = records[records["importance"].astype(object) == "critical"]
        lines.append(
            {
                "href": f"{href}#{c['anchor']}",
                "title": f"{c['intervention']} compared with {c['comparison']}",
                "sentences": _sentences(critical.to_dict("records")),
            }
        )
    return lines


def bottom_lines(
    data: object, tables: Tables | None = None, *, narrower: Mapping[str, str] | None = None
) -> HTML:
    """The bottom line of each comparison: its critical outcomes' statements, with certainty.

    Parameters
    ----------
    data : pandas.DataFrame or a synthesis result
        As for :func:`calcidata.display.sof_tables` (the frame of
        :func:`calcidata.synthesis.sof_rows`, or an object with ``.sof``).
    tables : calcidata.Tables, optional
        For the names of treatments, comparators and conditions.
    narrower : mapping of str to str, optional
        Condition name -> link to its report (``calcidata.reports.condition_links``).
        Given with the synthesis of a condition, a comparison whose results all
        come from one narrower condition (:func:`calcidata.synthesis.by_home`) is
        not summarised here: its bottom line is that condition's, under the
        condition's name linked to its report, and its title links to its table
        there (:func:`sof_tables` with the same ``narrower`` shows only the
        condition's own tables).

    Returns
    -------
    HTML
        One paragraph per comparison, headed by a link to its table; a sentence
        saying so when the frame has no comparison, or when it does not yet say
        which outcomes are critical (an evidence profile before issue 18).
    """
    frame = _sof_frame(data)
    if not has_comparisons(frame) or "importance" not in frame.columns:
        return _render("bottom_lines.html.j2", lines=[], groups=[], missing=True)
    from calcidata.display.narrower import split

    here, away = split(data, tables, narrower)
    groups = [
        {"name": e.name, "href": e.href, "lines": _lines(e.rows, tables, e.href)} for e in away
    ]
    return _render("bottom_lines.html.j2", lines=_lines(here, tables), groups=groups, missing=False)


def _profile_frame(data: object) -> pd.DataFrame:
    frame = getattr(data, "profile", data)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("expected an evidence profile frame or an object with .profile")
    return frame


def _result(r: Record) -> object:
    text = format_effect(r["effect_measure"], r["estimate"], r["ci_low"], r["ci_high"])
    return "Not reported" if _missing(text) else text


def results_without_comparison(
    data: object, tables: Tables | None = None, *, selection: Selection | None = None
) -> HTML:
    """The within-arm results of an evidence profile, apart from the comparisons.

    Parameters
    ----------
    data : pandas.DataFrame or a synthesis result
        The frame of :func:`calcidata.evidence_profile` (or an object with
        ``.profile``); rows with ``within_arm`` true (without that column: rows
        whose measure is a proportion or a mean change in one group).
    tables : calcidata.Tables, optional
        For the names of treatments and conditions.
    selection : calcidata.analysis.Selection, optional
        Only its ``treatment_ids`` and ``outcome`` (domain) when it sets them, as
        the treatment comparison's summary of findings is restricted.
    """
    frame = _profile_frame(data)
    treatment_ids = getattr(selection, "treatment_ids", None) if selection is not None else None
    if treatment_ids:
        frame = frame[frame["treatment_id"].isin(list(treatment_ids))]
    if selection is not None and getattr(selection, "outcome", None):
        frame = frame[frame["outcome_domain"].astype(str) == selection.outcome]
    if "within_arm" in frame.columns:
        rows = frame[frame["within_arm"].fillna(False).astype(bool)]
    else:
        rows = frame[frame["effect_measure"].astype(str).isin(WITHIN_ARM_MEASURES)]
    treatments, conditions = _names(tables)
    shown = pd.DataFrame(
        {
            "Condition": [conditions.get(c, humanize(c)) for c in rows["condition_id"]],
            "Treatment": [treatments.get(t, humanize(t)) for t in rows["treatment_id"]],
            "Outcome": [
                _text(r.get("outcome_name")) or _capital(humanize(r["outcome_domain"]))
                for r in rows.to_dict("records")
            ],
            "Timepoint": [
                _text(t) or "not reported"
                for t in rows.get("timepoint_band", rows["timepoint"]).astype(object)
            ],
            "Result in the treated group": [_result(r) for r in rows.to_dict("records")],
            "Participants (studies)": [
                participants_studies(p, s)
                for p, s in zip(rows["n_participants"], rows["n_studies"], strict=True)
            ],
        }
    )
    return table(
        shown,
        caveats=None,
        name="results without a comparison",
        empty="No result without a comparison is recorded for this selection.",
    )


__all__ = [
    "WITHIN_ARM_MEASURES",
    "bottom_lines",
    "results_without_comparison",
]
