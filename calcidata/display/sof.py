"""The summary-of-findings table in GRADEpro's shape, from :func:`calcidata.synthesis.sof_rows`.

One row per body of evidence, outcome first: the relative effect with its
95% CI, the anticipated absolute effects per 1,000 (risk with the comparator,
risk difference with the treatment), participants (studies) and the GRADE
certainty as symbols and a word. The certainty carries a letter saying whose
rating it is (:data:`BASIS_LABELS`) and the numbers of its footnotes (the
``reasons`` of the rating-down), listed under the table as GRADEpro does. The
``main`` rows come first; the others under "More outcomes". Rendered from the
autoescaped template ``templates/sof.html.j2``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeAlias

import pandas as pd
from markupsafe import Markup

from calcidata.display.html import HTML, NOT_REPORTED, _render
from calcidata.display.interactive import csv_link
from calcidata.display.labels import Number, format_effect, humanize

if TYPE_CHECKING:  # pragma: no cover
    from pandas.api.typing import NAType
    from typing_extensions import TypeIs

#: One row of a frame, as ``DataFrame.to_dict("records")`` gives it.
Record: TypeAlias = dict[Hashable, Any]

NOT_ESTIMABLE = "Not estimable"
#: GRADE certainty -> its symbols.
CERTAINTY_SYMBOLS = {
    "high": "\u2295\u2295\u2295\u2295",
    "moderate": "\u2295\u2295\u2295\u25ef",
    "low": "\u2295\u2295\u25ef\u25ef",
    "very_low": "\u2295\u25ef\u25ef\u25ef",
}
#: ``certainty_basis`` -> its mark in the certainty cell and its label under the table.
BASIS_LABELS = {
    "calcidata_rule": ("a", "calcidata's rule-based rating, not a guideline panel's judgement"),
    "stated": ("b", "as stated by the source"),
}


def _missing(value: object) -> TypeIs[NAType | None]:  # NaN too, as pandas' isna
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def per_1000(value: Number) -> str:
    """``593 per 1,000``; "Not estimable" when unknown."""
    return NOT_ESTIMABLE if _missing(value) else f"{round(float(value)):,} per 1,000"


def _more_fewer(value: float) -> str:
    """``183 fewer``, ``12 more``; zero is ``0`` (neither more nor fewer)."""
    n = round(value)
    return "0" if n == 0 else f"{abs(n):,} {'more' if n > 0 else 'fewer'}"


def _span(
    value: Number,
    low: Number,
    high: Number,
    word: Callable[[float], str],
    head: str,
    tail: str,
    joint: str,
) -> str:
    """``<head><word(value)><tail> (<joint><word(low)> to <word(high)>)``; "Not estimable"."""
    if _missing(value):
        return NOT_ESTIMABLE
    text = f"{head}{word(float(value))}{tail}"
    if not (_missing(low) or _missing(high)):
        text += f" ({joint}{word(float(low))} to {word(float(high))})"
    return text


def risk_difference_words(value: Number, low: Number, high: Number) -> str:
    """``183 fewer per 1,000 (from 278 fewer to 62 fewer)``; "Not estimable" when unknown."""
    return _span(value, low, high, _more_fewer, "", " per 1,000", "from ")


def _participants(participants: Number, studies: Number) -> str:
    if _missing(participants) and _missing(studies):
        return NOT_REPORTED
    head = NOT_REPORTED if _missing(participants) else f"{int(participants):,}"
    if _missing(studies):
        return head
    n = int(studies)
    return f"{head} ({n} {'study' if n == 1 else 'studies'})"


def _when(timepoint: object) -> str:
    return (
        "timepoint not reported"
        if _missing(timepoint) or timepoint == "not reported"
        else str(timepoint)
    )


def _capital(text: object) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


#: Measures whose effect GRADEpro states as an absolute difference, with no relative effect.
CONTINUOUS = ("MD", "SMD")
NOT_APPLICABLE = "Not applicable"
CREDIBLE_NOTE = (
    "CrI: a Bayesian credible interval, as the source reports it (not a confidence interval)."
)
START_LOW_NOTE = (
    "Study design: not all of this evidence comes from randomised trials, so calcidata's "
    "rating starts at low, as GRADE does."
)
INVERTED_NOTE = (
    "Direction: the source reports that this ratio favours the {side}, on the side of 1 "
    "where a ratio of the outcome's events would not; it is oriented the other way (for "
    "example the odds of a better grade), so no absolute effect is computed from it."
)


def _lower_higher(value: float) -> str:
    """``0.78 lower``, ``1.20 higher``; zero (to two decimals) is ``0.00``."""
    text = f"{abs(value):.2f}"
    return text if text == "0.00" else f"{text} {'lower' if value < 0 else 'higher'}"


def difference_words(measure: object, value: Number, low: Number, high: Number) -> str:
    """``MD 0.78 lower (1.40 lower to 0.17 lower)``; "Not estimable" when unknown."""
    return _span(value, low, high, _lower_higher, f"{measure} ", "", "")


def _number(footnotes: list[str], note: str) -> int:
    if note not in footnotes:
        footnotes.append(note)
    return footnotes.index(note) + 1


def _effects(r: Record, footnotes: list[str]) -> dict[str, object]:
    """The relative and absolute cells of a row, with the numbers of their footnotes."""
    measure = str(r["effect_measure"])
    interval = r.get("interval_kind")
    marks = []
    if interval == "credible" and not _missing(r["estimate"]):
        marks.append(_number(footnotes, CREDIBLE_NOTE))
    if bool(r.get("ratio_inverted", False)):
        side = "treatment" if r.get("direction") == "favours_treatment" else "comparator"
        marks.append(_number(footnotes, INVERTED_NOTE.format(side=side)))
    if measure in CONTINUOUS:
        return {
            "relative": NOT_APPLICABLE,
            "risk": NOT_APPLICABLE,
            "difference": difference_words(measure, r["estimate"], r["ci_low"], r["ci_high"]),
            "effect_notes": marks,
        }
    relative = format_effect(measure, r["estimate"], r["ci_low"], r["ci_high"], interval)
    return {
        "relative": NOT_REPORTED if _missing(relative) else relative,
        "risk": per_1000(r["comparator_risk_per_1000"]),
        "difference": risk_difference_words(
            r["risk_difference_per_1000"],
            r["risk_difference_low_per_1000"],
            r["risk_difference_high_per_1000"],
        ),
        "effect_notes": marks,
    }


def _part(frame: pd.DataFrame) -> dict[str, Any]:
    """Rows, footnotes (numbered in order of appearance) and bases of one table."""
    footnotes: list[str] = []
    rows, bases = [], []
    for r in frame.to_dict("records"):
        effects = _effects(r, footnotes)
        numbers = []
        if r.get("start_level") == "low" and r["certainty_basis"] == "calcidata_rule":
            numbers.append(_number(footnotes, START_LOW_NOTE))
        reasons = r["reasons"] if isinstance(r["reasons"], str) else ""
        for reason in (x.strip() for x in reasons.split("; ") if x.strip()):
            numbers.append(_number(footnotes, reason))
        basis = r["certainty_basis"] if isinstance(r["certainty_basis"], str) else None
        mark, label = BASIS_LABELS.get(basis or "", ("", ""))
        if mark and (mark, label) not in bases:
            bases.append((mark, label))
        certainty = None if _missing(r["certainty"]) else str(r["certainty"])
        rows.append(
            {
                "outcome": _capital(humanize(r["outcome_domain"])),
                "question": f"{r['treatment']} vs {r['comparator']}; {_when(r['timepoint'])}",
                **effects,
                "participants": _participants(r["n_participants"], r["n_studies"]),
                "symbols": CERTAINTY_SYMBOLS.get(certainty or "", ""),
                "certainty": _capital(humanize(certainty)) if certainty else NOT_REPORTED,
                "basis_mark": mark,
                "notes": sorted(set(numbers)),
            }
        )
    return {"rows": rows, "footnotes": footnotes, "bases": sorted(bases)}


#: The columns of a summary-of-findings CSV, in the order of the cells of a row.
SOF_CSV_COLUMNS = {
    "outcome": "Outcome",
    "question": "Comparison",
    "relative": "Relative effect (95% CI)",
    "risk": "Risk with the comparator",
    "difference": "Risk difference with the treatment",
    "participants": "Participants (studies)",
    "grade": "Certainty of the evidence (GRADE)",
    "marks": "Rating and footnotes",
}


def _with_csv(part: dict[str, Any], name: str) -> dict[str, Any]:
    """The part with a "Download CSV" link of its rows (``csv``; empty without rows)."""
    if not part["rows"]:
        return {**part, "csv": ""}
    records = [
        {
            **row,
            "grade": f"{row['symbols']} {row['certainty']}".strip(),
            "marks": " ".join(
                x for x in (row["basis_mark"], ",".join(map(str, row["notes"]))) if x
            ),
        }
        for row in part["rows"]
    ]
    frame = pd.DataFrame(records)[list(SOF_CSV_COLUMNS)].rename(columns=SOF_CSV_COLUMNS)
    return {**part, "csv": Markup(csv_link(frame, name))}


def sof_table(
    frame: pd.DataFrame,
    *,
    caption: str | None = None,
    empty: str = "No body of evidence is recorded for this selection.",
) -> HTML:
    """The summary of findings as escaped HTML: the main outcomes, then "More outcomes".

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`calcidata.synthesis.sof_rows` (rows in its order; ``main``
        says which come first).
    caption : str, optional
        A line above the table (escaped).
    empty : str
        Message shown when there is no row.

    Returns
    -------
    HTML
        Each table is followed by the labels of its certainty ratings and its
        numbered footnotes (the reasons for rating down).
    """
    main = frame[frame["main"].astype(bool)]
    more = frame[~frame["main"].astype(bool)]
    return _render(
        "sof.html.j2",
        caption=caption,
        empty=empty,
        main=_with_csv(_part(main), "summary of findings"),
        more=_with_csv(_part(more), "summary of findings more outcomes"),
    )


__all__ = [
    "BASIS_LABELS",
    "CERTAINTY_SYMBOLS",
    "NOT_ESTIMABLE",
    "difference_words",
    "per_1000",
    "risk_difference_words",
    "sof_table",
]
