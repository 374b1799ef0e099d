"""The comparison tables of calcidata.compare, on the small fixture and on the shipped data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import calcidata
from calcidata.analysis import compare
from calcidata.analysis.strength import evidence_strength
from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import STRENGTH

HERE = Path(__file__).resolve().parent
MINIMAL = HERE / "fixtures" / "minimal"
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("CALCIDATA_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def fixture_tables():
    return calcidata.load(MINIMAL)


@pytest.fixture(scope="module")
def shipped():
    return calcidata.load()


def _conditions_with_evidence(tables) -> list[str]:
    return sorted(set(tables.evidence["condition_id"]))


# --------------------------------------------------------------------------- golden files

GOLDEN_CASES = {
    "condition_profile_fixture_root": lambda t: compare.condition_profile(t, "fixture_root"),
    "treatment_ranking_fixture_root": lambda t: compare.treatment_ranking(t, "fixture_root"),
    "summary_of_findings_fixture_root": lambda t: compare.summary_of_findings(t, "fixture_root"),
    "forest_data_fixture_shoulder": lambda t: compare.forest_data(t, "fixture_shoulder"),
    "side_by_side_fixture_shoulder": lambda t: compare.side_by_side(t, "fixture_shoulder"),
    "dosing_table_fixture_shoulder": lambda t: compare.dosing_table(t, "fixture_shoulder"),
    "dose_intervals_all": lambda t: compare.dose_intervals(t),
    "evidence_map_all": lambda t: compare.evidence_map(t),
    "outcome_map_fixture_root": lambda t: compare.outcome_map(t, "fixture_root"),
    "evidence_gaps_all": lambda t: compare.evidence_gaps(t),
    "cited_sources_fixture_root": lambda t: compare.cited_sources(t, condition_id="fixture_root"),
    "direction_counts_fixture_shoulder": lambda t: compare.direction_counts(t, "fixture_shoulder"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_comparison_output_matches_its_golden_csv(name, fixture_tables):
    """Pinned outputs on the fixture; regenerate on purpose with CALCIDATA_UPDATE_GOLDEN=1."""
    text = GOLDEN_CASES[name](fixture_tables).to_csv(index=False, lineterminator="\n")
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
        expected = shipped.evidence["condition_id"].isin(compare.subtree(shipped, cid)).sum()
        assert len(compare.summary_of_findings(shipped, cid)) == expected, cid


def test_forest_data_has_a_row_for_every_result_and_marks_undrawable_ones(shipped):
    cid = "calcific_tendinopathy_shoulder"
    data = compare.forest_data(shipped, cid)
    sof = compare.summary_of_findings(shipped, cid)
    assert len(data) == len(sof)
    assert not data.loc[data["estimate"].isna(), "plotted"].any()
    assert not data.loc[data["effect_measure"] == "other", "plotted"].any()
    assert data.loc[data["plotted"], "estimate"].notna().all()


def test_treatment_ranking_lists_every_treatment_with_evidence_or_dosing(shipped):
    for cid in _conditions_with_evidence(shipped):
        below = compare.subtree(shipped, cid)
        ranking = compare.treatment_ranking(shipped, cid)
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
    table = compare.side_by_side(
        fixture_tables, "fixture_shoulder", ["fixture_shock", "fixture_drug_class"]
    )
    assert table["treatment_id"].tolist() == ["fixture_shock", "fixture_drug_class"]
    row = table.set_index("treatment_id").loc["fixture_drug_class"]
    assert row["strength"] == compare.NO_EVIDENCE
    assert "no_evidence" in row["caveats"].split(";")
    assert "no_dosing" in row["caveats"].split(";")


def test_side_by_side_with_an_outcome_keeps_treatments_lacking_that_outcome(fixture_tables):
    table = compare.side_by_side(fixture_tables, "fixture_shoulder", outcome="pain")
    assert set(table["treatment_id"]) == {"fixture_shock", "fixture_drug"}
    drug = table.set_index("treatment_id").loc["fixture_drug"]
    assert drug["results"] == 0 and "no_evidence" in drug["caveats"]


def test_dosing_only_treatment_is_ranked_last_with_no_evidence(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    with (data / "dosing_ranges.csv").open("a", encoding="utf-8") as fh:
        fh.write(
            "fixture_class_dose,fixture_drug_class,fixture_shoulder,oral,dose,1,2,mg,"
            "per_day,,,,,,,,adults,fixture_lay,\n"
        )
    tables = calcidata.load(data)
    ranking = compare.treatment_ranking(tables, "fixture_shoulder")
    last = ranking.iloc[-1]
    assert last["treatment_id"] == "fixture_drug_class"
    assert last["strength"] == compare.NO_EVIDENCE
    assert last["results"] == 0
    assert "no_evidence" in last["caveats"]
    gaps = compare.evidence_gaps(tables)
    assert ((gaps["gap"] == "no evidence") & (gaps["treatment"] == "Fixture drug class")).any()


# --------------------------------------------------------------------------- honesty


def test_ranking_strength_is_the_documented_rule_and_never_upgraded(shipped):
    order = {compare.humanize(s): i for i, s in enumerate(STRENGTH)}
    pairs = evidence_strength(shipped.evidence)
    pairs["level"] = pairs["strength"].cat.codes
    for cid in _conditions_with_evidence(shipped):
        below = compare.subtree(shipped, cid)
        ev = shipped.evidence.loc[shipped.evidence["condition_id"].isin(below)]
        expected = evidence_strength(ev.assign(condition_id=cid)).set_index("treatment_id")
        best_pair = (
            pairs.loc[pairs["condition_id"].isin(below)].groupby("treatment_id")["level"].max()
        )
        ranking = compare.treatment_ranking(shipped, cid).set_index("treatment_id")
        for tid, row in ranking.iterrows():
            if row["strength"] == compare.NO_EVIDENCE:
                assert tid not in expected.index
                continue
            level = order[row["strength"]]
            assert level == STRENGTH.index(str(expected.loc[tid, "strength"])), (cid, tid)
            assert level <= best_pair[tid], (cid, tid)


def test_ranking_is_ordered_strongest_first(shipped):
    order = {compare.humanize(s): i for i, s in enumerate(STRENGTH)}
    order[compare.NO_EVIDENCE] = -1
    ranks = compare.treatment_ranking(shipped, "calcific_tendinopathy_shoulder")["strength"]
    levels = [order[s] for s in ranks]
    assert levels == sorted(levels, reverse=True)


def test_note_saying_not_clinically_important_becomes_a_caveat(shipped):
    sof = compare.summary_of_findings(shipped, "calcific_tendinopathy_shoulder")
    flagged = sof.loc[
        sof["note"]
        .fillna("")
        .str.contains("not clinically important|below the clinically important|not reached")
    ]
    assert len(flagged) >= 2
    assert flagged["caveats"].str.contains("not_clinically_important").all()
    assert sof["note"].notna().sum() > 0  # the notes themselves are shown too


def test_indirect_evidence_is_flagged_on_row_and_treatment(fixture_tables):
    sof = compare.summary_of_findings(fixture_tables, "fixture_shoulder")
    shock = sof.loc[sof["treatment"] == "Fixture shock wave"].iloc[0]
    assert "indirect" in shock["caveats"].split(";")
    rank = compare.treatment_ranking(fixture_tables, "fixture_shoulder").set_index("treatment_id")
    assert "indirect_all" in rank.loc["fixture_shock", "caveats"].split(";")
    # GRADE moderate -> rct, one level down for indirectness: observational, never more
    assert rank.loc["fixture_shock", "strength"] == "observational"


def test_single_small_trial_and_narrower_condition_are_flagged(fixture_tables):
    sof = compare.summary_of_findings(fixture_tables, "fixture_root")
    drug = sof.loc[sof["treatment"] == "Fixture drug"]
    assert len(drug) == 2
    for codes in drug["caveats"]:
        assert {"single_small_study", "narrower_condition"} <= set(codes.split(";"))
    assert (sof["condition"] == "Fixture shoulder calcification").all()


def test_counts_not_reported_stay_missing_not_zero(shipped):
    ranking = compare.treatment_ranking(shipped, "calcific_tendinopathy_shoulder").set_index(
        "treatment_id"
    )
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
    assert compare.format_effect("MD", -0.78, -1.4, -0.17) == "MD -0.78 (95% CI -1.40 to -0.17)"
    assert compare.format_effect("RR", 1.65, 1.36, 2.01) == "RR 1.65 (95% CI 1.36 to 2.01)"
    assert compare.format_effect("proportion", 0.866, None, None) == "86.6% (CI not reported)"
    assert pd.isna(compare.format_effect("MD", None, None, None))


def test_citation_labels_are_unique_and_readable(shipped):
    labels = compare.citation_labels(shipped.sources)
    assert labels.is_unique
    assert labels["surace2020"] == "Surace 2020"


def test_dosing_table_derives_daily_dose_and_flags_general_rows(fixture_tables):
    table = compare.dosing_table(fixture_tables, "fixture_shoulder")
    drug = table.set_index("treatment_id").loc["fixture_drug"]
    assert drug["dose"] == "200–400 mg (per administration)"
    assert drug["frequency"] == "3/day (TID)"
    assert drug["daily_dose"] == "600–1,200 mg/day"
    assert drug["condition"] == "general"
    assert "general_dosing" in drug["caveats"]
    shock = table.set_index("treatment_id").loc["fixture_shock"]
    assert shock["dose"] == "0.2–0.3 mJ/mm2 (per session)" and pd.isna(shock["daily_dose"])


def test_dose_intervals_put_drugs_in_daily_units_and_procedures_in_own_panels(fixture_tables):
    data = compare.dose_intervals(fixture_tables).set_index("treatment")
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
    data = compare.dose_intervals(shipped, modality="drug")
    daily = data.loc[data["panel"].str.endswith("/day")]
    for panel, rows in daily.groupby("panel"):
        route = panel.split(" · ")[0]
        assert (rows["route"] == route).all(), panel
    assert len(data) == len(compare.dosing_table(shipped, modality="drug"))


def test_evidence_gaps_list_conditions_without_any_evidence(fixture_tables):
    gaps = compare.evidence_gaps(fixture_tables)
    assert gaps.iloc[0]["gap"] == "condition without evidence"
    assert gaps.iloc[0]["condition"] == "Fixture listed-only condition"


def test_evidence_gaps_on_shipped_data_are_weak_or_absent_evidence(shipped):
    gaps = compare.evidence_gaps(shipped)
    kinds = [compare.humanize(k) for k in compare.GAP_KINDS]
    assert set(gaps["gap"]) <= set(kinds)
    assert gaps["gap"].map(kinds.index).is_monotonic_increasing
    weak = gaps.loc[gaps["gap"].isin(["lay or opinion only", "case reports only"]), "best_evidence"]
    assert set(weak) <= {"lay or opinion", "case reports"}


def test_evidence_map_has_one_row_per_pair_with_evidence(shipped):
    data = compare.evidence_map(shipped)
    pairs = shipped.evidence[["treatment_id", "condition_id"]].drop_duplicates()
    assert len(data) == len(pairs)
    drugs = compare.evidence_map(shipped, modality="drug")
    assert (drugs["modality"] == "drug").all() and 0 < len(drugs) < len(data)


def test_cited_sources_cover_every_row_shown(shipped):
    cid = "calcific_tendinopathy_shoulder"
    cited = set(compare.cited_sources(shipped, condition_id=cid)["source_id"])
    shown = set(compare.evidence_rows(shipped, cid)["source_id"])
    assert shown <= cited


@pytest.mark.parametrize(
    "call",
    [
        lambda t: compare.summary_of_findings(t, "calcific_tendinopathy_shouldr"),
        lambda t: compare.side_by_side(
            t, "calcific_tendinopathy_shoulder", ["eswt", "not_a_thing"]
        ),
        lambda t: compare.dosing_table(t, modality="drugs"),
        lambda t: compare.side_by_side(t, "calcific_tendinopathy_shoulder", "eswt"),
    ],
)
def test_bad_ids_raise_parameter_error_with_valid_values(call, shipped):
    with pytest.raises(ParameterError) as info:
        call(shipped)
    assert "valid values" in str(info.value) or "list" in str(info.value)


def test_unknown_condition_names_the_nearest_match(shipped):
    with pytest.raises(ParameterError, match="nearest match: 'calcific_tendinopathy_shoulder'"):
        compare.treatment_ranking(shipped, "calcific_tendinopathy_shouldr")


def test_every_function_runs_on_every_condition_of_the_shipped_data(shipped):
    for cid in _conditions_with_evidence(shipped):
        assert len(compare.condition_profile(shipped, cid)) > 5
        assert len(compare.treatment_ranking(shipped, cid)) > 0
        assert len(compare.side_by_side(shipped, cid)) > 0
        compare.dosing_table(shipped, cid)
        compare.dose_intervals(shipped, condition_id=cid)
        assert len(compare.outcome_map(shipped, cid)) > 0
        compare.evidence_gaps(shipped, condition_id=cid)
        assert len(compare.cited_sources(shipped, condition_id=cid)) > 0


def test_every_modality_view_runs_and_stays_within_its_modality(shipped):
    from calcidata.schemas.vocabularies import MODALITIES

    treatments = shipped.treatments.set_index("treatment_id")["modality"].astype(str)
    for modality in MODALITIES:
        table = compare.dosing_table(shipped, modality=modality)
        assert (table["treatment_id"].map(treatments) == modality).all(), modality
        assert len(compare.dose_intervals(shipped, modality)) == len(table)
        pairs = compare.evidence_map(shipped, modality)
        assert (pairs["treatment_id"].map(treatments) == modality).all(), modality
        compare.outcome_map(shipped, None, modality)
        compare.evidence_gaps(shipped, modality)
        compare.cited_sources(shipped, modality=modality)


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
