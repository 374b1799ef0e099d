"""Schema of ``data/study_outcomes.csv``: arm-level results of single studies, for pooling."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table, le_rule, row_check
from calcidata.schemas.vocabularies import (
    DATA_TYPES,
    DESIGNS,
    OUTCOME_DOMAINS,
    SD_DERIVATIONS,
    VALUE_KINDS,
)

_DICHOTOMOUS = ("events_treatment", "n_treatment", "events_comparator", "n_comparator")
_CONTINUOUS = (
    "mean_treatment",
    "sd_treatment",
    "n_treatment",
    "mean_comparator",
    "sd_comparator",
    "n_comparator",
)


class StudyOutcomes(Table):
    """One study's arm-level numbers on one outcome: counts, or means, SDs and sizes.

    These are the inputs :mod:`calcidata.meta` pools (as metafor's ``escalc`` reads
    them); every number was seen on the page of ``source_id``.
    """

    study_outcome_id: Series[str] = col.key("Unique slug of the row.")
    study_id: Series[str] = col.source("The study (a source).")
    condition_id: Series[str] = col.link("conditions.condition_id", "Condition studied.")
    treatment_id: Series[str] = col.link("treatments.treatment_id", "Treatment arm.")
    comparator: Series[str] = col.text("Comparator arm, in the words evidence.csv uses.")
    comparator_id: Series[str] = col.link(
        "treatments.treatment_id",
        "The comparator's treatment id, when the comparator is a treatment in the tables.",
        optional=True,
    )
    outcome: Series[str] = col.text("Outcome as the page words it.")
    outcome_domain: Series[str] = col.choice("Outcome grouped into a domain.", OUTCOME_DOMAINS)
    outcome_id: Series[str] = col.link(
        "outcomes.outcome_id",
        "The outcome definition (only rows of one definition are pooled together).",
    )
    study_design: Series[str] = col.choice(
        "Design of the study (by the rule in data/README.md: randomised or not, comparison "
        "group or not).",
        DESIGNS,
        optional=True,
    )
    timepoint: Series[str] = col.text("When the outcome was measured.", optional=True)
    data_type: Series[str] = col.choice(
        "dichotomous (events of n) or continuous (mean, SD, n).", DATA_TYPES
    )
    higher_is_better: Series[pd.BooleanDtype] = col.field(
        "Continuous: whether a higher score is better. Dichotomous: whether the counted event "
        "is a good one.",
        nullable=True,
    )
    events_treatment: Series[pd.Int64Dtype] = col.quantity(
        "Participants with the event, treatment arm.", "participants", ge=0
    )
    n_treatment: Series[pd.Int64Dtype] = col.quantity(
        "Participants analysed, treatment arm.", "participants", ge=1
    )
    events_comparator: Series[pd.Int64Dtype] = col.quantity(
        "Participants with the event, comparator arm.", "participants", ge=0
    )
    n_comparator: Series[pd.Int64Dtype] = col.quantity(
        "Participants analysed, comparator arm.", "participants", ge=1
    )
    mean_treatment: Series[float] = col.quantity(
        "Mean, treatment arm (final value or change, as the note says).", "outcome"
    )
    sd_treatment: Series[float] = col.quantity(
        "Standard deviation, treatment arm.", "outcome", gt=0
    )
    mean_comparator: Series[float] = col.quantity("Mean, comparator arm.", "outcome")
    sd_comparator: Series[float] = col.quantity(
        "Standard deviation, comparator arm.", "outcome", gt=0
    )
    value_kind: Series[str] = col.choice(
        "Continuous rows: `final` (value at follow-up) or `change` (change from baseline).",
        VALUE_KINDS,
        optional=True,
    )
    sd_derivation: Series[str] = col.choice(
        "Continuous rows: how the SDs were obtained: `reported`, or by the Cochrane "
        "Handbook's formulas (6.5.2) `from_se` (SD = SE x sqrt(n)) or `from_ci` (SD = "
        "sqrt(n) x (upper - lower) / 3.92, or / 2t for small arms).",
        SD_DERIVATIONS,
        optional=True,
    )
    source_id: Series[str] = col.source(
        "Source whose page shows these numbers (the study itself, or a review's table)."
    )
    note: Series[str] = col.text(
        "Remarks for readers (e.g. change scores, shoulders not patients).", optional=True
    )
    curation_note: Series[str] = col.curation_note("the numbers were found or checked")

    class Config:
        title = "Study outcomes"
        description = (
            "Arm-level results of single studies (counts or means), the inputs of pooling."
        )
        unique = ["study_outcome_id"]

    _events_t = le_rule(
        "events_le_n_treatment",
        "events_treatment",
        "n_treatment",
        "events cannot exceed the participants of the arm (events_treatment <= n_treatment)",
    )
    _events_c = le_rule(
        "events_le_n_comparator",
        "events_comparator",
        "n_comparator",
        "events cannot exceed the participants of the arm (events_comparator <= n_comparator)",
    )

    @row_check(
        "numbers_fit_data_type",
        "dichotomous rows hold counts (events, n) and no means or SDs; continuous rows hold "
        "means, SDs and n and no event counts",
        ("data_type", "events_treatment", "mean_treatment"),
    )
    def _fit(cls, df: pd.DataFrame) -> pd.Series[bool]:
        dich = df["data_type"] == "dichotomous"
        means = df[["mean_treatment", "sd_treatment", "mean_comparator", "sd_comparator"]]
        events = df[["events_treatment", "events_comparator"]]
        return (dich & means.isna().all(axis=1)) | (~dich & events.isna().all(axis=1))

    @row_check(
        "two_arm_row_has_both_arms",
        "a row holds both arms: dichotomous rows need events and n of both arms "
        "(events_treatment, n_treatment, events_comparator, n_comparator), continuous rows "
        "the mean and n of both arms (mean_treatment, n_treatment, mean_comparator, "
        "n_comparator); SDs may be empty",
        (
            "data_type",
            "events_treatment",
            "n_treatment",
            "events_comparator",
            "n_comparator",
            "mean_treatment",
            "mean_comparator",
        ),
    )
    def _both_arms(cls, df: pd.DataFrame) -> pd.Series[bool]:
        dich = df["data_type"] == "dichotomous"
        counts = df[["events_treatment", "n_treatment", "events_comparator", "n_comparator"]]
        means = df[["mean_treatment", "n_treatment", "mean_comparator", "n_comparator"]]
        return (dich & counts.notna().all(axis=1)) | (~dich & means.notna().all(axis=1))
