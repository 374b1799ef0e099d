"""Every rule fires on bad input and names the right file, line, column and value.

Each case corrupts one cell of a valid dataset; the loader must report exactly
that cell (CSV line = data row + 2, the header being line 1) and leave every
file untouched.
"""

from __future__ import annotations

import pytest

import calcidata
from calcidata.errors import DataValidationError
from calcidata.tables.loader import collect_problems

from .conftest import digest, read_rows, set_cell, write_rows

# (table, data row, column, bad value, rule words expected in the message)
CASES = [
    ("sources", 0, "source_id", "Fixture Review", "lowercase letters"),
    ("sources", 1, "pmid", "PMID123", "PubMed id"),
    ("sources", 0, "doi", "doi:10.1000/x", "DOI"),
    ("sources", 0, "year", "20x0", "whole number"),
    ("sources", 0, "year", "1492", "at least 1800"),
    ("sources", 1, "urls", "example.org/trial", "URL"),
    ("sources", 0, "design", "trial", "must be one of"),
    ("sources", 0, "kind", "blog", "must be one of"),
    ("sources", 0, "url_kinds", "blog_page", "each value (separated by"),
    ("sources", 0, "n_participants", "-3", "at least 0"),
    ("sources", 0, "n_studies", "2.5", "whole number"),
    ("conditions", 1, "icd10", "m75", "ICD-10"),
    ("conditions", 1, "icd10_edition", "", "needs its icd10_edition"),
    ("conditions", 1, "icd10_edition", "icd11", "must be one of"),
    ("conditions", 1, "mechanism", "magic", "must be one of"),
    ("conditions", 1, "tissue", "", "must not be empty"),
    ("conditions", 1, "parent_id", "nowhere", "existing conditions.condition_id"),
    ("conditions", 1, "source_ids", "fixture_review;missing_source", "existing sources"),
    ("conditions", 1, "source_ids", "fixture_review; fixture_lay", "separated by ';'"),
    ("conditions", 0, "summary", "", "must not be empty"),
    ("treatments", 1, "invasiveness", "very", "non_invasive"),
    ("treatments", 1, "routes", "oral;nasal", "each route must be one of"),
    ("treatments", 1, "atc_code", "M01-AE01", "ATC"),
    ("treatments", 1, "treatment_id", "fixture_drug_class", "unique"),
    ("treatments", 2, "modality", "wizardry", "must be one of"),
    ("dosing_ranges", 0, "dose_min", "500", "dose_min must not exceed dose_max"),
    ("dosing_ranges", 0, "dose_min", "-1", "at least 0"),
    ("dosing_ranges", 0, "dose_max", "four hundred", "finite number"),
    ("dosing_ranges", 0, "dose_max", "inf", "finite number"),
    ("dosing_ranges", 0, "dose_unit", "mgg", "must be one of"),
    ("dosing_ranges", 0, "dose_basis", "", "needs a dose_basis"),
    ("dosing_ranges", 0, "timing_code", "BID", "timing code implies"),
    ("dosing_ranges", 0, "frequency_per", "", "needs frequency_per"),
    ("dosing_ranges", 0, "duration_unit", "", "needs duration_unit"),
    ("dosing_ranges", 0, "duration_min", "3", "duration_min must not exceed"),
    ("dosing_ranges", 0, "treatment_id", "ghost_drug", "existing treatments.treatment_id"),
    ("dosing_ranges", 1, "condition_id", "ghost_condition", "existing conditions"),
    ("dosing_ranges", 0, "source_id", "ghost_source", "existing sources.source_id"),
    ("dosing_ranges", 0, "route", "nasal", "must be one of"),
    ("dosing_ranges", 1, "dosing_id", "fixture_drug_oral", "unique"),
    ("evidence", 0, "ci_low", "-0.9", "contain the estimate"),
    ("evidence", 0, "estimate", "-2", "contain the estimate"),
    ("evidence", 0, "ci_high", "", "needs both ci_low and ci_high"),
    ("evidence", 2, "estimate", "1.4", "between 0 and 1"),
    ("evidence", 1, "estimate", "0", "greater than 0"),
    ("evidence", 0, "indirect", "maybe", "true or false"),
    ("evidence", 0, "indirect", "", "must not be empty"),
    ("evidence", 0, "certainty", "strong", "must be one of"),
    ("evidence", 1, "pooled_design", "rct", "only for systematic reviews"),
    ("evidence", 0, "n_participants", "-120", "at least 0"),
    ("evidence", 0, "direction", "better", "must be one of"),
    ("evidence", 0, "effect_measure", "NNT", "must be one of"),
    ("evidence", 0, "outcome", "", "must not be empty"),
    ("evidence", 1, "treatment_id", "ghost_drug", "existing treatments.treatment_id"),
    ("evidence", 1, "condition_id", "ghost_condition", "existing conditions.condition_id"),
    ("evidence", 1, "source_id", "", "must not be empty"),
    ("evidence", 0, "outcome_id", "", "must not be empty"),
    ("evidence", 0, "outcome_id", "ghost_outcome", "existing outcomes.outcome_id"),
    ("evidence", 1, "comparator_id", "ghost_drug", "existing treatments.treatment_id"),
    ("evidence", 1, "certainty_reasons", "imprecision", "reasons of a stated certainty"),
    ("evidence", 0, "certainty_reasons", "imprecision;luck", "must be one of: risk_of_bias"),
    ("evidence", 0, "control_risk", "1.5", "at most 1"),
    ("outcomes", 0, "mid", "1.5", "needs the source that states it"),
    ("outcomes", 0, "scale_max", "-1", "scale_min < scale_max"),
    ("outcomes", 0, "surrogate", "", "must not be empty"),
]


def _arm_row(**cells) -> dict[str, str]:
    row = {
        "study_outcome_id": "fixture_arms",
        "study_id": "fixture_review",
        "condition_id": "fixture_shoulder",
        "treatment_id": "fixture_drug",
        "comparator": "placebo",
        "outcome": "deposit gone",
        "outcome_domain": "deposit_resolution",
        "outcome_id": "fixture_outcome",
        "data_type": "dichotomous",
        "events_treatment": "3",
        "n_treatment": "10",
        "events_comparator": "1",
        "n_comparator": "10",
        "source_id": "fixture_review",
    }
    return row | cells


@pytest.mark.parametrize(
    "cells",
    [
        {"n_comparator": ""},
        {"events_treatment": ""},
        {"data_type": "continuous", "events_treatment": "", "events_comparator": "",
         "mean_treatment": "2.5"},
    ],
    ids=["dichotomous_no_comparator_n", "dichotomous_no_events", "continuous_one_mean"],
)  # fmt: skip
def test_a_two_arm_row_needs_both_arms(minimal, cells):
    path = minimal / "study_outcomes.csv"
    header, _ = read_rows(path)
    write_rows(path, header, [_arm_row()])
    assert collect_problems(minimal)[1] == []  # the complete row is valid
    write_rows(path, header, [_arm_row(**cells)])
    _, problems = collect_problems(minimal)
    hits = [p for p in problems if p.file.endswith("study_outcomes.csv") and p.line == 2]
    assert any("holds both arms" in p.rule for p in hits), problems


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "words"),
    CASES,
    ids=[f"{c[0]}.{c[2]}={c[3]!r}" for c in CASES],
)
def test_rule_fires_on_the_corrupted_cell(minimal, table, row, column, value, words):
    set_cell(minimal / f"{table}.csv", row, column, value)
    before = digest(minimal)
    _, problems = collect_problems(minimal)
    assert digest(minimal) == before, "validation must not modify any input file"
    hits = [
        p
        for p in problems
        if p.file.endswith(f"{table}.csv")
        and p.line == row + 2
        and (p.column == column or f"{column}=" in p.value)
    ]
    assert hits, f"no problem reported at {table}.csv:{row + 2} {column}: {problems}"
    assert any(words in p.rule for p in hits), [p.rule for p in hits]
    if value:  # the value as written (or, in a list, the offending element) is shown
        assert any(value in p.value or p.value in value for p in hits), [p.value for p in hits]


def test_valid_fixture_has_no_problem():
    from .conftest import MINIMAL

    assert collect_problems(MINIMAL)[1] == []


def test_load_raises_with_every_problem_at_once(minimal):
    set_cell(minimal / "evidence.csv", 0, "certainty", "strong")
    set_cell(minimal / "sources.csv", 1, "pmid", "x1")
    with pytest.raises(DataValidationError) as info:
        calcidata.load(minimal)
    columns = {(p.file.rsplit("/", 1)[-1], p.column) for p in info.value.problems}
    assert {("evidence.csv", "certainty"), ("sources.csv", "pmid")} <= columns
    assert "2 problems" in str(info.value)


def test_line_numbers_count_physical_lines_of_multiline_cells(minimal):
    path = minimal / "evidence.csv"
    set_cell(path, 0, "note", "first line\nsecond line\nthird line")
    set_cell(path, 1, "certainty", "strong")
    _, problems = collect_problems(minimal)
    (p,) = [p for p in problems if p.column == "certainty"]
    assert p.line == 5  # header 1, record one spans lines 2-4


def test_parent_cycle_is_reported(minimal):
    set_cell(minimal / "conditions.csv", 0, "parent_id", "fixture_shoulder")
    _, problems = collect_problems(minimal)
    assert any(p.column == "parent_id" and "loops" in p.rule for p in problems)


def test_unused_treatment_without_source_is_reported(minimal):
    header, rows = read_rows(minimal / "treatments.csv")
    rows.append({**rows[2], "treatment_id": "fixture_orphan", "name": "Orphan", "source_ids": ""})
    write_rows(minimal / "treatments.csv", header, rows)
    _, problems = collect_problems(minimal)
    (p,) = [p for p in problems if p.value == "fixture_orphan"]
    assert p.line == 5 and p.column == "treatment_id" and "used by no" in p.rule


def test_unused_condition_listed_with_a_source_is_accepted():
    from .conftest import MINIMAL

    t = calcidata.load(MINIMAL)
    assert "fixture_listed" in set(t.conditions["condition_id"])
    assert "fixture_listed" not in set(t.evidence["condition_id"])


def test_uncited_source_is_reported(minimal):
    header, rows = read_rows(minimal / "sources.csv")
    rows.append({**rows[0], "source_id": "fixture_uncited"})
    write_rows(minimal / "sources.csv", header, rows)
    _, problems = collect_problems(minimal)
    assert any(p.value == "fixture_uncited" and "cited by no row" in p.rule for p in problems)


def test_id_shared_by_condition_and_treatment_is_reported(minimal):
    header, rows = read_rows(minimal / "treatments.csv")
    rows.append({**rows[0], "treatment_id": "fixture_root", "parent_id": ""})
    write_rows(minimal / "treatments.csv", header, rows)
    _, problems = collect_problems(minimal)
    assert any(p.value == "fixture_root" and "unique across tables" in p.rule for p in problems)


def test_source_needs_something_to_find_it_by(minimal):
    for col in ("title", "urls", "doi", "pmid"):
        set_cell(minimal / "sources.csv", 0, col, "")
    _, problems = collect_problems(minimal)
    assert any(p.line == 2 and "title, a URL, a DOI or a PMID" in p.rule for p in problems)


def test_one_publication_cannot_be_two_sources(minimal):
    set_cell(minimal / "sources.csv", 1, "doi", "10.0000/FIXTURE.review")
    _, problems = collect_problems(minimal)
    (p,) = [p for p in problems if p.column == "doi"]
    assert p.line == 3 and "already source 'fixture_review'" in p.rule


def test_a_url_listed_twice_in_one_cell_is_reported(minimal):
    set_cell(minimal / "sources.csv", 1, "urls", "https://example.org/a | https://example.org/a")
    _, problems = collect_problems(minimal)
    assert any(p.column == "urls" and p.line == 3 and "twice" in p.rule for p in problems)
