"""Evidence profiles: bodies of evidence, their basis, estimate and certainty."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

import calcidata
from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import CERTAINTY
from calcidata.synthesis.bodies import timepoint_band
from calcidata.synthesis.profile import COLUMNS, evidence_profile

from .conftest import MINIMAL, ROOT, read_rows, write_rows

BODY = {
    "condition_id": "fixture_shoulder",
    "treatment_id": "fixture_drug",
    "comparator": "placebo or sham",
    "outcome_domain": "pain",
    "effect_measure": "MD",
}


def _evidence(eid: str, source: str, **kw) -> dict:
    row = {
        "evidence_id": eid,
        "treatment_id": "fixture_drug",
        "condition_id": "fixture_shoulder",
        "population": "adults",
        "indirect": "false",
        "comparator": "placebo",
        "outcome": "pain (0-10)",
        "outcome_domain": "pain",
        "outcome_id": "fixture_outcome",
        "timepoint": "6 months",
        "effect_measure": "MD",
        "study_design": "rct",
        "direction": "favours_treatment",
        "source_id": source,
    }
    return row | {k: str(v) for k, v in kw.items()}


def _arms(oid: str, study: str, et: int, nt: int, ec: int, nc: int) -> dict:
    return {
        "study_outcome_id": oid,
        "study_id": study,
        "condition_id": "fixture_shoulder",
        "treatment_id": "fixture_drug",
        "comparator": "sham",
        "outcome": "deposit gone",
        "outcome_domain": "deposit_resolution",
        "outcome_id": "fixture_outcome",
        "timepoint": "6 months",
        "data_type": "dichotomous",
        "events_treatment": str(et),
        "n_treatment": str(nt),
        "events_comparator": str(ec),
        "n_comparator": str(nc),
        "source_id": study,
    }


def _tables(tmp_path: Path, evidence=(), sources=(), review_studies=(), study_outcomes=()):
    """The minimal fixture brought to the current schemas, plus the given rows."""
    target = tmp_path / "data"
    shutil.copytree(MINIMAL, target)
    for name in ("sources", "conditions", "treatments", "dosing_ranges", "evidence"):
        header = read_rows(ROOT / "data" / f"{name}.csv")[0]
        rows = read_rows(target / f"{name}.csv")[1] if (target / f"{name}.csv").exists() else []
        extra = {"evidence": evidence, "sources": sources}.get(name, ())
        if name == "sources":  # the fixture predates url_kinds
            rows = [r | {"url_kinds": " | ".join(["publisher"] * len(r["urls"].split(" | ")))}
                    if r.get("urls") else r for r in rows]  # fmt: skip
        write_rows(target / f"{name}.csv", header, [*rows, *extra])
    for name, extra in (("review_studies", review_studies), ("study_outcomes", study_outcomes)):
        write_rows(target / f"{name}.csv", read_rows(ROOT / "data" / f"{name}.csv")[0], extra)
    return calcidata.load(target)


def _source(sid: str, design: str = "rct", year: int = 2020) -> dict:
    return {"source_id": sid, "title": f"Synthetic {sid}", "year": str(year), "design": design,
            "kind": "peer_reviewed"}  # fmt: skip


def _body(profile: pd.DataFrame, **keys) -> pd.Series:
    mask = pd.Series(True, index=profile.index)
    for k, v in (BODY | keys).items():
        mask &= profile[k].astype(str) == v
    assert mask.sum() == 1, profile.loc[:, ["treatment_id", "comparator", "effect_measure"]]
    return profile[mask].iloc[0]


def _pool(yi, vi):
    return calcidata.meta.pool(yi, vi, method="REML", test="knha")


def test_profile_columns_and_types(tmp_path):
    p = evidence_profile(_tables(tmp_path))
    assert list(p.columns) == COLUMNS
    assert p["certainty"].cat.ordered and list(p["certainty"].cat.categories) == list(CERTAINTY)
    assert str(p["n_studies"].dtype) == "Int64" and str(p["risk_of_bias"].dtype) == "Int64"
    assert p["estimate"].dtype == float


def test_stated_certainty_is_kept_and_never_upgraded(tmp_path):
    ev = [_evidence("r1", "rev", study_design="systematic_review_meta_analysis",
                    pooled_design="rct", estimate=-1, ci_low=-1.5, ci_high=-0.5,
                    n_participants=900, certainty="low")]  # fmt: skip
    row = _body(evidence_profile(_tables(tmp_path, ev, [_source("rev", "systematic_review")])))
    assert row["certainty"] == "low" and row["certainty_basis"] == "stated"
    assert row[["risk_of_bias", "imprecision"]].isna().all()


def test_every_domain_rates_down_with_its_reason(tmp_path):
    ev = [_evidence("r1", "rev", study_design="systematic_review_meta_analysis",
                    pooled_design="rct", effect_measure="RR", estimate=1.1, ci_low=0.62,
                    ci_high=1.94, n_participants=120, risk_of_bias="high", i2_percent=80,
                    publication_bias="detected", indirect="true")]  # fmt: skip
    p = evidence_profile(_tables(tmp_path, ev, [_source("rev", "systematic_review")]))
    row = _body(p, effect_measure="RR")
    assert row["basis"] == "review" and row["certainty_basis"] == "calcidata_rule"
    assert row["risk_of_bias"] == -1 and row["inconsistency"] == -2
    assert row["indirectness"] == -1 and row["imprecision"] == -2
    assert row["publication_bias"] == -1 and row["certainty"] == "very_low"
    expected = ["Risk of bias:", "I\u00b2 = 80%", "Indirectness:", "Publication bias:"]
    expected += ["the 95% CI (0.62 to 1.94) includes no effect", "only 120 participants"]
    for words in expected:
        assert words in row["reasons"]


def test_a_review_beats_primary_studies_and_two_reviews_are_never_pooled(tmp_path):
    ev = [
        _evidence("big", "rev_big", study_design="systematic_review_meta_analysis",
                  pooled_design="rct", estimate=-1.0, ci_low=-1.4, ci_high=-0.6,
                  n_participants=900),
        _evidence("small", "rev_small", study_design="systematic_review_meta_analysis",
                  pooled_design="rct", estimate=-3.0, ci_low=-4, ci_high=-2, n_participants=90),
        _evidence("t1", "trial_a", estimate=-2.0, ci_low=-3.0, ci_high=-1.0, n_participants=60),
        _evidence("t2", "trial_b", estimate=-2.5, ci_low=-3.5, ci_high=-1.5, n_participants=60),
    ]  # fmt: skip
    sources = [_source("rev_big", "systematic_review_meta_analysis"),
               _source("rev_small", "systematic_review_meta_analysis"),
               _source("trial_a"), _source("trial_b")]  # fmt: skip
    links = [{"review_study_id": "rev_big_trial_a", "review_id": "rev_big",
              "study_id": "trial_a", "risk_of_bias": "high", "source_id": "rev_big"}]  # fmt: skip
    row = _body(evidence_profile(_tables(tmp_path, ev, sources, links)))
    assert row["basis"] == "review"
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == (-1.0, -1.4, -0.6)
    assert row["source_ids"] == "rev_big"
    assert row["other_source_ids"] == "rev_small;trial_a;trial_b"
    # The review's judgement of its included study (review_studies) is its risk of bias.
    assert row["risk_of_bias"] == -1 and "judged at high risk" in row["reasons"]


def test_primary_studies_are_pooled_with_reml_and_hartung_knapp(tmp_path):
    ev = [
        _evidence("t1", "trial_a", estimate=-2.0, ci_low=-3.0, ci_high=-1.0, n_participants=60),
        _evidence("t2", "trial_b", estimate=-1.0, ci_low=-1.8, ci_high=-0.2, n_participants=80),
        _evidence("t3", "trial_c", estimate=-1.5, ci_low=-2.1, ci_high=-0.9, n_participants=90),
        _evidence("t3b", "trial_c", estimate=-9.0, ci_low=-10, ci_high=-8, n_participants=20),
    ]  # fmt: skip
    sources = [_source(s) for s in ("trial_a", "trial_b", "trial_c")]
    row = _body(evidence_profile(_tables(tmp_path, ev, sources)))
    z = 1.959963984540054
    yi = [-2.0, -1.0, -1.5]
    vi = [((hi - lo) / (2 * z)) ** 2 for lo, hi in ((-3.0, -1.0), (-1.8, -0.2), (-2.1, -0.9))]
    res = _pool(yi, vi)
    assert row["basis"] == "pooled" and row["n_studies"] == 3  # trial_c counted once
    assert row["estimate"] == pytest.approx(res.estimate, rel=1e-6)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((res.ci_low, res.ci_high), rel=1e-6)
    assert row["n_participants"] == 230 and row["source_ids"] == "trial_a;trial_b;trial_c"


def test_ratios_are_pooled_on_the_log_scale_and_shown_as_ratios(tmp_path):
    arms = [_arms("a1", "trial_a", 10, 50, 20, 50), _arms("a2", "trial_b", 5, 40, 12, 40),
            _arms("a3", "trial_c", 8, 30, 9, 30)]  # fmt: skip
    sources = [_source(s) for s in ("trial_a", "trial_b", "trial_c")]
    p = evidence_profile(_tables(tmp_path, sources=sources, study_outcomes=arms))
    row = _body(p, outcome_domain="deposit_resolution", effect_measure="RR", timepoint="3-6 months")
    es = calcidata.meta.effect_sizes("RR", ai=[10, 5, 8], n1i=[50, 40, 30], ci=[20, 12, 9],
                                     n2i=[50, 40, 30])  # fmt: skip
    res = _pool(es["yi"], es["vi"])
    assert row["basis"] == "pooled" and row["comparator"] == "placebo or sham"
    assert row["estimate"] == pytest.approx(math.exp(res.estimate), rel=1e-6)
    assert row["ci_low"] == pytest.approx(math.exp(res.ci_low), rel=1e-6)
    assert 0 < row["ci_low"] < row["estimate"] < row["ci_high"]
    assert row["certainty"] in CERTAINTY and "fewer than 300" in row["reasons"]


def test_single_study_and_no_estimate(tmp_path):
    ev = [
        _evidence("t1", "trial_a", effect_measure="RR", estimate=2.0, ci_low=1.2, ci_high=3.3,
                  n_participants=500),
        _evidence("c1", "series", comparator="none (case series)", study_design="case_series",
                  effect_measure="other", n_participants=12),
    ]  # fmt: skip
    p = evidence_profile(_tables(tmp_path, ev, [_source("trial_a"), _source("series")]))
    one = _body(p, effect_measure="RR")
    assert one["basis"] == "single_study" and one["estimate"] == 2.0
    assert one["certainty"] == "high" and one["reasons"] == ""
    none = _body(p, comparator="no comparison group", effect_measure="other")
    assert none["basis"] == "no_estimate" and math.isnan(none["estimate"])
    assert none["certainty"] == "very_low" and "no comparison group" in none["reasons"]


def test_condition_gathers_narrower_conditions_and_checks_its_id(tmp_path):
    tables = _tables(tmp_path)
    p = evidence_profile(tables, "fixture_root")
    assert len(p) and set(p["condition_id"]) == {"fixture_root"}
    with pytest.raises(ParameterError):
        evidence_profile(tables, "no_such_condition")


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    return calcidata.evidence_profile(calcidata.load())


def test_shipped_profile_is_consistent(shipped):
    assert shipped["certainty"].notna().all()
    assert set(shipped["certainty"].astype(str)) <= set(CERTAINTY)
    rated = shipped[list(COLUMNS[15:20])].fillna(0).lt(0).any(axis=1)
    assert (shipped.loc[rated, "reasons"].str.len() > 0).all()
    known = set(calcidata.load().sources["source_id"])
    for ids in shipped["source_ids"]:
        assert ids and set(ids.split(";")) <= known
    stated = shipped["certainty_basis"] == "stated"
    assert shipped.loc[stated, "risk_of_bias"].isna().all()
    assert shipped.equals(calcidata.evidence_profile(calcidata.load()))


@pytest.mark.parametrize(
    "condition", ["calcific_tendinopathy_shoulder", "calcinosis_ctd", "ho_after_hip_arthroplasty"]
)
def test_shipped_conditions_produce_rows(condition):
    p = calcidata.evidence_profile(calcidata.load(), condition)
    assert len(p) > 0 and set(p["condition_id"]) == {condition}


@pytest.mark.parametrize(
    ("text", "band"),
    [
        ("12 months", "6-12 months"),
        ("6 months", "3-6 months"),
        ("12 weeks", "3-6 months"),  # to the half month: 3 months
        ("6 to 12 months after surgery", "6-12 months"),  # a range's end on an edge
        ("6-12 months", "6-12 months"),
        ("3-6 months", "3-6 months"),
        ("0-3 months", "short term (<3 months)"),
        ("1-2 years", ">12 months"),
        ("6-24 months", "6-24 months"),  # spans two bands: stays as text
        ("3 and 12 months", "3 and 12 months"),  # a list keeps each time
        ("6, 12 months", "6, 12 months"),
        ("end of treatment", "short term (<3 months)"),
        ("latest follow-up", "latest follow-up"),
        ("", "not reported"),
    ],
)
def test_timepoint_bands(text, band):
    assert timepoint_band(text) == band
