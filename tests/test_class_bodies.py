"""Class bodies: trials of different agents of one class gathered (and pooled) at the class."""

from __future__ import annotations

import shutil

import pytest

from calcidata.synthesis.pooled import pooled_keys
from calcidata.synthesis.result import evidence_profile

from . import test_profile as tp
from .conftest import MINIMAL, read_rows, write_rows

CLASS = "fixture_drug_class__vs__placebo_or_sham"


@pytest.fixture
def two_agents(tmp_path, monkeypatch):
    """The minimal fixture with a second agent of ``fixture_drug_class``."""
    root = tmp_path / "minimal"
    shutil.copytree(MINIMAL, root)
    header, rows = read_rows(root / "treatments.csv")
    second = dict(rows[1]) | {"treatment_id": "fixture_drug2", "name": "Fixture drug two",
                              "synonyms": "", "atc_code": ""}  # fmt: skip
    write_rows(root / "treatments.csv", header, [*rows, second])
    monkeypatch.setattr(tp, "MINIMAL", root)
    return tmp_path / "work"


def _profile(where, evidence, sources, links=()):
    where.mkdir(exist_ok=True)
    return evidence_profile(tp._tables(where, evidence, sources, links))


def _trials(**second):
    return [tp._rct("a", "trial_a", estimate=-2.0, ci_low=-3.0, ci_high=-1.0),
            tp._rct("b", "trial_b", **({"treatment_id": "fixture_drug2", "estimate": -1.0,
                                         "ci_low": -2.0, "ci_high": 0.0} | second))]  # fmt: skip


SOURCES = [tp._source("trial_a"), tp._source("trial_b")]


def test_two_agents_of_a_class_make_a_pooled_class_body_beside_their_own(two_agents):
    p = _profile(two_agents, _trials(), SOURCES)
    cls = p[p["comparison_id"] == CLASS]
    assert len(cls) == 1
    row = cls.iloc[0]
    assert row["basis"] == "pooled" and row["n_studies"] == 2 and bool(row["class_body"])
    assert row["agent_ids"] == "fixture_drug;fixture_drug2"
    assert "indirect_intervention" in row["footnotes"] and row["indirectness"] == -1
    assert "Fixture drug two" in row["reasons"]
    # each trial keeps its own body, and is never twice in one body
    own = p[p["comparison_id"].isin(["fixture_drug__vs__placebo_or_sham",
                                     "fixture_drug2__vs__placebo_or_sham"])]  # fmt: skip
    own = own[own["source_ids"].str.startswith("trial_")]
    assert sorted(own["evidence_ids"]) == ["a", "b"] and not own["class_body"].any()
    assert (own["basis"] == "single_study").all() and (own["indirectness"] == 0).all()
    keys = pooled_keys(p)
    assert list(keys["comparison_id"]) == [CLASS] and keys["class_body"].all()


@pytest.mark.parametrize(
    "second",
    [
        {"outcome": "pain at night (0-10)"},  # another outcome definition
        {"timepoint": "24 months"},  # another timepoint band
        {"treatment_id": "fixture_drug"},  # the same agent: pooled in its own body
    ],
)
def test_no_class_body_without_two_agents_of_one_question(two_agents, second):
    p = _profile(two_agents, _trials(**second), SOURCES)
    assert not p["class_body"].any()
    assert CLASS not in set(p["comparison_id"])
    if second.get("treatment_id") == "fixture_drug":
        row = p[p["comparison_id"] == "fixture_drug__vs__placebo_or_sham"].iloc[0]
        assert row["basis"] == "pooled" and row["n_studies"] == 2


def test_a_review_of_the_class_keeps_its_trial_as_constituent_never_pooled(two_agents):
    review = tp._evidence(
        "r",
        "rev",
        treatment_id="fixture_drug_class",
        study_design="systematic_review_meta_analysis",
        pooled_design="rct",
        estimate=-1.5,
        ci_low=-2.0,
        ci_high=-1.0,
        n_participants=900,
    )
    links = [{"review_study_id": "rev_trial_a", "review_id": "rev", "study_id": "trial_a",
              "source_id": "rev"}]  # fmt: skip
    sources = [*SOURCES, tp._source("rev", "systematic_review_meta_analysis")]
    p = _profile(two_agents, [review, *_trials()], sources, links)
    row = p[p["comparison_id"] == CLASS]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["basis"] == "review" and row["estimate"] == -1.5
    assert row["constituent_ids"] == "trial_a" and "trial_b" in row["other_source_ids"]
    # the review is the class's own evidence: no intervention indirectness
    assert "indirect_intervention" not in row["footnotes"]
    assert pooled_keys(p).empty


def test_a_comparator_class_gathers_trials_against_different_agents(two_agents):
    ev = [tp._rct("a", "trial_a", treatment_id="fixture_shock", comparator_id="fixture_drug",
                  comparator="fixture drug"),
          tp._rct("b", "trial_b", treatment_id="fixture_shock", comparator_id="fixture_drug2",
                  comparator="fixture drug two", estimate=-1.2, ci_high=-1.1)]  # fmt: skip
    p = _profile(two_agents, ev, SOURCES)
    cls = p[p["class_body"]]
    assert len(cls) == 1 and cls.iloc[0]["n_studies"] == 2
    assert set(cls.iloc[0]["comparison_id"].split("__vs__")) == {
        "fixture_shock",
        "fixture_drug_class",
    }


def test_a_class_comparison_says_no_studies_for_no_outcome(two_agents):
    from calcidata.synthesis.result import sof_rows

    crit = [{"condition_outcome_id": "fix_crit", "condition_id": "fixture_shoulder",
             "outcome_id": "fixture_critical_harm", "importance": "critical",
             "source_id": "fixture_trial"}]  # fmt: skip
    where = two_agents
    where.mkdir(exist_ok=True)
    outcomes = [tp._outcome("fixture_critical_harm", "adverse_events")]
    tables = tp._tables(where, _trials(), SOURCES, outcomes=outcomes, condition_outcomes=crit)
    rows = sof_rows(tables, "fixture_shoulder")
    mine = rows[rows["comparison_id"] == CLASS]
    assert len(mine) == 1 and bool(mine.iloc[0]["class_body"])
    own = rows[rows["comparison_id"] == "fixture_drug2__vs__placebo_or_sham"]
    assert "no_studies" in set(own["statement_code"].astype(str))  # the agent's table says so


def test_validate_summary_counts_the_bodies_calcidata_pools(two_agents, capsys):
    from calcidata.cli import main

    two_agents.mkdir(exist_ok=True)
    tables = tp._tables(two_agents, _trials(), SOURCES)
    expected = pooled_keys(evidence_profile(tables))
    assert len(expected) >= 1 and expected["n_studies"].min() >= 2
    assert main(["validate", "--summary", "--data-dir", str(two_agents / "data")]) == 0
    line = [x for x in capsys.readouterr().out.splitlines() if "bodies calcidata pools" in x]
    assert len(line) == 1 and int(line[0].split()[0]) == len(expected)
    assert f"{int(expected['class_body'].sum())} of them class bodies" in line[0]
