"""Schema of ``data/dosing_ranges.csv``: doses and other settings a clinician chooses."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table, le_rule, row_check, together_rule
from calcidata.schemas.vocab_claims import DOSE_KINDS
from calcidata.schemas.vocabularies import (
    DOSE_BASES,
    DOSE_PARAMETERS,
    DOSE_UNITS,
    DURATION_UNITS,
    FREQUENCY_PERIODS,
    ROUTES,
    TIMING_CODES,
)


class DosingRanges(Table):
    """One reported range of a dose, energy, session count or other setting."""

    dosing_id: Series[str] = col.key("Unique slug of the row.")
    treatment_id: Series[str] = col.link("treatments.treatment_id", "Treatment dosed.")
    condition_id: Series[str] = col.link(
        "conditions.condition_id",
        "Condition the range was given for; empty means general (e.g. a drug label).",
        optional=True,
    )
    route: Series[str] = col.choice("Route of administration or delivery.", ROUTES)
    parameter: Series[str] = col.choice(
        "What is being dosed (a drug dose, ESWT energy, sessions...).", DOSE_PARAMETERS
    )
    dose_min: Series[float] = col.quantity("Lower end of the range.", "dose_unit", ge=0)
    dose_max: Series[float] = col.quantity("Upper end of the range.", "dose_unit", ge=0)
    dose_unit: Series[str] = col.choice("Unit of dose_min and dose_max.", DOSE_UNITS, optional=True)
    dose_basis: Series[str] = col.choice(
        "What one dose value covers: one administration, a day, a week, a session, a course.",
        DOSE_BASES,
        optional=True,
    )
    dose_kind: Series[str] = col.choice(
        "What the numbers are: range (prescribed, recommended or used, from dose_min to "
        "dose_max), single (one patient's dose), mean, median, maximum (a limit) or starting "
        "(before titration). Only ranges, maxima and starting doses are audit references.",
        DOSE_KINDS,
    )
    frequency_min: Series[float] = col.quantity(
        "Fewest administrations per frequency_per.", "per frequency_per", gt=0
    )
    frequency_max: Series[float] = col.quantity(
        "Most administrations per frequency_per.", "per frequency_per", gt=0
    )
    frequency_per: Series[str] = col.choice(
        "Period the frequency counts over.", FREQUENCY_PERIODS, optional=True
    )
    timing_code: Series[str] = col.choice(
        "Timing code as prescribed (BID = twice daily...).", tuple(TIMING_CODES), optional=True
    )
    duration_min: Series[float] = col.quantity(
        "Shortest duration of the course.", "duration_unit", gt=0
    )
    duration_max: Series[float] = col.quantity(
        "Longest duration of the course.", "duration_unit", gt=0
    )
    duration_unit: Series[str] = col.choice("Unit of the duration.", DURATION_UNITS, optional=True)
    population: Series[str] = col.text(
        "Who the range applies to, as the source says.", optional=True
    )
    source_id: Series[str] = col.source("Source the range was taken from.")
    note: Series[str] = col.text(
        "Remarks for readers (e.g. what the dose is given with).", optional=True
    )
    curation_note: Series[str] = col.curation_note()

    class Config:
        title = "Dosing ranges"
        description = "Doses and settings of treatments, each cited to one source."
        unique = ["dosing_id"]

    _dose_order = le_rule("dose_min_le_max", "dose_min", "dose_max")
    _frequency_order = le_rule("frequency_min_le_max", "frequency_min", "frequency_max")
    _duration_order = le_rule("duration_min_le_max", "duration_min", "duration_max")
    _dose_unit_present = together_rule(
        "dose_has_unit",
        "a value needs a dose_unit, and a dose_unit needs a value",
        "dose_unit",
        ("dose_min", "dose_max"),
    )

    @row_check(
        "drug_dose_has_basis",
        "a drug dose (parameter 'dose') needs a dose_basis: per administration, per day, ...",
        ("dose_basis", "parameter"),
        presence=True,
    )
    def _dose_basis_present(cls, df: pd.DataFrame) -> pd.Series[bool]:
        is_dose = (df["parameter"] == "dose").fillna(False) & df["dose_unit"].notna()
        return ~is_dose | df["dose_basis"].notna()

    @row_check(
        "maximum_has_no_minimum",
        "a maximum (dose_kind 'maximum') is an upper limit: it gives dose_max and no dose_min",
        ("dose_min", "dose_kind"),
    )
    def _maximum(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return (df["dose_kind"] != "maximum").fillna(True) | df["dose_min"].isna()

    _frequency_period = together_rule(
        "frequency_has_period",
        "a frequency needs frequency_per, and frequency_per needs a frequency",
        "frequency_per",
        ("frequency_min", "frequency_max"),
    )
    _duration_unit = together_rule(
        "duration_has_unit",
        "a duration needs duration_unit, and duration_unit needs a duration",
        "duration_unit",
        ("duration_min", "duration_max"),
    )

    @row_check(
        "percent_at_most_100",
        "a percentage must be between 0 and 100",
        ("dose_max",),
    )
    def _percent(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return (df["dose_unit"] != "%").fillna(True) | (df["dose_max"].fillna(0) <= 100)

    @row_check(
        "timing_code_matches_frequency",
        "the timing code implies a number of administrations per day that frequency_min/max "
        "(per day) must equal",
        ("timing_code", "frequency_min"),
    )
    def _timing(cls, df: pd.DataFrame) -> pd.Series[bool]:
        per_day = df["timing_code"].map(TIMING_CODES).astype("Float64")
        daily = (df["frequency_per"] == "day").fillna(False)
        relevant = per_day.notna() & daily & df["frequency_min"].notna()
        ok = ((df["frequency_min"] - per_day).abs() < 1e-9) & (
            (df["frequency_max"] - per_day).abs() < 1e-9
        )
        return ~relevant | ok.fillna(False)


def timing_per_day(codes: pd.Series) -> pd.Series:
    """Administrations per day implied by timing codes (NA when none is implied)."""
    return codes.map(TIMING_CODES).astype("Float64")
