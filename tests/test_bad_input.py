"""Hostile input, one case per kind of failure and per command: a message, never a traceback.

Every case runs a real ``calcidata`` command on real files and checks the exit
status of the one table (0 ok, 1 problems found or failed, 2 bad usage), that
no traceback and no "internal error" is printed, that the message names the
file (and its line and column where there is one), and that every input file
has the same SHA-256 after the command as before. Only the tests marked
``slow`` start a notebook kernel: every other case fails before one would.
The exit statuses and what each command does are documented in docs/errors.md.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from calcidata.cli import main

from .conftest import read_rows, write_rows

ROOT_USER = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass
class Case:
    """What one command did with one hostile input, and what it must have said."""

    argv: list[str]
    status: int
    words: list[str]
    inputs: list[Path] = field(default_factory=list)
    #: Paths that must not exist afterwards (nothing written).
    absent: list[Path] = field(default_factory=list)


def _sha(paths: list[Path]) -> dict[str, str]:
    found = {}
    for root in paths:
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for p in files:
            if p.is_file():
                found[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return found


def _edit(data: Path, table: str, row: int, column: str, value: str) -> Path:
    path = data / f"{table}.csv"
    header, rows = read_rows(path)
    rows[row][column] = value
    write_rows(path, header, rows)
    return path


def _line_of(path: Path, row: int) -> int:
    """The CSV line on which data row ``row`` starts (the header is line 1)."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        end = reader.line_num
        for i, _ in enumerate(reader):
            if i == row:
                return end + 1
            end = reader.line_num
    raise IndexError(row)


def _shipped_copy(tmp: Path) -> Path:
    """A copy of the shipped tables (they have study outcomes with counts)."""
    import shutil

    from calcidata import paths

    target = tmp / "shipped"
    shutil.copytree(paths.data_dir(), target, ignore=shutil.ignore_patterns("*.md"))
    return target


def _prescriptions(tmp: Path, rows: int = 3) -> Path:
    path = tmp / "rx.csv"
    frame = pd.DataFrame(
        {
            "treatment": ["fixture_drug"] * rows,
            "dose": ["200"] * rows,
            "unit": ["mg"] * rows,
            "frequency": ["TID"] * rows,
        }
    )
    frame.to_csv(path, index=False)
    return path


# --- the commands, each run on a broken data directory ------------------------------------

COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "validate": lambda data, tmp: ["validate", "--data-dir", str(data)],
    "summary": lambda data, tmp: ["summary", "--data-dir", str(data)],
    "dictionary": lambda data, tmp: ["dictionary", "--check", "--data-dir", str(data)],
    "export": lambda data, tmp: [
        "export",
        "--format",
        "all",
        "--out",
        str(tmp / "exported"),
        "--data-dir",
        str(data),
    ],
    "render": lambda data, tmp: [
        "render",
        "condition_report",
        "-p",
        "condition_id",
        "fixture_shoulder",
        "--out",
        str(tmp / "reports"),
        "--data-dir",
        str(data),
    ],
    "build": lambda data, tmp: [
        "build",
        "--no-progress",
        "--out",
        str(tmp / "reports"),
        "--data-dir",
        str(data),
    ],
    "audit": lambda data, tmp: [
        "audit",
        str(_prescriptions(tmp)),
        "--out",
        str(tmp / "audited.csv"),
        "--data-dir",
        str(data),
    ],
}


def _outputs(tmp: Path) -> list[Path]:
    return [tmp / "exported", tmp / "reports", tmp / "audited.csv"]


# --- the broken tables: each returns the file and the words (line, column) to report ----


def _control_character(data: Path, tmp: Path) -> tuple[list[Path], list[str]]:
    path = _edit(data, "treatments", 0, "name", "Fixture\x1b[31m drug")
    return [path], [f"{path}:{_line_of(path, 0)}", "'name'", "control character U+001B"]


def _nul_character(data: Path, tmp: Path) -> tuple[list[Path], list[str]]:
    path = _edit(data, "conditions", 0, "name", "bad\x00name")
    return [path], [f"{path}:{_line_of(path, 0)}", "'name'", "control character U+0000"]


def _count_beyond_64_bits(data: Path, tmp: Path) -> tuple[list[Path], list[str]]:
    path = data / "study_outcomes.csv"
    header, rows = read_rows(path)
    row = next(i for i, r in enumerate(rows) if r["n_treatment"])
    rows[row]["n_treatment"] = str(2**64 + 1)
    write_rows(path, header, rows)
    return [path], [f"{path}:{_line_of(path, row)}", "'n_treatment'", "64-bit"]


def _latin1_bytes(data: Path, tmp: Path) -> tuple[list[Path], list[str]]:
    path = data / "conditions.csv"
    path.write_bytes(path.read_bytes().replace(b"Fixture", "Fixtur\u00e9".encode("latin-1"), 1))
    return [path], [f"{path}:2", "not valid UTF-8"]


def _long_cell(data: Path, tmp: Path) -> tuple[list[Path], list[str]]:
    line = _line_of(data / "treatments.csv", 1)
    path = _edit(data, "treatments", 1, "purpose", "x" * 200 * 1024)
    words = [f"{path}:{line}", "'purpose'", "204800 characters long"]
    return [path], words


def _table_is_a_folder(data: Path, tmp: Path) -> tuple[list[Path], list[str]]:
    path = data / "sources.csv"
    path.unlink()
    path.mkdir()
    return [], [str(path), "is a folder"]


def _table_too_large(data: Path, tmp: Path) -> tuple[list[Path], list[str]]:
    from calcidata._io import MAX_TABLE_BYTES

    path = data / "evidence.csv"
    with path.open("r+b") as f:  # sparse: the size is there, the bytes are not written
        f.truncate(MAX_TABLE_BYTES + 1)
    return [path], [str(path), "MiB"]


BROKEN_TABLES = {
    "control_character": _control_character,
    "nul_character": _nul_character,
    "count_beyond_64_bits": _count_beyond_64_bits,
    "latin1_bytes": _latin1_bytes,
    "over_long_cell": _long_cell,
    "table_is_a_folder": _table_is_a_folder,
    "table_over_the_size_limit": _table_too_large,
}


def _run(case: Case, capsys) -> str:
    before = _sha(case.inputs)
    status = main(case.argv)
    out, err = capsys.readouterr()
    text = out + err
    assert status == case.status, text
    assert "Traceback" not in text and "internal error" not in text, text
    for words in case.words:
        assert words in err, f"{words!r} not in:\n{err}"
    assert _sha(case.inputs) == before, "an input file was modified"
    for path in case.absent:
        assert not path.exists() or (path.is_dir() and not _visible(path)), f"{path} written"
    return err


def _visible(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name != ".calcidata.lock"]


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("kind", list(BROKEN_TABLES))
def test_broken_tables_are_reported_with_file_line_and_column_by_every_command(
    kind, command, minimal, tmp_path, capsys
):
    data = minimal
    if kind == "count_beyond_64_bits":  # the fixture tables have no arm-level counts
        data = _shipped_copy(tmp_path)
    broken, words = BROKEN_TABLES[kind](data, tmp_path)
    argv = COMMANDS[command](data, tmp_path)
    case = Case(argv, 1, words, inputs=[data, *broken], absent=_outputs(tmp_path))
    err = _run(case, capsys)
    assert "quot" not in err  # an over-long cell is not a quoting problem


def test_validate_reports_the_same_words_as_render_and_build(minimal, tmp_path, capsys):
    _control_character(minimal, tmp_path)
    _long_cell(minimal, tmp_path)
    said = {}
    for command in ("validate", "render", "build", "export"):
        assert main(COMMANDS[command](minimal, tmp_path)) == 1
        said[command] = capsys.readouterr().err
    assert said["render"] == said["validate"] == said["build"] == said["export"]


# --- output paths of the wrong kind ---------------------------------------------------------


def _out_is_a_file(tmp: Path) -> Path:
    path = tmp / "taken"
    path.write_text("mine\n")
    return path


def _out_is_read_only(tmp: Path) -> Path:
    path = tmp / "locked"
    path.mkdir()
    path.chmod(0o500)
    return path


OUT_COMMANDS = {
    "export": lambda data, out: ["export", "--out", str(out), "--data-dir", str(data)],
    "render": lambda data, out: [
        "render",
        "condition_report",
        "-p",
        "condition_id",
        "fixture_shoulder",
        "--out",
        str(out),
        "--data-dir",
        str(data),
    ],
    "build": lambda data, out: [
        "build",
        "--no-progress",
        "--out",
        str(out),
        "--data-dir",
        str(data),
    ],
}


@pytest.mark.parametrize("command", list(OUT_COMMANDS))
@pytest.mark.parametrize(
    ("where", "make", "words"),
    [
        ("a_file", _out_is_a_file, "is a file"),
        pytest.param(
            "read_only",
            _out_is_read_only,
            "not writable",
            marks=pytest.mark.skipif(ROOT_USER, reason="root writes into read-only folders"),
        ),
    ],
)
def test_out_of_the_wrong_kind_is_a_message_naming_it(
    command, where, make, words, minimal, tmp_path, capsys
):
    out = make(tmp_path)
    before = _sha([out])
    case = Case(OUT_COMMANDS[command](minimal, out), 1, [str(out), words], inputs=[minimal, out])
    _run(case, capsys)
    assert _sha([out]) == before


@pytest.mark.parametrize(
    ("make", "words", "status"),
    [
        (lambda tmp: tmp / "nested" / "x.csv", "is a file", 1),
        (lambda tmp: (tmp / "folder.csv").mkdir() or tmp / "folder.csv", "is a folder", 1),
        (lambda tmp: tmp / "result.json", ".csv or .parquet", 2),
    ],
    ids=["folder_of_out_is_a_file", "out_is_a_folder", "unknown_extension"],
)
def test_audit_out_of_the_wrong_kind(make, words, status, fixture_tables, tmp_path, capsys):
    (tmp_path / "nested").write_text("a file, not a folder\n")
    source = _prescriptions(tmp_path)
    out = make(tmp_path)
    argv = ["audit", str(source), "--out", str(out), "--data-dir", str(fixture_tables.data_dir)]
    _run(Case(argv, status, [words], inputs=[source, fixture_tables.data_dir]), capsys)
    leftovers = [p.name for p in tmp_path.rglob("*") if ".tmp" in p.name]
    assert leftovers == []


# --- the audit's own input -------------------------------------------------------------------


def _parquet(tmp: Path, dose) -> Path:
    path = tmp / "rx.parquet"
    pd.DataFrame(
        {"treatment": ["fixture_drug"] * 2, "dose": dose, "unit": ["mg"] * 2, "frequency": [3, 3]}
    ).to_parquet(path)
    return path


@pytest.mark.parametrize(
    ("dose", "words"),
    [
        (pd.to_datetime(["2024-01-01", "2024-01-02"]), "datetime64"),
        (pd.to_timedelta([200, 400], unit="s"), "timedelta64"),
        ([True, False], "bool"),
    ],
    ids=["datetime", "timedelta", "bool"],
)
def test_audit_of_a_dose_column_that_holds_no_numbers_is_a_parameter_error(
    dose, words, fixture_tables, tmp_path, capsys
):
    source = _parquet(tmp_path, dose)
    out = tmp_path / "out.csv"
    argv = ["audit", str(source), "--out", str(out), "--data-dir", str(fixture_tables.data_dir)]
    _run(Case(argv, 2, [str(source), "'dose'", words], inputs=[source], absent=[out]), capsys)


def test_a_failed_audit_leaves_no_temporary_file(fixture_tables, tmp_path, capsys):
    source = tmp_path / "rx.csv"
    good = "fixture_drug,200,mg,TID\n" * 60_000  # more than one block of the reader
    source.write_text("treatment,dose,unit,frequency\n" + good + "x,1\n" + good)
    out = tmp_path / "out.parquet"
    argv = ["audit", str(source), "--out", str(out), "--chunk-rows", "1000"]
    argv += ["--data-dir", str(fixture_tables.data_dir)]
    _run(Case(argv, 1, [str(source), "cannot be read"], inputs=[source], absent=[out]), capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rx.csv"]


def test_audit_of_a_missing_or_folder_input_is_a_file_error(fixture_tables, tmp_path, capsys):
    data = ["--data-dir", str(fixture_tables.data_dir)]
    missing = tmp_path / "missing.csv"
    _run(Case(["audit", str(missing), *data], 1, [str(missing), "no such file"]), capsys)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    _run(Case(["audit", str(folder), *data], 1, [str(folder), "is a folder"]), capsys)


@pytest.mark.parametrize(
    "values",
    [
        [True, False, None],
        [pd.Timestamp("2024-01-01"), pd.Timedelta(days=1), "two hundred"],
        [b"200", [200], {"dose": 200}],
        [complex(200, 0), pd.NaT, "200 mg"],
    ],
    ids=["booleans", "dates_and_durations", "bytes_lists_dicts", "complex_and_nat"],
)
def test_odd_cells_in_an_object_dose_or_frequency_are_invalid_input(values, fixture_tables):
    from calcidata import audit_doses

    for role in ("dose", "frequency"):
        frame = pd.DataFrame(
            {
                "treatment": ["fixture_drug"] * 3,
                "dose": pd.Series(["200"] * 3, dtype=object),
                "unit": ["mg"] * 3,
                "frequency": pd.Series(["TID"] * 3, dtype=object),
            }
        )
        frame[role] = pd.Series(values, dtype=object)
        audited = audit_doses(frame, tables=fixture_tables)
        assert set(audited["status"]) == {"invalid_input"}, (role, audited["reason"].tolist())


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(pd.to_datetime(["2024-01-01"] * 3)),
        pd.Series(pd.to_datetime(["2024-01-01"] * 3)).dt.tz_localize("UTC"),
        pd.Series(pd.to_timedelta([1, 2, 3], unit="D")),
        pd.Series([True, False, True]),
        pd.Series(pd.array([True, None, False], dtype="boolean")),
        pd.Series(pd.Categorical(pd.to_datetime(["2024-01-01"] * 3))),
        pd.Series(pd.period_range("2024-01", periods=3, freq="M")),
        pd.Series([1 + 0j, 2 + 0j, 3 + 0j]),
    ],
    ids=[
        "datetime",
        "datetime_tz",
        "timedelta",
        "bool",
        "nullable_bool",
        "categorical_dates",
        "period",
        "complex",
    ],  # fmt: skip
)
def test_columns_of_the_wrong_type_are_parameter_errors_never_a_verdict(column, fixture_tables):
    from calcidata import audit_doses
    from calcidata.errors import ParameterError

    for role in ("dose", "frequency", "unit", "treatment"):
        frame = pd.DataFrame(
            {
                "treatment": ["fixture_drug"] * 3,
                "dose": [200] * 3,
                "unit": ["mg"] * 3,
                "frequency": [3] * 3,
            }  # fmt: skip
        )
        frame[role] = column.array
        with pytest.raises(ParameterError, match=f"'{role}'"):
            audit_doses(frame, tables=fixture_tables)


def test_nullable_and_categorical_numbers_are_audited_as_numbers(fixture_tables):
    from calcidata import audit_doses

    frame = pd.DataFrame(
        {
            "treatment": ["fixture_drug"] * 3,
            "dose": pd.array([200, None, 200], dtype="Int64"),
            "unit": pd.Categorical(["mg"] * 3),
            "frequency": pd.Categorical([3, 3, 3]),
        }
    )
    plain = frame.astype({"dose": "float64", "unit": object, "frequency": "int64"})
    got = audit_doses(frame, tables=fixture_tables)
    want = audit_doses(plain, tables=fixture_tables)
    assert got["status"].tolist() == want["status"].tolist()
    assert got["status"].iloc[1] == "invalid_input"


# --- state that outlives its cause ------------------------------------------------------------


@pytest.mark.parametrize("command", ["render", "build"])
def test_a_users_own_index_html_is_never_replaced(command, minimal, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    index = out / "index.html"
    index.write_text("<html><body>my own page</body></html>\n")
    argv = OUT_COMMANDS[command](minimal, out)
    _run(Case(argv, 1, [str(index), "not written by calcidata"], inputs=[minimal, index]), capsys)
    assert sorted(_visible(out)) == ["index.html"]


def test_an_export_never_replaces_a_file_it_did_not_write(minimal, tmp_path, capsys):
    out = tmp_path / "exported"
    out.mkdir()
    mine = out / "sources.csv"
    mine.write_text("my own sources\n")
    argv = ["export", "--out", str(out), "--data-dir", str(minimal)]
    _run(Case(argv, 1, [str(out), "sources.csv", "did not"], inputs=[minimal, mine]), capsys)
    assert sorted(p.name for p in out.iterdir()) == ["sources.csv"]
    assert main(["export", "--out", str(tmp_path / "fresh"), "--data-dir", str(minimal)]) == 0
    assert main(["export", "--out", str(tmp_path / "fresh"), "--data-dir", str(minimal)]) == 0


def test_an_export_that_fails_half_way_writes_nothing(minimal, tmp_path, capsys, monkeypatch):
    from calcidata.export import files

    def broken(tables, target):
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(files, "write_xlsx", broken)
    out = tmp_path / "exported"
    argv = ["export", "--format", "all", "--out", str(out), "--data-dir", str(minimal)]
    _run(Case(argv, 1, ["calcidata.xlsx", "No space left"], inputs=[minimal]), capsys)
    assert list(out.iterdir()) == []


# --- spreadsheet formula injection -----------------------------------------------------------

FORMULAS = [
    "=1+1",
    '=HYPERLINK("https://example.org","click")',
    "+SUM(A1:A2)",
    "-2+3",
    "@SUM(A1)",
    '=cmd|" /C calc"!A0',
]


@pytest.mark.parametrize("fmt", ["xlsx", "datapackage", "sqlite", "duckdb", "parquet"])
def test_text_that_looks_like_a_formula_is_stored_as_text_and_read_back_unchanged(
    fmt, minimal, tmp_path, capsys
):
    import calcidata

    path = minimal / "treatments.csv"
    header, rows = read_rows(path)
    for row, text in zip(rows, FORMULAS, strict=False):
        row["purpose"] = text
    write_rows(path, header, rows)
    before = _sha([minimal])
    out = tmp_path / "exported"
    assert main(["export", "--format", fmt, "--out", str(out), "--data-dir", str(minimal)]) == 0
    capsys.readouterr()
    assert _sha([minimal]) == before
    where = {
        "xlsx": out / "calcidata.xlsx",
        "sqlite": out / "calcidata.sqlite",
        "duckdb": out / "calcidata.duckdb",
    }.get(fmt, out)
    back = calcidata.read_export(where).treatments.set_index("treatment_id")["purpose"]
    expected = {r["treatment_id"]: r["purpose"] for r in rows[: len(FORMULAS)]}
    assert {k: back[k] for k in expected} == expected
    if fmt == "xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(where)["treatments"]
        assert [c for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []


# --- memory -----------------------------------------------------------------------------------


def _peak_of_validate(data: Path) -> tuple[int, int, str]:
    """Exit status, peak memory (bytes) and standard error of `validate` in a fresh process."""
    import subprocess

    script = (
        "import resource\n"
        "from calcidata.cli import main\n"
        f"status = main(['validate', '--data-dir', {str(data)!r}])\n"
        "print(status, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    status, peak = map(int, done.stdout.split()[-2:])
    return status, peak, done.stderr


def test_a_table_over_the_limit_is_refused_before_it_is_read(minimal, tmp_path):
    """In a fresh process: refusing it costs no more memory than validating a small table."""
    from calcidata._io import MAX_TABLE_BYTES

    status, baseline, _ = _peak_of_validate(minimal)
    assert status == 0
    path = minimal / "evidence.csv"
    with path.open("ab") as f:
        f.write(b"x" * (MAX_TABLE_BYTES + 1))  # real bytes: reading them would cost memory
    status, peak, err = _peak_of_validate(minimal)
    assert status == 1 and "Traceback" not in err
    assert str(path) in err and "MiB" in err
    assert peak - baseline < MAX_TABLE_BYTES  # reading it whole would cost more than its size


# --- extreme but finite values ----------------------------------------------------------------


def test_pooling_effects_near_1e300_is_a_clear_error_not_a_nan_body():
    import calcidata
    from calcidata.errors import ParameterError

    with pytest.raises(ParameterError, match="double precision"):
        calcidata.meta.pool([1e300, 2e300], [0.1, 0.2], method="DL")


@pytest.mark.parametrize("scale", [1e13, 1.0])
def test_pooled_forests_name_a_body_too_large_to_draw_instead_of_failing(scale):
    import calcidata
    from calcidata.display import pooled_forests
    from calcidata.synthesis.pooled import PooledBody

    keys = {"comparator": "placebo", "outcome_domain": "pain", "timepoint": "3 months"}
    result = calcidata.meta.pool([scale * 1.0, scale * 2.0], [0.1, 0.2], method="DL")
    huge = PooledBody(keys, result, ("A", "B"), ("a", "b"), "MD", "Drug")
    small = PooledBody(keys, calcidata.meta.pool([1.0, 2.0], [0.1, 0.2]), ("C", "D"), ("c", "d"),
                       "MD", "Other")  # fmt: skip
    html = str(pooled_forests([huge, small]))
    assert "<svg" in html  # the drawable body is still drawn
    assert ("Not drawn: Drug vs placebo" in html) == (scale > 1e12)


# --- a failed build does not outlive a later successful one (real kernels) -------------------


@pytest.mark.slow
def test_after_a_failed_build_a_successful_one_lists_no_failure(minimal, tmp_path):
    from calcidata.reports.build import build

    from .render_support import copy_notebooks, fixture_registry

    registry = fixture_registry("hello")
    notebooks = copy_notebooks(tmp_path / "notebooks", hello="hello")
    out = tmp_path / "out"
    options = {"reports": registry, "progress": False, "data_dir": minimal, "jobs": 1}

    def run():
        return build(out, notebooks_dir=notebooks, **options)

    assert run().ok
    good = (out / "index.html").read_text()
    copy_notebooks(notebooks, hello="fails")
    failed = run()
    assert not failed.ok
    assert list((out / "_failed").rglob("*.ipynb"))
    assert "failed in the last render" in (out / "index.html").read_text()
    copy_notebooks(notebooks, hello="hello")  # back as it was: the old page is up to date
    again = run()
    assert again.ok and not again.rendered  # nothing re-rendered, and yet ...
    index = (out / "index.html").read_text()
    assert "failed in the last render" not in index and "_failed" not in index  # ... none stale
    assert not (out / "_failed").exists()
    assert index == good


AUDIT_INPUTS = {
    "duplicate_column_names": (
        b"treatment,treatment,dose,unit,frequency\nfixture_drug,x,200,mg,TID\n",
        2,
        ["more than once"],
    ),
    "unclosed_quote": (b'treatment,dose,unit,frequency\n"fixture_drug,200,mg,TID\n', 1, ["cannot"]),
    "utf16": ("treatment,dose,unit,frequency\n".encode("utf-16"), 1, ["UTF-8"]),
    "nul_bytes": (b"\x00" * 64, 1, [":1: column 1", "control character U+0000"]),
    "control_character_in_a_column_name": (
        b"treatment,do\x1bse,unit,frequency\n",
        1,
        [":1: column 2", "control character U+001B"],
    ),
    "header_longer_than_a_block": (b"a," * (1 << 20), 1, [":1:", "header row is longer"]),
    "header_with_too_many_columns": (
        ",".join(f"c{i}" for i in range(5000)).encode() + b"\n",
        1,
        [":1:", "5000 columns", "at most 4096"],
    ),
    "header_not_utf8": (b"treatment,dos\xe9,unit,frequency\n", 1, [":1: column 2", "UTF-8"]),
    "header_only": (b"treatment,dose,unit,frequency\n", 0, []),
    "row_longer_than_a_block": (
        b"treatment,dose,unit,frequency\n" + b"x" * (3 << 20) + b",200,mg,TID\n",
        1,
        ["a row is longer than"],
    ),
    "control_characters_in_cells": (
        b"treatment,dose,unit,frequency\nfixture\x1bdrug,2\x0700,m\x00g,T\x08ID\n",
        0,
        ["invalid_input 1"],
    ),
    "huge_numbers": (
        b"treatment,dose,unit,frequency\nfixture_drug,1e400,mg,TID\n"
        b"fixture_drug,"
        + str(2**200).encode()
        + b",mg,TID\nfixture_drug,200,mg,"
        + str(2**90).encode()
        + b"\n",
        0,
        ["audited 3 rows"],
    ),
}


@pytest.mark.parametrize("kind", list(AUDIT_INPUTS))
def test_audit_input_files_of_every_kind(kind, fixture_tables, tmp_path, capsys):
    content, status, words = AUDIT_INPUTS[kind]
    source = tmp_path / "rx.csv"
    source.write_bytes(content)
    out = tmp_path / "out.csv"
    argv = ["audit", str(source), "--out", str(out), "--data-dir", str(fixture_tables.data_dir)]
    named = [str(source)] if status else []
    case = Case(argv, status, [*named, *words], inputs=[source], absent=[] if not status else [out])
    _run(case, capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["rx.csv", *(["out.csv"] if status == 0 else [])]
    )


def test_a_terminated_audit_leaves_no_temporary_file(fixture_tables, tmp_path):
    """SIGTERM (what `kill` sends) ends the audit as an interruption: cleanup runs."""
    import signal
    import subprocess
    import time

    source = tmp_path / "rx.csv"
    source.write_text("treatment,dose,unit,frequency\n" + "fixture_drug,200,mg,TID\n" * 400_000)
    out = tmp_path / "out.csv"
    argv = ["audit", str(source), "--out", str(out), "--chunk-rows", "500"]
    argv += ["--data-dir", str(fixture_tables.data_dir)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "calcidata", *argv], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 120
    while not any(".tmp" in p.name for p in tmp_path.iterdir()):  # writing has started
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rx.csv"]


@pytest.mark.parametrize("command", ["validate", "audit"])
def test_a_pipe_in_place_of_a_file_is_never_read(command, minimal, tmp_path, capsys):
    pipe = tmp_path / "rx.csv"
    if command == "validate":
        pipe = minimal / "evidence.csv"
        pipe.unlink()
    os.mkfifo(pipe)  # opening it would block for ever
    argv = ["validate", "--data-dir", str(minimal)]
    if command == "audit":
        argv = ["audit", str(pipe), "--out", str(tmp_path / "out.csv"), "--data-dir", str(minimal)]
    _run(Case(argv, 1, [str(pipe), "not a regular file"]), capsys)


def test_the_audit_never_writes_over_a_table(minimal, tmp_path, capsys):
    source = _prescriptions(tmp_path)
    table = minimal / "evidence.csv"
    argv = ["audit", str(source), "--out", str(table), "--data-dir", str(minimal)]
    _run(Case(argv, 2, [str(table), "one of calcidata's tables"], inputs=[minimal, source]), capsys)


@pytest.mark.skipif(ROOT_USER, reason="root reads files whatever their permissions")
@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_unreadable_table_is_an_io_error_named_by_every_command(
    command, minimal, tmp_path, capsys
):
    path = minimal / "treatments.csv"
    path.chmod(0)
    try:
        argv = COMMANDS[command](minimal, tmp_path)
        _run(Case(argv, 1, [str(path), "cannot be read"], absent=_outputs(tmp_path)), capsys)
    finally:
        path.chmod(0o644)


def test_dictionary_never_replaces_a_readme_it_did_not_write(minimal, capsys):
    readme = minimal / "README.md"
    readme.write_text("# my own notes on these tables\n")
    argv = ["dictionary", "--data-dir", str(minimal)]
    _run(Case(argv, 1, [str(readme), "not written by calcidata"], inputs=[minimal]), capsys)
    readme.unlink()
    assert main(argv) == 0 and main(argv) == 0  # its own file it replaces


def test_a_reader_that_stops_early_ends_the_audit_quietly(fixture_tables, tmp_path):
    import subprocess

    source = tmp_path / "rx.csv"
    source.write_text("treatment,dose,unit,frequency\n" + "fixture_drug,200,mg,TID\n" * 200_000)
    argv = ["audit", str(source), "--data-dir", str(fixture_tables.data_dir)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "calcidata", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.readline().startswith(b'"treatment"')
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "Exception ignored" not in err and "error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rx.csv"]


# --- bounded memory on any input file (the header and compressed input included) ------------

#: Address space the audit may use in the test below (importing pandas and pyarrow fits).
AUDIT_ADDRESS_SPACE = 512 << 20


def _gzip_of_zeros(path: Path, head: bytes, size: int) -> Path:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    block = bytes(1 << 20)
    with path.open("wb") as f:
        f.write(packer.compress(head))
        for _ in range(size >> 20):
            f.write(packer.compress(block))
        f.write(packer.flush())
    return path


def _one_line_header(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "wide.csv"
    path.write_bytes(b"a," * (5 << 20))  # 10 MB, 5 million columns, no line end
    return path, [":1:", "header row is longer than 1 MiB"]


def _nul_bytes(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "zeros.csv"
    with path.open("wb") as f:
        f.truncate(1 << 30)  # 1 GiB of NUL bytes (sparse)
    return path, [":1:", "header row is longer than 1 MiB"]


def _gzip_bomb(tmp: Path) -> tuple[Path, list[str]]:
    path = _gzip_of_zeros(tmp / "bomb.csv.gz", b"", 1 << 30)  # 1 MB holding 1 GiB
    return path, [":1:", "header row is longer than 1 MiB"]


def _gzip_bomb_after_a_header(tmp: Path) -> tuple[Path, list[str]]:
    path = _gzip_of_zeros(tmp / "bomb2.csv.gz", b"treatment,dose,unit,frequency\n", 1 << 30)
    return path, ["cannot be read", "a row is longer than 1 MiB"]


@pytest.mark.parametrize(
    "make", [_one_line_header, _nul_bytes, _gzip_bomb, _gzip_bomb_after_a_header]
)
def test_the_audit_of_a_hostile_file_fails_fast_in_bounded_memory(make, fixture_tables, tmp_path):
    """In a fresh process held to 512 MB of address space: a clear error, exit 1, quickly."""
    import subprocess
    import time

    source, words = make(tmp_path)
    before = _sha([source])
    out = tmp_path / "out.csv"
    script = (
        "import resource, sys\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({AUDIT_ADDRESS_SPACE}, {AUDIT_ADDRESS_SPACE}))\n"
        "from calcidata.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    argv = ["audit", str(source), "--out", str(out)]
    argv += ["--data-dir", str(fixture_tables.data_dir)]
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script, *argv], capture_output=True, text=True, timeout=300
    )
    took = time.monotonic() - start
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
    assert "MemoryError" not in done.stderr and "bad_alloc" not in done.stderr, done.stderr
    for word in [str(source), *words]:
        assert word in done.stderr, done.stderr
    assert took < 60, took
    assert not out.exists() and _sha([source]) == before


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not gzip at all\n", ["cannot be read", "Not a gzipped file"]),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", ["cannot be read", "ended before"]),
    ],
    ids=["not_gzip", "truncated_gzip"],
)
def test_a_broken_gzip_input_is_named(content, words, fixture_tables, tmp_path, capsys):
    source = tmp_path / "rx.csv.gz"
    source.write_bytes(content)
    out = tmp_path / "out.csv"
    argv = ["audit", str(source), "--out", str(out), "--data-dir", str(fixture_tables.data_dir)]
    _run(Case(argv, 1, [str(source), *words], inputs=[source], absent=[out]), capsys)


def test_one_column_for_two_audit_roles_is_refused(fixture_tables, tmp_path, capsys):
    from calcidata import audit_doses
    from calcidata.errors import ParameterError

    frame = pd.DataFrame(
        {"treatment": ["fixture_drug"], "dose": ["200"], "unit": ["mg"], "frequency": ["TID"]}
    )
    with pytest.raises(ParameterError, match="'dose' is named for dose and frequency"):
        audit_doses(frame, frequency="dose", tables=fixture_tables)
    source = _prescriptions(tmp_path)
    argv = ["audit", str(source), "--frequency-column", "dose", "--out", str(tmp_path / "o.csv")]
    argv += ["--data-dir", str(fixture_tables.data_dir)]
    _run(Case(argv, 2, [str(source), "named for dose and frequency"], inputs=[source]), capsys)


def test_a_column_named_0_can_be_chosen(fixture_tables):
    from calcidata import audit_doses

    frame = pd.DataFrame(
        {"treatment": ["fixture_drug"], 0: [200], "unit": ["mg"], "frequency": [3]}
    )
    renamed = frame.rename(columns={0: "dose"})
    got = audit_doses(frame, dose=0, tables=fixture_tables)
    want = audit_doses(renamed, tables=fixture_tables)
    assert got["status"].tolist() == want["status"].tolist() != ["invalid_input"]


@pytest.mark.slow
def test_a_notebook_that_is_not_json_is_a_failure_the_index_lists(minimal, tmp_path, capsys):
    """No executed copy exists for such a job: the index still names it, never 'Every report
    rendered without error' (one definition of the last build's failures)."""
    from calcidata.reports.build import build
    from calcidata.reports.index import last_failures

    from .render_support import copy_notebooks, fixture_registry

    notebooks = copy_notebooks(tmp_path / "notebooks", hello="hello")
    broken = notebooks / "hello.ipynb"
    broken.write_text("{ this is not json\n")
    before = _sha([broken, minimal])
    out = tmp_path / "out"
    result = build(
        out, notebooks_dir=notebooks, reports=fixture_registry("hello"), progress=False,
        data_dir=minimal, jobs=1,
    )  # fmt: skip
    assert not result.ok and not result.rendered
    index = (out / "index.html").read_text()
    assert "Every report rendered without error" not in index
    assert "failed in the last render" in index and "none failed" not in index
    failures = last_failures(out)
    assert [f["report"] for f in failures] == ["hello"] * len(result.failed)
    assert all(str(broken) in f["why"] and "JSON" in f["why"] for f in failures)
    assert all(str(broken) in outcome.message for outcome in result.failed)
    assert _sha([broken, minimal]) == before


# --- reading an export back: one missing-value policy, checked values, no network ----------

EXPORT_FORMATS = ["xlsx", "datapackage", "sqlite", "duckdb", "parquet"]
MISSING_LOOKALIKES = ["NA", "null", "None", "nan", "N/A", "NULL", "NaN", "#N/A", "-nan", "n/a"]


def _exported(data: Path, tmp: Path, fmt: str) -> Path:
    out = tmp / f"exported-{fmt}"
    assert main(["export", "--format", fmt, "--out", str(out), "--data-dir", str(data)]) == 0
    return {
        "xlsx": out / "calcidata.xlsx",
        "sqlite": out / "calcidata.sqlite",
        "duckdb": out / "calcidata.duckdb",
    }.get(fmt, out)


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_texts_that_look_missing_are_read_back_as_text_by_every_format(
    fmt, minimal, tmp_path, capsys
):
    """docs/errors.md: a value is missing only where the format says so; no text is."""
    import calcidata

    path = minimal / "treatments.csv"
    header, rows = read_rows(path)
    for row, text in zip(rows, MISSING_LOOKALIKES, strict=False):
        row["purpose"] = text
    write_rows(path, header, rows)
    loaded = calcidata.load(minimal)
    back = calcidata.read_export(_exported(minimal, tmp_path, fmt))
    capsys.readouterr()
    for name in ("treatments", "sources", "evidence"):
        pd.testing.assert_frame_equal(
            back[name].sort_values(list(back[name].columns[:1])).reset_index(drop=True),
            loaded[name].sort_values(list(loaded[name].columns[:1])).reset_index(drop=True),
        )
    got = dict(zip(back.treatments["treatment_id"], back.treatments["purpose"], strict=True))
    for row in rows[: len(MISSING_LOOKALIKES)]:
        assert got[row["treatment_id"]] == row["purpose"]


def _tamper_datapackage(out: Path) -> tuple[Path, list[str]]:
    path = out / "evidence.csv"
    header, rows = read_rows(path)
    column = next(c for c in ("certainty", "direction", "design") if c in header)
    rows[0][column] = "not_a_level"
    write_rows(path, header, rows)
    return out, [str(path), f"'{column}'", "not_a_level"]


def _tamper_number(out: Path) -> tuple[Path, list[str]]:
    import sqlite3

    db = out
    con = sqlite3.connect(db)
    con.execute("PRAGMA ignore_check_constraints = ON")
    table, column = next(
        (t, c)
        for t in ("dosing_ranges", "study_outcomes", "evidence")
        for c, kind in [(r[1], r[2]) for r in con.execute(f'PRAGMA table_info("{t}")')]
        if kind == "REAL"
    )
    first = f'(SELECT min(rowid) FROM "{table}")'
    con.execute(f'UPDATE "{table}" SET "{column}" = \'abc\' WHERE rowid = {first}')
    con.commit()
    con.close()
    return db, [f"{db}[{table}]", f"'{column}'", "abc", "finite number"]


@pytest.mark.parametrize(
    ("fmt", "tamper"), [("datapackage", _tamper_datapackage), ("sqlite", _tamper_number)]
)
def test_a_tampered_export_is_validated_naming_table_row_and_column(
    fmt, tamper, minimal, tmp_path, capsys
):
    import calcidata
    from calcidata.errors import DataValidationError

    where, words = tamper(_exported(minimal, tmp_path, fmt))
    capsys.readouterr()
    with pytest.raises(DataValidationError) as caught:
        calcidata.read_export(where)
    text = str(caught.value)
    for word in words:
        assert word in text, text
    assert any(p.line for p in caught.value.problems)


def _not_an_export(tmp: Path, kind: str) -> tuple[object, type, list[str]]:
    import sqlite3

    from calcidata.errors import ArgumentTypeError, FileAccessError, ParameterError

    if kind == "none":
        return None, ArgumentTypeError, ["path must be a path", "NoneType"]
    if kind == "folder_named_xlsx":
        path = tmp / "book.xlsx"
        path.mkdir()
        return path, FileAccessError, [str(path), "is a folder"]
    if kind == "missing":
        return tmp / "gone.sqlite", FileAccessError, ["gone.sqlite", "no such file"]
    if kind == "text_named_duckdb":
        path = tmp / "fake.duckdb"
        path.write_text("INSTALL httpfs; this is not a database\n")
        return path, FileAccessError, [str(path), "not a duckdb file"]
    if kind == "text_named_sqlite":
        path = tmp / "fake.sqlite"
        path.write_text("hello\n")
        return path, FileAccessError, [str(path), "not a sqlite file"]
    if kind == "empty_sqlite_database":
        path = tmp / "empty.sqlite"
        sqlite3.connect(path).execute("CREATE TABLE other (x)").connection.close()
        return path, FileAccessError, [str(path), "cannot be read as a calcidata sqlite export"]
    if kind == "zip_named_xlsx":
        import zipfile

        path = tmp / "other.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("hello.txt", "not a workbook")
        return path, FileAccessError, [str(path), "cannot be read as a calcidata xlsx export"]
    if kind == "zip_bomb_named_xlsx":
        import zipfile

        path = tmp / "bomb.xlsx"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
            with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
                for _ in range(300):
                    f.write(bytes(1 << 20))  # 300 MiB of zeros, a few hundred KiB zipped
        return path, FileAccessError, [str(path), "MiB unzipped", "at most 256 MiB"]
    if kind == "sparse_sqlite_over_the_limit":
        from calcidata.export import MAX_EXPORT_BYTES

        path = tmp / "big.sqlite"
        with path.open("wb") as f:
            f.write(b"SQLite format 3\x00")
            f.truncate(MAX_EXPORT_BYTES + 1)
        return path, FileAccessError, [str(path), "at most 256 MiB"]
    if kind == "unknown_format":
        return tmp, ParameterError, ["cannot read format 'json'"]
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind",
    [
        "none",
        "folder_named_xlsx",
        "missing",
        "text_named_duckdb",
        "text_named_sqlite",
        "empty_sqlite_database",
        "zip_named_xlsx",
        "zip_bomb_named_xlsx",
        "sparse_sqlite_over_the_limit",
        "unknown_format",
    ],
)
def test_read_export_of_what_is_not_an_export_is_a_calcidata_error(kind, tmp_path):
    import calcidata
    from calcidata.errors import CalcidataError

    path, error, words = _not_an_export(tmp_path, kind)
    before = _sha([tmp_path])
    with pytest.raises(error) as caught:
        calcidata.read_export(path, format="json" if kind == "unknown_format" else None)
    assert isinstance(caught.value, CalcidataError)
    assert isinstance(caught.value, (TypeError, ValueError)) or error.__name__ == "FileAccessError"
    for word in words:
        assert word in str(caught.value), str(caught.value)
    assert _sha([tmp_path]) == before


def test_duckdb_never_installs_or_loads_an_extension(minimal, tmp_path, capsys):
    from calcidata.export.sql import duckdb_connect

    con = duckdb_connect(_exported(minimal, tmp_path, "duckdb"), read_only=True)
    try:
        settings = dict(
            con.sql(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('autoinstall_known_extensions', 'autoload_known_extensions', "
                "'allow_community_extensions')"
            ).fetchall()
        )
    finally:
        con.close()
    assert settings == dict.fromkeys(
        ["autoinstall_known_extensions", "autoload_known_extensions", "allow_community_extensions"],
        "false",
    )


# --- user text reaches matplotlib as text, never as mathtext ---------------------------------

MATHTEXT = ["$\\frac{1}{0}$ drug", "cost $5", "\\$x$ and $y$", "$$", "a\\b $\\alpha"]


def _plots_of(tables) -> list:
    from calcidata import analysis, display

    shoulder = {"condition_id": "fixture_shoulder"}
    return [
        display.plot_results_grid(analysis.forest_data(tables, **shoulder)),
        display.plot_dose_range_grid(analysis.dose_intervals(tables)),
        display.plot_evidence_map(analysis.evidence_map(tables)).figure,
        display.plot_participants(analysis.side_by_side(tables, **shoulder)).figure,
        display.plot_directions(analysis.direction_counts(tables, **shoulder)).figure,
    ]


@pytest.mark.parametrize("text", MATHTEXT)
def test_user_text_in_every_plot_is_never_mathtext(text, minimal):
    """Every plot but the forest plots (drawn elsewhere), wide and drawn for a phone:
    names, units and titles with `$` are drawn as written, and no text object of any
    figure is parsed as mathtext."""
    import matplotlib.pyplot as plt
    from matplotlib import cbook
    from matplotlib.text import Text

    import calcidata

    for table, column in [("treatments", "name"), ("conditions", "name")]:
        path = minimal / f"{table}.csv"
        header, rows = read_rows(path)
        for i, row in enumerate(rows):
            row[column] = f"{text} {i}"
        write_rows(path, header, rows)
    tables = calcidata.load(minimal)
    shown = []
    try:
        wide = _plots_of(tables)
        phone = [fig.narrow() for fig in wide if getattr(fig, "narrow", None)]
        assert len(phone) == 4  # the grids and the bar charts (the evidence map has none)
        for fig in wide + phone:
            fig.draw_without_rendering()  # unbalanced or bad mathtext would raise here
            for item in fig.findobj(Text):
                assert not cbook.is_math_text(item.get_text()), item.get_text()
                shown.append(item.get_text().replace("\\$", "$"))
    finally:
        plt.close("all")
    assert any(text in s for s in shown), shown


# --- the columns the audit does not use come back unchanged, whatever their Parquet type -----


def _every_parquet_type(rows: int = 5):
    import datetime as dt
    import decimal

    import pyarrow as pa

    n = rows
    return pa.table(
        {
            "treatment": pa.array(["fixture_drug"] * n),
            "dose": pa.array([200.0] * n),
            "unit": pa.array(["mg"] * n),
            "frequency": pa.array(["TID"] * n),
            "list_of_structs": pa.array(
                [[{"a": 7, "b": "x"}], [], None, [{"a": None, "b": None}], [{"a": 1, "b": "$"}]][
                    :n
                ],
                type=pa.list_(pa.struct([("a", pa.int64()), ("b", pa.string())])),
            ),
            "map": pa.array(
                [[("k", 1)], [], None, [("a", None), ("b", 2)], [("z", 3)]][:n],
                type=pa.map_(pa.string(), pa.int32()),
            ),
            "struct": pa.array(
                [{"x": 1.5, "y": [1, 2]}, None, {"x": None, "y": None}, {"x": 0.0, "y": []}]
                + [{"x": -1.0, "y": [3]}],
                type=pa.struct([("x", pa.float64()), ("y", pa.list_(pa.int16()))]),
            ),
            "decimal": pa.array(
                [decimal.Decimal("1.10"), None, decimal.Decimal("-0.01")] * 2, pa.decimal128(9, 2)
            )[:n],
            "binary": pa.array([b"\x00\xff", b"", None, b"abc", b"\x01"], type=pa.large_binary()),
            "fixed_list": pa.array(
                [[1, 2], [3, 4], None, [5, 6], [7, 8]], type=pa.list_(pa.int8(), 2)
            ),
            "timestamp_tz": pa.array(
                [dt.datetime(2024, 1, 1, 12, tzinfo=dt.UTC)] * n, pa.timestamp("us", tz="UTC")
            ),
            "date": pa.array([dt.date(1900, 1, 1), None, dt.date(2200, 12, 31)] * 2)[:n],
            "dictionary": pa.array(["a", "b", None, "a", "c"]).dictionary_encode(),
            "nested_list": pa.array(
                [[[1]], [[]], None, [[2, 3], None], []], pa.list_(pa.list_(pa.int64()))
            ),
            "uint64": pa.array([2**64 - 1, 0, None, 1, 2], pa.uint64()),
            "all_null": pa.nulls(n),
        }
    )


@pytest.mark.parametrize("chunk_rows", [2, 100])
def test_parquet_columns_the_audit_does_not_use_keep_their_types_and_values(
    chunk_rows, fixture_tables, tmp_path
):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from calcidata.audit.files import audit_file

    table = _every_parquet_type()
    source = tmp_path / "rx.parquet"
    pq.write_table(table, source)
    before = _sha([source])
    out = tmp_path / "out.parquet"
    counts = audit_file(source, out, chunk_rows=chunk_rows, tables=fixture_tables)
    assert counts.sum() == table.num_rows
    back = pq.read_table(out)
    for name in table.column_names:
        want = table.column(name)
        got = back.column(name)
        if pa.types.is_null(want.type):
            assert got.null_count == len(got)
            continue
        if pa.types.is_dictionary(want.type):
            want, got = want.cast(want.type.value_type), got.cast(want.type.value_type)
        assert got.type == want.type, name
        assert got.combine_chunks().equals(want.combine_chunks()), name
    assert _sha([source]) == before


# --- expected failures are not "internal error" -------------------------------------------


def _raise_during_the_database_write(monkeypatch, error: Exception) -> None:
    """The rows fed to the database stop with ``error`` (what DuckDB raises mid-write)."""
    from calcidata.export import sql

    real = sql._batches

    def batches(tables):
        for i, item in enumerate(real(tables)):
            if i == 2:
                raise error
            yield item

    monkeypatch.setattr(sql, "_batches", batches)


@pytest.mark.parametrize(
    ("fmt", "error", "status", "words"),
    [
        ("duckdb", "interrupt", 130, ["interrupted"]),
        ("duckdb", "full_disk", 1, ["calcidata.duckdb", "No space left on device"]),
        ("sqlite", "full_disk", 1, ["calcidata.sqlite", "database or disk is full"]),
    ],
)
def test_a_database_write_that_is_interrupted_or_runs_out_of_disk_is_named(
    fmt, error, status, words, minimal, tmp_path, capsys, monkeypatch
):
    import sqlite3

    import duckdb

    errors = {
        ("duckdb", "interrupt"): duckdb.InterruptException("INTERRUPT Error: Interrupted!"),
        ("duckdb", "full_disk"): duckdb.IOException(
            'IO Error: Could not write file "x.tmp": No space left on device'
        ),
        ("sqlite", "full_disk"): sqlite3.OperationalError("database or disk is full"),
    }
    _raise_during_the_database_write(monkeypatch, errors[fmt, error])
    out = tmp_path / "exported"
    argv = ["export", "--format", fmt, "--out", str(out), "--data-dir", str(minimal)]
    _run(Case(argv, status, words, inputs=[minimal]), capsys)
    assert _visible(out) == [] if out.exists() else True


@pytest.mark.slow
@pytest.mark.parametrize("command", ["render", "build"])
def test_a_notebook_whose_kernelspec_names_an_unknown_kernel_is_a_failed_job(
    command, minimal, tmp_path, capsys
):
    import json as _json

    from calcidata.reports.build import build, render
    from calcidata.reports.index import last_failures

    from .render_support import copy_notebooks, fixture_registry

    notebooks = copy_notebooks(tmp_path / "notebooks", hello="hello")
    path = notebooks / "hello.ipynb"
    nb = _json.loads(path.read_text())
    nb["metadata"]["kernelspec"] = {"name": "no-such-kernel", "language": "python"}
    path.write_text(_json.dumps(nb))
    before = _sha([path, minimal])
    out = tmp_path / "out"
    options = {
        "notebooks_dir": notebooks,
        "reports": fixture_registry("hello"),
        "data_dir": minimal,
    }
    if command == "render":
        from calcidata.errors import RenderError

        with pytest.raises(RenderError, match="no Jupyter kernel named 'no-such-kernel'"):
            render("hello", {"condition_id": "fixture_shoulder"}, out_dir=out, **options)
    else:
        result = build(out, progress=False, jobs=1, **options)
        assert not result.ok and not result.rendered
        assert all("no-such-kernel" in f.message for f in result.failed)
    assert last_failures(out) and "Every report rendered" not in (out / "index.html").read_text()
    assert _sha([path, minimal]) == before


def test_concurrent_exports_into_one_folder_keep_every_entry(minimal, tmp_path):
    """Each export re-reads .calcidata-export.json under the folder's lock before writing."""
    import json as _json
    import subprocess

    out = tmp_path / "exported"
    formats = ["datapackage", "parquet", "sqlite", "duckdb", "xlsx", "jsonschema"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "calcidata", "export", "--format", fmt, "--out", str(out)]
            + ["--data-dir", str(minimal)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for fmt in formats
    ]
    for proc in procs:
        err = proc.communicate(timeout=300)[1]
        assert proc.returncode == 0, err
    owned = set(_json.loads((out / ".calcidata-export.json").read_text()))
    written = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert written == owned
    assert main(["export", "--format", "all", "--out", str(out), "--data-dir", str(minimal)]) == 0


# --- the Python API checks its arguments ------------------------------------------------------


def _functions_taking_tables() -> list:
    import importlib
    import inspect

    import calcidata

    found = [("calcidata", "evidence_profile", calcidata.evidence_profile)]
    for module in ("calcidata.analysis", "calcidata.synthesis"):
        mod = importlib.import_module(module)
        for name in mod.__all__:
            fn = getattr(mod, name)
            if inspect.isfunction(fn) and next(iter(inspect.signature(fn).parameters), "") == (
                "tables"
            ):
                found.append((module, name, fn))
    return found


WRONG_TABLES = {
    "none": None,
    "data_frame": pd.DataFrame({"condition_id": ["x"]}),
    "dict": {"evidence": pd.DataFrame()},
    "string": "calcinosis_ctd",
}


@pytest.mark.parametrize("wrong", list(WRONG_TABLES))
def test_every_function_taking_tables_refuses_another_object_naming_the_argument(wrong):
    from calcidata.errors import ArgumentTypeError, CalcidataError

    functions = _functions_taking_tables()
    assert len(functions) > 15
    for _module, name, fn in functions:
        with pytest.raises(ArgumentTypeError, match="tables must be calcidata.Tables") as caught:
            fn(WRONG_TABLES[wrong], "calcinosis_ctd") if name == "evidence_profile" else fn(
                WRONG_TABLES[wrong]
            )
        assert isinstance(caught.value, TypeError) and isinstance(caught.value, CalcidataError)


def test_tables_missing_a_column_are_named(fixture_tables):
    import dataclasses

    import calcidata
    from calcidata.errors import ParameterError

    broken = dataclasses.replace(
        fixture_tables, evidence=fixture_tables.evidence.drop(columns=["direction"])
    )
    with pytest.raises(ParameterError, match="tables.evidence has no column 'direction'"):
        calcidata.evidence_profile(broken)
    with pytest.raises(ParameterError, match="'direction'"):
        calcidata.analysis.evidence_map(broken)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: _selection(include_narrower="no"), "ArgumentTypeError", "include_narrower"),
        (lambda: _selection(include_narrower=0), "ArgumentTypeError", "include_narrower"),
        (lambda: _selection(outcome=["pain"]), "ArgumentTypeError", "outcome must be a string"),
        (lambda: _build(jobs=0), "ParameterError", "jobs must be at least 1"),
        (lambda: _build(jobs=-1), "ParameterError", "jobs must be at least 1"),
        (lambda: _build(jobs=2.5), "ArgumentTypeError", "jobs must be a whole number"),
        (lambda: _build(jobs=True), "ArgumentTypeError", "jobs must be a whole number"),
    ],
    ids=[
        "include_narrower_no",
        "include_narrower_0",
        "outcome_list",
        "jobs_0",
        "jobs_minus_1",
        "jobs_float",
        "jobs_bool",
    ],
)
def test_misused_arguments_are_refused_naming_the_argument(call, error, words, tmp_path):
    from calcidata import errors

    with pytest.raises(getattr(errors, error), match=words) as caught:
        call()
    assert isinstance(caught.value, (TypeError, ValueError))


def _selection(**kwargs):
    from calcidata.analysis import Selection

    return Selection("fixture_shoulder", **kwargs)


def _build(**kwargs):
    import tempfile

    import calcidata

    with tempfile.TemporaryDirectory() as tmp:
        try:
            calcidata.build(Path(tmp) / "out", progress=False, **kwargs)
        finally:
            assert not (Path(tmp) / "out").exists()  # refused before anything is written


# --- Unicode: look-alikes are normalised where matched, bidi controls refused ---------------

LOOKALIKES = [
    # (column, written, read as: None = unreadable, else the plain spelling)
    ("frequency", "1_0", None),  # float() reads it as 10
    ("frequency", "tıd", None),  # dotless i: "tıd".upper() == "TID"
    ("frequency", "\u0661\u0660", None),  # Arabic-Indic digits: float() reads 10
    ("frequency", "ＴＩＤ", "TID"),  # fullwidth: NFKC is TID
    ("frequency", "３", "3"),
    ("unit", "\u03bcg", "\u00b5g"),  # Greek mu, the NFKC form of the micro sign
    ("unit", "ｍｇ", "mg"),
    ("unit", "mg\u200b", None),  # a zero-width space is not a unit
    ("treatment", "ｆｉｘｔｕｒｅ_ｄｒｕｇ", "fixture_drug"),
]


@pytest.mark.parametrize(("column", "written", "plain"), LOOKALIKES)
def test_lookalikes_are_matched_after_nfkc_and_never_by_accident(
    column, written, plain, fixture_tables
):
    from calcidata import audit_doses

    def audited(value):
        frame = pd.DataFrame(
            {"treatment": ["fixture_drug"], "dose": ["200"], "unit": ["mg"], "frequency": ["TID"]}
        )
        frame[column] = [value]
        return audit_doses(frame, tables=fixture_tables).iloc[0]

    got = audited(written)
    if plain is None:
        assert got["status"] in ("invalid_input", "unknown_treatment"), got["reason"]
    else:
        want = audited(plain)
        assert (got["status"], got["daily_dose"]) == (want["status"], want["daily_dose"])
        assert want["status"] not in ("invalid_input", "unknown_treatment"), want["reason"]


@pytest.mark.parametrize("char", ["\u202e", "\u202a", "\u2066", "\u2069"])
@pytest.mark.parametrize(
    ("table", "column"), [("treatments", "name"), ("sources", "urls")], ids=["text", "url"]
)
def test_bidi_controls_are_refused_in_text_and_urls_with_row_and_column(
    char, table, column, minimal, tmp_path, capsys
):
    path = minimal / f"{table}.csv"
    header, rows = read_rows(path)
    row = next(i for i, r in enumerate(rows) if r[column])
    rows[row][column] = rows[row][column][:4] + char + rows[row][column][4:]
    write_rows(path, header, rows)
    words = [
        f"{path}:{_line_of(path, row)}",
        f"'{column}'",
        f"bidirectional control U+{ord(char):04X}",
    ]
    argv = ["validate", "--data-dir", str(minimal)]
    _run(Case(argv, 1, words, inputs=[minimal]), capsys)


# --- temporary files are swept ----------------------------------------------------------------


def test_a_partial_audit_output_left_by_sigkill_is_swept_by_the_next_run(fixture_tables, tmp_path):
    import signal
    import subprocess
    import time

    source = tmp_path / "rx.csv"
    source.write_text("treatment,dose,unit,frequency\n" + "fixture_drug,200,mg,TID\n" * 400_000)
    out = tmp_path / "o.csv"
    argv = ["audit", str(source), "--out", str(out), "--chunk-rows", "500"]
    argv += ["--data-dir", str(fixture_tables.data_dir)]
    proc = subprocess.Popen([sys.executable, "-m", "calcidata", *argv], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (partial := [p for p in tmp_path.iterdir() if p.name.startswith(".o.csv.")]):
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # no cleanup can run
    proc.communicate(timeout=60)
    assert [p.exists() for p in partial] == [True]
    old = time.time() - 3600
    os.utime(partial[0], (old, old))  # left there an hour ago
    assert main(argv) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.csv", "rx.csv"]


def test_only_temporary_files_no_live_writer_holds_are_swept(tmp_path):
    import time

    from calcidata._io import held, sweep_orphans

    target = tmp_path / "o.csv"
    live, dead, young = (tmp_path / f".o.csv.{n}.tmp" for n in ("live", "dead", "young"))
    other = tmp_path / ".other.csv.x.tmp"
    old = time.time() - 3600
    for path in (live, dead, young, other):
        path.write_text("partial")
        if path is not young:
            os.utime(path, (old, old))
    with held(live):
        assert sweep_orphans(target) == [dead]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, young.name, other.name])


@pytest.mark.slow
def test_an_interrupted_render_prints_no_asyncio_traceback(minimal, tmp_path):
    """SIGTERM while a cell runs: status 130, "interrupted", the page kept, nothing else."""
    import json as _json
    import signal
    import subprocess
    import time

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = _json.loads((Path(__file__).parent / "fixtures/notebooks/hello.ipynb").read_text())
    nb["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "sleeps",
            "metadata": {},
            "outputs": [],
            "source": [
                "import pathlib, time\n",
                "pathlib.Path('started').touch()\n",
                "time.sleep(300)",
            ],
        }
    )
    (notebooks / "condition_report.ipynb").write_text(_json.dumps(nb))
    out = tmp_path / "reports"
    argv = ["render", "condition_report", "-p", "condition_id", "fixture_shoulder"]
    argv += ["--out", str(out), "--data-dir", str(minimal), "--notebooks-dir", str(notebooks)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "calcidata", *argv], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 180
    while not (notebooks / "started").exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130, err
    assert err.strip() == "calcidata: error: interrupted", err


@pytest.mark.slow
def test_a_page_that_cannot_be_written_names_it_and_leaves_no_executed_copy(
    minimal, tmp_path, monkeypatch
):
    """A full disk while the page is written: the message names the page, nothing is left."""
    from calcidata.errors import RenderError
    from calcidata.reports import worker
    from calcidata.reports.build import render
    from calcidata.reports.index import last_failures

    from .render_support import copy_notebooks, fixture_registry

    real = worker.atomic_write

    def full_disk(path, data):
        if str(path).endswith(".html"):
            raise OSError(28, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(worker, "atomic_write", full_disk)
    notebooks = copy_notebooks(tmp_path / "notebooks", hello="hello")
    out = tmp_path / "out"
    with pytest.raises(RenderError, match="hello.*html: cannot be written: No space left"):
        render(
            "hello", {"condition_id": "fixture_shoulder"}, out_dir=out, data_dir=minimal,
            notebooks_dir=notebooks, reports=fixture_registry("hello"),
        )  # fmt: skip
    left = sorted(p.name for p in (out / "hello").iterdir()) if (out / "hello").exists() else []
    assert [n for n in left if n.endswith((".ipynb", ".tmp", ".html"))] == [], left
    assert [f["report"] for f in last_failures(out)] == ["hello"]


@pytest.mark.spark
@pytest.mark.slow
def test_an_unreachable_spark_master_is_a_message_not_an_internal_error(fixture_tables, tmp_path):
    import subprocess

    pytest.importorskip("pyspark")
    source = _prescriptions(tmp_path)
    out = tmp_path / "spark-out"
    argv = ["audit", str(source), "--engine", "spark", "--master", "spark://127.0.0.1:9"]
    argv += ["--out", str(out), "--data-dir", str(fixture_tables.data_dir)]
    done = subprocess.run(
        [sys.executable, "-m", "calcidata", *argv], capture_output=True, text=True, timeout=600
    )
    ours = [line for line in done.stderr.splitlines() if line.startswith("calcidata:")]
    assert done.returncode == 1, done.stderr
    assert len(ours) == 1 and "spark://127.0.0.1:9" in ours[0], done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "\tat org.apache" not in done.stderr, done.stderr  # no JVM stack trace
    assert not out.exists()


def _rx_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"treatment": ["fixture_drug"], "dose": [200], "unit": ["mg"], "frequency": [3]}
    )


API_MISUSE = {
    "load_data_dir_int": (lambda tmp: __import__("calcidata").load(5), "data_dir must be a path"),
    "audit_doses_tables_frame": (
        lambda tmp: __import__("calcidata").audit_doses(_rx_frame(), tables=pd.DataFrame()),
        "tables must be calcidata.Tables",
    ),
    "audit_file_path_none": (
        lambda tmp: __import__("calcidata").audit_file(None),
        "path must be a path",
    ),
    "audit_file_out_int": (
        lambda tmp: __import__("calcidata").audit_file(tmp / "rx.csv", 5),
        "out must be a path",
    ),
    "export_out_none": (
        lambda tmp: __import__("calcidata").export_tables(None),
        "out must be a path",
    ),
    "export_format_int": (
        lambda tmp: __import__("calcidata").export_tables(tmp / "x", 5),
        "format must be a format name",
    ),
    "export_tables_frame": (
        lambda tmp: __import__("calcidata").export_tables(tmp / "x", tables=pd.DataFrame()),
        "tables must be calcidata.Tables",
    ),
    "evidence_strength_none": (
        lambda tmp: __import__("calcidata").evidence_strength(None),
        "evidence must be the evidence table",
    ),
    "render_params_list": (
        lambda tmp: __import__("calcidata").render("condition_report", ["x"]),
        "params must be a mapping",
    ),
}


@pytest.mark.parametrize("case", list(API_MISUSE))
def test_public_functions_refuse_arguments_of_the_wrong_type_naming_them(case, tmp_path):
    from calcidata.errors import ArgumentTypeError

    call, words = API_MISUSE[case]
    with pytest.raises(ArgumentTypeError, match=words) as caught:
        call(tmp_path)
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)
    assert list(tmp_path.iterdir()) == []  # refused before anything is written


@pytest.mark.parametrize("where", ["a_file", "missing"])
def test_data_version_of_a_folder_that_is_not_one_names_the_file(where, tmp_path):
    import calcidata
    from calcidata.errors import FileAccessError

    path = tmp_path / "tables"
    if where == "a_file":
        path.write_text("not a folder\n")
    with pytest.raises(FileAccessError, match=str(path)):
        calcidata.data_version(path)


@pytest.mark.parametrize("rows", ["0", "-5"])
def test_audit_chunk_rows_of_zero_is_refused_not_read_as_the_default(
    rows, fixture_tables, tmp_path, capsys
):
    source = _prescriptions(tmp_path)
    out = tmp_path / "out.csv"
    argv = ["audit", str(source), "--chunk-rows", rows, "--out", str(out)]
    argv += ["--data-dir", str(fixture_tables.data_dir)]
    _run(Case(argv, 2, ["chunk_rows must be at least 1"], inputs=[source], absent=[out]), capsys)


def _parquet_with_a_huge_footer(tmp: Path) -> tuple[Path, list[str]]:
    path = _parquet(tmp, [200, 400])
    data = bytearray(path.read_bytes())
    data[-8:-4] = (2**31 - 1).to_bytes(4, "little")  # a footer of 2 GiB, the file says
    path.write_bytes(bytes(data))
    return path, ["Parquet footer says 2147483647 bytes", "at most 64 MiB"]


def _parquet_too_wide(tmp: Path) -> tuple[Path, list[str]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp / "rx.parquet"
    pq.write_table(pa.table({f"c{i}": [1] for i in range(5000)}), path)
    return path, ["has 5000 columns", "at most 4096"]


def _not_parquet(tmp: Path) -> tuple[Path, list[str]]:
    path = tmp / "rx.parquet"
    path.write_bytes(b"treatment,dose\nx,1\n")
    return path, ["not a Parquet file"]


@pytest.mark.parametrize("make", [_parquet_with_a_huge_footer, _parquet_too_wide, _not_parquet])
def test_a_parquet_footer_is_checked_before_arrow_reads_it(make, fixture_tables, tmp_path, capsys):
    source, words = make(tmp_path)
    out = tmp_path / "out.csv"
    argv = ["audit", str(source), "--out", str(out), "--data-dir", str(fixture_tables.data_dir)]
    _run(Case(argv, 1, [str(source), *words], inputs=[source], absent=[out]), capsys)


@pytest.mark.parametrize("call", ["export_tables", "build"])
def test_an_output_path_with_a_nul_character_is_a_parameter_error(call, tmp_path):
    import calcidata
    from calcidata.errors import ParameterError

    out = str(tmp_path / "a\x00b")
    with pytest.raises(ParameterError, match="NUL character"):
        if call == "build":
            calcidata.build(out, progress=False)
        else:
            calcidata.export_tables(out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_the_guarded_stream_stops_an_endless_line_after_a_few_mib(tmp_path, suffix):
    """The audit's CSV stream refuses a line with no end once it is surely too long.

    Arrow is handed this stream, so how much it reads ahead no longer decides
    whether an endless row ends in a clear error or in a failed allocation.
    """
    import gzip

    from calcidata.audit.headers import LONG_LINE_BYTES, GuardedText, LongLineError

    body = b"treatment,dose\n" + b"x" * (3 * LONG_LINE_BYTES)
    path = tmp_path / f"long{suffix}"
    path.write_bytes(gzip.compress(body) if suffix.endswith(".gz") else body)
    read = 0
    with GuardedText(path) as stream, pytest.raises(LongLineError, match="longer than 1 MiB"):
        while chunk := stream.read(1 << 16):
            read += len(chunk)
    assert LONG_LINE_BYTES < read + (1 << 16) <= LONG_LINE_BYTES + (1 << 17)
    # Lines that end in time, however many, pass through unchanged.
    fine = b"treatment,dose\n" + (b"y" * (LONG_LINE_BYTES - 10) + b"\r\n") * 3
    path.write_bytes(gzip.compress(fine) if suffix.endswith(".gz") else fine)
    with GuardedText(path) as stream:
        assert stream.read() == fine
