"""The analysis views of calcidata.analysis, on the small fixture and on the shipped data.

The golden CSVs pin the reader tables: each view worded by calcidata.display.words.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import calcidata
from calcidata import analysis, display
from calcidata.analysis import Selection
from calcidata.analysis.strength import evidence_strength
from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import STRENGTH

HERE = Path(__file__).resolve().parent
MINIMAL = HERE / "fixtures" / "minimal"
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("CALCIDATA_UPDATE_GOLDEN") == "1"


def _conditions_with_evidence(tables) -> list[str]:
    return sorted(set(tables.evidence["condition_id"]))


# --------------------------------------------------------------------------- golden files

GOLDEN_CASES = {
    "condition_profile_fixture_root": lambda t: analysis.condition_profile(
        t, condition_id="fixture_root"
    ),
    "treatment_ranking_fixture_root": lambda t: analysis.treatment_ranking(
        t, condition_id="fixture_root"
    ),
    "summary_of_findings_fixture_root": lambda t: analysis.summary_of_findings(
        t, condition_id="fixture_root"
    ),
    "forest_data_fixture_shoulder": lambda t: analysis.forest_data(
        t, condition_id="fixture_shoulder"
    ),
    "side_by_side_fixture_shoulder": lambda t: analysis.side_by_side(
        t, condition_id="fixture_shoulder"
    ),
    "dosing_table_fixture_shoulder": lambda t: analysis.dosing_table(
        t, condition_id="fixture_shoulder"
    ),
    "dose_intervals_all": lambda t: analysis.dose_intervals(t),
    "evidence_map_all": lambda t: analysis.evidence_map(t),
    "outcome_map_fixture_root": lambda t: analysis.outcome_map(t, condition_id="fixture_root"),
    "evidence_gaps_all": lambda t: analysis.evidence_gaps(t),
    "cited_sources_fixture_root": lambda t: analysis.cited_sources(t, condition_id="fixture_root"),
    "direction_counts_fixture_shoulder": lambda t: analysis.direction_counts(
        t, condition_id="fixture_shoulder"
    ),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_reader_table_matches_its_golden_csv(name, fixture_tables):
    """Pinned reader tables (the view worded by display.words) on the fixture.

    Regenerate on purpose with CALCIDATA_UPDATE_GOLDEN=1.
    """
    frame = display.words(GOLDEN_CASES[name](fixture_tables))
    text = frame.to_csv(index=False, lineterminator="\n")
    path = GOLDEN / f"{name}.csv"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; create it with CALCIDATA_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from {path}; if the change is intended, rerun with "
        "CALCIDATA_UPDATE_GOLDEN=1 and review the diff"
    )


# --------------------------------------------------------------------------- no silent drops


def test_summary_of_findings_keeps_every_evidence_row_of_each_condition(shipped):
    for cid in _conditions_with_evidence(shipped) + ["calcific_tendinopathy"]:
        expected = shipped.evidence["condition_id"].isin(analysis.subtree(shipped, cid)).sum()
        assert len(analysis.summary_of_findings(shipped, condition_id=cid)) == expected, cid


def test_forest_data_has_a_row_for_every_result_and_marks_undrawable_ones(shipped):
    cid = "calcific_tendinopathy_shoulder"
    data = analysis.forest_data(shipped, condition_id=cid)
    sof = analysis.summary_of_findings(shipped, condition_id=cid)
    assert len(data) == len(sof)
    assert not data.loc[data["estimate"].isna(), "plotted"].any()
    assert not data.loc[data["effect_measure"] == "other", "plotted"].any()
    assert data.loc[data["plotted"], "estimate"].notna().all()


def test_treatment_ranking_lists_every_treatment_with_evidence_or_dosing(shipped):
    for cid in _conditions_with_evidence(shipped):
        below = analysis.subtree(shipped, cid)
        ranking = analysis.treatment_ranking(shipped, condition_id=cid)
        with_evidence = set(
            shipped.evidence.loc[shipped.evidence["condition_id"].isin(below), "treatment_id"]
        )
        dosed = set(
            shipped.dosing_ranges.loc[
                shipped.dosing_ranges["condition_id"].isin(below), "treatment_id"
            ]
        )
        assert set(ranking["treatment_id"]) == with_evidence | dosed, cid
        assert ranking["treatment_id"].is_unique


def test_side_by_side_keeps_a_requested_treatment_without_evidence(fixture_tables):
    table = analysis.side_by_side(
        fixture_tables,
        Selection("fixture_shoulder", treatment_ids=["fixture_shock", "fixture_drug_class"]),
    )
    assert table["treatment_id"].tolist() == ["fixture_shock", "fixture_drug_class"]
    row = table.set_index("treatment_id").loc["fixture_drug_class"]
    assert row["strength"] == analysis.NO_EVIDENCE
    assert "no_evidence" in row["caveats"].split(";")
    assert "no_dosing" in row["caveats"].split(";")


def test_side_by_side_with_an_outcome_keeps_treatments_lacking_that_outcome(fixture_tables):
    table = analysis.side_by_side(fixture_tables, condition_id="fixture_shoulder", outcome="pain")
    assert set(table["treatment_id"]) == {"fixture_shock", "fixture_drug"}
    drug = table.set_index("treatment_id").loc["fixture_drug"]
    assert drug["results"] == 0 and "no_evidence" in drug["caveats"]


def test_dosing_only_treatment_is_ranked_last_with_no_evidence(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    with (data / "dosing_ranges.csv").open("a", encoding="utf-8") as fh:
        fh.write(
            "fixture_class_dose,fixture_drug_class,fixture_shoulder,oral,dose,1,2,mg,"
            "per_day,range,,,,,,,,adults,fixture_lay,,\n"
        )
    tables = calcidata.load(data)
    ranking = analysis.treatment_ranking(tables, condition_id="fixture_shoulder")
    last = ranking.iloc[-1]
    assert last["treatment_id"] == "fixture_drug_class"
    assert last["strength"] == analysis.NO_EVIDENCE
    assert last["results"] == 0
    assert "no_evidence" in last["caveats"]
    gaps = analysis.evidence_gaps(tables)
    assert ((gaps["gap"] == "no_evidence") & (gaps["treatment"] == "Fixture drug class")).any()


# --------------------------------------------------------------------------- honesty


def test_ranking_strength_is_the_documented_rule_and_never_upgraded(shipped):
    pairs = evidence_strength(shipped.evidence)
    pairs["level"] = pairs["strength"].cat.codes
    for cid in _conditions_with_evidence(shipped):
        below = analysis.subtree(shipped, cid)
        ev = shipped.evidence.loc[shipped.evidence["condition_id"].isin(below)]
        expected = evidence_strength(ev.assign(condition_id=cid)).set_index("treatment_id")
        best_pair = (
            pairs.loc[pairs["condition_id"].isin(below)].groupby("treatment_id")["level"].max()
        )
        ranking = analysis.treatment_ranking(shipped, condition_id=cid).set_index("treatment_id")
        for tid, row in ranking.iterrows():
            if row["strength"] == analysis.NO_EVIDENCE:
                assert tid not in expected.index
                continue
            level = STRENGTH.index(row["strength"])
            assert level == STRENGTH.index(str(expected.loc[tid, "strength"])), (cid, tid)
            assert level <= best_pair[tid], (cid, tid)


def test_ranking_is_ordered_strongest_first(shipped):
    ranks = analysis.treatment_ranking(shipped, condition_id="calcific_tendinopathy_shoulder")
    levels = list(ranks["strength"].cat.codes)  # ordered: no evidence, then the scale
    assert list(ranks["strength"].cat.categories) == [analysis.NO_EVIDENCE, *STRENGTH]
    assert levels == sorted(levels, reverse=True)


def test_note_saying_not_clinically_important_becomes_a_caveat(shipped):
    sof = analysis.summary_of_findings(shipped, condition_id="calcific_tendinopathy_shoulder")
    flagged = sof.loc[
        sof["note"]
        .fillna("")
        .str.contains("not clinically important|below the clinically important|not reached")
    ]
    assert len(flagged) >= 2
    assert flagged["caveats"].str.contains("not_clinically_important").all()
    assert sof["note"].notna().sum() > 0  # the notes themselves are shown too


def test_indirect_evidence_is_flagged_on_row_and_treatment(fixture_tables):
    sof = analysis.summary_of_findings(fixture_tables, condition_id="fixture_shoulder")
    shock = sof.loc[sof["treatment"] == "Fixture shock wave"].iloc[0]
    assert "indirect" in shock["caveats"].split(";")
    rank = analysis.treatment_ranking(fixture_tables, condition_id="fixture_shoulder").set_index(
        "treatment_id"
    )
    assert "indirect_all" in rank.loc["fixture_shock", "caveats"].split(";")
    # GRADE moderate -> rct, one level down for indirectness: observational, never more
    assert rank.loc["fixture_shock", "strength"] == "observational"


def test_single_small_trial_and_narrower_condition_are_flagged(fixture_tables):
    sof = analysis.summary_of_findings(fixture_tables, condition_id="fixture_root")
    drug = sof.loc[sof["treatment"] == "Fixture drug"]
    assert len(drug) == 2
    for codes in drug["caveats"]:
        assert {"single_small_study", "narrower_condition"} <= set(codes.split(";"))
    assert (sof["condition"] == "Fixture shoulder calcification").all()


def test_counts_not_reported_stay_missing_not_zero(shipped):
    ranking = analysis.treatment_ranking(
        shipped, condition_id="calcific_tendinopathy_shoulder"
    ).set_index("treatment_id")
    row = ranking.loc["us_guided_percutaneous_intervention"]
    assert pd.isna(row["studies"]) and pd.isna(row["participants"])


def test_functions_do_not_modify_the_tables(fixture_tables):
    before = {n: f.copy() for n, f in fixture_tables.items()}
    for make in GOLDEN_CASES.values():
        make(fixture_tables)
    for name, frame in fixture_tables.items():
        pd.testing.assert_frame_equal(frame, before[name])


# --------------------------------------------------------------------------- formatting


def test_format_effect_shows_measure_estimate_and_interval():
    assert display.format_effect("MD", -0.78, -1.4, -0.17) == "MD -0.78 (95% CI -1.40 to -0.17)"
    assert display.format_effect("RR", 1.65, 1.36, 2.01) == "RR 1.65 (95% CI 1.36 to 2.01)"
    assert display.format_effect("proportion", 0.866, None, None) == "86.6% (CI not reported)"
    assert pd.isna(display.format_effect("MD", None, None, None))


def test_citation_labels_are_unique_and_readable(shipped):
    labels = analysis.citation_labels(shipped.sources)
    assert labels.is_unique
    assert labels["surace2020"] == "Surace 2020"


def test_dosing_table_derives_daily_dose_and_flags_general_rows(fixture_tables):
    table = display.words(analysis.dosing_table(fixture_tables, condition_id="fixture_shoulder"))
    drug = table.set_index("treatment_id").loc["fixture_drug"]
    assert drug["dose"] == "200–400 mg (per administration)"
    assert drug["frequency"] == "3/day (TID)"
    assert drug["daily_dose"] == "600–1,200 mg/day"
    assert drug["condition"] == "general"
    assert "general_dosing" in drug["caveats"]
    shock = table.set_index("treatment_id").loc["fixture_shock"]
    assert shock["dose"] == "0.2–0.3 mJ/mm2 (per session)" and pd.isna(shock["daily_dose"])


def test_dose_intervals_put_drugs_in_daily_units_and_procedures_in_own_panels(fixture_tables):
    data = display.words(analysis.dose_intervals(fixture_tables)).set_index("treatment")
    drug = data.loc["Fixture drug"]
    assert (drug["panel"], drug["kind"], drug["low"], drug["high"]) == (
        "oral · mg/day",
        "drug",
        600.0,
        1200.0,
    )
    shock = data.loc["Fixture shock wave"]
    assert (shock["panel"], shock["kind"]) == ("energy flux density (mJ/mm2)", "procedure")


def test_dose_intervals_on_shipped_data_split_drug_panels_by_route(shipped):
    data = display.words(analysis.dose_intervals(shipped, modality="drug"))
    daily = data.loc[data["panel"].str.endswith("/day")]
    for panel, rows in daily.groupby("panel"):
        route = panel.split(" · ")[0]
        assert (rows["route"] == route).all(), panel
    assert len(data) == len(analysis.dosing_table(shipped, modality="drug"))


def test_evidence_gaps_list_conditions_without_any_evidence(fixture_tables):
    gaps = analysis.evidence_gaps(fixture_tables)
    assert gaps.iloc[0]["gap"] == "condition_without_evidence"
    assert gaps.iloc[0]["condition"] == "Fixture listed-only condition"


def test_evidence_gaps_on_shipped_data_are_weak_or_absent_evidence(shipped):
    gaps = analysis.evidence_gaps(shipped)
    kinds = list(analysis.GAP_KINDS)
    assert set(gaps["gap"]) <= set(kinds)
    assert gaps["gap"].map(kinds.index).is_monotonic_increasing
    weak = gaps.loc[gaps["gap"].isin(["lay_or_opinion_only", "case_reports_only"]), "best_evidence"]
    assert set(weak.astype(str)) <= {"lay_or_opinion", "case_reports"}


def test_evidence_map_has_one_row_per_pair_with_evidence(shipped):
    data = analysis.evidence_map(shipped)
    pairs = shipped.evidence[["treatment_id", "condition_id"]].drop_duplicates()
    assert len(data) == len(pairs)
    drugs = analysis.evidence_map(shipped, modality="drug")
    assert (drugs["modality"] == "drug").all() and 0 < len(drugs) < len(data)


def test_cited_sources_cover_every_row_shown(shipped):
    cid = "calcific_tendinopathy_shoulder"
    cited = set(analysis.cited_sources(shipped, condition_id=cid)["source_id"])
    shown = set(analysis.evidence_rows(shipped, condition_id=cid)["source_id"])
    assert shown <= cited


@pytest.mark.parametrize(
    "call",
    [
        lambda t: analysis.summary_of_findings(t, condition_id="calcific_tendinopathy_shouldr"),
        lambda t: analysis.side_by_side(
            t, condition_id="calcific_tendinopathy_shoulder", treatment_ids=["eswt", "not_a_thing"]
        ),
        lambda t: analysis.dosing_table(t, modality="drugs"),
        lambda t: analysis.side_by_side(
            t, condition_id="calcific_tendinopathy_shoulder", treatment_ids="eswt"
        ),
    ],
)
def test_bad_ids_raise_parameter_error_with_valid_values(call, shipped):
    with pytest.raises(ParameterError) as info:
        call(shipped)
    assert "valid values" in str(info.value) or "list" in str(info.value)


def test_unknown_condition_names_the_nearest_match(shipped):
    with pytest.raises(ParameterError, match="nearest match: 'calcific_tendinopathy_shoulder'"):
        analysis.treatment_ranking(shipped, condition_id="calcific_tendinopathy_shouldr")


def test_every_function_runs_on_every_condition_of_the_shipped_data(shipped):
    for cid in _conditions_with_evidence(shipped):
        assert len(display.words(analysis.condition_profile(shipped, condition_id=cid))) > 5
        assert len(analysis.treatment_ranking(shipped, condition_id=cid)) > 0
        assert len(analysis.side_by_side(shipped, condition_id=cid)) > 0
        analysis.dosing_table(shipped, condition_id=cid)
        analysis.dose_intervals(shipped, condition_id=cid)
        assert len(analysis.outcome_map(shipped, condition_id=cid)) > 0
        analysis.evidence_gaps(shipped, condition_id=cid)
        assert len(analysis.cited_sources(shipped, condition_id=cid)) > 0


def test_every_modality_view_runs_and_stays_within_its_modality(shipped):
    from calcidata.schemas.vocabularies import MODALITIES

    treatments = shipped.treatments.set_index("treatment_id")["modality"].astype(str)
    for modality in MODALITIES:
        table = analysis.dosing_table(shipped, modality=modality)
        assert (table["treatment_id"].map(treatments) == modality).all(), modality
        assert len(analysis.dose_intervals(shipped, modality=modality)) == len(table)
        pairs = analysis.evidence_map(shipped, modality=modality)
        assert (pairs["treatment_id"].map(treatments) == modality).all(), modality
        analysis.outcome_map(shipped, modality=modality)
        analysis.evidence_gaps(shipped, modality=modality)
        analysis.cited_sources(shipped, modality=modality)


def test_report_summary_counts_what_each_report_shows():
    from calcidata.reports.summary import report_summary

    from .conftest import MINIMAL

    t = calcidata.load(MINIMAL)
    # the review row is GRADE moderate (rct level) but indirect, so the trial is best
    assert report_summary(t, "condition_report", {"condition_id": "fixture_root"}) == (
        "3 results on 2 treatments from 2 sources; strongest evidence: RCT"
    )
    assert report_summary(t, "dosing_ranges", {"modality": "device"}) == (
        "1 dosing range for 1 treatment from 1 source"
    )
    assert report_summary(t, "evidence_map", {}).endswith("2 treatment-condition pairs")
    assert report_summary(t, "condition_report", {"condition_id": "fixture_listed"}) == (
        "no reported results"
    )


def test_a_plain_string_where_a_selection_belongs_is_a_parameter_error(fixture_tables):
    with pytest.raises(ParameterError, match="Selection\\(condition_id='fixture_root'\\)"):
        analysis.summary_of_findings(fixture_tables, "fixture_root")
    with pytest.raises(ParameterError, match="nearest match: 'outcome'"):
        analysis.dosing_table(fixture_tables, outcomes="pain")
    with pytest.raises(ParameterError, match="needs condition_id"):
        analysis.treatment_ranking(fixture_tables)


def test_a_selection_and_keyword_filters_are_the_same_call(fixture_tables):
    sel = Selection("fixture_root", outcome="pain")
    by_object = analysis.summary_of_findings(fixture_tables, sel)
    by_keywords = analysis.summary_of_findings(
        fixture_tables, condition_id="fixture_root", outcome="pain"
    )
    pd.testing.assert_frame_equal(by_object, by_keywords)
    assert set(by_object["outcome_domain"].astype(str)) == {"pain"}
    narrowed = analysis.summary_of_findings(fixture_tables, sel, outcome="deposit_resolution")
    assert set(narrowed["outcome_domain"].astype(str)) == {"deposit_resolution"}


def test_views_return_typed_frames_not_display_text(fixture_tables):
    sof = analysis.summary_of_findings(fixture_tables, condition_id="fixture_root")
    assert "effect" not in sof and sof["estimate"].dtype == "float64"
    assert str(sof["participants"].dtype) == "Int64" and str(sof["studies"].dtype) == "Int64"
    assert isinstance(sof["outcome_domain"].dtype, pd.CategoricalDtype)
    assert sof["outcome_domain"].cat.ordered
    ranking = analysis.treatment_ranking(fixture_tables, condition_id="fixture_root")
    assert set(ranking["strength"].astype(str)) <= set(STRENGTH) | {analysis.NO_EVIDENCE}
    assert ranking["dosing_reported"].dtype == bool
