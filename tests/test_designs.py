"""The design rule: the same wording on a page gives the same design, on every row."""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

import calcidata
from calcidata.schemas.design_rule import (
    DESIGN_WORDINGS,
    NO_COMPARISON_WORDS,
    WORDING_MARKER,
    design_for,
)
from calcidata.schemas.vocabularies import (
    DESIGNS,
    NON_STUDY_DESIGNS,
    POOLED_DESIGNS,
    REVIEW_DESIGNS,
    UNCONTROLLED_DESIGNS,
)

_CODE = re.compile(re.escape(WORDING_MARKER) + r"([a-z_]+)")
#: Per table: the column a study design lives in.
_STUDY_COLUMN = {"evidence": "study_design", "study_outcomes": "study_design", "sources": "design"}


@pytest.fixture(scope="module")
def tables():
    return calcidata.load()


def _worded(tables):
    """(table, row id, wording code, column, value) for every row that records its wording."""
    out = []
    for name, column in _STUDY_COLUMN.items():
        frame = tables[name]
        key = frame.columns[0]
        for _, row in frame.iterrows():
            for code in _CODE.findall(str(row["curation_note"])):
                target, _ = design_for(code)
                col = column if target == "study_design" else "pooled_design"
                out.append((name, row[key], code, col, str(row[col])))
    return out


def test_rule_gives_known_designs():
    for code, (column, design, words) in DESIGN_WORDINGS.items():
        assert words, code
        assert design in (DESIGNS if column == "study_design" else POOLED_DESIGNS), code


def test_every_recorded_wording_is_a_rule_code(tables):
    for name in _STUDY_COLUMN:
        for note in tables[name]["curation_note"].dropna():
            for code in _CODE.findall(note):
                assert code in DESIGN_WORDINGS, code


def test_same_wording_same_design_across_rows(tables):
    worded = _worded(tables)
    assert len(worded) >= 10  # the rows the rule was applied to record their words
    seen = defaultdict(set)
    for name, rid, code, _column, value in worded:
        assert value == design_for(code)[1], (name, rid, code, value)
        seen[code].add(value)
    assert all(len(v) == 1 for v in seen.values()), seen


def test_named_rows_follow_the_rule(tables):
    src = tables.sources.set_index("source_id")["design"].astype(str)
    # same wording (double-blind, placebo-controlled, randomisation not stated): same design
    assert src["elmstedt1985"] == src["hoikka1990"] == "controlled_trial"
    ev = tables.evidence.set_index("evidence_id")
    assert str(ev.loc["zhang2023_1", "study_design"]) == "case_series"
    for eid in ("vavken2009_1", "ma2018_1"):
        assert str(ev.loc[eid, "pooled_design"]) == "rct"
    assert str(ev.loc["french_cochrane_heat_1", "pooled_design"]) == "mixed"


def test_no_comparison_group_means_an_uncontrolled_design(tables):
    ev = tables.evidence
    allowed = {*UNCONTROLLED_DESIGNS, *REVIEW_DESIGNS, *NON_STUDY_DESIGNS}
    rows = ev[ev["comparator"].isin(NO_COMPARISON_WORDS)]
    assert len(rows) > 0
    wrong = rows[~rows["study_design"].astype(str).isin(allowed)]
    assert wrong.empty, wrong[["evidence_id", "comparator", "study_design"]]


def test_the_rule_is_in_the_data_dictionary():
    from calcidata.reports import dictionary

    text = dictionary.render()
    assert "## How a design is labelled" in text
    for code in DESIGN_WORDINGS:
        assert f"`{code}`" in text
