"""The evidence-strength rule, row by row and per (treatment, condition) pair."""

from __future__ import annotations

import pandas as pd
import pytest

import calcidata
from calcidata.analysis.strength import evidence_strength, row_strength
from calcidata.schemas.vocabularies import STRENGTH

from .conftest import MINIMAL


def _rows(*specs: dict) -> pd.DataFrame:
    base = {
        "evidence_id": None,
        "treatment_id": "t",
        "condition_id": "c",
        "indirect": False,
        "study_design": "rct",
        "pooled_design": None,
        "certainty": None,
        "direction": "favours_treatment",
        "source_id": "s",
        "n_studies": 1,
        "n_participants": 10,
    }
    rows = [{**base, "evidence_id": f"e{i}", **spec} for i, spec in enumerate(specs)]
    frame = pd.DataFrame(rows)
    frame["indirect"] = frame["indirect"].astype("boolean")
    frame["n_studies"] = frame["n_studies"].astype("Int64")
    frame["n_participants"] = frame["n_participants"].astype("Int64")
    return frame


@pytest.mark.parametrize(
    ("spec", "level"),
    [
        (
            {"study_design": "systematic_review_meta_analysis", "pooled_design": "rct"},
            "meta_analysis_rcts",
        ),
        ({"study_design": "systematic_review", "pooled_design": "rct"}, "meta_analysis_rcts"),
        (
            {"study_design": "systematic_review_meta_analysis", "pooled_design": "mixed"},
            "observational",
        ),
        (
            {"study_design": "systematic_review_meta_analysis", "pooled_design": None},
            "observational",
        ),
        ({"study_design": "systematic_review", "pooled_design": "case_series"}, "case_reports"),
        ({"study_design": "rct"}, "rct"),
        ({"study_design": "controlled_trial"}, "observational"),
        ({"study_design": "cohort"}, "observational"),
        ({"study_design": "case_control"}, "observational"),
        ({"study_design": "case_series"}, "case_reports"),
        ({"study_design": "case_report"}, "case_reports"),
        ({"study_design": "guideline"}, "lay_or_opinion"),
        ({"study_design": "narrative_review"}, "lay_or_opinion"),
        ({"study_design": "expert_opinion"}, "lay_or_opinion"),
        ({"study_design": "lay_article"}, "lay_or_opinion"),
        ({"study_design": "drug_label"}, "lay_or_opinion"),
    ],
)
def test_level_follows_the_design_when_no_grade_is_stated(spec, level):
    assert row_strength(_rows(spec)).iloc[0] == level


@pytest.mark.parametrize(
    ("certainty", "level"),
    [
        ("high", "meta_analysis_rcts"),
        ("moderate", "rct"),
        ("low", "observational"),
        ("very_low", "case_reports"),
    ],
)
def test_stated_grade_certainty_decides_the_level(certainty, level):
    rows = _rows(
        {
            "study_design": "systematic_review_meta_analysis",
            "pooled_design": "rct",
            "certainty": certainty,
        }
    )
    assert row_strength(rows).iloc[0] == level


def test_indirect_evidence_is_downgraded_one_level_and_never_below_the_floor():
    rows = _rows(
        {"study_design": "rct", "indirect": True}, {"study_design": "lay_article", "indirect": True}
    )
    assert row_strength(rows).tolist() == ["observational", "lay_or_opinion"]


def test_pair_takes_the_best_row_and_counts_sources_studies_participants():
    rows = _rows(
        {"study_design": "case_series", "source_id": "a", "n_participants": 5},
        {"study_design": "rct", "source_id": "b", "n_participants": 40},
        {
            "study_design": "rct",
            "source_id": "b",
            "n_participants": 38,
            "direction": "no_difference",
        },
    )
    out = evidence_strength(rows).iloc[0]
    assert out["strength"] == "rct"
    assert out["n_results"] == 3 and out["n_sources"] == 2
    assert out["n_participants"] == 45  # largest per source (40) + 5
    assert out["n_studies"] == 2
    assert out["agreement"] == "mixed"


def test_agreement_ignores_uncertain_results_and_flags_single_results():
    rows = _rows(
        {"direction": "favours_treatment"},
        {"direction": "uncertain"},
        {"treatment_id": "u", "direction": "no_difference"},
    )
    out = evidence_strength(rows).set_index("treatment_id")["agreement"]
    assert out["t"] == "consistent"
    assert out["u"] == "single result"


def test_unknown_counts_stay_missing_not_zero():
    rows = _rows({"n_studies": pd.NA, "n_participants": pd.NA})
    out = evidence_strength(rows).iloc[0]
    assert pd.isna(out["n_studies"]) and pd.isna(out["n_participants"])


def test_strength_is_an_ordered_categorical_sorted_strongest_first():
    out = evidence_strength(calcidata.load().evidence)
    assert out["strength"].cat.ordered
    assert list(out["strength"].cat.categories) == list(STRENGTH)
    codes = out["strength"].cat.codes.tolist()
    assert codes == sorted(codes, reverse=True)
    assert not out.duplicated(["treatment_id", "condition_id"]).any()


def test_function_does_not_modify_its_input():
    ev = calcidata.load(MINIMAL).evidence
    copy = ev.copy()
    evidence_strength(ev)
    pd.testing.assert_frame_equal(ev, copy)


def test_every_pair_with_evidence_gets_a_row():
    ev = calcidata.load().evidence
    pairs = set(zip(ev["treatment_id"], ev["condition_id"], strict=True))
    out = evidence_strength(ev)
    assert set(zip(out["treatment_id"], out["condition_id"], strict=True)) == pairs


def test_rule_is_documented_in_the_data_dictionary():
    text = (MINIMAL.parents[2] / "data" / "README.md").read_text(encoding="utf-8")
    assert "Indirect evidence" in text and "meta_analysis_rcts" in text
