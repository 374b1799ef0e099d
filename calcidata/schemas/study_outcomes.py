"""Schema of ``data/study_outcomes.csv``: arm-level results of single studies, for pooling."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame, Series

from calcidata.schemas._base import field, le_or_missing, row_check
from calcidata.schemas.vocabularies import DATA_TYPES, OUTCOME_DOMAINS, SLUG

_DICHOTOMOUS = ("events_treatment", "n_treatment", "events_comparator", "n_comparator")
_CONTINUOUS = (
    "mean_treatment",
    "sd_treatment",
    "n_treatment",
    "mean_comparator",
    "sd_comparator",
    "n_comparator",
)


class StudyOutcomes(pa.DataFrameModel):
    """One study's arm-level numbers on one outcome: counts, or means, SDs and sizes.

    These are the inputs :mod:`calcidata.meta` pools (as metafor's ``escalc`` reads
    them); every number was seen on the page of ``source_id``.
    """

    study_outcome_id: Series[str] = field("Unique slug of the row.", str_matches=SLUG, unique=True)
    study_id: Series[str] = field(
        "The study (a source).", str_matches=SLUG, references="sources.source_id"
    )
    condition_id: Series[str] = field(
        "Condition studied.", str_matches=SLUG, references="conditions.condition_id"
    )
    treatment_id: Series[str] = field(
        "Treatment arm.", str_matches=SLUG, references="treatments.treatment_id"
    )
    comparator: Series[str] = field(
        "Comparator arm, in the words evidence.csv uses.", str_length={"min_value": 1}
    )
    comparator_id: Series[str] = field(
        "The comparator's treatment id, when the comparator is a treatment in the tables.",
        nullable=True,
        str_matches=SLUG,
        references="treatments.treatment_id",
    )
    outcome: Series[str] = field("Outcome as the page words it.", str_length={"min_value": 1})
    outcome_domain: Series[str] = field(
        "Outcome grouped into a domain.", categories=OUTCOME_DOMAINS
    )
    timepoint: Series[str] = field("When the outcome was measured.", nullable=True)
    data_type: Series[str] = field(
        "dichotomous (events of n) or continuous (mean, SD, n).", categories=DATA_TYPES
    )
    higher_is_better: Series[pd.BooleanDtype] = field(
        "Continuous: whether a higher score is better. Dichotomous: whether the counted event "
        "is a good one.",
        nullable=True,
    )
    events_treatment: Series[pd.Int64Dtype] = field(
        "Participants with the event, treatment arm.", nullable=True, ge=0, unit="participants"
    )
    n_treatment: Series[pd.Int64Dtype] = field(
        "Participants analysed, treatment arm.", nullable=True, ge=1, unit="participants"
    )
    events_comparator: Series[pd.Int64Dtype] = field(
        "Participants with the event, comparator arm.", nullable=True, ge=0, unit="participants"
    )
    n_comparator: Series[pd.Int64Dtype] = field(
        "Participants analysed, comparator arm.", nullable=True, ge=1, unit="participants"
    )
    mean_treatment: Series[float] = field(
        "Mean, treatment arm (final value or change, as the note says).",
        nullable=True,
        unit="outcome",
    )
    sd_treatment: Series[float] = field(
        "Standard deviation, treatment arm.", nullable=True, gt=0, unit="outcome"
    )
    mean_comparator: Series[float] = field("Mean, comparator arm.", nullable=True, unit="outcome")
    sd_comparator: Series[float] = field(
        "Standard deviation, comparator arm.", nullable=True, gt=0, unit="outcome"
    )
    source_id: Series[str] = field(
        "Source whose page shows these numbers (the study itself, or a review's table).",
        str_matches=SLUG,
        references="sources.source_id",
    )
    note: Series[str] = field(
        "Remarks for readers (e.g. change scores, shoulders not patients).", nullable=True
    )
    curation_note: Series[str] = field(
        "For curators: how the numbers were found or checked (not shown to readers).",
        nullable=True,
    )

    class Config:
        title = "Study outcomes"
        description = (
            "Arm-level results of single studies (counts or means), the inputs of pooling."
        )
        strict = True
        coerce = True
        unique = ["study_outcome_id"]

    @row_check(
        "events_le_n_treatment",
        "events cannot exceed the participants of the arm (events_treatment <= n_treatment)",
        ("events_treatment", "n_treatment"),
    )
    def _events_t(cls, df: DataFrame) -> Series[bool]:
        return le_or_missing(df["events_treatment"], df["n_treatment"])

    @row_check(
        "events_le_n_comparator",
        "events cannot exceed the participants of the arm (events_comparator <= n_comparator)",
        ("events_comparator", "n_comparator"),
    )
    def _events_c(cls, df: DataFrame) -> Series[bool]:
        return le_or_missing(df["events_comparator"], df["n_comparator"])

    @row_check(
        "numbers_fit_data_type",
        "dichotomous rows hold counts (events, n) and no means or SDs; continuous rows hold "
        "means, SDs and n and no event counts",
        ("data_type", "events_treatment", "mean_treatment"),
    )
    def _fit(cls, df: DataFrame) -> Series[bool]:
        dich = df["data_type"] == "dichotomous"
        means = df[["mean_treatment", "sd_treatment", "mean_comparator", "sd_comparator"]]
        events = df[["events_treatment", "events_comparator"]]
        return (dich & means.isna().all(axis=1)) | (~dich & events.isna().all(axis=1))
