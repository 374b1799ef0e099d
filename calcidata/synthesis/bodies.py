"""Keys of a body of evidence: comparator groups and timepoint bands.

A *body of evidence* is one condition (with its narrower conditions) x
treatment x comparator group x outcome domain x effect measure x timepoint
band. The comparator and the timepoint are free text in the tables; this
module maps them onto groups so that results about the same question meet.

Comparator groups (:data:`COMPARATOR_GROUPS`)
---------------------------------------------
The text is lower-cased and trimmed, then matched from its start against the
patterns below, in order; the first match names the group. Text that matches
none stays as it is (lower-cased, trimmed); an empty comparator is
``"not reported"``.

* ``placebo or sham``: starts with placebo, sham, simulated or dummy
  (optionally after "oral" or "topical"), e.g. "sham ultrasound", "oral placebo".
* ``no treatment or usual care``: "no ..." or "without ..." (no treatment, no
  prophylaxis, no IV sodium thiosulfate), usual or standard care, untreated.
* ``no comparison group``: "none (case series)", "none (uncontrolled)", a
  baseline or pre-operative status (before-after comparisons).

Timepoint bands (:data:`TIMEPOINT_BANDS`)
-----------------------------------------
Every number with a unit (hours, days, weeks, months, years) in the text is
converted to months (a week is 12/52 month, a day 12/365) and rounded to the
half month (so 12 weeks is 3 months and 52 weeks 12). When all of them
fall in one band, that band is the timepoint: ``short term (<3 months)``,
``3-6 months`` (3 to 6 inclusive), ``6-12 months`` (above 6, up to 12),
``>12 months``. Words of the end of a treatment ("immediate", "post-treatment",
"end of treatment", "during treatment", "short term") are the short-term band.
A range ("6 to 12 months", "6-12 months") is the span between its ends, so an
end that falls on a band's edge counts for the band the span lies in: "6 to
12 months" is ``6-12 months``, "3-6 months" is ``3-6 months`` and "0-3
months" is short term; a list ("3 and 12 months", "6, 12 months") keeps each
of its times.
Text spanning several bands ("3 and 12 months"), without a unit or only
relative ("long term", "latest follow-up") stays as it is (lower-cased,
trimmed); an empty timepoint is ``"not reported"``.
"""

from __future__ import annotations

import re

import pandas as pd

NOT_REPORTED = "not reported"

#: Comparator group -> regular expression matched at the start of the lower-cased text.
COMPARATOR_GROUPS: dict[str, str] = {
    "placebo or sham": r"(?:(?:oral|topical) )?(?:placebo|sham|simulated|dummy)\b",
    "no treatment or usual care": r"(?:no|without)\b|(?:usual|standard) care\b|untreated\b",
    "no comparison group": r"none \(|baseline\b|pre-?operative (?:baseline|status)\b",
}
#: Comparator groups of no active treatment, in the order their comparisons come first
#: (GRADEpro: against placebo or sham, then against nothing), each with the treatment ids
#: (``evidence.comparator_id``) that stand for it. The one place this is said.
INACTIVE_GROUPS: dict[str, tuple[str, ...]] = {
    "placebo or sham": ("placebo", "sham"),
    "no treatment or usual care": ("no_treatment",),
}
#: The treatment ids of :data:`INACTIVE_GROUPS`, all groups together.
INACTIVE_IDS: tuple[str, ...] = tuple(i for ids in INACTIVE_GROUPS.values() for i in ids)

#: Timepoint bands, shortest first, with their upper bound in months (inclusive).
TIMEPOINT_BANDS: dict[str, float] = {
    "short term (<3 months)": 3.0,
    "3-6 months": 6.0,
    "6-12 months": 12.0,
    ">12 months": float("inf"),
}

_MONTHS_PER = {"h": 12 / (365 * 24), "d": 12 / 365, "w": 12 / 52, "m": 1.0, "y": 12.0}
_UNIT = r"(hours?|h|days?|weeks?|wk|months?|mo|years?|yr)\b"
_NUMBER_UNIT = re.compile(
    r"(\d+(?:\.\d+)?)(?:\s*(?:-|to|and|,)\s*(\d+(?:\.\d+)?))*\s*-?\s*" + _UNIT
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_RANGE = re.compile(r"\d\s*(?:-|to)\s*\d")
_SHORT_WORDS = re.compile(
    r"^(?:immediate(?:ly)?(?: post)?|post-?(?:treatment|procedure)|end of treatment|"
    r"during treatment|short term)$"
)


def comparator_group(text: object) -> str:
    """The comparator group of one comparator text (see the module docstring)."""
    if not isinstance(text, str) or not text.strip():
        return NOT_REPORTED
    clean = " ".join(text.lower().split())
    for group, pattern in COMPARATOR_GROUPS.items():
        if re.match(pattern, clean):
            return group
    return clean


def _months(text: str) -> list[tuple[float, float]]:
    """Each time in months, with the nudge that puts a range's end inside its span."""
    out: list[tuple[float, float]] = []
    for match in _NUMBER_UNIT.finditer(text):
        per = _MONTHS_PER[match.group(3)[0]]
        numbers = [float(n) * per for n in _NUMBER.findall(match.group(0))]
        span = len(numbers) == 2 and _RANGE.search(match.group(0)) is not None
        nudges = (0.25, -0.25) if span else (0.0,) * len(numbers)
        out += list(zip(numbers, nudges, strict=True))
    return out


def _band(months: float, nudge: float = 0.0) -> str:
    months = round(months * 2) / 2 + nudge  # to the half month: 12 weeks is 3 months
    if months < 3:
        return "short term (<3 months)"
    return next(band for band, upper in list(TIMEPOINT_BANDS.items())[1:] if months <= upper)


def timepoint_band(text: object) -> str:
    """The timepoint band of one timepoint text (see the module docstring)."""
    if not isinstance(text, str) or not text.strip():
        return NOT_REPORTED
    clean = " ".join(text.lower().split())
    if _SHORT_WORDS.match(clean):
        return "short term (<3 months)"
    bands = {_band(m, nudge) for m, nudge in _months(clean)}
    return bands.pop() if len(bands) == 1 else clean


def timepoint_rank(band: str) -> int:
    """Sort key of a timepoint: the bands in time order, then text, then not reported."""
    bands = list(TIMEPOINT_BANDS)
    if band in bands:
        return bands.index(band)
    return len(bands) + (1 if band == NOT_REPORTED else 0)


def comparator_groups(values: pd.Series) -> pd.Series:
    """:func:`comparator_group` of each value, as strings."""
    return pd.Series([comparator_group(v) for v in values.astype(object)], index=values.index)


def timepoint_bands(values: pd.Series) -> pd.Series:
    """:func:`timepoint_band` of each value, as strings."""
    return pd.Series([timepoint_band(v) for v in values.astype(object)], index=values.index)
