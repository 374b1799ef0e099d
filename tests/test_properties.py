"""Property tests: tables generated from the schemas validate; any broken cell is found.

The strategies are derived from each model's columns (dtype, nullability,
vocabulary, pattern, bounds), so a new column or rule is covered automatically.
Row-level invariants (min <= max, CI contains the estimate...) are then imposed
by construction, as the schema demands.
"""

from __future__ import annotations

import csv
import io
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calcidata.schemas import KEYS, SCHEMAS
from calcidata.schemas.reproductions import MODEL_ESTIMATORS
from calcidata.schemas.spec import ColumnSpec, table_spec
from calcidata.schemas.vocabularies import ROB_DOMAINS, ROB_TOOL_JUDGEMENTS
from calcidata.tables.checks import validate_table
from calcidata.tables.reader import read_raw, text_problem

TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + ' ,;"\n-()/<>&\u00e9\u2265',
    min_size=1,
    max_size=30,
).filter(lambda s: s == s.strip())


def cell_strategy(c: ColumnSpec) -> st.SearchStrategy[str]:
    """Strings a valid CSV cell of this column may hold (derived from the schema's spec)."""
    if c.categories and c.multi:
        base = st.lists(st.sampled_from(c.categories), min_size=1, max_size=3, unique=True).map(
            c.multi.join
        )
    elif c.categories:
        base = st.sampled_from(c.categories)
    elif c.pattern:
        # Every cell of every table also holds no control character (tables/reader.py).
        base = st.from_regex(c.pattern, fullmatch=True).filter(
            lambda s: s == s.strip() and text_problem(s) is None
        )
    elif c.kind == "number":
        lo = c.minimum if c.minimum is not None else c.exclusive_minimum
        if c.exclusive_minimum is not None:
            lo += 1e-6
        hi = c.maximum if c.maximum is not None else c.exclusive_maximum
        base = st.floats(
            min_value=lo if lo is not None else -1e6,
            max_value=hi if hi is not None else 1e6,
            allow_nan=False,
        ).map(repr)
    elif c.kind == "integer":
        base = st.integers(
            min_value=int(c.minimum) if c.minimum is not None else 0,
            max_value=int(c.maximum) if c.maximum is not None else 10**6,
        ).map(str)
    elif c.kind == "boolean":
        base = st.sampled_from(["true", "false", "TRUE", "False"])
    else:
        base = TEXT
    return base if c.required else st.one_of(st.just(""), base)


def _make_consistent(name: str, rows: list[dict[str, str]]) -> None:
    """Impose the row-level invariants the schema checks (by construction)."""

    def num(v):
        return float(v) if v not in ("", None) else None

    key = KEYS[name]
    for i, r in enumerate(rows):
        r[key] = f"{r[key]}_{i}"  # ids unique
        if name == "dosing_ranges":
            for a, b in (
                ("dose_min", "dose_max"),
                ("frequency_min", "frequency_max"),
                ("duration_min", "duration_max"),
            ):
                if r[a] and r[b] and num(r[a]) > num(r[b]):
                    r[a], r[b] = r[b], r[a]
            if not (r["dose_min"] or r["dose_max"]):
                r["dose_unit"] = ""
            elif not r["dose_unit"]:
                r["dose_unit"] = "mg"
            if r["dose_unit"] == "%":
                r["dose_min"], r["dose_max"] = "1", "2"
            if r["parameter"] == "dose" and r["dose_unit"] and not r["dose_basis"]:
                r["dose_basis"] = "per_day"
            has_f = bool(r["frequency_min"] or r["frequency_max"])
            r["frequency_per"] = (r["frequency_per"] or "week") if has_f else ""
            has_d = bool(r["duration_min"] or r["duration_max"])
            r["duration_unit"] = (r["duration_unit"] or "day") if has_d else ""
            r["timing_code"] = ""
            if r["dose_kind"] == "maximum":  # a maximum gives dose_max only
                r["dose_min"] = ""
                if not r["dose_max"]:
                    r["dose_unit"] = ""
        if name == "evidence":
            if r["effect_measure"] in ("proportion", "RR", "OR", "HR"):
                r["estimate"], r["ci_low"], r["ci_high"] = "0.5", "0.25", "0.75"
            vals = sorted(
                x
                for x in (num(r["ci_low"]), num(r["estimate"]), num(r["ci_high"]))
                if x is not None
            )
            if r["ci_low"] and r["ci_high"]:
                r["ci_low"], r["ci_high"] = repr(vals[0]), repr(vals[-1])
                if r["estimate"]:
                    r["estimate"] = repr(vals[1])
            else:
                r["ci_low"] = r["ci_high"] = ""
            if not r["study_design"].startswith("systematic_review"):
                r["pooled_design"] = ""
            if r["certainty_reasons"] and not r["certainty"]:
                r["certainty"] = "low"  # reasons are a stated certainty's reasons
        if name == "risk_of_bias":  # a tool's own domains and words; derived only overall
            r["domain"] = r["domain"] if r["domain"] in ROB_DOMAINS[r["tool"]] else "overall"
            words = ROB_TOOL_JUDGEMENTS[r["tool"]]
            r["judgement"] = r["judgement"] if r["judgement"] in words else words[0]
            if r["domain"] != "overall":
                r["basis"] = "stated"
        if name == "outcomes":  # a MID needs its source; a scale runs low to high
            r["mid_source_id"] = (r["mid_source_id"] or "a_source") if r["mid"] else ""
            lo, hi = num(r["scale_min"]), num(r["scale_max"])
            if lo is not None and hi is not None and lo >= hi:
                r["scale_max"] = repr(lo + 1)
        if name == "sources" and not any(r[c] for c in ("title", "urls", "doi", "pmid")):
            r["title"] = "A title"
        if name == "sources":  # one kind per URL (generated hosts are never mirror hosts)
            n = len(r["urls"].split(" | ")) if r["urls"] else 0
            r["url_kinds"] = " | ".join(["publisher"] * n)
        if name == "claims" and r["claim_type"] == "treatment_effect":
            r["claimed_effect"] = r["claimed_effect"] or "benefit"
        if name == "conditions":  # an ICD-10 code and its edition come together
            r["icd10_edition"] = (r["icd10_edition"] or "who") if r["icd10"] else ""
        if name == "reproductions":  # a reason; a condition only without evidence; inputs
            r["reason"] = r["reason"] or "Why"
            r["condition_id"] = "" if r["evidence_id"] else (r["condition_id"] or "a_condition")
            if r["estimator"] not in MODEL_ESTIMATORS.get(r["model"], ()):
                r["estimator"] = "not_stated"
            inputs = r["evidence_id"] and r["study_ids"] and r["decimals"]
            if not (inputs and r["model"] != "not_stated"):
                r["status"] = "not_reproducible"
        if name == "review_studies" and r["study_id"] == r["review_id"]:
            r["study_id"] += "_study"
        if name == "study_outcomes":
            means = ("mean_treatment", "sd_treatment", "mean_comparator", "sd_comparator")
            for c in (
                ("events_treatment", "events_comparator")
                if r["data_type"] == "continuous"
                else means
            ):
                r[c] = ""
            for e, n in (
                ("events_treatment", "n_treatment"),
                ("events_comparator", "n_comparator"),
            ):
                if r[e] and r[n] and int(r[e]) > int(r[n]):
                    r[e], r[n] = r[n], r[e]
            # a row holds both arms: counts and sizes, or means and sizes
            arms = (
                ("events_treatment", "events_comparator")
                if r["data_type"] == "dichotomous"
                else ("mean_treatment", "mean_comparator")
            )
            for c in (*arms, "n_treatment", "n_comparator"):
                r[c] = r[c] or "1"
            for e, n in (
                ("events_treatment", "n_treatment"),
                ("events_comparator", "n_comparator"),
            ):
                if r[e] and int(r[e]) > int(r[n]):
                    r[e] = r[n]


@st.composite
def table_rows(draw, name: str, max_rows: int = 4):
    columns = table_spec(name).columns
    row = st.fixed_dictionaries({c.name: cell_strategy(c) for c in columns})
    rows = [
        {c.name: r[c.name] for c in columns}
        for r in draw(st.lists(row, min_size=1, max_size=max_rows))
    ]
    _make_consistent(name, rows)
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _validate(path: Path, name: str):
    raw = read_raw(name, path, list(SCHEMAS[name].to_schema().columns))
    return raw, validate_table(raw)


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_tables_generated_from_the_schema_validate_and_round_trip(tmp_path, name):
    @given(rows=table_rows(name))
    def check(rows):
        path = tmp_path / f"{name}.csv"
        _write(path, rows)
        _, (frame, problems) = _validate(path, name)
        assert problems == []
        assert len(frame) == len(rows)
        for col in frame.columns:
            for written, read in zip((r[col] for r in rows), frame[col], strict=True):
                if written == "":
                    assert pd.isna(read)
                elif isinstance(read, float):
                    assert np.isclose(read, float(written))
                elif isinstance(read, (bool, np.bool_)):
                    assert read == (written.lower() == "true")
                else:
                    assert str(read) == written

    check()


_BREAKERS = {
    "string": None,
    "number": "not-a-number",
    "integer": "1.5",
    "boolean": "perhaps",
}


@pytest.mark.parametrize("name", list(SCHEMAS))
def test_breaking_any_constrained_cell_is_reported_at_its_line_and_column(tmp_path, name):
    spec = table_spec(name)
    constrained = [
        c.name
        for c in spec.columns
        if c.kind != "string" or c.categories or c.pattern or c.required
    ]

    @given(rows=table_rows(name), data=st.data())
    def check(rows, data):
        col = data.draw(st.sampled_from(constrained))
        i = data.draw(st.integers(0, len(rows) - 1))
        c = spec.column(col)
        bad = _BREAKERS[c.kind] or ("" if c.required else "Not Valid!")
        rows[i][col] = bad
        path = tmp_path / f"{name}.csv"
        _write(path, rows)
        raw, (_, problems) = _validate(path, name)
        assert any(p.line == raw.line(i) and p.column == col for p in problems), problems

    check()
