"""The summary of findings per comparison, the bottom lines and the within-arm results.

Frames are made up with the columns of SYNTHESIS_CONTRACT.md (what
``synthesis.sof_rows`` returns for issue 18); the HTML is checked as a reader sees it.
"""

from __future__ import annotations

import html as htmllib
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from calcidata import display, synthesis
from calcidata.display.footnotes import FOOTNOTE_WORDS, footnote_words
from calcidata.display.sof import risk_difference_words, sof_table
from calcidata.display.sof_tables import NOTES_ID, comparisons

#: Every footnote code the contract lists, with example parameters.
CONTRACT_CODES = [
    "rob_not_assessed",
    "rob_high_weight:0.62",
    "imprecision_crosses_both:0.75:1.25",
    "imprecision_ois_events:124",
    "indirect_population",
    "surrogate",
    "network_capped",
    "stated_rating",
    "start_low_nonrandomised",
    "no_i2_reported",
    "mid_not_known",
]

TREATMENTS = pd.DataFrame(
    {
        "treatment_id": ["eswt_focused", "lavage", "placebo", "sham", "nsaid_x"],
        "name": ["Focused ESWT", "Ultrasound-guided lavage", "Placebo", "Sham", "Drug X"],
    }
)
CONDITIONS = pd.DataFrame(
    {"condition_id": ["shoulder_ct"], "name": ["Calcific tendinopathy of the shoulder"]}
)
TABLES = SimpleNamespace(treatments=TREATMENTS, conditions=CONDITIONS)


def _row(**kw) -> dict:
    """One body of evidence with every contract column (dichotomous, RR, by default)."""
    treatment = kw.get("treatment_id", "eswt_focused")
    comparator = kw.get("comparator_id", "sham")
    base = {
        "condition_id": "shoulder_ct",
        "treatment_id": treatment,
        "treatment": TREATMENTS.set_index("treatment_id").name.get(treatment, treatment),
        "comparator": comparator,
        "comparator_id": comparator,
        "comparison_id": f"{treatment}__vs__{comparator}",
        "outcome_domain": "pain",
        "outcome_id": "pain_success",
        "outcome_name": "Pain success",
        "importance": "critical",
        "instrument": pd.NA,
        "scale_min": np.nan,
        "scale_max": np.nan,
        "higher_is_better": pd.NA,
        "mid": np.nan,
        "surrogate": False,
        "effect_measure": "RR",
        "timepoint": "6 months",
        "timepoint_band": "3-6 months",
        "n_studies": 2,
        "n_participants": 240,
        "estimate": 0.8,
        "ci_low": 0.6,
        "ci_high": 1.05,
        "basis": "pooled",
        "source_ids": "s1",
        "certainty": "low",
        "certainty_basis": "calcidata_rule",
        "reasons": "",
        "within_arm": False,
        "network": False,
        "baseline_risk": 0.3,
        "baseline_basis": "control_arms",
        "comparator_mean": np.nan,
        "abs_effect": -60.0,
        "abs_ci_low": -120.0,
        "abs_ci_high": 15.0,
        "abs_unit": "per_1000",
        "statement": "Focused ESWT may reduce pain",
        "statement_code": "may_reduce",
        "footnotes": "rob_not_assessed",
        "constituent_ids": "",
        "interval_kind": "confidence",
    }
    base.update(kw)
    return base


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["rank_in_comparison"] = frame.groupby("comparison_id", sort=False).cumcount() + 1
    frame["main"] = frame["rank_in_comparison"] <= 7
    return frame


def _text(html: str) -> str:
    """What a reader sees: tags dropped (attributes with them), entities decoded."""
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", html))


def test_every_contract_footnote_code_is_worded_in_the_table():
    assert {c.split(":")[0] for c in CONTRACT_CODES} <= set(FOOTNOTE_WORDS)
    row = _row(footnotes=";".join(CONTRACT_CODES), baseline_basis=pd.NA)
    html = display.sof_tables(_frame([row]), TABLES)
    text = _text(html)
    for code in CONTRACT_CODES:
        assert footnote_words(code) in text, code
    assert "Risk of bias not assessed" in text
    assert "62% of the weight" in text and "thresholds 0.75 and 1.25" in text
    assert "only 124 events" in text
    for code in CONTRACT_CODES:  # the codes themselves are never shown
        assert code.split(":")[0] not in text or "_" not in code
    # one numbered footnote per code, and the row points at all of them
    assert len(re.findall(r'<li value="\d+">', html)) == len(CONTRACT_CODES)
    assert "<sup>a 1,2,3,4,5,6,7,8,9,10,11</sup>" in html


def test_an_unknown_footnote_code_is_still_worded_not_dropped():
    assert footnote_words("publication_bias_suspected:3") == "Publication bias suspected: 3."


def test_one_table_per_comparison_placebo_and_sham_first_headed_by_the_question():
    rows = [
        _row(treatment_id="eswt_focused", comparator_id="lavage"),
        _row(treatment_id="nsaid_x", comparator_id="placebo"),
        _row(treatment_id="eswt_focused", comparator_id="sham"),
    ]
    html = display.sof_tables(_frame(rows), TABLES)
    text = _text(html)
    titles = re.findall(r"<h3\b[^>]*>(.*?)</h3>", html)
    assert titles == [
        "Drug X compared with Placebo",
        "Focused ESWT compared with Sham",
        "Focused ESWT compared with Ultrasound-guided lavage",
    ]
    assert text.count("Population:") == 3
    assert "people with Calcific tendinopathy of the shoulder" in text
    assert "Intervention: Focused ESWT" in " ".join(text.split())
    # names, never raw ids, in what the reader sees
    for raw in ("eswt_focused", "nsaid_x", "shoulder_ct", "__vs__"):
        assert raw not in text
    order = [c["comparison_id"] for c in comparisons(_frame(rows), TABLES)]
    assert order[-1] == "eswt_focused__vs__lavage"


def test_rows_follow_the_importance_order_with_no_studies_rows_and_seven_at_most():
    outcomes = [
        ("Pain", "critical", "may_reduce"),
        ("Function", "critical", "no_studies"),
        ("Adverse events", "critical", "probably_little_to_no_difference"),
        *[(f"Outcome {i}", "important", "may_reduce") for i in range(1, 7)],
    ]
    rows = [
        _row(outcome_name=name, importance=imp, statement_code=code, statement=f"About {name}")
        for name, imp, code in outcomes
    ]
    rows[1].update(
        estimate=np.nan, ci_low=np.nan, ci_high=np.nan, n_studies=0, n_participants=np.nan
    )
    rows[1].update(certainty=pd.NA, abs_effect=np.nan, baseline_risk=np.nan, footnotes="")
    rows[1]["statement"] = "No studies measured function"
    frame = _frame(rows[::-1])  # the frame's own order is the sof_rows order...
    frame["rank_in_comparison"] = range(len(frame), 0, -1)  # ...unless ranked
    frame["main"] = frame["rank_in_comparison"] <= 7
    html = display.sof_tables(frame, TABLES)
    main, _, more = html.partition("More outcomes")
    shown = re.findall(r"<td><strong>(.*?)</strong>", main)
    assert shown == ["Pain", "Function", "Adverse events", *[f"Outcome {i}" for i in range(1, 5)]]
    assert re.findall(r"<td><strong>(.*?)</strong>", more) == ["Outcome 5", "Outcome 6"]
    no_studies = main.split("<strong>Function</strong>")[1].split("</tr>")[0]
    assert "No studies" in no_studies and "No studies measured function" in no_studies
    assert "Not estimable" not in no_studies and "per 1,000" not in no_studies


def test_without_rank_or_main_rows_sort_by_importance_and_cut_at_seven():
    rows = [_row(outcome_name=f"Important {i}", importance="important") for i in range(8)]
    rows.append(_row(outcome_name="Harms", importance="critical"))
    frame = pd.DataFrame(rows)
    html = display.sof_tables(frame, TABLES)
    main, _, more = html.partition("More outcomes")
    assert re.findall(r"<td><strong>(.*?)</strong>", main)[0] == "Harms"
    assert len(re.findall(r'<tr class="calcidata-sof-row">', main)) == 7
    assert len(re.findall(r'<tr class="calcidata-sof-row">', more)) == 2


def test_absolute_effects_are_worded_per_1000_and_zero_is_neither_fewer_nor_more():
    rows = [
        _row(outcome_name="A", abs_effect=-60.0, abs_ci_low=-120.0, abs_ci_high=15.0),
        _row(outcome_name="B", abs_effect=0.2, abs_ci_low=-30.0, abs_ci_high=0.0),
        _row(outcome_name="C", baseline_risk=0.0, abs_effect=0.0, abs_ci_low=0.0, abs_ci_high=0.0),
    ]
    text = " ".join(_text(display.sof_tables(_frame(rows), TABLES)).split())
    assert "300 per 1,000" in text
    assert "60 fewer per 1,000 (from 120 fewer to 15 more)" in text
    assert "0 per 1,000 (from 30 fewer to 0)" in text
    assert not re.search(r"\b0 (fewer|more)\b", text)
    row_c = text.split("C ")[1].split("Focused ESWT may")[0]
    assert re.search(r"\b0 per 1,000 (\d+ )?Not estimable", row_c)  # control risk 0
    assert risk_difference_words(-0.4, -0.4, 0.3) == "0 per 1,000 (from 0 to 0)"


@pytest.mark.parametrize(
    ("baseline", "effect", "low", "high"),
    [(0.227, -90.0, -226.0, 16602.0), (0.9, 50.0, 20.0, 150.0), (0.05, -80.0, -90.0, -10.0)],
)
def test_a_difference_that_would_leave_0_to_1000_is_not_printed(baseline, effect, low, high):
    row = _row(baseline_risk=baseline, abs_effect=effect, abs_ci_low=low, abs_ci_high=high)
    text = _text(display.sof_tables(_frame([row]), TABLES))
    assert "Not estimable" in text
    numbers = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) (?:fewer|more)", text)]
    assert numbers == []
    per = [int(n.replace(",", "")) for n in re.findall(r"([\d,]+) per 1,000", text)]
    assert all(0 <= n <= 1000 for n in per)


def test_continuous_outcomes_show_the_comparator_mean_with_scale_and_direction():
    row = _row(
        outcome_name="Pain",
        effect_measure="MD",
        estimate=-0.78,
        ci_low=-1.4,
        ci_high=-0.17,
        instrument="VAS",
        scale_min=0,
        scale_max=10,
        higher_is_better=False,
        comparator_mean=3.02,
        baseline_risk=np.nan,
        abs_effect=-0.78,
        abs_ci_low=-1.4,
        abs_ci_high=-0.17,
        abs_unit="points",
        statement="ESWT probably results in little to no difference in pain",
    )
    smd = _row(
        outcome_name="Function",
        effect_measure="SMD",
        estimate=-0.5,
        ci_low=-0.8,
        ci_high=-0.2,
        instrument="Constant score",
        abs_effect=-6.0,
        abs_ci_low=-9.6,
        abs_ci_high=-2.4,
        abs_unit="points",
        baseline_risk=np.nan,
    )
    text = " ".join(_text(display.sof_tables(_frame([row, smd]), TABLES)).split())
    assert "The mean pain was 3.02 (0 to 10, lower is better)" in text
    assert "MD 0.78 lower (1.40 lower to 0.17 lower)" in text
    assert "VAS; scale 0 to 10; lower is better; 3-6 months; critical" in text
    assert "on the Constant score (points): 6.00 lower (9.60 lower to 2.40 lower)" in text
    assert "ESWT probably results in little to no difference in pain" in text


def test_under_each_table_a_link_to_grade_definitions_and_absolute_note_and_stated_reasons():
    rows = [
        _row(comparator_id="sham"),
        _row(
            comparator_id="placebo",
            certainty="moderate",
            certainty_basis="stated",
            reasons="imprecision (one small trial)",
            footnotes="stated_rating",
            baseline_basis="stated",
        ),
    ]
    html = display.sof_tables(_frame(rows), TABLES)
    # stated once, under the last table, and each table's footnotes link to it
    assert html.count("GRADE Working Group grades of evidence") == 1
    assert html.count("very confident that the true effect lies close") == 1
    assert html.count("computed on the probability scale") == 1
    notes = html.index(f'id="{NOTES_ID}"')
    links = [m.start() for m in re.finditer(f'<a href="#{NOTES_ID}">', html)]
    tables = [m.start() for m in re.finditer("</table>", html)]
    assert len(links) == len(tables) == 2
    assert all(t < a < notes for t, a in zip(tables, links, strict=True))
    assert notes < html.index("computed on the probability scale")
    text = _text(html)
    assert "Reasons the source gives for its rating: imprecision (one small trial)." in text
    assert "the control risk the review states" in text
    assert "as stated by the source" in text and "calcidata's rule-based rating" in text


def test_bottom_lines_give_critical_statements_with_certainty_linked_to_their_tables():
    rows = [
        _row(
            treatment_id="lavage", comparator_id="eswt_focused", statement="Lavage may reduce pain"
        ),
        _row(statement="Focused ESWT may reduce pain", certainty="low"),
        _row(
            outcome_name="Deposit size",
            importance="important",
            statement="Focused ESWT reduces deposit size",
        ),
        _row(
            outcome_name="Adverse events",
            statement="The evidence is very uncertain about adverse events",
            certainty="very_low",
        ),
    ]
    frame = _frame(rows)
    lines = display.bottom_lines(SimpleNamespace(sof=frame), TABLES)
    tables = display.sof_tables(frame, TABLES)
    anchors = re.findall(r'href="#([^"]+)"', lines)
    assert len(anchors) == 2 and all(f'id="{a}"' in tables for a in anchors)
    paragraphs = re.findall(r'<p class="calcidata-bottom-line">(.*?)</p>', lines, re.S)
    first = " ".join(_text(paragraphs[0]).split())
    assert first.startswith("Focused ESWT compared with Sham :")  # vs sham first
    assert "Focused ESWT may reduce pain (low certainty)." in first
    assert "very uncertain about adverse events (very low certainty)." in first
    assert "deposit size" not in first  # important, not critical
    assert "Lavage may reduce pain" in _text(paragraphs[1])


def test_the_real_sof_rows_give_one_table_per_comparison_and_a_bottom_line_each(fixture_tables):
    result = synthesis.synthesize(fixture_tables, "fixture_root")
    sof = synthesis.sof_rows(fixture_tables, "fixture_root")
    ids = list(dict.fromkeys(sof["comparison_id"]))
    assert len(ids) >= 2  # the fixture's drug and shock wave comparisons
    tables = display.sof_tables(result, fixture_tables)
    assert tables == display.sof_tables(sof, fixture_tables)
    found = re.findall(r'<section class="calcidata-sof-comparison">\s*<h3 id="([^"]+)"', tables)
    assert sorted(found) == sorted(c["anchor"] for c in comparisons(sof, fixture_tables))
    assert len(found) == len(ids)
    lines = display.bottom_lines(result, fixture_tables)
    assert "does not hold yet" not in lines
    assert all(f'href="#{a}"' in lines for a in found)
    assert "fixture_drug" not in _text(tables) and "Fixture drug" in _text(tables)


def test_bottom_lines_name_the_outcomes_without_studies_or_estimate_once():
    none = {"statement": "No studies", "statement_code": "no_studies", "certainty": pd.NA}
    rows = [
        _row(statement="Focused ESWT may reduce pain", certainty="low"),
        _row(outcome_name="Function", **none),
        _row(outcome_name="Quality of life", **none),
        _row(outcome_name="NRS pain", **none),
        _row(
            outcome_name="Adverse events",
            statement="Not estimable: no effect estimate",
            statement_code="not_estimable",
        ),
    ]
    lines = display.bottom_lines(_frame(rows), TABLES)
    text = " ".join(_text(lines).split())
    assert "Focused ESWT may reduce pain (low certainty)." in text
    assert "Adverse events: not estimable (no effect estimate) (low certainty)." in text
    assert text.endswith("No studies measured function, quality of life and NRS pain.")
    assert text.count("No studies") == 1


def test_a_frame_without_the_new_columns_keeps_the_former_layout(fixture_tables):
    sof = synthesis.sof_rows(fixture_tables, "fixture_root")
    old = sof.drop(columns=["comparison_id", "statement", "footnotes", "importance"])
    assert display.sof_tables(old, fixture_tables) == sof_table(old)
    assert "does not hold yet" in display.bottom_lines(old, fixture_tables)


def test_results_without_a_comparison_are_shown_apart():
    profile = _frame(
        [
            _row(outcome_name="Pain success"),
            _row(
                outcome_name="Deposit resolution",
                within_arm=True,
                effect_measure="proportion",
                estimate=0.55,
                ci_low=np.nan,
                ci_high=np.nan,
                n_studies=1,
                n_participants=80,
            ),
        ]
    )
    html = display.results_without_comparison(SimpleNamespace(profile=profile), TABLES)
    text = _text(html)
    assert "Deposit resolution" in text and "55.0% (CI not reported)" in text
    assert "Pain success" not in text and "Focused ESWT" in text
    assert "eswt_focused" not in text


def test_hostile_text_is_escaped():
    evil = "<script>alert(1)</script>"
    html = display.sof_tables(_frame([_row(statement=evil, outcome_name=evil)]), TABLES)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_profile_shows_its_within_arm_results_apart(fixture_tables):
    result = synthesis.synthesize(fixture_tables, "fixture_root")
    profile = result.profile
    assert profile["within_arm"].sum() == 1  # the fixture's one-group proportion
    html = display.results_without_comparison(result, fixture_tables)
    assert html == display.results_without_comparison(profile, fixture_tables)
    text = _text(html)
    assert "Clinical response" in text and "40.0% (95% CI 25.0% to 55.0%)" in text
    assert "Deposit resolution" not in text and "MD" not in text
    assert "fixture_drug" not in text  # the treatment's name, not its id
    only_shock = SimpleNamespace(treatment_ids=["fixture_shock"], outcome=None)
    html = display.results_without_comparison(profile, fixture_tables, selection=only_shock)
    assert "No result without a comparison" in html


def test_a_profile_without_within_arm_shows_its_one_group_measures_apart(fixture_tables):
    profile = synthesis.evidence_profile(fixture_tables, "fixture_root").drop(
        columns=["within_arm"]
    )
    text = _text(display.results_without_comparison(profile, fixture_tables))
    assert "Clinical response" in text and "40.0% (95% CI 25.0% to 55.0%)" in text
    assert "Deposit resolution" not in text and "MD" not in text
