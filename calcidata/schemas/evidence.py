"""Schema of ``data/evidence.csv``: one reported result per row."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table, le_rule, row_check, together_rule
from calcidata.schemas.vocabularies import (
    CERTAINTY,
    DESIGNS,
    DIRECTIONS,
    EFFECT_MEASURES,
    GRADE_REASONS,
    INTERVAL_KINDS,
    OUTCOME_DOMAINS,
    POOLED_DESIGNS,
    PUBLICATION_BIAS,
    RATIO_MEASURES,
    REVIEW_DESIGNS,
    RISK_OF_BIAS,
)


class Evidence(Table):
    """A result: treatment versus comparator on one outcome, as one source reports it."""

    evidence_id: Series[str] = col.key("Unique slug of the row.")
    treatment_id: Series[str] = col.link("treatments.treatment_id", "Treatment studied.")
    condition_id: Series[str] = col.link(
        "conditions.condition_id", "Condition the result is evidence for."
    )
    population: Series[str] = col.text("Population as studied, in the source's terms.")
    indirect: Series[pd.BooleanDtype] = col.field(
        "True when the population studied is broader than, or differs from, the condition "
        "(indirect evidence)."
    )
    comparator: Series[str] = col.text("What the treatment was compared with.", optional=True)
    comparator_id: Series[str] = col.link(
        "treatments.treatment_id",
        "The comparator's treatment id, when the comparator is a treatment in the tables "
        "(placebo and sham included).",
        optional=True,
    )
    outcome: Series[str] = col.text("Outcome as reported.")
    outcome_domain: Series[str] = col.choice("Outcome grouped into a domain.", OUTCOME_DOMAINS)
    outcome_id: Series[str] = col.link(
        "outcomes.outcome_id",
        "The outcome definition (only results of one definition are pooled together).",
    )
    timepoint: Series[str] = col.text("When the outcome was measured.", optional=True)
    effect_measure: Series[str] = col.choice("Effect measure of estimate and CI.", EFFECT_MEASURES)
    estimate: Series[float] = col.quantity(
        "Point estimate; proportions as 0 to 1.", "effect_measure"
    )
    ci_low: Series[float] = col.quantity(
        "Lower bound of the 95% confidence interval.", "effect_measure"
    )
    ci_high: Series[float] = col.quantity(
        "Upper bound of the 95% confidence interval.", "effect_measure"
    )
    interval_kind: Series[str] = col.choice(
        "Kind of the 95% interval: `credible` for a Bayesian credible interval as the "
        "source reports it; empty for a confidence interval.",
        INTERVAL_KINDS,
        optional=True,
    )
    n_studies: Series[pd.Int64Dtype] = col.quantity("Studies behind this result.", "studies", ge=0)
    n_participants: Series[pd.Int64Dtype] = col.quantity(
        "Participants behind this result, as reported.", "participants", ge=0
    )
    study_design: Series[str] = col.choice("Design of the evidence behind this result.", DESIGNS)
    pooled_design: Series[str] = col.choice(
        "For reviews: design of the pooled studies (rct, observational, ...).",
        POOLED_DESIGNS,
        optional=True,
    )
    direction: Series[str] = col.choice("Which way the result points.", DIRECTIONS)
    certainty: Series[str] = col.choice(
        "GRADE certainty, only when the source states one (ordered).",
        CERTAINTY,
        optional=True,
        ordered=True,
    )
    certainty_reasons: Series[str] = col.field(
        "The GRADE domains the source rated its certainty down for, as it states them "
        "(`;`-separated; `not_stated` when it gives a rating without reasons).",
        nullable=True,
        categories=GRADE_REASONS,
        multi=";",
    )
    network: Series[pd.BooleanDtype] = col.field(
        "True for a network meta-analysis estimate (direct and indirect evidence); "
        "n_participants is then that comparison's, not the whole network's.",
        nullable=True,
    )
    control_risk: Series[float] = col.quantity(
        "Risk in the comparator group as the source states it (e.g. a summary-of-findings "
        "table's assumed risk), 0 to 1.",
        "proportion",
        ge=0,
        le=1,
    )
    risk_of_bias: Series[str] = col.choice(
        "Overall risk of bias of the evidence behind the result, as the source (or a review "
        "of the trial) judges it; empty when no page we read states it.",
        RISK_OF_BIAS,
        optional=True,
    )
    i2_percent: Series[float] = col.quantity(
        "I-squared heterogeneity of a pooled result, as the source reports it.",
        "percent",
        ge=0,
        le=100,
    )
    publication_bias: Series[str] = col.choice(
        "What the source says of publication bias for this result (empty: says nothing).",
        PUBLICATION_BIAS,
        optional=True,
    )
    source_id: Series[str] = col.source("Source of the result.")
    note: Series[str] = col.text(
        "Remarks for readers, e.g. statistically but not clinically important.", optional=True
    )
    curation_note: Series[str] = col.curation_note()

    class Config:
        title = "Evidence"
        description = "Reported results of treatments, each cited to one source."
        unique = ["evidence_id"]

    _ci_low = le_rule(
        "ci_low_le_estimate",
        "ci_low",
        "estimate",
        "the confidence interval must contain the estimate (ci_low <= estimate)",
    )
    _ci_high = le_rule(
        "estimate_le_ci_high",
        "estimate",
        "ci_high",
        "the confidence interval must contain the estimate (estimate <= ci_high)",
    )
    _ci_order = le_rule("ci_low_le_ci_high", "ci_low", "ci_high")
    _ci_pair = together_rule(
        "ci_needs_both_bounds",
        "a confidence interval needs both ci_low and ci_high",
        "ci_low",
        ("ci_high",),
    )

    @row_check(
        "certainty_reasons_need_certainty",
        "certainty_reasons are the reasons of a stated certainty (certainty must be given)",
        ("certainty_reasons", "certainty"),
    )
    def _reasons(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["certainty_reasons"].isna() | df["certainty"].notna()

    @row_check(
        "proportion_in_0_1",
        "a proportion (estimate and CI) must be between 0 and 1",
        ("estimate", "ci_low", "ci_high"),
    )
    def _proportion(cls, df: pd.DataFrame) -> pd.Series[bool]:
        is_prop = (df["effect_measure"] == "proportion").fillna(False)
        vals = df[["estimate", "ci_low", "ci_high"]]
        inside = ((vals >= 0) & (vals <= 1)) | vals.isna()
        return ~is_prop | inside.all(axis=1)

    @row_check(
        "ratio_positive",
        "a ratio (RR, OR, HR) and its CI must be greater than 0",
        ("estimate", "ci_low", "ci_high"),
    )
    def _ratio(cls, df: pd.DataFrame) -> pd.Series[bool]:
        is_ratio = df["effect_measure"].isin(RATIO_MEASURES).fillna(False)
        vals = df[["estimate", "ci_low", "ci_high"]]
        return ~is_ratio | ((vals > 0) | vals.isna()).all(axis=1)

    @row_check(
        "pooled_design_only_for_reviews",
        "pooled_design is only for systematic reviews",
        ("pooled_design",),
    )
    def _pooled(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["pooled_design"].isna() | df["study_design"].isin(REVIEW_DESIGNS)
