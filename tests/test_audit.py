"""The dose audit: every status, the range rule, bad input, and the out-of-core path."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import calcidata
from calcidata.analysis import units
from calcidata.audit import OUTPUT_COLUMNS, STATUSES, audit_doses, audit_file, read_input
from calcidata.audit.files import write_output
from calcidata.audit.inputs import _combinations
from calcidata.cli import main
from calcidata.errors import ParameterError

from .conftest import MINIMAL, digest

EXTRA_RANGES = """\
fixture_drug_shoulder,fixture_drug,fixture_shoulder,oral,dose,100,200,mg,per_day,range,,,,,,,,adults,fixture_trial,synthetic,
fixture_drug_root,fixture_drug,fixture_root,oral,dose,50,60,mg,per_day,range,,,,,,,,adults,fixture_trial,synthetic,
fixture_class_iv,fixture_drug_class,,intravenous,dose,1,2,g,per_day,range,,,,,,,,adults,fixture_trial,synthetic,
"""


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    """The minimal tables plus three ranges: condition-specific, broader condition, class."""
    data = tmp_path_factory.mktemp("audit") / "data"
    shutil.copytree(MINIMAL, data)
    path = data / "dosing_ranges.csv"
    path.write_text(path.read_text(encoding="utf-8") + EXTRA_RANGES, encoding="utf-8")
    return calcidata.load(data)


def rx(*rows, route=False, condition=False) -> pd.DataFrame:
    cols = ["treatment", "dose", "unit", "frequency"]
    cols += ["route"] * route + ["condition"] * condition
    return pd.DataFrame([row[: len(cols)] for row in rows], columns=cols)


# fixture_drug, general, oral: 200-400 mg TID -> 600 to 1200 mg/day.
CASES = [
    # treatment, dose, unit, frequency, route, condition -> status
    (("fixture_drug", 200, "mg", "TID", None, None), "within_range"),
    (("Fixture Drug", 0.1, "g", 3, None, None), "below_range"),
    (("M01AE01", 500, "mg", "qid", None, None), "above_range"),
    (("fixture_shock", 1, "mg", 1, None, None), "no_reference"),
    (("fixturin", 20, "mg/kg", "BID", None, None), "unit_mismatch"),
    (("no such drug", 1, "mg", 1, None, None), "unknown_treatment"),
    (("fixture_drug", "lots", "mg", 1, None, None), "invalid_input"),
]


def test_every_status_is_reached_with_a_plain_words_reason(tables):
    frame = rx(*(row for row, _ in CASES), route=True, condition=True)
    out = audit_doses(frame, tables=tables)
    assert out["status"].tolist() == [status for _, status in CASES]
    assert set(out["status"]) == set(STATUSES)
    assert out["reason"].notna().all()
    assert all(str(r).endswith(".") and len(str(r)) > 15 for r in out["reason"])
    within = out.iloc[0]
    assert within["daily_dose"] == pytest.approx(600)
    assert within["daily_unit"] == "mg/day"
    assert (within["range_daily_min"], within["range_daily_max"]) == (600, 1200)
    assert within["range_dosing_ids"] == "fixture_drug_oral"
    assert "600 to 1200 mg/day" in within["reason"]
    assert out.loc[1, "daily_dose"] == pytest.approx(300)  # 0.1 g x 3 a day, in mg
    assert out.loc[2, "daily_dose"] == pytest.approx(2000)
    assert "mg/kg" in out.loc[4, "reason"]
    assert "no such drug" in out.loc[5, "reason"]
    assert "dose is not a number" in out.loc[6, "reason"]
    assert out["matched_treatment_id"].tolist()[:5] == ["fixture_drug"] * 3 + [
        "fixture_shock",
        "fixture_drug",
    ]


def test_output_is_the_input_unchanged_in_order_plus_the_audit_columns(tables):
    frame = rx(*(row for row, _ in CASES)).sample(frac=1, random_state=3)
    frame.index = [f"rx{i % 3}" for i in range(len(frame))]  # labels repeat
    before = frame.copy()
    out = audit_doses(frame, tables=tables)
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified
    assert list(out.columns) == list(frame.columns) + list(OUTPUT_COLUMNS)
    assert list(out.index) == list(frame.index)
    pd.testing.assert_frame_equal(out[list(frame.columns)], frame)


@pytest.mark.parametrize(
    ("route", "condition", "low", "high", "scope", "treatment"),
    [
        (None, None, 600, 1200, "general", "fixture_drug"),
        (None, "fixture_shoulder", 100, 200, "condition", "fixture_drug"),
        (None, "M00.0", 100, 200, "condition", "fixture_drug"),  # condition by ICD-10 code
        (None, "fixture_listed", 50, 60, "broader_condition", "fixture_drug"),
        ("oral", "fixture_shoulder", 100, 200, "condition", "fixture_drug"),
        ("intravenous", None, 1000, 2000, "general", "fixture_drug_class"),
        ("Intravenous", "fixture_shoulder", 1000, 2000, "general", "fixture_drug_class"),
    ],
)
def test_reference_range_rule(tables, route, condition, low, high, scope, treatment):
    """Own treatment before its class; same condition, then broader, then general."""
    frame = rx(("fixture_drug", 100, "mg", 1, route, condition), route=True, condition=True)
    row = audit_doses(frame, tables=tables).iloc[0]
    assert (row["range_daily_min"], row["range_daily_max"]) == (low, high)
    assert row["range_scope"] == scope
    assert row["range_treatment_id"] == treatment


def test_route_without_any_range_is_no_reference_naming_the_routes_that_have_one(tables):
    frame = rx(("fixture_drug", 100, "mg", 1, "topical"), route=True)
    row = audit_doses(frame, tables=tables).iloc[0]
    assert row["status"] == "no_reference"
    assert "topical" in row["reason"] and "oral" in row["reason"]


def test_treatment_matches_by_id_name_synonym_or_atc_code_ignoring_case(tables):
    names = ["fixture_drug", "FIXTURE DRUG", "  Fixture   drug ", "fakeprofen", "m01ae01"]
    out = audit_doses(rx(*[(n, 200, "mg", "TID") for n in names]), tables=tables)
    assert out["matched_treatment_id"].tolist() == ["fixture_drug"] * len(names)
    assert set(out["status"]) == {"within_range"}


def test_bad_input_gets_invalid_input_with_the_first_problem_in_words(tables):
    rows = [
        ("fixture_drug", -5, "mg", 1, None, None, "dose is negative"),
        ("fixture_drug", None, "mg", 1, None, None, "dose is empty"),
        ("fixture_drug", "1,5", "mg", 1, None, None, "dose is not a number"),
        ("fixture_drug", 5, "spoonful", 1, None, None, "'spoonful' is not a known dose unit"),
        ("fixture_drug", 5, None, 1, None, None, "unit is empty"),
        ("fixture_drug", 5, "mg", "sometimes", None, None, "neither a number"),
        ("fixture_drug", 5, "mg", "PRN", None, None, "PRN gives no number"),
        ("fixture_drug", 5, "mg", 0, None, None, "above 0"),
        ("fixture_drug", 5, "mg", None, None, None, "frequency is empty"),
        ("fixture_drug", 5, "mg", 1, "by post", None, "route 'by post' is not one of"),
        ("fixture_drug", 5, "mg", 1, None, "gout", "'gout' is not a calcidata condition"),
        ("", 5, "mg", 1, None, None, "treatment is empty"),
    ]
    frame = pd.DataFrame(
        [r[:6] for r in rows],
        columns=["treatment", "dose", "unit", "frequency", "route", "condition"],
    )
    out = audit_doses(frame, tables=tables)
    assert set(out["status"]) == {"invalid_input"}
    for (*_, words), reason in zip(rows, out["reason"], strict=True):
        assert words in reason
    assert out["daily_dose"].isna().all()


def test_ambiguous_text_is_unknown_treatment_listing_the_candidates(tables):
    treatments = tables.treatments.copy()
    treatments.loc[treatments["treatment_id"] == "fixture_shock", "synonyms"] = "fixturin"
    doubled = calcidata.Tables(
        **{**dict(tables.items()), "treatments": treatments},
        data_dir=tables.data_dir,
        version=tables.version,
    )
    row = audit_doses(rx(("Fixturin", 1, "mg", 1)), tables=doubled).iloc[0]
    assert row["status"] == "unknown_treatment"
    assert "fixture_drug" in row["reason"] and "fixture_shock" in row["reason"]


def test_missing_columns_and_name_clashes_are_parameter_errors(tables):
    with pytest.raises(ParameterError, match="no dose column 'dose'"):
        audit_doses(
            pd.DataFrame({"treatment": ["x"], "unit": ["mg"], "frequency": [1]}), tables=tables
        )
    with pytest.raises(ParameterError, match="no route column 'voie'"):
        audit_doses(rx(("fixture_drug", 1, "mg", 1)), route="voie", tables=tables)
    clash = rx(("fixture_drug", 200, "mg", "TID")).assign(status="dispensed")
    with pytest.raises(ParameterError, match="prefix"):
        audit_doses(clash, tables=tables)
    out = audit_doses(clash, prefix="audit_", tables=tables)
    assert out["status"].tolist() == ["dispensed"]
    assert out["audit_status"].tolist() == ["within_range"]


def test_column_names_are_configurable(tables):
    frame = pd.DataFrame(
        {
            "drug": ["fixture_drug"],
            "mg_per_dose": [200],
            "u": ["mg"],
            "times": ["TID"],
            "dx": ["fixture_shoulder"],
        }
    )
    out = audit_doses(
        frame,
        treatment="drug",
        dose="mg_per_dose",
        unit="u",
        frequency="times",
        condition="dx",
        tables=tables,
    )
    assert out.loc[0, "status"] == "above_range"  # 600 mg/day against 100 to 200 for the condition
    assert out.loc[0, "range_scope"] == "condition"


def test_units_are_converted_once_per_distinct_unit_not_once_per_row(tables):
    def conversions(rows: int) -> int:
        frame = rx(
            *[("fixture_drug", 0.2, "g", "TID")] * rows, *[("fixture_drug", 2e5, "mcg", 3)] * rows
        )
        units.factor.cache_clear()
        out = audit_doses(frame, tables=tables)
        assert set(out["status"]) == {"within_range"}
        assert out["daily_dose"].round(9).unique().tolist() == [600.0]
        info = units.factor.cache_info()
        return info.hits + info.misses

    assert conversions(1) == conversions(2000)


def test_vectorized_audit_equals_a_row_by_row_loop_on_random_input():
    from benchmarks.bench_audit import audit_loop, synthetic

    tables = calcidata.load()
    frame = synthetic(3000, seed=11)
    fast = audit_doses(frame, tables=tables)
    slow = audit_loop(frame, tables=tables)
    for col in OUTPUT_COLUMNS:
        left = fast[col].astype(object).where(fast[col].notna(), None).tolist()
        right = slow[col].astype(object).where(slow[col].notna(), None).tolist()
        if col in ("daily_dose", "range_daily_min", "range_daily_max"):
            np.testing.assert_allclose(np.array(left, dtype=float), np.array(right, dtype=float))
        else:
            assert left == right, col
    assert set(fast["status"]) >= {
        "below_range",
        "within_range",
        "above_range",
        "unknown_treatment",
        "invalid_input",
        "no_reference",
    }


def _prescriptions(n: int = 120) -> pd.DataFrame:
    rows = [row for row, _ in CASES]
    frame = rx(*(rows[i % len(rows)] for i in range(n)), route=True, condition=True)
    frame["note"] = [f'patient {i}, "quoted"; text' if i % 5 else "" for i in range(n)]
    return frame


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_out_of_core_audit_equals_the_in_memory_audit_of_the_same_file(tables, tmp_path, suffix):
    source = tmp_path / f"prescriptions{suffix}"
    frame = _prescriptions()
    if suffix == ".csv":
        frame.to_csv(source, index=False)
    else:
        frame.astype({"dose": "str", "frequency": "str"}).to_parquet(source, row_group_size=25)
    before = digest(tmp_path)
    counts = audit_file(source, tmp_path / f"chunked{suffix}", chunk_rows=7, tables=tables)
    whole = audit_doses(read_input(source), tables=tables)
    write_output(whole, tmp_path / f"whole{suffix}")
    assert digest(tmp_path)[source.name] == before[source.name]
    if suffix == ".csv":
        assert (tmp_path / "chunked.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    chunked = read_input(tmp_path / f"chunked{suffix}")
    assert len(chunked) == len(frame)
    pd.testing.assert_frame_equal(
        chunked.astype(str), read_input(tmp_path / f"whole{suffix}").astype(str)
    )
    assert counts.to_dict() == whole["status"].value_counts().reindex(STATUSES).to_dict()
    assert chunked["note"].fillna("").tolist() == frame["note"].tolist()


def test_csv_cells_are_written_back_exactly_as_they_were(tables, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "treatment,dose,unit,frequency,extra\n"
        "fixture_drug,0200.50,mg,TID,007\n"
        'fixture_drug,2e2,mg,3,"a, b"\n',
        encoding="utf-8",
    )
    audit_file(source, tmp_path / "out.csv", tables=tables)
    out = read_input(tmp_path / "out.csv")
    assert out["dose"].tolist() == ["0200.50", "2e2"]
    assert out["extra"].tolist() == ["007", "a, b"]
    assert out["status"].tolist() == ["within_range", "within_range"]


def test_audit_command_exit_status_and_summary(tables, tmp_path, capsys):
    source = tmp_path / "in.csv"
    _prescriptions(14).to_csv(source, index=False)
    data = ["--data-dir", str(tables.data_dir)]
    assert main(["audit", str(source), "--out", str(tmp_path / "out.parquet"), *data]) == 0
    err = capsys.readouterr().err
    assert "audited 14 rows" in err and "within_range 2" in err
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == 14
    assert main(["audit", str(source), *data]) == 0  # CSV on standard output
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 15 and '"status"' in printed[0]
    assert main(["audit", str(tmp_path / "missing.csv"), *data]) == 1  # a file error
    assert main(["audit", str(source), "--dose-column", "amount", *data]) == 2
    assert main(["audit", str(source), "--out", str(source), *data]) == 2
    assert main(["audit", str(source), "--out", str(tmp_path / "out.xls"), *data]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_combinations_are_numbered_the_same_when_packed_or_grouped():
    rng = np.random.default_rng(5)
    codes = [rng.integers(-1, 4, 500) for _ in range(3)]
    for sizes in ([5, 5, 5], [2**31, 2**31, 5]):  # the second cannot be packed in 62 bits
        numbers, parts = _combinations(codes, sizes)
        assert numbers.max() + 1 == len({tuple(x) for x in np.array(codes).T})
        for column, part in zip(codes, parts, strict=True):
            assert (part[numbers] == column).all()


@pytest.mark.parametrize(
    ("name", "content", "words", "status"),
    [
        ("ragged.csv", b"treatment,dose,unit,frequency\nx,1,mg,1\nx,1\n", "cannot be read", 1),
        ("latin1.csv", b"treatment,dose,unit,frequency\n\xe9,1,mg,1\n", "UTF-8", 1),
        ("empty.csv", b"", "is empty", 1),
        ("broken.parquet", b"not a parquet file", "cannot be read", 1),
        ("other.csv", b"a,b\n1,2\n", "no treatment column", 2),  # a column name is a parameter
    ],
)
def test_unreadable_files_give_a_clear_error_and_no_output(
    tables, tmp_path, capsys, name, content, words, status
):
    source = tmp_path / name
    source.write_bytes(content)
    out = tmp_path / "out.csv"
    data = ["--data-dir", str(tables.data_dir)]
    assert main(["audit", str(source), "--out", str(out), *data]) == status
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not out.exists() and source.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left behind


def test_numeric_frequency_columns_and_non_frames(tables):
    frame = pd.DataFrame(
        {
            "treatment": ["fixture_drug"] * 3,
            "dose": [200.0, 200.0, 200.0],
            "unit": ["mg"] * 3,
            "frequency": [3.0, np.nan, -1.0],
        }
    )
    out = audit_doses(frame, tables=tables)
    assert out["status"].tolist() == ["within_range", "invalid_input", "invalid_input"]
    assert "frequency is empty" in out.loc[1, "reason"]
    with pytest.raises(ParameterError, match="DataFrame"):
        audit_doses([{"treatment": "fixture_drug"}], tables=tables)
