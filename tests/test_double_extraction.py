"""Double extraction: the comparison finds every disagreement, and the record resolves them."""

from __future__ import annotations

import pandas as pd
import pytest

import calcidata
from calcidata.tables import extraction as dx

from .conftest import ROOT

EXTRACTION = ROOT / "data" / "extraction"
COLUMNS = [*dx.KEY, *dx.VALUES, "url"]


def _sheet(tmp_path, name, rows):
    frame = pd.DataFrame(rows, columns=COLUMNS)
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _row(**values):
    base = dict.fromkeys(COLUMNS, "")
    base.update(
        study_id="trial2001",
        treatment_id="eswt",
        comparator_id="sham",
        outcome_id="pain_vas",
        timepoint="3 months",
        data_type="continuous",
        n_treatment="20",
        n_comparator="21",
        mean_treatment="3.1",
        mean_comparator="4.0",
    )
    base.update(values)
    return base


def test_identical_sheets_agree_and_number_formats_do_not_matter(tmp_path):
    a = dx.read_sheet(_sheet(tmp_path, "g_a.csv", [_row()]))
    b = dx.read_sheet(_sheet(tmp_path, "g_b.csv", [_row(n_treatment="20.0")]))
    assert dx.disagreements(a, b).empty


def test_a_differing_number_and_a_row_in_one_sheet_are_disagreements(tmp_path):
    a = dx.read_sheet(_sheet(tmp_path, "g_a.csv", [_row(), _row(outcome_id="ases")]))
    b = dx.read_sheet(_sheet(tmp_path, "g_b.csv", [_row(mean_comparator="4.1")]))
    d = dx.disagreements(a, b)
    assert sorted(d["column"]) == sorted(["mean_comparator", dx.ROW])
    number = d[d["column"] == "mean_comparator"].iloc[0]
    assert (number["value_a"], number["value_b"]) == ("4", "4.1")
    row = d[d["column"] == dx.ROW].iloc[0]
    assert (row["outcome_id"], row["value_a"], row["value_b"]) == ("ases", "present", "absent")


def test_a_sheet_with_the_same_result_twice_is_refused(tmp_path):
    with pytest.raises(ValueError, match="appears twice"):
        dx.read_sheet(_sheet(tmp_path, "g_a.csv", [_row(), _row()]))


def test_a_disagreement_without_a_reasoned_record_row_is_unresolved(tmp_path):
    _sheet(tmp_path, "g_a.csv", [_row()])
    _sheet(tmp_path, "g_b.csv", [_row(n_comparator="12")])
    record = pd.DataFrame(columns=dx.RECORD_COLUMNS)
    assert len(dx.unresolved(tmp_path, record)) == 1
    line = {**_row(), "group": "g", "column": "n_comparator", "value_a": "21"}
    line.update(value_b="12", resolved="21", reason="", url="https://example.org")
    no_reason = pd.DataFrame([line])[dx.RECORD_COLUMNS]
    assert len(dx.unresolved(tmp_path, no_reason)) == 1
    with_reason = no_reason.assign(reason="page shows 21 in the comparator arm")
    assert dx.unresolved(tmp_path, with_reason).empty


def test_a_resolved_number_must_be_the_one_in_study_outcomes():
    line = {**_row(), "group": "g", "column": "n_comparator", "value_a": "21"}
    line.update(value_b="12", resolved="21", reason="re-read", url="https://example.org")
    record = pd.DataFrame([line])[dx.RECORD_COLUMNS]
    so = pd.DataFrame([{**_row(), "n_comparator": 21}])
    assert dx.resolved_mismatches(record, so).empty
    assert len(dx.resolved_mismatches(record, so.assign(n_comparator=12))) == 1


def test_a_missing_count_of_a_typed_table_reads_as_an_empty_cell():
    # study_outcomes holds counts as nullable integers: a continuous row's missing event
    # counts (pd.NA) must read as the empty cells of the sheets, not as text "<NA>".
    line = {**_row(), "group": "g", "column": "n_comparator", "value_a": "21"}
    line.update(value_b="12", resolved="21", reason="re-read", url="https://example.org")
    record = pd.DataFrame([line])[dx.RECORD_COLUMNS]
    so = pd.DataFrame([{**_row(), "n_comparator": 21}])
    so["events_treatment"] = pd.array([pd.NA], dtype="Int64")
    assert dx._text(so["events_treatment"].iloc[0]) == ""
    assert dx.resolved_mismatches(record, so).empty


def test_aliases_align_one_extractor_s_words_with_the_other_s(tmp_path):
    _sheet(tmp_path, "g_a.csv", [_row(timepoint="12 weeks")])
    _sheet(tmp_path, "g_b.csv", [_row(timepoint="3 months")])
    record = pd.DataFrame(columns=dx.RECORD_COLUMNS)
    assert len(dx.unresolved(tmp_path, record)) == 2  # a row in each sheet only
    aliases = pd.DataFrame(
        [
            {
                "group": "g",
                "letter": "a",
                "column": "timepoint",
                "value": "12 weeks",
                "canonical": "3 months",
            }
        ]
    )
    assert dx.unresolved(tmp_path, record, aliases).empty
    with pytest.raises(ValueError, match="key columns only"):
        bad = aliases.assign(column="n_treatment")
        bad.to_csv(tmp_path / "aliases.csv", index=False)
        dx.read_aliases(tmp_path / "aliases.csv")


# The shipped extraction sheets and their record.


def test_every_disagreement_between_the_shipped_sheets_is_resolved_in_the_record():
    record = dx.read_record(EXTRACTION / "reconciliation.csv")
    aliases = dx.read_aliases(EXTRACTION / "aliases.csv")
    left = dx.unresolved(EXTRACTION, record, aliases)
    assert left.empty, left.to_string()


def test_study_outcomes_hold_the_resolved_and_the_agreed_numbers():
    record = dx.read_record(EXTRACTION / "reconciliation.csv")
    so = calcidata.load().study_outcomes
    bad = dx.resolved_mismatches(record, so)
    assert bad.empty, bad.to_string()
    keyed = so.assign(**{k: so[k].astype(object).map(dx._text) for k in dx.KEY})
    for letters in dx.sheets(EXTRACTION).values():
        if not {"a", "b"} <= set(letters):
            continue
        aliases = dx.read_aliases(EXTRACTION / "aliases.csv")
        a, b = dx.read_sheet(letters["a"], aliases), dx.read_sheet(letters["b"], aliases)
        both = a.merge(b, on=dx.KEY, suffixes=("_a", "_b")).merge(keyed, on=dx.KEY)
        for col in dx.NUMBERS:
            agreed = both[both[f"{col}_a"] == both[f"{col}_b"]]
            shipped = agreed[col].astype(object).map(dx._text)
            wrong = agreed[shipped != agreed[f"{col}_a"]]
            assert wrong.empty, (col, wrong[dx.KEY].to_string())


def test_the_summary_counts_agreements_disagreements_and_their_resolution(tmp_path):
    _sheet(tmp_path, "g_a.csv", [_row(), _row(outcome_id="ases"), _row(outcome_id="dash")])
    _sheet(tmp_path, "g_b.csv", [_row(n_comparator="12"), _row(outcome_id="ases")])
    line = {**_row(), "group": "g", "column": "n_comparator", "value_a": "21"}
    line.update(value_b="12", resolved="12", reason="page shows 12", url="https://example.org")
    dropped = {**_row(outcome_id="dash"), "group": "g", "column": dx.ROW, "value_a": "present"}
    dropped.update(value_b="absent", resolved="", reason="not on the page", url="https://e.org")
    record = pd.DataFrame([line, dropped])[dx.RECORD_COLUMNS]
    got = dx.summary(tmp_path, record).iloc[0].to_dict()
    assert got["results_both"] == 2 and got["agreed"] == 1
    assert got["values_differing"] == 1 and got["resolved_to_b"] == 1
    assert got["rows_one_sheet"] == 1 and got["one_sheet_dropped"] == 1
    assert got["unresolved"] == 0
    assert dx.summary(tmp_path, record.iloc[:1]).iloc[0]["unresolved"] == 1


def test_what_no_page_showed_is_read_with_its_group_and_extractor(tmp_path):
    pd.DataFrame(
        [{"study_id": "t2001", "study_label": "T 2001", "what_missing": "n", "pages_tried": "x"}]
    ).to_csv(tmp_path / "ho_b_notfound.csv", index=False)
    got = dx.not_found(tmp_path)
    assert got[["group", "letter", "study_id"]].values.tolist() == [["ho", "b", "t2001"]]


def test_the_risk_of_bias_sheet_and_the_reviews_sheets_are_read_as_not_found(tmp_path):
    # rob_notfound.csv has no letter and no what_missing column; a review sheet names
    # reviews (review_label) rather than trials.
    pd.DataFrame([{"study_id": "t2001", "pages_tried": "x"}]).to_csv(
        tmp_path / "rob_notfound.csv", index=False
    )
    pd.DataFrame(
        [{"review_label": "rev2009", "what_missing": "trial list", "pages_tried": "y"}]
    ).to_csv(tmp_path / "ma_a_notfound.csv", index=False)
    got = dx.not_found(tmp_path).set_index("study_id")
    assert (got.loc["t2001", "group"], got.loc["t2001", "letter"]) == ("rob", "")
    assert got.loc["t2001", "what_missing"] == "no readable risk-of-bias judgement"
    assert (got.loc["rev2009", "group"], got.loc["rev2009", "letter"]) == ("ma", "a")
    pd.DataFrame([{"study_id": "t2002"}]).to_csv(tmp_path / "xy_notfound.csv", index=False)
    with pytest.raises(ValueError, match="what_missing"):
        dx.not_found(tmp_path)


def test_a_later_search_round_replaces_the_earlier_sheets_of_its_group(tmp_path):
    # rob_r3_notfound.csv re-lists what is still missing after round 3: a trial found in
    # round 3 (t2001) is no longer reported as missing; other groups are untouched.
    pd.DataFrame([{"study_id": "t2001"}, {"study_id": "t2002"}]).to_csv(
        tmp_path / "rob_notfound.csv", index=False
    )
    pd.DataFrame([{"study_id": "t2002", "pages_tried": "z"}]).to_csv(
        tmp_path / "rob_r3_notfound.csv", index=False
    )
    pd.DataFrame([{"study_id": "t2001", "what_missing": "n", "pages_tried": "x"}]).to_csv(
        tmp_path / "ho_b_notfound.csv", index=False
    )
    got = dx.not_found(tmp_path)
    rob = got[got["group"] == "rob"]
    assert rob["study_id"].tolist() == ["t2002"]
    assert rob["pages_tried"].tolist() == ["z"]
    assert got[got["group"] == "ho"]["study_id"].tolist() == ["t2001"]
    pd.DataFrame([{"study_id": "t2003"}]).to_csv(tmp_path / "rob_r1_notfound.csv", index=False)
    with pytest.raises(ValueError, match="second sheet of round 1"):
        dx.not_found(tmp_path)


def _rob_not_found():
    """The trials the latest risk-of-bias round lists as without a readable judgement."""
    missing = dx.not_found(EXTRACTION)
    return missing[missing["group"] == "rob"]["study_id"]


def test_the_data_dictionary_lists_the_trials_without_a_readable_risk_of_bias_judgement():
    from calcidata.reports import dictionary

    text = "\n".join(dictionary._double_extraction_section(ROOT / "data"))
    rob = _rob_not_found()
    assert len(rob)
    for study in rob:
        assert f"| rob | `{study}` | - | no readable risk-of-bias judgement |" in text, study


def test_no_trial_with_a_judgement_is_listed_as_without_one():
    judged = set(pd.read_csv(ROOT / "data" / "risk_of_bias.csv", dtype=str)["study_id"])
    both = sorted(judged & set(_rob_not_found()))
    assert not both, f"judged in risk_of_bias.csv yet listed as not found: {both}"
