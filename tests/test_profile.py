"""Evidence profiles: bodies of evidence, their basis, estimate and certainty."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import calcidata
from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import CERTAINTY
from calcidata.synthesis.bodies import timepoint_band
from calcidata.synthesis.profile import COLUMNS
from calcidata.synthesis.result import evidence_profile

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
        "timepoint": "6 months",
        "effect_measure": "MD",
        "study_design": "rct",
        "direction": "favours_treatment",
        "source_id": source,
    }
    return _defined(row | {k: str(v) for k, v in kw.items()})


def _defined(row: dict) -> dict:
    """A row's outcome_id: the one given, else one per outcome text (see :func:`_tables`)."""
    return {
        "outcome_id": "fixture_" + re.sub(r"[^a-z0-9]+", "_", row["outcome"].lower()).strip("_")
    } | row


def _arms(oid: str, study: str, et: int, nt: int, ec: int, nc: int) -> dict:
    return {
        "study_outcome_id": oid,
        "study_id": study,
        "condition_id": "fixture_shoulder",
        "treatment_id": "fixture_drug",
        "comparator": "sham",
        "outcome": "deposit gone",
        "outcome_domain": "deposit_resolution",
        "timepoint": "6 months",
        "data_type": "dichotomous",
        "events_treatment": str(et),
        "n_treatment": str(nt),
        "events_comparator": str(ec),
        "n_comparator": str(nc),
        "source_id": study,
        "outcome_id": "fixture_deposit_gone",
    }


def _tables(tmp_path: Path, evidence=(), sources=(), review_studies=(), study_outcomes=(),
            outcomes=(), condition_outcomes=(), risk_of_bias=()):  # fmt: skip
    """The minimal fixture brought to the current schemas, plus the given rows.

    Every outcome_id the given rows name is defined in outcomes.csv (a required
    foreign key): the given ``outcomes`` first, then the fixture's, then, for an id
    still undefined, a definition named by the row's outcome text, in its domain.
    """
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
    for name, extra in (("review_studies", review_studies), ("study_outcomes", study_outcomes),
                        ("outcomes", outcomes), ("condition_outcomes", condition_outcomes),
                        ("risk_of_bias", risk_of_bias)):  # fmt: skip
        rows = list(extra)
        if name == "outcomes":  # the fixture's definitions, then one per domain the rows name
            rows += [r for r in read_rows(target / "outcomes.csv")[1]
                     if r["outcome_id"] not in {o["outcome_id"] for o in rows}]  # fmt: skip
            for r in [*evidence, *study_outcomes]:
                if r["outcome_id"] not in {o["outcome_id"] for o in rows}:
                    rows.append(_outcome(r["outcome_id"], r["outcome_domain"], name=r["outcome"]))
        write_rows(target / f"{name}.csv", read_rows(ROOT / "data" / f"{name}.csv")[0], rows)
    return calcidata.load(target)


def _outcome(oid: str, domain: str = "pain", **kw) -> dict:
    row = {"outcome_id": oid, "name": oid.replace("_", " "), "outcome_domain": domain,
           "surrogate": "false"}  # fmt: skip
    return row | {k: str(v) for k, v in kw.items()}


def _rob(study: str, judgement: str, source: str = "rev") -> dict:
    return {"rob_id": f"rob_{study}", "study_id": study, "tool": "rob1", "domain": "overall",
            "judgement": judgement, "basis": "stated", "source_id": source}  # fmt: skip


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


def _rct(eid, source, **kw):
    """A large randomised trial's result: precise, enough participants, unless told."""
    return _evidence(eid, source, **({"estimate": -2.0, "ci_low": -2.5, "ci_high": -1.5,
                                      "n_participants": 900} | kw))  # fmt: skip


def test_profile_columns_and_types(tmp_path):
    p = evidence_profile(_tables(tmp_path))
    assert list(p.columns) == COLUMNS
    assert p["certainty"].cat.ordered and list(p["certainty"].cat.categories) == list(CERTAINTY)
    assert str(p["n_studies"].dtype) == "Int64" and str(p["risk_of_bias"].dtype) == "Int64"
    assert p["estimate"].dtype == float and p["within_arm"].dtype == bool
    assert list(p["importance"].cat.categories) == ["critical", "important", "not_important"]


def test_a_condition_with_no_results_has_an_empty_profile_of_the_same_types():
    """Every shipped condition, those without a result of their own included."""
    tables = calcidata.load()
    whole = evidence_profile(tables)
    empty = 0
    for condition in tables.conditions["condition_id"]:
        p = evidence_profile(tables, condition)
        assert list(p.columns) == COLUMNS and p.dtypes.equals(whole.dtypes), condition
        empty += p.empty
    assert empty >= 1  # the shipped data has such conditions (the gap reports' ones)


def test_stated_certainty_is_kept_with_its_reasons_and_never_upgraded(tmp_path):
    ev = [_evidence("r1", "rev", study_design="systematic_review_meta_analysis",
                    pooled_design="rct", estimate=-1, ci_low=-1.5, ci_high=-0.5,
                    n_participants=900, certainty="low",
                    certainty_reasons="risk_of_bias;imprecision")]  # fmt: skip
    row = _body(evidence_profile(_tables(tmp_path, ev, [_source("rev", "systematic_review")])))
    assert row["certainty"] == "low" and row["certainty_basis"] == "stated"
    assert row[["risk_of_bias", "imprecision"]].isna().all()
    assert "stated_rating:low" in row["footnotes"]
    assert "stated_reasons:risk_of_bias, imprecision" in row["footnotes"]
    assert "Certainty as the source states it (low)" in row["notes"]


def test_the_population_flag_lowers_stated_and_rule_ratings_alike(tmp_path):
    ev = [_evidence("r1", "rev", study_design="systematic_review_meta_analysis",
                    pooled_design="rct", estimate=-1, ci_low=-1.5, ci_high=-0.5,
                    n_participants=900, certainty="moderate", indirect="true"),
          _evidence("r2", "rev", study_design="systematic_review_meta_analysis",
                    pooled_design="rct", estimate=-1, ci_low=-1.5, ci_high=-0.5,
                    n_participants=900, certainty="moderate", indirect="true",
                    certainty_reasons="indirectness", outcome="function")]  # fmt: skip
    p = evidence_profile(_tables(tmp_path, ev, [_source("rev", "systematic_review")]))
    lowered = p[p["evidence_ids"] == "r1"].iloc[0]
    assert lowered["certainty"] == "low" and lowered["certainty_basis"] == "stated"
    assert lowered["indirectness"] == -1 and "indirect_population" in lowered["footnotes"]
    kept = p[p["evidence_ids"] == "r2"].iloc[0]  # the source already rated it down for it
    assert kept["certainty"] == "moderate" and "indirect_population" not in kept["footnotes"]


def test_risk_of_bias_not_assessed_is_rated_down_once_with_its_footnote(tmp_path):
    p = evidence_profile(_tables(tmp_path, [_rct("t1", "trial_a")], [_source("trial_a")]))
    row = _body(p)
    assert row["risk_of_bias"] == -1 and "rob_not_assessed" in row["footnotes"]
    assert "risk of bias not assessed" in row["reasons"]
    assert row["certainty"] == "moderate"


def test_risk_of_bias_from_the_table_low_is_no_concern_high_is(tmp_path):
    ev = [_rct("t1", "trial_a")]
    low = evidence_profile(_tables(tmp_path / "a", ev, [_source("trial_a")],
                                   risk_of_bias=[_rob("trial_a", "low", "trial_a")]))  # fmt: skip
    assert _body(low)["risk_of_bias"] == 0 and _body(low)["certainty"] == "high"
    high = evidence_profile(_tables(tmp_path / "b", ev, [_source("trial_a")],
                                    risk_of_bias=[_rob("trial_a", "high", "trial_a")]))  # fmt: skip
    assert _body(high)["risk_of_bias"] == -2 and "rob_high_weight:1" in _body(high)["footnotes"]


def test_a_review_is_judged_by_the_share_of_its_studies_at_high_or_unclear_risk(tmp_path):
    ev = [_evidence("r1", "rev", study_design="systematic_review_meta_analysis",
                    pooled_design="rct", estimate=-1.0, ci_low=-1.4, ci_high=-0.6,
                    n_participants=900, n_studies=4, i2_percent=10)]  # fmt: skip
    links = [{"review_study_id": f"rev_{s}", "review_id": "rev", "study_id": s,
              "source_id": "rev"} for s in ("s1", "s2", "s3", "s4")]  # fmt: skip
    sources = [_source("rev", "systematic_review_meta_analysis")]
    sources += [_source(s) for s in ("s1", "s2", "s3", "s4")]
    mostly_low = [_rob("s1", "low"), _rob("s2", "low"), _rob("s3", "low"), _rob("s4", "unclear")]
    row = _body(evidence_profile(_tables(tmp_path / "a", ev, sources, links,
                                         risk_of_bias=mostly_low)))  # fmt: skip
    assert row["risk_of_bias"] == 0 and row["certainty"] == "high"
    unclear = [_rob("s1", "low"), _rob("s2", "unclear"), _rob("s3", "unclear")]  # s4 unjudged
    row = _body(evidence_profile(_tables(tmp_path / "b", ev, sources, links,
                                         risk_of_bias=unclear)))  # fmt: skip
    assert row["risk_of_bias"] == -1 and "rob_concern_weight:0.75" in row["footnotes"]


def test_every_domain_rates_down_with_its_reason(tmp_path):
    ev = [_evidence("r1", "rev", study_design="systematic_review_meta_analysis",
                    pooled_design="rct", effect_measure="RR", estimate=1.1, ci_low=0.62,
                    ci_high=1.94, n_participants=120, risk_of_bias="high", i2_percent=80,
                    publication_bias="detected", indirect="true")]  # fmt: skip
    p = evidence_profile(_tables(tmp_path, ev, [_source("rev", "systematic_review")]))
    row = _body(p, effect_measure="RR")
    assert row["basis"] == "review" and row["certainty_basis"] == "calcidata_rule"
    assert row["risk_of_bias"] == -2 and row["inconsistency"] == -2  # all weight at high risk
    assert row["indirectness"] == -1 and row["imprecision"] == -2
    assert row["publication_bias"] == -1 and row["certainty"] == "very_low"
    expected = ["Risk of bias:", "I\u00b2 = 80%", "Indirectness:", "Publication bias:",
                "crosses both thresholds of appreciable effect (0.75 and 1.25)"]  # fmt: skip
    for words in expected:
        assert words in row["reasons"]


@pytest.mark.parametrize(
    ("ci", "control_risk", "down", "code"),
    [
        ((0.88, 1.06), 0.35, 0, None),  # a precise null is not imprecise
        ((0.62, 1.94), 0.35, -2, "imprecision_crosses_both:0.75:1.25"),
        ((0.70, 1.10), 0.35, -1, "imprecision_crosses_one:0.75"),
        ((1.59, 371.0), 0.35, -2, "imprecision_very_wide"),
        ((0.56, 0.83), 0.125, -1, "imprecision_ois_events:150:300"),
        ((0.56, 0.83), 0.05, -2, "imprecision_far_from_ois"),
    ],
)
def test_imprecision_judges_the_ci_against_thresholds_and_counts_events(
    tmp_path, ci, control_risk, down, code
):
    # events are the stated control risk x the participants (1,200)
    ev = [_rct("t1", "trial_a", effect_measure="RR", estimate=(ci[0] * ci[1]) ** 0.5,
               ci_low=ci[0], ci_high=ci[1], n_participants=1200, control_risk=control_risk,
               outcome="deposit gone", outcome_domain="deposit_resolution")]  # fmt: skip
    tables = _tables(tmp_path, ev, [_source("trial_a")],
                     risk_of_bias=[_rob("trial_a", "low", "trial_a")])  # fmt: skip
    p = evidence_profile(tables)
    row = p[p["evidence_ids"] == "t1"].iloc[0]
    assert row["imprecision"] == down
    if code:
        assert code in row["footnotes"]


def test_participants_stand_in_for_events_only_as_an_upper_bound(tmp_path):
    ev = [_rct("t1", "trial_a", effect_measure="RR", estimate=0.42, ci_low=0.30, ci_high=0.60,
               n_participants=1143),
          _rct("t2", "trial_a", effect_measure="RR", estimate=0.42, ci_low=0.30, ci_high=0.60,
               n_participants=1143, control_risk=0.02, outcome="severe"),
          _rct("t3", "trial_a", effect_measure="RR", estimate=0.42, ci_low=0.30, ci_high=0.60,
               n_participants=120, outcome="small")]  # fmt: skip
    p = evidence_profile(_tables(tmp_path, ev, [_source("trial_a")]))
    by = {r["evidence_ids"]: r for r in p.to_dict("records")}
    assert "imprecision_events_unknown" in by["t1"]["footnotes"]  # 1,143 patients prove nothing
    assert "imprecision_ois_events:23:300" in by["t2"]["footnotes"]  # 2% of 1,143
    assert by["t2"]["imprecision"] == -2  # far from the OIS
    assert "imprecision_ois_events:120:300" in by["t3"]["footnotes"]  # at most 120 events


def test_a_mid_makes_a_precise_small_difference_not_imprecise(tmp_path):
    outcomes = [
        _outcome(
            "pain_vas",
            instrument="VAS 0-10",
            scale_min=0,
            scale_max=10,
            higher_is_better="false",
            mid=1.5,
            mid_source_id="fixture_trial",
        )
    ]
    ev = [_rct("t1", "trial_a", estimate=-0.78, ci_low=-1.40, ci_high=-0.17,
               outcome_id="pain_vas")]  # fmt: skip
    tables = _tables(tmp_path, ev, [_source("trial_a")], outcomes=outcomes,
                     risk_of_bias=[_rob("trial_a", "low", "trial_a")])  # fmt: skip
    row = _body(evidence_profile(tables))
    assert row["mid"] == 1.5 and row["instrument"] == "VAS 0-10"
    assert row["imprecision"] == 0 and row["certainty"] == "high"
    assert row["statement_code"] == "little_to_no_difference"
    assert row["statement"] == "Fixture drug results in little to no difference in pain vas"
    assert row["abs_effect"] == -0.78 and row["abs_unit"] == "VAS 0-10"
    no_mid = _body(evidence_profile(_tables(tmp_path / "b", [_rct("t1", "trial_a", estimate=-0.5,
                                                                  ci_low=-1.0, ci_high=0.1)],
                                            [_source("trial_a")])))  # fmt: skip
    assert (
        "imprecision_crosses_null" in no_mid["footnotes"] and "mid_not_known" in no_mid["footnotes"]
    )


def test_surrogate_outcomes_are_rated_down_for_indirectness(tmp_path):
    outcomes = [_outcome("deposit_size_mm", "deposit_size", surrogate="true")]
    ev = [_rct("t1", "trial_a", outcome_id="deposit_size_mm", outcome_domain="deposit_size")]
    tables = _tables(tmp_path, ev, [_source("trial_a")], outcomes=outcomes,
                     risk_of_bias=[_rob("trial_a", "low", "trial_a")])  # fmt: skip
    row = _body(evidence_profile(tables), outcome_domain="deposit_size")
    assert row["indirectness"] == -1 and "surrogate" in row["footnotes"]
    assert row["surrogate"] is True or bool(row["surrogate"])


def test_a_body_without_an_estimate_is_not_estimable_and_never_above_low(tmp_path):
    ev = [_rct("r1", "rev", study_design="systematic_review_meta_analysis", pooled_design="rct",
               estimate="", ci_low="", ci_high="", i2_percent=0)]  # fmt: skip
    links = [{"review_study_id": "rev_s1", "review_id": "rev", "study_id": "s1",
              "source_id": "rev"}]  # fmt: skip
    sources = [_source("rev", "systematic_review_meta_analysis"), _source("s1")]
    tables = _tables(tmp_path, ev, sources, links, risk_of_bias=[_rob("s1", "low")])
    row = _body(evidence_profile(tables))
    assert row["basis"] == "no_estimate" and row["certainty"] == "low"
    assert "not_estimable:low" in row["footnotes"] and row["statement_code"] == "not_estimable"


def test_a_network_estimate_is_not_above_moderate_unless_its_rating_is_stated(tmp_path):
    ev = [_rct("n1", "nma", study_design="systematic_review_meta_analysis", pooled_design="rct",
               network="true", i2_percent=0),
          _rct("n2", "nma", study_design="systematic_review_meta_analysis", pooled_design="rct",
               network="true", certainty="high", outcome="function")]  # fmt: skip
    links = [{"review_study_id": "nma_s1", "review_id": "nma", "study_id": "s1",
              "source_id": "nma"}]  # fmt: skip
    sources = [_source("nma", "systematic_review_meta_analysis"), _source("s1")]
    tables = _tables(tmp_path, ev, sources, links, risk_of_bias=[_rob("s1", "low", "nma")])
    p = evidence_profile(tables)
    rule = p[p["evidence_ids"] == "n1"].iloc[0]
    assert rule["network"] and rule["certainty"] == "moderate"
    assert "network_capped" in rule["footnotes"]
    stated = p[p["evidence_ids"] == "n2"].iloc[0]
    assert stated["certainty"] == "high" and stated["certainty_basis"] == "stated"


def test_a_review_without_i2_gets_a_note(tmp_path):
    ev = [_rct("r1", "rev", study_design="systematic_review_meta_analysis", pooled_design="rct",
               n_studies=5)]  # fmt: skip
    row = _body(evidence_profile(_tables(tmp_path, ev, [_source("rev", "systematic_review")])))
    assert "no_i2_reported" in row["footnotes"] and row["inconsistency"] == 0
    assert "reports no I" in row["notes"]


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
    # trial_a is the review's constituent, not a source beside it
    assert row["constituent_ids"] == "trial_a"
    assert row["other_source_ids"] == "rev_small;trial_b"
    # the review's judgement of its included study (review_studies) is its risk of bias
    assert row["risk_of_bias"] == -2 and "rob_high_weight:1" in row["footnotes"]


def test_a_trial_of_a_narrower_treatment_inside_a_review_is_its_constituent(tmp_path):
    ev = [_evidence("r1", "rev", treatment_id="fixture_drug_class",
                    study_design="systematic_review_meta_analysis", pooled_design="rct",
                    estimate=-1.0, ci_low=-1.4, ci_high=-0.6, n_participants=900),
          _evidence("t1", "trial_a", estimate=-2.0, ci_low=-3.0, ci_high=-1.0)]  # fmt: skip
    links = [{"review_study_id": "rev_trial_a", "review_id": "rev", "study_id": "trial_a",
              "source_id": "rev"}]  # fmt: skip
    sources = [_source("rev", "systematic_review_meta_analysis"), _source("trial_a")]
    p = evidence_profile(_tables(tmp_path, ev, sources, links))
    mine = p[p["source_ids"].isin(["rev", "trial_a"])]
    assert len(mine) == 1
    row = _body(p, treatment_id="fixture_drug_class")
    assert row["basis"] == "review" and row["constituent_ids"] == "trial_a"


def test_reverse_comparisons_are_aligned_by_inverting_the_effect(tmp_path):
    ev = [_rct("ab", "trial_a", treatment_id="fixture_drug", comparator="Fixture shock wave",
               effect_measure="RR", estimate=2.0, ci_low=1.5, ci_high=4.0, outcome="response"),
          _rct("ab2", "trial_c", treatment_id="fixture_drug", comparator_id="fixture_shock",
               comparator="shock", effect_measure="RR", estimate=1.5, ci_low=1.1, ci_high=2.0,
               outcome="other response"),
          _rct("ba", "trial_b", treatment_id="fixture_shock", comparator="fixture drug",
               effect_measure="RR", estimate=0.5, ci_low=0.25, ci_high=0.8,
               outcome="response")]  # fmt: skip
    sources = [_source("trial_a"), _source("trial_b"), _source("trial_c")]
    p = evidence_profile(_tables(tmp_path, ev, sources))
    p = p[p["source_ids"].str.contains("trial_")]
    comps = set(p["comparison_id"].astype(str))
    assert comps == {"fixture_drug__vs__fixture_shock"}
    row = p[p["evidence_ids"].str.contains("ba")].iloc[0]
    assert row["basis"] == "pooled" and row["n_studies"] == 2
    # trial_b's RR 0.5 (0.25 to 0.8) of shock vs drug is RR 2 (1.25 to 4) of drug vs shock
    z = 1.959963984540054
    yi = [math.log(2.0), math.log(2.0)]
    vi = [((math.log(4.0) - math.log(1.5)) / (2 * z)) ** 2,
          ((math.log(4.0) - math.log(1.25)) / (2 * z)) ** 2]  # fmt: skip
    res = calcidata.meta.pool(yi, vi, method="REML", test="z")
    assert row["estimate"] == pytest.approx(math.exp(res.estimate), rel=1e-6)


def test_two_outcome_definitions_are_never_pooled(tmp_path):
    outcomes = [_outcome("any_ho", "incidence"), _outcome("severe_ho", "incidence")]
    arms = [_arms("a1", "trial_a", 10, 50, 20, 50) | {"outcome_id": "any_ho"},
            _arms("a2", "trial_b", 5, 40, 12, 40) | {"outcome_id": "severe_ho"}]  # fmt: skip
    sources = [_source("trial_a"), _source("trial_b")]
    p = evidence_profile(_tables(tmp_path, sources=sources, study_outcomes=arms,
                                 outcomes=outcomes))  # fmt: skip
    p = p[p["source_ids"].isin(["trial_a", "trial_b"])]
    assert set(p["outcome_id"]) == {"any_ho", "severe_ho"}
    assert set(p["basis"].astype(str)) == {"single_study"}


def test_two_trials_are_pooled_with_a_normal_interval_three_with_hartung_knapp(tmp_path):
    ev = [
        _evidence("t1", "trial_a", estimate=-2.0, ci_low=-3.0, ci_high=-1.0, n_participants=60),
        _evidence("t2", "trial_b", estimate=-1.0, ci_low=-1.8, ci_high=-0.2, n_participants=80),
        _evidence("t3", "trial_c", estimate=-1.5, ci_low=-2.1, ci_high=-0.9, n_participants=90),
        _evidence("t3b", "trial_c", estimate=-9.0, ci_low=-10, ci_high=-8, n_participants=20),
    ]  # fmt: skip
    sources = [_source(s) for s in ("trial_a", "trial_b", "trial_c")]
    row = _body(evidence_profile(_tables(tmp_path, ev, sources)))
    z = 1.959963984540054
    bounds = ((-3.0, -1.0), (-1.8, -0.2), (-2.1, -0.9))
    vi = [((hi - lo) / (2 * z)) ** 2 for lo, hi in bounds]
    res = calcidata.meta.pool([-2.0, -1.0, -1.5], vi, method="REML", test="knha")
    assert row["basis"] == "pooled" and row["n_studies"] == 3  # trial_c counted once
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((res.ci_low, res.ci_high), rel=1e-6)
    assert row["n_participants"] == 230 and row["source_ids"] == "trial_a;trial_b;trial_c"
    two = _body(evidence_profile(_tables(tmp_path / "two", ev[:2], sources[:2])))
    res2 = calcidata.meta.pool([-2.0, -1.0], vi[:2], method="REML", test="z")
    assert (two["ci_low"], two["ci_high"]) == pytest.approx((res2.ci_low, res2.ci_high), rel=1e-6)
    knha = calcidata.meta.pool([-2.0, -1.0], vi[:2], method="REML", test="knha")
    assert two["ci_high"] - two["ci_low"] < (knha.ci_high - knha.ci_low) / 2
    assert "pooled_k2" in two["footnotes"]


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
    assert "imprecision_ois_events:64:300" in row["footnotes"]


def test_within_arm_results_are_shown_apart_and_not_estimable(tmp_path):
    ev = [
        _evidence("t1", "trial_a", effect_measure="RR", estimate=2.0, ci_low=1.2, ci_high=3.3,
                  n_participants=500),
        _evidence("p1", "trial_a", effect_measure="proportion", estimate=0.6, ci_low="",
                  ci_high="", n_participants=250),
        _evidence("c1", "series", comparator="none (case series)", study_design="case_series",
                  effect_measure="other", n_participants=12),
    ]  # fmt: skip
    p = evidence_profile(_tables(tmp_path, ev, [_source("trial_a"), _source("series")]))
    one = _body(p, effect_measure="RR")
    assert one["basis"] == "single_study" and not one["within_arm"]
    arm = p[p["evidence_ids"] == "p1"].iloc[0]
    assert arm["within_arm"] and arm["statement_code"] == "not_estimable"
    assert arm["certainty"] in ("low", "very_low") and "within_arm" in arm["footnotes"]
    none = p[p["evidence_ids"] == "c1"].iloc[0]
    assert none["within_arm"] and math.isnan(none["estimate"])
    assert none["certainty"] == "very_low" and "no comparison group" in none["reasons"]


def test_absolute_effects_stay_on_the_probability_scale(tmp_path):
    big = [_rct("t1", "trial_a", effect_measure="RR", estimate=24.3, ci_low=1.59, ci_high=371,
                control_risk=0.2, outcome="response"),
           _rct("t2", "trial_b", effect_measure="RR", estimate=0.6, ci_low=0.005, ci_high=74,
                control_risk=0.227, outcome="bone")]  # fmt: skip
    p = evidence_profile(_tables(tmp_path, big, [_source("trial_a"), _source("trial_b")]))
    p = p[p["evidence_ids"].isin(["t1", "t2"])]
    assert len(p) == 2
    for r in p.to_dict("records"):
        assert r["baseline_basis"] == "stated"
        for c in ("abs_effect", "abs_ci_low", "abs_ci_high"):
            assert 0 <= 1000 * r["baseline_risk"] + r[c] <= 1000
    zero = [_arms("a1", "trial_a", 17, 33, 0, 13)]
    p = evidence_profile(_tables(tmp_path / "z", sources=[_source("trial_a")],
                                 study_outcomes=zero))  # fmt: skip
    row = p[p["evidence_ids"] == "a1"].iloc[0]
    assert row["baseline_risk"] == 0 and math.isnan(row["abs_effect"])


def test_statements_follow_certainty_and_size(tmp_path):
    ev = [_rct("t1", "trial_a", effect_measure="RR", estimate=0.5, ci_low=0.4, ci_high=0.6,
               outcome="relapse", control_risk=0.5)]  # fmt: skip
    tables = _tables(tmp_path, ev, [_source("trial_a")],
                     risk_of_bias=[_rob("trial_a", "low", "trial_a")])  # fmt: skip
    row = _body(evidence_profile(tables), effect_measure="RR")
    assert row["certainty"] == "high" and row["statement_code"] == "reduces"
    assert row["statement"] == "Fixture drug reduces relapse"
    low = _body(evidence_profile(_tables(tmp_path / "l", ev, [_source("trial_a")],
                                         risk_of_bias=[_rob("trial_a", "high", "trial_a")])),
                effect_measure="RR")  # fmt: skip
    assert low["certainty"] == "low" and low["statement"] == "Fixture drug may reduce relapse"


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
    rated = shipped[["risk_of_bias", "inconsistency", "indirectness", "imprecision",
                     "publication_bias"]].fillna(0).lt(0).any(axis=1)  # fmt: skip
    assert (shipped.loc[rated, "reasons"].str.len() > 0).all()
    known = set(calcidata.load().sources["source_id"])
    for ids in shipped["source_ids"]:
        assert ids and set(ids.split(";")) <= known
    stated = shipped["certainty_basis"] == "stated"
    assert shipped.loc[stated, "risk_of_bias"].isna().all()
    assert shipped.equals(calcidata.evidence_profile(calcidata.load()))
    # not estimable is never above low; a within-arm result is never a comparison's effect
    unest = shipped["statement_code"].eq("not_estimable")
    assert (shipped.loc[unest, "certainty"] <= "low").all()
    assert shipped.loc[shipped["within_arm"], "statement_code"].eq("not_estimable").all()
    # absolute effects never leave 0..1000 and never say "0 fewer" for a control risk of 0
    risk = 1000 * shipped["baseline_risk"]
    for c in ("abs_effect", "abs_ci_low", "abs_ci_high"):
        total = (risk + shipped[c]).dropna()
        assert ((total >= -1e-9) & (total <= 1000 + 1e-9)).all()
    assert shipped.loc[shipped["baseline_risk"].eq(0), "abs_effect"].isna().all()


def test_shipped_cases_the_review_found_wrong_are_rated_by_the_rule(shipped):
    def row(eid):
        return shipped[shipped["evidence_ids"].str.split(";").map(lambda x: eid in x)].iloc[0]

    # Lafrance 2019 rated its lavage vs ESWT pain evidence low; unassessed RoB is a concern
    assert row("lafrance2019_1")["certainty"] == "low"
    # RR 24.3 (1.59 to 371) on 46 shoulders, 0 control events: very low, no absolute effect
    jses = row("jses2008_eswt_sham_high_vs_sham_good_excellent")
    assert jses["certainty"] == "very_low" and math.isnan(jses["abs_effect"])
    # HIPAID is never pooled with Elmstedt's other outcome definition
    assert row("fransen2006_1")["basis"] != "pooled"


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
