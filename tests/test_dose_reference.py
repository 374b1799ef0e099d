"""The audit's reference range: ranges, maxima and labelled doses only, sources ranked.

Issue 20: a lay article is never the reference where another source gives a range for
the same treatment and route, a mean or one patient's dose is never read as a range, and
the reason of every audited row names the source of its range.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import calcidata
from calcidata.audit import audit_doses
from calcidata.schemas.vocab_claims import AUDIT_DOSE_KINDS, DOSE_KINDS

from .conftest import MINIMAL


def _one(tables, treatment, dose, frequency, condition):
    frame = pd.DataFrame(
        {
            "treatment": [treatment],
            "dose": [dose],
            "unit": ["mg"],
            "frequency": [frequency],
            "condition": [condition],
        }
    )
    return audit_doses(frame, tables=tables).iloc[0]


@pytest.mark.parametrize(
    "condition", ["calcific_myopathy", "calcinosis_ctd", "calcinosis_systemic_sclerosis"]
)
def test_diltiazem_240_mg_a_day_is_judged_against_studied_or_labelled_ranges(shipped, condition):
    row = _one(shipped, "diltiazem", 240, "QD", condition)
    assert row["status"] == "within_range", row["reason"]
    used = str(row["range_dosing_ids"]).split(";")
    dosing = shipped.dosing_ranges.set_index("dosing_id")
    kinds = shipped.sources.set_index("source_id")["kind"].astype(object)
    for dosing_id in used:
        assert dosing.loc[dosing_id, "dose_kind"] in AUDIT_DOSE_KINDS  # never a mean
        source = dosing.loc[dosing_id, "source_id"]
        assert kinds[source] in ("drug_label", "guideline", "peer_reviewed")  # never lay
        assert source in row["reason"]  # the reason names the source of its range
    assert "seed_004_diltiazem" not in used and "nair_ctd_diltiazem" not in used
    assert row["range_daily_min"] <= 240 <= row["range_daily_max"]
    assert row["range_daily_min"] < row["range_daily_max"]  # a range, not one mean value


def test_the_lay_article_and_the_mean_are_named_as_not_used(shipped):
    myopathy = _one(shipped, "diltiazem", 240, "QD", "calcific_myopathy")
    assert "not used: seed_004_diltiazem (a lay article" in myopathy["reason"]
    ctd = _one(shipped, "diltiazem", 240, "QD", "calcinosis_ctd")
    assert "nair_ctd_diltiazem (a mean, not a range)" in ctd["reason"]
    assert "arthrheum1995_diltiazem" in ctd["reason"]


def test_every_shipped_dosing_row_says_what_its_numbers_are(shipped):
    kinds = shipped.dosing_ranges["dose_kind"].astype(object)
    assert kinds.notna().all()
    assert set(kinds) <= set(DOSE_KINDS)
    dosing = shipped.dosing_ranges.set_index("dosing_id")
    assert dosing.loc["nair_ctd_diltiazem", "dose_kind"] == "mean"
    assert dosing.loc["costasousa_pamj_diltiazem", "dose_kind"] == "single"
    assert dosing.loc["label_diltiazem_tiazac_angina_max", "dose_kind"] == "maximum"


LAY_AND_MEAN = """\
fixture_lay_dose,fixture_drug,fixture_shoulder,oral,dose,1,2,mg,per_day,range,,,,,,,,adults,fixture_lay,synthetic,
fixture_mean_dose,fixture_drug,fixture_shoulder,oral,dose,5000,5000,mg,per_day,mean,,,,,,,,adults,fixture_trial,synthetic,
fixture_only_lay,fixture_drug_class,,intravenous,dose,10,20,mg,per_day,range,,,,,,,,adults,fixture_lay,synthetic,
"""


@pytest.fixture(scope="module")
def ranked(tmp_path_factory):
    data = tmp_path_factory.mktemp("ranked") / "data"
    shutil.copytree(MINIMAL, data)
    path = data / "dosing_ranges.csv"
    path.write_text(path.read_text(encoding="utf-8") + LAY_AND_MEAN, encoding="utf-8")
    return calcidata.load(data)


def test_a_condition_specific_lay_range_or_mean_gives_way_to_a_general_study_range(ranked):
    # fixture_drug, general, from a trial: 200-400 mg TID = 600-1200 mg/day
    row = _one(ranked, "fixture_drug", 200, "TID", "fixture_shoulder")
    assert (row["range_daily_min"], row["range_daily_max"]) == (600, 1200)
    assert row["range_scope"] == "general"
    assert row["status"] == "within_range"
    assert "fixture_trial" in row["reason"]
    assert "fixture_lay_dose (a lay article" in row["reason"]
    assert "fixture_mean_dose (a mean, not a range)" in row["reason"]


def test_a_lay_range_is_used_only_where_no_other_source_gives_one(ranked):
    frame = pd.DataFrame(
        {
            "treatment": ["fixture_drug_class"],
            "dose": [15],
            "unit": ["mg"],
            "frequency": [1],
            "route": ["intravenous"],
        }
    )
    row = audit_doses(frame, tables=ranked).iloc[0]
    assert row["range_dosing_ids"] == "fixture_only_lay"
    assert "lay article fixture_lay" in row["reason"]
