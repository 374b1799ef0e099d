"""Schema of ``data/evidence.csv``: one reported result per row."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import DataFrame, Series

from calcidata.schemas._base import field, le_or_missing, row_check
from calcidata.schemas.vocabularies import (
    CERTAINTY,
    DESIGNS,
    DIRECTIONS,
    EFFECT_MEASURES,
    INTERVAL_KINDS,
    OUTCOME_DOMAINS,
    POOLED_DESIGNS,
    PUBLICATION_BIAS,
    RATIO_MEASURES,
    RISK_OF_BIAS,
    SLUG,
)

REVIEW_DESIGNS = ("systematic_review_meta_analysis", "systematic_review")


class Evidence(pa.DataFrameModel):
    """A result: treatment versus comparator on one outcome, as one source reports it."""

    evidence_id: Series[str] = field("Unique slug of the row.", str_matches=SLUG, unique=True)
    treatment_id: Series[str] = field(
        "Treatment studied.", str_matches=SLUG, references="treatments.treatment_id"
    )
    condition_id: Series[str] = field(
        "Condition the result is evidence for.",
        str_matches=SLUG,
        references="conditions.condition_id",
    )
    population: Series[str] = field(
        "Population as studied, in the source's terms.", str_length={"min_value": 1}
    )
    indirect: Series[pd.BooleanDtype] = field(
        "True when the population studied is broader than, or differs from, the condition "
        "(indirect evidence)."
    )
    comparator: Series[str] = field("What the treatment was compared with.", nullable=True)
    outcome: Series[str] = field("Outcome as reported.", str_length={"min_value": 1})
    outcome_domain: Series[str] = field(
        "Outcome grouped into a domain.", categories=OUTCOME_DOMAINS
    )
    timepoint: Series[str] = field("When the outcome was measured.", nullable=True)
    effect_measure: Series[str] = field(
        "Effect measure of estimate and CI.", categories=EFFECT_MEASURES
    )
    estimate: Series[float] = field(
        "Point estimate; proportions as 0 to 1.", nullable=True, unit="effect_measure"
    )
    ci_low: Series[float] = field(
        "Lower bound of the 95% confidence interval.", nullable=True, unit="effect_measure"
    )
    ci_high: Series[float] = field(
        "Upper bound of the 95% confidence interval.", nullable=True, unit="effect_measure"
    )
    interval_kind: Series[str] = field(
        "Kind of the 95% interval: `credible` for a Bayesian credible interval as the "
        "source reports it; empty for a confidence interval.",
        nullable=True,
        categories=INTERVAL_KINDS,
    )
    n_studies: Series[pd.Int64Dtype] = field(
        "Studies behind this result.", nullable=True, ge=0, unit="studies"
    )
    n_participants: Series[pd.Int64Dtype] = field(
        "Participants behind this result, as reported.", nullable=True, ge=0, unit="participants"
    )
    study_design: Series[str] = field(
        "Design of the evidence behind this result.", categories=DESIGNS
    )
    pooled_design: Series[str] = field(
        "For reviews: design of the pooled studies (rct, observational, ...).",
        nullable=True,
        categories=POOLED_DESIGNS,
    )
    direction: Series[str] = field("Which way the result points.", categories=DIRECTIONS)
    certainty: Series[str] = field(
        "GRADE certainty, only when the source states one (ordered).",
        nullable=True,
        categories=CERTAINTY,
        ordered=True,
    )
    risk_of_bias: Series[str] = field(
        "Overall risk of bias of the evidence behind the result, as the source (or a review "
        "of the trial) judges it; empty when no page we read states it.",
        nullable=True,
        categories=RISK_OF_BIAS,
    )
    i2_percent: Series[float] = field(
        "I-squared heterogeneity of a pooled result, as the source reports it.",
        nullable=True,
        ge=0,
        le=100,
        unit="percent",
    )
    publication_bias: Series[str] = field(
        "What the source says of publication bias for this result (empty: says nothing).",
        nullable=True,
        categories=PUBLICATION_BIAS,
    )
    source_id: Series[str] = field(
        "Source of the result.", str_matches=SLUG, references="sources.source_id"
    )
    note: Series[str] = field(
        "Remarks for readers, e.g. statistically but not clinically important.", nullable=True
    )
    curation_note: Series[str] = field(
        "For curators: how a value was found or checked (not shown to readers).",
        nullable=True,
    )

    class Config:
        title = "Evidence"
        description = "Reported results of treatments, each cited to one source."
        strict = True
        coerce = True
        unique = ["evidence_id"]

    @row_check(
        "ci_low_le_estimate",
        "the confidence interval must contain the estimate (ci_low <= estimate)",
        ("ci_low", "estimate"),
    )
    def _ci_low(cls, df: DataFrame) -> Series[bool]:
        return le_or_missing(df["ci_low"], df["estimate"])

    @row_check(
        "estimate_le_ci_high",
        "the confidence interval must contain the estimate (estimate <= ci_high)",
        ("estimate", "ci_high"),
    )
    def _ci_high(cls, df: DataFrame) -> Series[bool]:
        return le_or_missing(df["estimate"], df["ci_high"])

    @row_check(
        "ci_low_le_ci_high",
        "ci_low must not exceed ci_high",
        ("ci_low", "ci_high"),
    )
    def _ci_order(cls, df: DataFrame) -> Series[bool]:
        return le_or_missing(df["ci_low"], df["ci_high"])

    @row_check(
        "ci_needs_both_bounds",
        "a confidence interval needs both ci_low and ci_high",
        ("ci_low", "ci_high"),
        presence=True,
    )
    def _ci_pair(cls, df: DataFrame) -> Series[bool]:
        return df["ci_low"].isna() == df["ci_high"].isna()

    @row_check(
        "proportion_in_0_1",
        "a proportion (estimate and CI) must be between 0 and 1",
        ("estimate", "ci_low", "ci_high"),
    )
    def _proportion(cls, df: DataFrame) -> Series[bool]:
        is_prop = (df["effect_measure"] == "proportion").fillna(False)
        vals = df[["estimate", "ci_low", "ci_high"]]
        inside = ((vals >= 0) & (vals <= 1)) | vals.isna()
        return ~is_prop | inside.all(axis=1)

    @row_check(
        "ratio_positive",
        "a ratio (RR, OR, HR) and its CI must be greater than 0",
        ("estimate", "ci_low", "ci_high"),
    )
    def _ratio(cls, df: DataFrame) -> Series[bool]:
        is_ratio = df["effect_measure"].isin(RATIO_MEASURES).fillna(False)
        vals = df[["estimate", "ci_low", "ci_high"]]
        return ~is_ratio | ((vals > 0) | vals.isna()).all(axis=1)

    @row_check(
        "pooled_design_only_for_reviews",
        "pooled_design is only for systematic reviews",
        ("pooled_design",),
    )
    def _pooled(cls, df: DataFrame) -> Series[bool]:
        return df["pooled_design"].isna() | df["study_design"].isin(REVIEW_DESIGNS)
