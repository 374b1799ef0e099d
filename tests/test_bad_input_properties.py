"""Property tests: random bytes and random cells into `validate` and `audit`, never a traceback.

Whatever the input, a command ends with an exit status of the one table (0, 1 or
2) and a message, never a traceback or an "internal error"; the input file is
unchanged and no temporary file is left behind.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import hashlib
import io
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calcidata.cli import main

from .conftest import MINIMAL

TABLES = sorted(p.stem for p in MINIMAL.glob("*.csv"))


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue() + err.getvalue()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def _data_copy():
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "data"
        shutil.copytree(MINIMAL, target)
        yield target


def _assert_clean(status: int, text: str, allowed=(0, 1)) -> None:
    assert status in allowed, text
    assert "Traceback" not in text and "internal error" not in text, text


@given(table=st.sampled_from(TABLES), content=st.binary(max_size=2000))
def test_validate_random_bytes_in_a_table(table, content):
    with _data_copy() as data:
        path = data / f"{table}.csv"
        path.write_bytes(content)
        status, text = _run(["validate", "--data-dir", str(data)])
        _assert_clean(status, text)
        assert status == 1 and str(path) in text  # random bytes are never a valid table
        assert path.read_bytes() == content


#: Cells of any text: control characters, quotes, commas, line breaks, long runs.
CELLS = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x9F), max_size=20),
    st.sampled_from(["=1+1", "@x", '"', ",", "\r\n", "\x00", "1e400", str(2**70), " x", "-0"]),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@given(table=st.sampled_from(TABLES), data=st.data())
def test_validate_random_cells(table, data):
    with _data_copy() as directory:
        path = directory / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        header, body = rows[0], rows[1:] or [[""] * len(rows[0])]
        for _ in range(data.draw(st.integers(1, 3))):
            row = data.draw(st.integers(0, len(body) - 1))
            col = data.draw(st.integers(0, len(header) - 1))
            body[row][col] = data.draw(CELLS)
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([header, *body])
        before = _sha(path)
        status, text = _run(["validate", "--data-dir", str(directory)])
        _assert_clean(status, text)
        assert _sha(path) == before


@pytest.fixture(scope="module")
def reference_dir():
    return MINIMAL


@given(content=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".parquet"]))
def test_audit_random_bytes(reference_dir, content, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"rx{suffix}"
        source.write_bytes(content)
        out = Path(tmp) / "out.csv"
        argv = ["audit", str(source), "--out", str(out), "--data-dir", str(reference_dir)]
        status, text = _run(argv)
        _assert_clean(status, text, allowed=(0, 1, 2))
        if status:
            assert str(source) in text
            assert not out.exists()
        assert source.read_bytes() == content
        assert sorted(p.name for p in Path(tmp).iterdir()) == sorted(
            {source.name} | ({out.name} if status == 0 else set())
        )


@given(
    header=st.lists(
        st.sampled_from(["treatment", "dose", "unit", "frequency", "route", "condition", "x"]),
        min_size=1,
        max_size=7,
    ),
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=8), max_size=6),
)
def test_audit_random_csv_cells(reference_dir, header, rows):
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "rx.csv"
        with source.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([header, *rows])
        before = _sha(source)
        out = Path(tmp) / "out.parquet"
        argv = ["audit", str(source), "--out", str(out), "--data-dir", str(reference_dir)]
        status, text = _run(argv)
        _assert_clean(status, text, allowed=(0, 1, 2))
        assert _sha(source) == before
        assert [p for p in Path(tmp).iterdir() if ".tmp" in p.name] == []


#: Python objects a user's frame may hold in an object column.
OBJECTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**100), max_value=2**100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["ibuprofen", "fixture_drug", "mg", "g", "TID", "BID", "oral", "400"]),
    st.binary(max_size=4),
    st.datetimes(datetime.datetime(1900, 1, 1), datetime.datetime(2200, 1, 1)).map(pd.Timestamp),
    st.timedeltas(-datetime.timedelta(days=9999), datetime.timedelta(days=9999)).map(pd.Timedelta),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.complex_numbers(allow_nan=False, allow_infinity=False, max_magnitude=1e6),
    st.lists(st.integers(), max_size=2),
)
VERDICTS = {"below_range", "within_range", "above_range"}


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


@given(
    cells=st.lists(st.tuples(OBJECTS, OBJECTS, OBJECTS, OBJECTS), min_size=1, max_size=6),
)
def test_audit_doses_of_random_objects_never_fails_and_gives_no_verdict_without_numbers(
    fixture_tables, cells
):
    from calcidata import audit_doses
    from calcidata.audit import STATUSES
    from calcidata.errors import ParameterError

    frame = pd.DataFrame(
        {
            role: pd.Series([c[i] for c in cells], dtype=object)
            for i, role in enumerate(("treatment", "dose", "unit", "frequency"))
        }
    )
    try:
        audited = audit_doses(frame, tables=fixture_tables)
    except ParameterError:
        return
    assert len(audited) == len(frame)
    assert set(audited["status"]) <= set(STATUSES)
    for dose, frequency, status in zip(
        frame["dose"], frame["frequency"], audited["status"], strict=True
    ):
        if status in VERDICTS:
            assert _is_number(dose), (dose, status)
            assert not isinstance(frequency, (bool, datetime.date, datetime.timedelta, bytes))
