"""Plain words for vocabulary codes and numbers: the one place the analysis is worded.

Number and interval formatting (:func:`format_effect`, :func:`format_range`,
:func:`participants_studies`) and the plain-words labels of vocabulary values
(:data:`LABELS`, :func:`humanize`) live here. :func:`words` turns a frame
returned by :mod:`calcidata.analysis` into the table a reader sees, using
the wording of its view (:mod:`calcidata.display.wording`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, overload

import numpy as np
import pandas as pd

import calcidata
from calcidata.schemas.vocabularies import ICD10_EDITION_WORDS

if TYPE_CHECKING:  # pragma: no cover
    from pandas.api.typing import NAType

#: A number as a table holds it (a Python or NumPy number).
Real: TypeAlias = "float | np.integer[Any] | np.floating[Any]"
#: A number read from a table cell: None, NaN or ``pd.NA`` when it is missing.
Number: TypeAlias = "Real | NAType | None"

__all__ = [
    "LABELS",
    "LABEL_WIDTH",
    "NOTICE",
    "format_effect",
    "format_number",
    "format_range",
    "humanize",
    "STRENGTH_WORDS",
    "COLUMN_WORDS",
    "participants_studies",
    "period",
    "plural",
    "short_label",
]

#: The "not medical advice" notice: the one text, shown on every report and export.
NOTICE = calcidata.NOTICE

#: Vocabulary values whose plain-words label is not just "underscores to spaces".
LABELS = {
    "rct": "RCT",
    "meta_analysis_rcts": "meta-analysis of RCTs",
    "systematic_review_meta_analysis": "systematic review with meta-analysis",
    "non_invasive": "non-invasive",
    "intra_articular": "intra-articular",
    "mean_change": "mean change",
}

#: Evidence strength in words of its own scale, not in study-design words (a Cochrane
#: meta-analysis lowered for a caveat must not read "observational"): level 1 to 5.
STRENGTH_WORDS = {
    "meta_analysis_rcts": "level 5 of 5 (highest)",
    "rct": "level 4 of 5",
    "observational": "level 3 of 5",
    "case_reports": "level 2 of 5",
    "lay_or_opinion": "level 1 of 5 (lowest)",
}

#: Columns whose values have words of their own (default: :func:`humanize`).
COLUMN_WORDS = {"strength": STRENGTH_WORDS, "best_evidence": STRENGTH_WORDS}

#: Longest plot label; the citation at its end is always kept whole.
LABEL_WIDTH = 72


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


@overload
def humanize(value: str) -> str: ...
@overload
def humanize(value: object) -> object: ...
def humanize(value: object) -> object:
    """A vocabulary value in plain words (``meta_analysis_rcts`` -> ``meta-analysis of RCTs``).

    Underscores become spaces unless :data:`LABELS` says otherwise; missing stays missing.
    """
    if _missing(value):
        return pd.NA
    return LABELS.get(str(value), str(value).replace("_", " "))


def icd10_label(code: object, edition: object) -> object:
    """An ICD-10 code with its edition (``E83.59`` -> ``E83.59 (ICD-10-CM)``)."""
    if _missing(code):
        return pd.NA
    return f"{code} ({ICD10_EDITION_WORDS.get(str(edition), 'edition not stated')})"


def format_number(x: Real) -> str:
    """A number as a reader wants it: no needless decimals, at most 3 significant digits."""
    if abs(float(x)) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def format_range(lo: Number, hi: Number, unit: str = "") -> object:
    """``lo-hi unit``, ``up to hi``, ``at least lo``, ``lo`` when equal; NA when both missing."""
    tail = f" {unit}" if unit else ""
    if pd.notna(lo) and pd.notna(hi):
        text = (
            format_number(lo) if np.isclose(lo, hi) else f"{format_number(lo)}–{format_number(hi)}"
        )
    elif pd.notna(hi):
        text = f"up to {format_number(hi)}"
    elif pd.notna(lo):
        text = f"at least {format_number(lo)}"
    else:
        return pd.NA
    return text + tail


def plural(unit: object, value: Number) -> str:
    """``week`` -> ``weeks`` unless the value is 1 (duration units are singular words)."""
    if not isinstance(unit, str):
        return ""
    return unit if pd.notna(value) and np.isclose(value, 1) else unit + "s"


def period(per: object) -> str:
    """``/day``, ``/week``, ``/month`` or `` per course`` after a frequency."""
    return {"day": "/day", "week": "/week", "month": "/month", "course": " per course"}.get(
        str(per), ""
    )


def format_effect(
    measure: object, estimate: Number, low: Number, high: Number, interval: object = None
) -> object:
    """``MD -0.78 (95% CI -1.40 to -0.17)``; proportions as percentages; NA without estimate.

    ``interval="credible"`` words the interval as a Bayesian credible interval
    (``95% CrI``); anything else as a confidence interval.
    """
    if pd.isna(estimate):
        return pd.NA
    measure = str(measure)
    if measure == "proportion":

        def fmt(v: Real) -> str:
            return f"{v * 100:.1f}%"

        head = fmt(estimate)
    else:

        def fmt(v: Real) -> str:
            return f"{v:.2f}" if abs(float(v)) < 100 else f"{v:,.0f}"

        head = f"{'' if measure == 'other' else f'{humanize(measure)} '}{fmt(estimate)}"
    kind = "CrI" if interval == "credible" else "CI"
    if pd.isna(low) or pd.isna(high):
        return f"{head} ({kind} not reported)"
    return f"{head} (95% {kind} {fmt(low)} to {fmt(high)})"


def participants_studies(participants: Number, studies: Number) -> object:
    """``608 (9)``: participants and, in brackets, studies; NA when neither is reported."""
    if pd.isna(participants) and pd.isna(studies):
        return pd.NA
    ptext = "Not reported" if pd.isna(participants) else f"{int(participants):,}"
    stext = "Not reported" if pd.isna(studies) else f"{int(studies)}"
    return f"{ptext} ({stext})"


def short_label(main: str, tail: str = "", width: int = LABEL_WIDTH) -> str:
    """``main`` shortened with an ellipsis so that ``main + tail`` fits in ``width``."""
    room = max(width - len(tail), 12)
    if len(main) > room:
        main = main[: room - 1].rstrip(" ,;") + "…"
    return main + tail
