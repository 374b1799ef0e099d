"""The certainty rule, domain by domain, on made-up bodies (no tables)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from calcidata.synthesis import certainty as grade
from calcidata.synthesis import footnotes
from calcidata.synthesis.rule import RULE, threshold_rows


def _body(**over) -> dict:
    """A large, precise, randomised body with nothing wrong but what ``over`` says."""
    return {
        "stated": None, "stated_reasons": None, "start_level": "high", "start_code": None,
        "no_comparison_code": None, "basis": "single_study", "effect_measure": "RR",
        "estimate": 0.5, "ci_low": 0.4, "ci_high": 0.6, "n_studies": 1, "n_participants": 2000,
        "events": 600.0, "baseline_risk": np.nan, "i2_percent": np.nan,
        "split_directions": False, "mixed_direction": False, "indirect": False,
        "surrogate": False, "mid": np.nan, "egger_p": np.nan,
        "publication_bias_detected": False, "network": False, "estimable": True,
    } | over  # fmt: skip


def _rate(*bodies: dict, judgements=None) -> pd.DataFrame:
    frame = pd.DataFrame(list(bodies))
    if judgements is None:
        judgements = [(i, 100.0, "low") for i in range(len(frame))]
    judged = pd.DataFrame(judgements, columns=["body_id", "weight", "judgement"])
    return grade.rate_bodies(frame, judged)


def test_a_body_with_nothing_wrong_stays_high():
    r = _rate(_body()).iloc[0]
    assert r["certainty"] == "high" and (r[list(grade.DOMAINS)] == 0).all()


@pytest.mark.parametrize(
    ("judgements", "down", "code"),
    [
        ([(0, 100.0, None)], -1, "rob_not_assessed"),  # not assessed is not "no concern"
        ([(0, 100.0, "low")], 0, None),
        ([(0, 70.0, "low"), (0, 30.0, "high")], -1, "rob_high_weight:0.3"),
        ([(0, 40.0, "low"), (0, 60.0, "high")], -2, "rob_high_weight:0.6"),
        ([(0, 40.0, "low"), (0, 60.0, "unclear")], -1, "rob_concern_weight:0.6"),
        ([(0, 40.0, "low"), (0, 60.0, None)], -1, "rob_concern_weight:0.6"),
        ([(0, 60.0, "low"), (0, 40.0, "some_concerns")], 0, None),
    ],
)
def test_risk_of_bias_by_the_share_of_weight(judgements, down, code):
    r = _rate(_body(), judgements=judgements).iloc[0]
    assert r["risk_of_bias"] == down
    if code:
        assert code in r["footnotes"]


def test_no_comparison_group_adds_a_level_and_caps_at_two():
    r = _rate(_body(no_comparison_code="no_comparison", start_level="low"),
              judgements=[(0, 100.0, "high")]).iloc[0]  # fmt: skip
    assert r["risk_of_bias"] == -2 and "no_comparison" in r["footnotes"]


@pytest.mark.parametrize(("i2", "down"), [(40.0, 0), (50.0, 0), (60.0, -1), (76.0, -2)])
def test_inconsistency_from_i2(i2, down):
    r = _rate(_body(i2_percent=i2, n_studies=5, basis="review")).iloc[0]
    assert r["inconsistency"] == down
    if down:
        assert f"inconsistency_i2:{i2:.4g}" in r["footnotes"]


def test_inconsistency_from_directions_and_the_missing_i2_note():
    assert _rate(_body(split_directions=True, n_studies=2)).iloc[0]["inconsistency"] == -1
    assert _rate(_body(mixed_direction=True, n_studies=4)).iloc[0]["inconsistency"] == -1
    noted = _rate(_body(n_studies=6, basis="review")).iloc[0]
    assert noted["inconsistency"] == 0 and "no_i2_reported" in noted["footnotes"]
    single = _rate(_body()).iloc[0]
    assert "single_study" in single["footnotes"]


def test_indirectness_population_and_surrogate():
    r = _rate(_body(indirect=True), _body(surrogate=True), _body(indirect=True, surrogate=True))
    assert list(r["indirectness"]) == [-1, -1, -2]
    assert "indirect_population" in r["footnotes"].iloc[0] and "surrogate" in r["footnotes"].iloc[1]


@pytest.mark.parametrize(
    ("measure", "ci", "extra", "down", "code"),
    [
        ("RR", (0.88, 1.06), {}, 0, None),  # a precise null is not imprecise
        ("RR", (0.62, 1.94), {}, -2, "imprecision_crosses_both"),
        ("RR", (0.70, 1.10), {}, -1, "imprecision_crosses_one:0.75"),
        ("RR", (0.90, 1.40), {}, -1, "imprecision_crosses_one:1.25"),
        ("RR", (1.59, 371.0), {}, -2, "imprecision_very_wide"),
        ("RR", (0.56, 0.83), {"events": 200.0}, -1, "imprecision_ois_events:200:300"),
        ("RR", (0.56, 0.83), {"events": 100.0}, -2, "imprecision_far_from_ois"),
        (
            "RR",
            (0.56, 0.83),
            {"events": np.nan, "n_participants": 1143},
            -1,
            "imprecision_events_unknown",
        ),
        (
            "RR",
            (0.56, 0.83),
            {"events": np.nan, "baseline_risk": 0.01, "n_participants": 1143},
            -2,
            "imprecision_ois_events:11:300",
        ),
        ("MD", (-1.4, -0.17), {"mid": 1.5}, 0, None),  # within the MID: precise
        ("MD", (-2.5, -1.0), {"mid": 1.5}, -1, "imprecision_crosses_one:-1.5"),
        ("MD", (-2.5, 2.0), {"mid": 1.5}, -2, "imprecision_crosses_both"),
        ("MD", (-1.0, 0.2), {}, -1, "imprecision_crosses_null"),
        ("MD", (-1.0, -0.2), {"n_participants": 300}, -1, "imprecision_ois_participants:300:400"),
        ("SMD", (-0.9, -0.1), {"n_participants": np.nan}, -1, "imprecision_participants_unknown"),
        ("MD", (np.nan, np.nan), {}, -1, "imprecision_no_ci"),
    ],
)
def test_imprecision_against_thresholds(measure, ci, extra, down, code):
    est = ci[0] if math.isnan(ci[0]) else (ci[0] + ci[1]) / 2
    body = _body(effect_measure=measure, estimate=est if measure != "RR" else
                 math.sqrt(ci[0] * ci[1]), ci_low=ci[0], ci_high=ci[1]) | extra  # fmt: skip
    if math.isnan(ci[0]):
        body["estimate"] = -0.5
    r = _rate(body).iloc[0]
    assert r["imprecision"] == down, r["footnotes"]
    if code:
        assert code in r["footnotes"]


def test_publication_bias_reported_or_tested():
    r = _rate(_body(publication_bias_detected=True), _body(egger_p=0.04), _body(egger_p=0.5))
    assert list(r["publication_bias"]) == [-1, -1, 0]


def test_levels_add_up_and_floor_at_very_low():
    r = _rate(_body(indirect=True, surrogate=True, ci_low=0.62, ci_high=1.94, estimate=1.1),
              judgements=[(0, 100.0, "high")]).iloc[0]  # fmt: skip
    assert r["certainty"] == "very_low"


def test_not_estimable_never_above_low_and_network_never_above_moderate():
    r = _rate(_body(estimable=False, estimate=np.nan, ci_low=np.nan, ci_high=np.nan),
              _body(network=True), _body(network=True, stated="high"))  # fmt: skip
    assert list(r["certainty"]) == ["low", "moderate", "high"]
    assert "not_estimable:low" in r["footnotes"].iloc[0]
    assert "network_capped" in r["footnotes"].iloc[1]


def test_stated_ratings_keep_their_reasons_and_skip_the_rule():
    r = _rate(_body(stated="low", stated_reasons="imprecision", ci_low=0.62, ci_high=1.94),
              judgements=[(0, 100.0, None)]).iloc[0]  # fmt: skip
    assert r["certainty"] == "low" and r["certainty_basis"] == "stated"
    assert pd.isna(r["imprecision"]) and pd.isna(r["risk_of_bias"])
    assert r["footnotes"] == "stated_rating:low;stated_reasons:imprecision"


@pytest.mark.parametrize(
    ("design", "pooled", "level", "code"),
    [
        ("rct", None, "high", None),
        ("systematic_review_meta_analysis", "rct", "high", None),
        ("systematic_review_meta_analysis", "observational", "low", None),
        ("cohort", None, "low", None),
        ("case_series", None, "low", "no_comparison"),
        ("systematic_review", "case_series", "low", "no_comparison"),
        ("expert_opinion", None, "low", "not_a_study"),
    ],
)
def test_start_level_is_high_for_randomised_and_low_otherwise(design, pooled, level, code):
    assert grade.start_level(design, pooled) == (level, code)


def test_egger_pvalue_matches_ols_of_the_standardised_effect():
    rng = np.random.default_rng(3)
    vi = rng.uniform(0.01, 0.5, 12)
    yi = 0.3 + 0.8 * np.sqrt(vi) + rng.normal(0, 0.05, 12)
    se = np.sqrt(vi)
    fit = sm.OLS(yi / se, sm.add_constant(1 / se)).fit()
    assert grade.egger_pvalue(yi, vi) == pytest.approx(fit.pvalues[0], rel=1e-9)
    assert math.isnan(grade.egger_pvalue([0.1, 0.2], [0.1, 0.1]))


def test_footnote_codes_are_worded_with_their_parameters():
    assert footnotes.words("rob_high_weight:0.62") == (
        "Risk of bias: 62% of the weight is from studies at high risk"
    )
    assert footnotes.words("imprecision_crosses_both:0.75:1.25").startswith("Imprecision: ")
    assert footnotes.code("imprecision_ois_events", 124.0, 300) == "imprecision_ois_events:124:300"
    with pytest.raises(KeyError):
        footnotes.code("no_such_code")


def test_every_threshold_is_documented_once():
    rows = threshold_rows()
    assert [r[0] for r in rows] == list(RULE.__dataclass_fields__)
    assert all(r[2] and r[3] for r in rows)


def test_egger_over_many_bodies_at_once_equals_the_test_of_each():
    import numpy as np

    from calcidata.synthesis.certainty import egger_pvalue
    from calcidata.synthesis.estimate import egger_many

    rng = np.random.default_rng(7)
    y, v = rng.normal(size=(20, 11)), rng.uniform(0.01, 1.0, size=(20, 11))
    each = [egger_pvalue(list(a), list(b)) for a, b in zip(y, v, strict=True)]
    assert egger_many(y, v) == pytest.approx(each, rel=1e-9)


def test_codes_formatted_once_per_value_equal_the_code_of_each_body():
    rng = np.random.default_rng(3)
    x = rng.choice([0.25, -0.0, 0.0, np.nan, 1 / 3, 124.0, 1e-7], size=60)
    y = rng.choice([0.75, 1.25, -0.0, 2.5], size=60)
    names = pd.Series(rng.choice(["a", "b;c", "d:e"], size=60), dtype=object)
    mixed = pd.Series(rng.choice(np.array([1, True, 1.0, "1"], dtype=object), size=60))
    notes = footnotes.Codes(pd.RangeIndex(60))
    mask = rng.random(60) < 0.7
    notes.add(mask, footnotes.Formatted("imprecision_crosses_both", x, y))
    notes.add(~mask, "single_study")
    notes.add(mask, footnotes.Formatted("imprecision_ois_events", x, 300))
    every = np.ones(60, dtype=bool)
    notes.add(every, footnotes.Formatted("indirect_intervention", names))
    notes.add(every, footnotes.Formatted("indirect_intervention", mixed))
    each = [
        ";".join([
            *([footnotes.code("imprecision_crosses_both", a, b)] if m else ["single_study"]),
            *([footnotes.code("imprecision_ois_events", a, 300)] if m else []),
            footnotes.code("indirect_intervention", n),
            footnotes.code("indirect_intervention", o),
        ])
        for a, b, m, n, o in zip(x.tolist(), y.tolist(), mask, names, mixed, strict=True)
    ]  # fmt: skip
    assert notes.out.tolist() == each
    assert {"True", "1"} <= {c.rsplit(":", 1)[1] for c in each}  # equal keys, told apart


def test_studies_of_reviews_are_paired_as_an_inner_merge_orders_them():
    from calcidata.synthesis._keyed import matches

    rng = np.random.default_rng(5)
    left = rng.choice(np.array(["r1", "r2", "r3", None], dtype=object), size=40)
    right = rng.choice(np.array(["r2", "r1", "r4", None], dtype=object), size=25)
    i, j = matches(left, right)
    merged = pd.DataFrame({"k": left, "i": range(40)}).merge(
        pd.DataFrame({"k": right, "j": range(25)}), on="k"
    )
    assert i.tolist() == merged["i"].tolist() and j.tolist() == merged["j"].tolist()


def test_flags_read_once_per_value_equal_pandas_boolean_reading():
    for values in (
        pd.Series([True, None, False, np.nan, pd.NA, True], dtype=object),
        pd.Series([1, 0, None], dtype=object),
        pd.Series([None, None], dtype=object),
        pd.Series([True, False]),
        pd.Series([True, None], dtype="boolean"),
    ):
        expected = values.astype("boolean").fillna(False).astype(bool).to_numpy()
        assert grade._flag(values).tolist() == expected.tolist()
    with pytest.raises(TypeError):  # what pandas does not read as bools stays an error
        grade._flag(pd.Series([True, 1, "yes"], dtype=object))


def test_judged_reads_the_table_then_the_review_then_the_row():
    from types import SimpleNamespace

    from calcidata.synthesis.judgements import judged

    rob = pd.DataFrame({
        "rob_id": ["a", "b", "c"], "study_id": ["s1", "s3", "s9"],
        "domain": ["overall", "overall", "randomisation_process"],
        "judgement": ["high", "low", "high"], "basis": ["stated", "stated", "stated"],
    })  # fmt: skip
    rs = pd.DataFrame({"review_id": ["r1", "r1", "r2"], "study_id": ["s3", "s4", "s5"],
                       "risk_of_bias": ["unclear", "some_concerns", None]})  # fmt: skip
    behind = pd.DataFrame({
        "body_id": [0, 0, 1, 1, 2], "item_id": ["i1", "i2", "i3", "i4", "i5"],
        "weight": [30.0, 70.0, 50.0, 50.0, 10.0], "source_id": ["p1", "p2", "r1", "p9", "r3"],
        "study_id": ["s1", "s2", None, "s9", None],
        "study_design": ["rct", "rct", "systematic_review", "rct", "systematic_review"],
        "risk_of_bias": [None, "low", None, None, "high"],
    })  # fmt: skip
    out = judged(behind, SimpleNamespace(risk_of_bias=rob, review_studies=rs))
    # first the studies of the listed review (weight shared), then the other rows in order;
    # the table's overall judgement before the review's, the row's own only without both
    assert out.to_dict("list") == {
        "body_id": [1, 1, 0, 0, 1, 2],
        "weight": [25.0, 25.0, 30.0, 70.0, 50.0, 10.0],
        "judgement": ["low", "some_concerns", "high", "low", out["judgement"][4], "high"],
    }
    assert pd.isna(out["judgement"][4])  # s9 has no overall judgement, the row none


def test_a_stated_overall_judgement_wins_over_a_derived_one():
    """Whatever the rows' order: stated before derived, then the first rob_id."""
    from types import SimpleNamespace

    from calcidata.synthesis.judgements import judged

    behind = pd.DataFrame({
        "body_id": [0, 1], "item_id": ["i1", "i2"], "weight": [1.0, 1.0],
        "source_id": ["p1", "p2"], "study_id": ["s1", "s2"], "study_design": ["rct", "rct"],
        "risk_of_bias": [None, None],
    })  # fmt: skip
    rows = pd.DataFrame({
        "rob_id": ["s1_derived", "s1_stated", "s2_b", "s2_a"],
        "study_id": ["s1", "s1", "s2", "s2"], "domain": ["overall"] * 4,
        "judgement": ["low", "high", "high", "some_concerns"],
        "basis": ["derived", "stated", "derived", "derived"],
    })  # fmt: skip
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]):
        rob = rows.iloc[order].reset_index(drop=True)
        out = judged(behind, SimpleNamespace(risk_of_bias=rob, review_studies=rows.iloc[:0]
                                             .assign(review_id=[], risk_of_bias=[])))  # fmt: skip
        assert out["judgement"].tolist() == ["high", "some_concerns"], order
