"""Schema of ``data/dosing_ranges.csv``: doses and other settings a clinician chooses."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame, Series

from calcidata.schemas._base import field, le_or_missing, row_check
from calcidata.schemas.vocabularies import (
    DOSE_BASES,
    DOSE_PARAMETERS,
    DOSE_UNITS,
    DURATION_UNITS,
    FREQUENCY_PERIODS,
    ROUTES,
    SLUG,
    TIMING_CODES,
)


class DosingRanges(pa.DataFrameModel):
    """One reported range of a dose, energy, session count or other setting."""

    dosing_id: Series[str] = field("Unique slug of the row.", str_matches=SLUG, unique=True)
    treatment_id: Series[str] = field(
        "Treatment dosed.", str_matches=SLUG, references="treatments.treatment_id"
    )
    condition_id: Series[str] = field(
        "Condition the range was given for; empty means general (e.g. a drug label).",
        nullable=True,
        str_matches=SLUG,
        references="conditions.condition_id",
    )
    route: Series[str] = field("Route of administration or delivery.", categories=ROUTES)
    parameter: Series[str] = field(
        "What is being dosed (a drug dose, ESWT energy, sessions...).", categories=DOSE_PARAMETERS
    )
    dose_min: Series[float] = field(
        "Lower end of the range.", nullable=True, ge=0, unit="dose_unit"
    )
    dose_max: Series[float] = field(
        "Upper end of the range.", nullable=True, ge=0, unit="dose_unit"
    )
    dose_unit: Series[str] = field(
        "Unit of dose_min and dose_max.", nullable=True, categories=DOSE_UNITS
    )
    dose_basis: Series[str] = field(
        "What one dose value covers: one administration, a day, a week, a session, a course.",
        nullable=True,
        categories=DOSE_BASES,
    )
    frequency_min: Series[float] = field(
        "Fewest administrations per frequency_per.", nullable=True, gt=0, unit="per frequency_per"
    )
    frequency_max: Series[float] = field(
        "Most administrations per frequency_per.", nullable=True, gt=0, unit="per frequency_per"
    )
    frequency_per: Series[str] = field(
        "Period the frequency counts over.", nullable=True, categories=FREQUENCY_PERIODS
    )
    timing_code: Series[str] = field(
        "Timing code as prescribed (BID = twice daily...).",
        nullable=True,
        categories=tuple(TIMING_CODES),
    )
    duration_min: Series[float] = field(
        "Shortest duration of the course.", nullable=True, gt=0, unit="duration_unit"
    )
    duration_max: Series[float] = field(
        "Longest duration of the course.", nullable=True, gt=0, unit="duration_unit"
    )
    duration_unit: Series[str] = field(
        "Unit of the duration.", nullable=True, categories=DURATION_UNITS
    )
    population: Series[str] = field("Who the range applies to, as the source says.", nullable=True)
    source_id: Series[str] = field(
        "Source the range was taken from.", str_matches=SLUG, references="sources.source_id"
    )
    note: Series[str] = field(
        "Remarks for readers (e.g. what the dose is given with).", nullable=True
    )
    curation_note: Series[str] = field(
        "For curators: how a value was found or checked (not shown to readers).",
        nullable=True,
    )

    class Config:
        title = "Dosing ranges"
        description = "Doses and settings of treatments, each cited to one source."
        strict = True
        coerce = True
        unique = ["dosing_id"]

    @row_check(
        "dose_min_le_max",
        "dose_min must not exceed dose_max",
        ("dose_min", "dose_max"),
    )
    def _dose_order(cls, df: DataFrame) -> Series[bool]:
        return le_or_missing(df["dose_min"], df["dose_max"])

    @row_check(
        "frequency_min_le_max",
        "frequency_min must not exceed frequency_max",
        ("frequency_min", "frequency_max"),
    )
    def _frequency_order(cls, df: DataFrame) -> Series[bool]:
        return le_or_missing(df["frequency_min"], df["frequency_max"])

    @row_check(
        "duration_min_le_max",
        "duration_min must not exceed duration_max",
        ("duration_min", "duration_max"),
    )
    def _duration_order(cls, df: DataFrame) -> Series[bool]:
        return le_or_missing(df["duration_min"], df["duration_max"])

    @row_check(
        "dose_has_unit",
        "a value needs a dose_unit, and a dose_unit needs a value",
        ("dose_unit", "dose_min", "dose_max"),
        presence=True,
    )
    def _dose_unit_present(cls, df: DataFrame) -> Series[bool]:
        has_dose = df["dose_min"].notna() | df["dose_max"].notna()
        return has_dose == df["dose_unit"].notna()

    @row_check(
        "drug_dose_has_basis",
        "a drug dose (parameter 'dose') needs a dose_basis: per administration, per day, ...",
        ("dose_basis", "parameter"),
        presence=True,
    )
    def _dose_basis_present(cls, df: DataFrame) -> Series[bool]:
        is_dose = (df["parameter"] == "dose").fillna(False) & df["dose_unit"].notna()
        return ~is_dose | df["dose_basis"].notna()

    @row_check(
        "frequency_has_period",
        "a frequency needs frequency_per, and frequency_per needs a frequency",
        ("frequency_per", "frequency_min", "frequency_max"),
        presence=True,
    )
    def _frequency_period(cls, df: DataFrame) -> Series[bool]:
        has = df["frequency_min"].notna() | df["frequency_max"].notna()
        return has == df["frequency_per"].notna()

    @row_check(
        "duration_has_unit",
        "a duration needs duration_unit, and duration_unit needs a duration",
        ("duration_unit", "duration_min", "duration_max"),
        presence=True,
    )
    def _duration_unit(cls, df: DataFrame) -> Series[bool]:
        has = df["duration_min"].notna() | df["duration_max"].notna()
        return has == df["duration_unit"].notna()

    @row_check(
        "percent_at_most_100",
        "a percentage must be between 0 and 100",
        ("dose_max",),
    )
    def _percent(cls, df: DataFrame) -> Series[bool]:
        return (df["dose_unit"] != "%").fillna(True) | (df["dose_max"].fillna(0) <= 100)

    @row_check(
        "timing_code_matches_frequency",
        "the timing code implies a number of administrations per day that frequency_min/max "
        "(per day) must equal",
        ("timing_code", "frequency_min"),
    )
    def _timing(cls, df: DataFrame) -> Series[bool]:
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
