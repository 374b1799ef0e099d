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


@pytest.mark.parametrize("table", TABLES)
def test_validate_a_row_of_one_cell_in_every_column(table):
    """A row whose only filled cell is any one column (the rest missing): a clean report.

    Cross-table rules meet missing keys here (a missing id compared with a missing
    id is not equal to itself): each must name the problem, never fail inside.
    """
    with _data_copy() as directory:
        path = directory / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        original = path.read_bytes()
        for col in range(len(header)):
            row = [""] * len(header)
            row[col] = "0"
            path.write_bytes(original.rstrip(b"\n") + b"\n" + ",".join(row).encode() + b"\n")
            status, text = _run(["validate", "--data-dir", str(directory)])
            _assert_clean(status, text)
            assert status == 1 and f"{table}.csv:" in text, (header[col], text)


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


#: Floats of every magnitude, near the ends of double precision included.
EXTREME_FLOATS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e300, -1e300, 1.7e308, -1.7e308, 5e-324, 1e-300, 0.0, -0.0]),
    st.integers(-1000, 1000).map(lambda e: 1.5 * 2.0**e),
)


@given(
    y=st.lists(EXTREME_FLOATS, min_size=2, max_size=6),
    scale=st.sampled_from([1e-200, 1e-100, 1.0, 1e100, 1e200]),
    method=st.sampled_from(["FE", "DL", "PM", "REML"]),
    data=st.data(),
)
def test_pooling_extreme_floats_is_a_finite_answer_or_a_parameter_error(y, scale, method, data):
    """Never a NaN estimate, an infinite SE or a raw scipy/numpy error."""
    import math

    import calcidata
    from calcidata.errors import CalcidataError

    v = [data.draw(st.floats(min_value=0.01, max_value=100.0)) * scale for _ in range(len(y))]
    try:
        res = calcidata.meta.pool(y, v, method=method)
    except CalcidataError as exc:
        assert isinstance(exc, ValueError) or "REML" in str(exc), exc
        return
    for name in ("estimate", "se", "ci_low", "ci_high", "tau2", "q", "i2", "h2"):
        assert math.isfinite(getattr(res, name)), (name, res)


#: Header rows: many columns, long names, control characters, quotes, look-alikes.
HEADER_NAMES = st.one_of(
    st.sampled_from(["treatment", "dose", "unit", "frequency", "route", "condition"]),
    st.text(max_size=30),
    st.text(alphabet=st.characters(max_codepoint=0x1F), min_size=1, max_size=3),
    st.sampled_from(["tre\u0430tment", "dose\u200b", "\u202etnemtaert", "treatment ", '"dose"']),
)


@given(
    names=st.lists(HEADER_NAMES, min_size=1, max_size=12),
    repeat=st.sampled_from([1, 1, 500, 5000]),
    gz=st.booleans(),
)
def test_audit_of_any_header_is_a_message_never_a_traceback(reference_dir, names, repeat, gz):
    import gzip

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / ("rx.csv.gz" if gz else "rx.csv")
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(names * repeat)
        content = buffer.getvalue().encode("utf-8", "surrogatepass")
        content += b"fixture_drug,200,mg,TID\n"
        source.write_bytes(gzip.compress(content) if gz else content)
        before = _sha(source)
        out = Path(tmp) / "out.csv"
        argv = ["audit", str(source), "--out", str(out), "--data-dir", str(reference_dir)]
        status, text = _run(argv)
        _assert_clean(status, text, allowed=(0, 1, 2))
        if status:
            assert str(source) in text and not out.exists()
        assert _sha(source) == before
        assert [p for p in Path(tmp).iterdir() if ".tmp" in p.name] == []


#: Look-alikes of frequencies: other scripts' digits, compatibility forms, dotless i,
#: separators and invisible characters inside codes and numbers.
LOOKALIKE_FREQUENCIES = st.builds(
    lambda base, extra, where: base[:where] + extra + base[where:],
    st.sampled_from(["TID", "tid", "BID", "QID", "3", "10", "0.5", "2e0"]),
    st.sampled_from(
        ["", "_", "\u0131", "\u0130", "\u200b", "\u00a0", "\u0661", "\uff13", "\u2163", "\u202e"]
    ),
    st.integers(0, 3),
)


@given(frequency=LOOKALIKE_FREQUENCIES)
def test_a_frequency_is_read_only_from_ascii_after_nfkc(fixture_tables, frequency):
    import re
    import unicodedata

    from calcidata import audit_doses
    from calcidata.schemas.vocabularies import TIMING_CODES

    frame = pd.DataFrame(
        {"treatment": ["fixture_drug"], "dose": ["200"], "unit": ["mg"], "frequency": [frequency]}
    )
    status = audit_doses(frame, tables=fixture_tables)["status"].iloc[0]
    text = unicodedata.normalize("NFKC", frequency).strip()
    readable = text.isascii() and (
        text.upper() in TIMING_CODES
        or re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text) is not None
    )
    if status in VERDICTS:
        assert readable, (frequency, status)
