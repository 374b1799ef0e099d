"""Summary of findings, pooled forests and the reviews' overlap: numbers and HTML."""

from __future__ import annotations

import math

import matplotlib
import pandas as pd
import pytest

import calcidata
from calcidata import analysis, display, synthesis
from calcidata.display.plot_pooled import NONE_POOLED, pooled_forest_figure
from calcidata.display.sof import sof_table
from calcidata.synthesis.overlap import corrected_covered_area, review_overlap
from calcidata.synthesis.result import sof_rows
from calcidata.synthesis.sof import (
    COLUMNS,
    MAIN_OUTCOMES,
    ratio_inverted,
    risk_difference,
)

from .test_profile import _arms, _evidence, _source, _tables

matplotlib.use("Agg")


def _two_trials(tmp_path):
    arms = [_arms("a1", "trial_a", 10, 50, 20, 50), _arms("a2", "trial_b", 5, 40, 12, 40)]
    sources = [_source(s) for s in ("trial_a", "trial_b")]
    return _tables(tmp_path, sources=sources, study_outcomes=arms)


def test_absolute_effects_per_1000_come_from_the_control_arms_counts(tmp_path):
    tables = _two_trials(tmp_path)
    rows = sof_rows(tables, "fixture_shoulder")
    row = rows[rows["basis"] == "pooled"].iloc[0]
    risk = (20 + 12) / (50 + 40)  # pooled as a simple proportion
    assert row["basis"] == "pooled" and row["comparator_risk_studies"] == 2
    assert row["comparator_risk_per_1000"] == pytest.approx(1000 * risk)
    assert row["risk_difference_per_1000"] == pytest.approx(1000 * risk * (row["estimate"] - 1))
    assert row["risk_difference_low_per_1000"] == pytest.approx(1000 * risk * (row["ci_low"] - 1))
    assert row["risk_difference_high_per_1000"] == pytest.approx(1000 * risk * (row["ci_high"] - 1))
    assert list(rows.columns) == COLUMNS and rows["main"].dtype == bool


def test_risk_difference_formulas():
    assert risk_difference("RR", 0.4, 0.5) == pytest.approx(-0.2)
    assert risk_difference("OR", 0.5, 3.0) == pytest.approx(0.75 - 0.5)
    assert math.isnan(risk_difference("MD", 0.4, 0.5))
    assert math.isnan(risk_difference("RR", float("nan"), 0.5))


def test_no_control_counts_means_not_estimable(tmp_path):
    ev = [_evidence("e1", "trial_a", effect_measure="RR", estimate=0.5, ci_low=0.3, ci_high=0.9)]
    tables = _tables(tmp_path, evidence=ev, sources=[_source("trial_a")])
    rows = sof_rows(tables, "fixture_shoulder", ["fixture_drug"])
    row = rows[rows["effect_measure"].astype(str) == "RR"].iloc[0]
    assert math.isnan(row["comparator_risk_per_1000"])
    html = sof_table(rows)
    assert "Not estimable" in html and "RR 0.50 (95% CI 0.30 to 0.90)" in html
    assert sof_rows(tables, "fixture_shoulder", ["no_such_treatment"]).empty


def test_corrected_covered_area_on_a_hand_made_example():
    assert corrected_covered_area(8, 5, 3) == pytest.approx(0.3)
    assert math.isnan(corrected_covered_area(4, 4, 1))


def test_review_overlap_matrix_and_cca(tmp_path):
    reviews = [_source("rev_a", "systematic_review"), _source("rev_b", "systematic_review")]
    studies = [_source(s) for s in ("s1", "s2", "s3")]
    ev = [_evidence("r1", "rev_a", study_design="systematic_review"),
          _evidence("r2", "rev_b", study_design="systematic_review")]  # fmt: skip
    pairs = (("rev_a", "s1"), ("rev_a", "s2"), ("rev_b", "s2"), ("rev_b", "s3"))
    links = [{"review_study_id": f"{r}_{s}", "review_id": r, "study_id": s, "source_id": r}
             for r, s in pairs]  # fmt: skip
    tables = _tables(tmp_path, evidence=ev, sources=reviews + studies, review_studies=links)
    o = review_overlap(tables, "fixture_shoulder")
    assert o.matrix.dtypes.eq(bool).all() and o.matrix.shape == (2, 3)
    assert list(o.matrix.columns)[0] == "s2" and o.matrix.loc["rev_a", "s1"]
    assert not o.matrix.loc["rev_a", "s3"]
    assert o.mentions == 4 and o.cca == pytest.approx((4 - 3) / (6 - 3))
    html = display.overlap_table(o)
    assert html.count("\u2713") == 4 and "CCA = 0.33" in html
    labelled = display.overlap_table(o, labels=pd.Series({"rev_a": "Alpha 2020"}))
    assert "Alpha 2020" in labelled and "rev_b" in labelled


def test_condition_whose_reviews_list_no_study_says_so():
    tables = calcidata.load()
    o = review_overlap(tables, "calcinosis_ctd")
    assert o.reviews and o.matrix.empty and math.isnan(o.cca)
    assert "have no listed studies" in display.overlap_table(o)


def test_pooled_bodies_rebuild_the_profile_pool_and_draw_one_panel_each(tmp_path):
    tables = _two_trials(tmp_path)
    bodies = synthesis.pooled_bodies(tables, "fixture_shoulder")
    assert len(bodies) == 1 and bodies[0].result.k == 2 and bodies[0].measure == "RR"
    row = sof_rows(tables, "fixture_shoulder")
    row = row[row["basis"] == "pooled"].iloc[0]
    assert math.exp(bodies[0].result.estimate) == pytest.approx(row["estimate"])
    fig = pooled_forest_figure(bodies)
    assert len(fig.axes) == 1 and "Deposit resolution" not in fig.axes[0].get_title(loc="left")
    assert "deposit resolution" in fig.axes[0].get_title(loc="left")
    assert '<svg role="img"' in display.pooled_forests(bodies)  # inline SVG, named


def test_shipped_pools_hold_two_distinct_studies_and_no_pool_says_so():
    tables = calcidata.load()
    for body in synthesis.pooled_bodies(tables, "calcific_tendinopathy_shoulder"):
        assert body.result.k >= 2 and len(set(body.study_ids)) == len(body.study_ids)
    assert NONE_POOLED in display.pooled_forests([])


def _frame(n: int, **over) -> pd.DataFrame:
    rows = []
    for i in range(n):
        rows.append(
            {
                "outcome_domain": "pain", "treatment": f"Drug {i}", "comparator": "placebo",
                "timepoint": "3-6 months", "effect_measure": "RR", "estimate": 0.5,
                "ci_low": 0.25, "ci_high": 1.0, "n_participants": 100 + i, "n_studies": 2,
                "comparator_risk_per_1000": 400.0, "risk_difference_per_1000": -200.0,
                "risk_difference_low_per_1000": -300.0, "risk_difference_high_per_1000": 0.0,
                "certainty": "moderate", "certainty_basis": "calcidata_rule",
                "reasons": "Imprecision: only 100 participants (fewer than 300)",
                "main": i < MAIN_OUTCOMES,
            } | over
        )  # fmt: skip
    return pd.DataFrame(rows)


def test_sof_html_has_symbols_footnotes_labels_and_the_seven_first_split():
    frame = _frame(9)
    frame.loc[8, ["certainty", "certainty_basis", "reasons"]] = ["high", "stated", ""]
    frame.loc[7, ["estimate", "n_participants", "certainty"]] = [math.nan, pd.NA, "very_low"]
    html = sof_table(frame)
    main, more = html.split("<h4>More outcomes</h4>")
    assert main.count("<tr>\n<td>") == 7 and more.count("<tr>\n<td>") == 2
    assert "\u2295\u2295\u2295\u25ef" in main and "\u2295\u25ef\u25ef\u25ef" in more
    assert "\u2295\u2295\u2295\u2295" in more
    assert "calcidata&#39;s rule-based rating, not a guideline panel&#39;s judgement" in main
    assert "as stated by the source" in more and "as stated by the source" not in main
    assert '<li value="1">Imprecision: only 100 participants (fewer than 300)</li>' in main
    assert "<sup>a 1</sup>" in main
    assert "Not reported" in more  # the unknown estimate and participants
    assert "200 fewer per 1,000 (from 300 fewer to 0)" in main  # zero: neither fewer nor more
    assert "400 per 1,000" in main


def test_sof_html_escapes_hostile_text():
    evil = "<script>alert(1)</script>"
    html = sof_table(_frame(1, treatment=evil, reasons=f"Risk of bias: {evil}"))
    assert evil not in html and "&lt;script&gt;" in html


def test_sof_html_of_no_rows_says_so():
    assert "No body of evidence" in sof_table(_frame(0).reindex(columns=_frame(1).columns))


@pytest.mark.parametrize(
    "condition", ["calcific_tendinopathy_shoulder", "calcinosis_ctd", "ho_after_hip_arthroplasty"]
)
def test_shipped_conditions_have_a_summary_of_findings(condition):
    rows = sof_rows(calcidata.load(), condition)
    assert len(rows) and not rows["within_arm"].any() if "within_arm" in rows else len(rows)
    for _, part in rows.groupby("comparison_id", sort=False):
        assert part["main"].sum() == min(MAIN_OUTCOMES, len(part))
        assert list(part["rank_in_comparison"]) == list(range(1, len(part) + 1))
    # comparisons against placebo or sham come first; each comparison's rows are together
    groups = rows["comparator"].astype(str).eq("placebo or sham").to_numpy()
    assert not (groups[1:] & ~groups[:-1]).any()
    ids = rows["comparison_id"].astype(object)
    assert (ids != ids.shift()).sum() == ids.nunique()


@pytest.mark.parametrize(
    ("domain", "measure", "estimate", "direction", "inverted"),
    [
        ("incidence", "OR", 2.79, "favours_treatment", True),  # odds of a better grade
        ("incidence", "RR", 0.40, "favours_treatment", False),
        ("incidence", "RR", 1.50, "favours_comparator", False),
        ("adverse_events", "HR", 0.50, "favours_comparator", True),
        ("deposit_resolution", "RR", 2.00, "favours_treatment", False),
        ("deposit_resolution", "RR", 0.50, "favours_treatment", True),
        ("clinical_response", "OR", 0.50, "favours_comparator", False),
        ("pain", "RR", 2.00, "favours_treatment", False),  # no polarity: never inverted
        ("incidence", "RR", 2.00, "no_difference", False),
        ("incidence", "MD", 2.00, "favours_treatment", False),
        ("incidence", "RR", 1.00, "favours_treatment", False),
        ("incidence", "RR", float("nan"), "favours_treatment", False),
        ("incidence", "RR", 2.00, None, False),
    ],
)
def test_ratio_inverted_follows_the_polarity(domain, measure, estimate, direction, inverted):
    assert ratio_inverted(domain, measure, estimate, direction) is inverted


def _one_arm_pair_and_a_review(tmp_path, *, estimate, direction, interval=""):
    """Control counts for a body, and a review's OR for the same body."""
    arms = [
        _arms("a1", "trial_a", 10, 50, 20, 50)
        | {"outcome_domain": "incidence", "outcome_id": "fixture_incidence"}
    ]
    ev = [
        _evidence(
            "r1", "review_a", outcome_domain="incidence", comparator="sham", outcome="deposit gone",
            outcome_id="fixture_incidence",
            effect_measure="OR", estimate=estimate, ci_low=estimate / 2, ci_high=estimate * 2,
            study_design="systematic_review_meta_analysis", direction=direction,
            interval_kind=interval, timepoint="6 months",
        )
    ]  # fmt: skip
    sources = [_source("trial_a"), _source("review_a", "systematic_review_meta_analysis")]
    return _tables(tmp_path, evidence=ev, sources=sources, study_outcomes=arms)


def test_an_inverted_ratio_gets_no_absolute_effect_and_a_footnote(tmp_path):
    tables = _one_arm_pair_and_a_review(tmp_path, estimate=2.5, direction="favours_treatment")
    rows = sof_rows(tables, "fixture_shoulder")
    row = rows[rows["effect_measure"].astype(str) == "OR"].iloc[0]
    assert bool(row["ratio_inverted"]) and row["direction"] == "favours_treatment"
    assert math.isnan(row["comparator_risk_per_1000"])
    assert math.isnan(row["risk_difference_per_1000"])
    html = sof_table(rows[rows["effect_measure"].astype(str) == "OR"])
    assert "oriented the other way" in html and "favours the treatment" in html


def test_the_same_review_oriented_as_events_gets_its_absolute_effect(tmp_path):
    tables = _one_arm_pair_and_a_review(tmp_path, estimate=0.5, direction="favours_treatment")
    row = sof_rows(tables, "fixture_shoulder").query("effect_measure == 'OR'").iloc[0]
    assert not row["ratio_inverted"]
    risk = 20 / 50
    expected = 1000 * (risk * 0.5 / (1 - risk + risk * 0.5) - risk)
    assert row["risk_difference_per_1000"] == pytest.approx(expected)


def test_a_credible_interval_is_worded_as_one(tmp_path):
    tables = _one_arm_pair_and_a_review(
        tmp_path, estimate=0.5, direction="favours_treatment", interval="credible"
    )
    rows = sof_rows(tables, "fixture_shoulder").query("effect_measure == 'OR'")
    assert rows["interval_kind"].iloc[0] == "credible"
    html = sof_table(rows)
    assert "OR 0.50 (95% CrI 0.25 to 1.00)" in html and "Bayesian credible interval" in html
    assert "95% CI 0.25" not in html


def test_outcome_filter_keeps_one_domain_and_rejects_unknown_ones(tmp_path):
    tables = _one_arm_pair_and_a_review(tmp_path, estimate=0.5, direction="favours_treatment")
    everything = sof_rows(tables, "fixture_shoulder")
    incidence = sof_rows(tables, "fixture_shoulder", outcome="incidence")
    assert set(incidence["outcome_domain"].astype(str)) == {"incidence"}
    assert 0 < len(incidence) < len(everything)
    assert sof_rows(tables, "fixture_shoulder", outcome="mortality").empty
    with pytest.raises(calcidata.errors.ParameterError, match="outcome domain"):
        sof_rows(tables, "fixture_shoulder", outcome="no_such_domain")
    assert synthesis.pooled_bodies(tables, "fixture_shoulder", outcome="mortality") == []


def test_risk_difference_measure_needs_no_control_risk():
    assert risk_difference("RD", float("nan"), -0.12) == pytest.approx(-0.12)


def test_continuous_bodies_state_the_difference_as_grade_pro_does():
    frame = _frame(1, effect_measure="MD", estimate=-0.78, ci_low=-1.4, ci_high=-0.17)
    html = sof_table(frame)
    assert "MD 0.78 lower (1.40 lower to 0.17 lower)" in html
    cells = html.split("<tbody>")[1].split("</tbody>")[0]
    assert cells.count("Not applicable") == 2 and "per 1,000" not in cells


def test_shipped_ordinal_odds_ratio_is_flagged_and_credible():
    rows = sof_rows(calcidata.load(), "ho_after_hip_arthroplasty")
    ordinal = rows[rows["treatment_id"].eq("nsaid_ho_prophylaxis") & rows["estimate"].gt(1)]
    ordinal = ordinal[ordinal["outcome_domain"].astype(str) == "incidence"]
    assert len(ordinal) == 1
    row = ordinal.iloc[0]
    assert row["ratio_inverted"] and row["interval_kind"] == "credible"
    assert math.isnan(row["risk_difference_per_1000"])


def test_a_body_not_all_randomised_says_its_rating_starts_low(tmp_path):
    arms = [
        _arms("a1", "trial_a", 10, 50, 20, 50),
        _arms("a2", "cohort_b", 5, 40, 12, 40),
    ]
    sources = [_source("trial_a"), _source("cohort_b", "cohort")]
    tables = _tables(tmp_path, sources=sources, study_outcomes=arms)
    rows = sof_rows(tables, "fixture_shoulder")
    row = rows[rows["basis"] == "pooled"].iloc[0]
    assert row["start_level"] == "low" and row["certainty_basis"] == "calcidata_rule"
    assert "rating starts at low" in sof_table(rows[rows["basis"] == "pooled"])
    randomised = sof_rows(_two_trials(tmp_path / "rct"), "fixture_shoulder")
    rct = randomised[randomised["basis"] == "pooled"]
    assert rct["start_level"].iloc[0] == "high"
    assert "rating starts at low" not in sof_table(rct)


def test_one_table_per_comparison_ordered_by_importance_with_no_studies_rows(tmp_path):
    from .test_profile import _outcome

    outcomes = [
        _outcome("pain_vas"),
        _outcome("harm", "adverse_events"),
        _outcome("function_score", "function"),
        _outcome("qol", "quality_of_life"),
    ]
    links = [{"condition_outcome_id": f"fixture_shoulder_{o}", "condition_id": "fixture_shoulder",
              "outcome_id": o, "importance": i, "source_id": "trial_a"}
             for o, i in (("pain_vas", "critical"), ("function_score", "important"),
                          ("qol", "critical"))]  # fmt: skip
    ev = [_evidence("f1", "trial_a", outcome_id="function_score", outcome_domain="function",
                    estimate=-1, ci_low=-2, ci_high=-0.5, n_participants=100),
          _evidence("p1", "trial_a", outcome_id="pain_vas", estimate=-1, ci_low=-2,
                    ci_high=-0.5, n_participants=100),
          _evidence("h1", "trial_a", outcome_id="harm", outcome_domain="adverse_events",
                    effect_measure="RR", estimate=1.2, ci_low=0.5, ci_high=3.0,
                    n_participants=100)]  # fmt: skip
    tables = _tables(tmp_path, evidence=ev, sources=[_source("trial_a")], outcomes=outcomes,
                     condition_outcomes=links)  # fmt: skip
    rows = sof_rows(tables, "fixture_shoulder", ["fixture_drug"])
    assert set(rows["comparison_id"]) == {"fixture_drug__vs__placebo_or_sham"}
    assert set(rows["outcome_id"][:3]) == {"pain_vas", "harm", "qol"}
    assert rows["outcome_id"].iloc[3] == "function_score"
    assert list(rows["importance"].astype(str)[:4]) == ["critical", "critical", "critical",
                                                         "important"]  # fmt: skip
    # the minimal fixture's own outcome, not rated for this condition, comes last
    assert list(rows["outcome_id"][4:]) == ["fixture_resolution"]
    assert rows["importance"][4:].isna().all()
    none = rows[rows["outcome_id"] == "qol"].iloc[0]
    assert none["statement_code"] == "no_studies" and math.isnan(none["estimate"])
    lines = synthesis.synthesize(tables, "fixture_shoulder").bottom_lines
    line = lines[lines["treatment_id"] == "fixture_drug"].iloc[0]
    assert line["n_outcomes"] == 3 and "No studies" in line["statements"]


def test_the_synthesis_is_computed_once_per_tables_and_condition(tmp_path):
    tables = _two_trials(tmp_path)
    first = synthesis.synthesize(tables, "fixture_shoulder")
    assert synthesis.synthesize(tables, "fixture_shoulder") is first
    assert synthesis.synthesize(tables, analysis.Selection("fixture_shoulder")) is first
    assert first.sof is first.sof and first.pooled is first.pooled
    assert sof_rows(tables, "fixture_shoulder").equals(first.sof.reset_index(drop=True))
    assert calcidata.evidence_profile(tables, "fixture_shoulder").equals(first.profile)


def test_a_selection_reads_the_condition_synthesis_without_computing_again(tmp_path):
    tables = _two_trials(tmp_path)
    whole = synthesis.synthesize(tables, "fixture_shoulder")
    domain = "deposit_resolution"
    sel = analysis.Selection("fixture_shoulder", treatment_ids=["fixture_drug"], outcome=domain)
    part = synthesis.synthesize(tables, sel)
    assert part is not whole and synthesis.synthesize(tables, "fixture_shoulder") is whole
    assert len(part.profile) >= 2 and set(part.profile["treatment_id"]) == {"fixture_drug"}
    assert set(part.profile["outcome_domain"].astype(str)) == {domain}
    assert len(whole.profile) > len(part.profile)
    assert part.sof.equals(sof_rows(tables, "fixture_shoulder", ["fixture_drug"], outcome=domain))
    kept = whole.sof[
        (whole.sof["treatment_id"] == "fixture_drug")
        & (whole.sof["outcome_domain"].astype(str) == domain)
    ]
    assert len(part.sof) == len(kept) >= 2
    assert len(part.pooled) == 1 and part.pooled[0] is whole.pooled[0]  # the same pool, once
    shock = synthesis.synthesize(tables, analysis.Selection("fixture_shoulder", ["fixture_shock"]))
    assert shock.pooled == [] and set(shock.sof["treatment_id"]) == {"fixture_shock"}
    with pytest.raises(calcidata.errors.ParameterError):
        whole.select(outcome="no_such_domain")


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Heterotopic ossification Brooker II-IV", "heterotopic ossification Brooker II-IV"),
        ("Constant-Murley shoulder score", "Constant-Murley shoulder score"),
        ("Pain intensity (VAS or NRS)", "pain intensity (VAS or NRS)"),
        ("ASES shoulder score", "ASES shoulder score"),
        ("Oxford Shoulder Score", "Oxford Shoulder Score"),
        ("New HO volume", "new HO volume"),
    ],
)
def test_statements_keep_the_outcome_names_own_capitals(name, words):
    from calcidata.synthesis.absolute import sentence_case

    assert sentence_case(name) == words


def test_comparisons_without_an_estimate_come_last_in_their_group():
    from calcidata.synthesis.sof import CONTROL_ORDER

    rows = sof_rows(calcidata.load(), "calcific_tendinopathy_shoulder")
    rows = rows.assign(
        _g=rows["comparator"].astype(str).map({g: i for i, g in enumerate(CONTROL_ORDER)}),
        _est=rows["estimate"].notna()
        & ~rows["statement_code"].astype(str).isin(["not_estimable", "no_studies"]),
    )
    comps = rows.groupby("comparison_id", sort=False).agg(g=("_g", "first"), est=("_est", "any"))
    assert comps["est"].any() and not comps["est"].all()  # the shipped data has both kinds
    for _, part in comps.groupby("g", dropna=False, sort=False):
        flags = part["est"].tolist()
        assert flags == sorted(flags, reverse=True)  # with an estimate first, then without
