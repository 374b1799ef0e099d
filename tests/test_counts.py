"""``calcidata validate --summary`` and the counts behind it."""

from __future__ import annotations

import pandas as pd

import calcidata
from calcidata.cli import main
from calcidata.tables.counts import MEASURES, table_counts

from .conftest import MINIMAL


def _frames(**replace):
    frames = dict(calcidata.load(MINIMAL).items())
    frames.update(replace)
    return frames


def _arms(sid, data_type, **cells):
    base = {c: pd.NA for c in (
        "events_treatment", "n_treatment", "events_comparator", "n_comparator",
        "mean_treatment", "mean_comparator")}  # fmt: skip
    return {"study_id": sid, "data_type": data_type, "outcome_id": "fixture_outcome"} | base | cells


def test_counts_two_arm_rows_trials_and_stated_ratings():
    so = pd.DataFrame(
        [
            _arms("t1", "dichotomous", events_treatment=1, n_treatment=10,
                  events_comparator=3, n_comparator=10),
            _arms("t1", "continuous", mean_treatment=2.0, n_treatment=10,
                  mean_comparator=3.0, n_comparator=10),
            _arms("t2", "continuous", mean_treatment=2.0, n_treatment=10),  # one arm only
        ]
    )  # fmt: skip
    rob = pd.DataFrame({"study_id": ["t1", "t1", "t2"]})
    ev = calcidata.load(MINIMAL).evidence.copy()
    ev["certainty"] = ev["certainty"].cat.set_categories(["very_low", "low", "moderate", "high"])
    ev.loc[ev.index[0], "certainty"] = "low"
    counts = table_counts(_frames(study_outcomes=so, risk_of_bias=rob, evidence=ev))
    got = dict(zip(counts["measure"], counts["count"], strict=True))
    assert got["two_arm_rows"] == 2 and got["two_arm_trials"] == 1
    assert got["trials_with_risk_of_bias"] == 2
    assert got["rows:study_outcomes"] == 3
    assert got["stated_certainty_rows"] == int(ev["certainty"].notna().sum()) >= 1
    assert got["outcome_definitions"] == len(calcidata.load(MINIMAL).outcomes)
    assert list(counts["measure"])[-len(MEASURES) :] == list(MEASURES)


def test_validate_summary_prints_the_counts(capsys):
    assert main(["validate", "--summary", "--data-dir", str(MINIMAL)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK:")
    for words in MEASURES.values():
        assert words in out
    assert main(["validate", "--data-dir", str(MINIMAL)]) == 0
    assert MEASURES["two_arm_rows"] not in capsys.readouterr().out
