"""The certainty rule, domain by domain (pure functions, no tables)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

from calcidata.synthesis import certainty as grade
from calcidata.synthesis.certainty import Rating


@pytest.mark.parametrize(
    ("design", "pooled", "level", "rated_down"),
    [
        ("rct", None, "high", False),
        ("systematic_review_meta_analysis", "rct", "high", False),
        ("systematic_review_meta_analysis", "observational", "low", False),
        ("systematic_review", None, "low", False),
        ("cohort", None, "low", False),
        ("controlled_trial", None, "low", False),
        ("case_series", None, "low", True),
        ("case_report", None, "low", True),
        ("systematic_review", "case_series", "low", True),
        ("expert_opinion", None, "low", True),
    ],
)
def test_start_level_is_high_for_randomised_and_low_otherwise(design, pooled, level, rated_down):
    start, reason = grade.start_level(design, pooled)
    assert start == level
    assert (reason is not None) == rated_down
    if rated_down:
        assert reason.startswith("Risk of bias: ")


def test_risk_of_bias_high_result_rates_down_once_with_its_reason():
    r = grade.rate_risk_of_bias(["high"])
    assert r.down == -1
    assert r.reason == "Risk of bias: the result is judged at high risk"
    assert grade.rate_risk_of_bias(["some_concerns"]).down == 0


def test_risk_of_bias_follows_the_share_of_weight_at_high_risk():
    assert grade.rate_risk_of_bias(["high", "low"], [60, 40]).down == -2
    assert grade.rate_risk_of_bias(["high", "low"], [30, 70]).down == -1
    assert grade.rate_risk_of_bias(["high", "low"], [20, 80]).down == 0
    assert "60% of the weight" in grade.rate_risk_of_bias(["high", "low"], [60, 40]).reason


def test_risk_of_bias_not_reported_is_zero_with_a_note():
    r = grade.rate_risk_of_bias([None, None])
    assert r == Rating(0, None, "Risk of bias: not reported")


def test_no_comparison_group_rates_down_risk_of_bias_and_caps_at_two():
    reason = grade.start_level("case_series")[1]
    assert grade.rate_risk_of_bias([None], uncontrolled=reason).down == -1
    assert grade.rate_risk_of_bias(["high", "high"], uncontrolled=reason).down == -2


@pytest.mark.parametrize(("i2", "down"), [(40.0, 0), (50.0, 0), (60.0, -1), (76.0, -2)])
def test_inconsistency_from_i2(i2, down):
    r = grade.rate_inconsistency(i2, [], n_studies=5)
    assert r.down == down
    if down:
        assert r.reason == f"Inconsistency: I\u00b2 = {i2:.0f}%"


def test_inconsistency_from_directions_pointing_different_ways():
    r = grade.rate_inconsistency(None, ["favours_treatment", "favours_comparator"], n_studies=2)
    assert r.down == -1
    assert "point different ways" in r.reason
    assert grade.rate_inconsistency(None, ["mixed"], n_studies=4).down == -1
    assert grade.rate_inconsistency(None, ["favours_treatment"] * 3, n_studies=3).down == 0


def test_single_study_is_not_rated_for_inconsistency():
    r = grade.rate_inconsistency(None, ["favours_treatment"], n_studies=1)
    assert r.down == 0 and r.reason is None and "single result" in r.note


def test_indirectness_rates_down_once():
    assert grade.rate_indirectness(True).down == -1
    assert grade.rate_indirectness(True).reason.startswith("Indirectness: ")
    assert grade.rate_indirectness(False) == Rating(0)


def test_imprecision_when_the_ratio_ci_includes_one():
    r = grade.rate_imprecision("RR", 0.62, 1.94, participants=5000, events=900)
    assert r.down == -1
    assert r.reason == "Imprecision: the 95% CI (0.62 to 1.94) includes no effect"
    assert grade.rate_imprecision("RR", 1.1, 1.94, participants=5000, events=900).down == 0


def test_imprecision_when_the_difference_ci_includes_zero():
    assert grade.rate_imprecision("MD", -0.5, 0.3, participants=800).down == -1
    assert grade.rate_imprecision("MD", -0.5, -0.3, participants=800).down == 0
    assert grade.rate_imprecision("RR", 0.5, 0.9, participants=800).down == 0  # 0 is not null


def test_imprecision_below_the_optimal_information_size():
    small = grade.rate_imprecision("MD", -2.0, -1.0, participants=350)
    assert small.down == -1
    assert small.reason == "Imprecision: only 350 participants (fewer than 400)"
    events = grade.rate_imprecision("RR", 0.5, 0.8, participants=2000, events=120)
    assert events.down == -1 and "120 events (fewer than 300)" in events.reason
    assert grade.rate_imprecision("RR", 0.5, 0.8, participants=2000, events=320).down == 0
    assert grade.rate_imprecision("RR", 0.5, 0.8, participants=250).down == -1


def test_imprecision_caps_at_two_and_notes_missing_sizes():
    assert grade.rate_imprecision("RR", 0.6, 1.9, participants=40).down == -2
    r = grade.rate_imprecision("MD", -2.0, -1.0)
    assert r.down == 0 and r.note == "Imprecision: number of participants not reported"
    assert grade.rate_imprecision("MD", None, None, participants=1000).down == -1
    assert grade.rate_imprecision("proportion", 0.2, 0.4, participants=1000).down == 0


def test_publication_bias_only_when_reported_or_tested():
    assert grade.rate_publication_bias(["detected"]).down == -1
    assert grade.rate_publication_bias(["not_detected", None]).down == 0
    assert grade.rate_publication_bias([None], egger_p=0.04).down == -1
    assert grade.rate_publication_bias([None], egger_p=0.5).down == 0


def test_egger_pvalue_matches_ols_of_the_standardised_effect():
    rng = np.random.default_rng(3)
    vi = rng.uniform(0.01, 0.5, 12)
    yi = 0.3 + 0.8 * np.sqrt(vi) + rng.normal(0, 0.05, 12)
    se = np.sqrt(vi)
    fit = sm.OLS(yi / se, sm.add_constant(1 / se)).fit()
    assert grade.egger_pvalue(yi, vi) == pytest.approx(fit.pvalues[0], rel=1e-9)
    assert math.isnan(grade.egger_pvalue([0.1, 0.2], [0.1, 0.1]))


def test_rate_subtracts_levels_and_floors_at_very_low():
    ratings = {"risk_of_bias": Rating(-1, "x"), "imprecision": Rating(-2, "y")}
    assert grade.rate("high", ratings) == "very_low"
    assert grade.rate("high", {"indirectness": Rating(-1, "z")}) == "moderate"
    assert grade.rate("low", {d: Rating(-2, d) for d in grade.DOMAINS}) == "very_low"
    assert grade.rate("high", {}) == "high"


def test_reasons_are_joined_in_domain_order():
    ratings = {
        "imprecision": grade.rate_imprecision("RR", 0.62, 1.94, participants=5000, events=900),
        "risk_of_bias": grade.rate_risk_of_bias(["high"]),
        "inconsistency": Rating(0, None, "Inconsistency: not assessable (single result)"),
    }
    assert grade.reasons(ratings) == (
        "Risk of bias: the result is judged at high risk; "
        "Imprecision: the 95% CI (0.62 to 1.94) includes no effect"
    )
    assert grade.notes(ratings) == "Inconsistency: not assessable (single result)"
