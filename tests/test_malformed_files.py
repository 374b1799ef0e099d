"""Malformed files are reported like any other problem: file, line, rule; never a traceback.

Each case breaks the *form* of one file; `calcidata validate` must exit 1 with a
precise message and leave every file byte-for-byte unchanged.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from calcidata.cli import main
from calcidata.schemas import SCHEMAS

from .conftest import ROOT, digest


def _rewrite(path: Path, transform) -> None:
    path.write_bytes(transform(path.read_bytes()))


def _latin1(b: bytes) -> bytes:
    return b.replace(
        b"Synthetic child condition.", "Synthetic child condition \u00e9.".encode("latin-1")
    )


def _semicolons(b: bytes) -> bytes:
    return b.replace(b",", b";")


def _tabs(b: bytes) -> bytes:
    return b.replace(b",", b"\t")


def _drop_column(b: bytes) -> bytes:
    lines = b.decode().splitlines()
    return ("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n").encode()


def _extra_column(b: bytes) -> bytes:
    lines = b.decode().splitlines()
    return ("\n".join([lines[0] + ",extra"] + [x + ",1" for x in lines[1:]]) + "\n").encode()


def _duplicate_column_name(b: bytes) -> bytes:
    head, rest = b.split(b"\n", 1)
    return head.replace(b"timepoint", b"outcome") + b"\n" + rest


def _repeated_header(b: bytes) -> bytes:
    head, rest = b.split(b"\n", 1)
    return head + b"\n" + rest + head + b"\n"


#: Fields of the fixture's evidence header (a ragged row has one more).
_N = len(
    (Path(__file__).parent / "fixtures/minimal/evidence.csv").read_text().split("\n")[0].split(",")
)


def _ragged_row(b: bytes) -> bytes:
    lines = b.split(b"\n")
    lines[2] = lines[2] + b",surplus"
    return b"\n".join(lines)


def _unclosed_quote(b: bytes) -> bytes:
    lines = b.split(b"\n")
    lines[2] = lines[2].replace(b"adults", b'"adults', 1)
    return b"\n".join(lines)


# (file, transform, expected line or None, expected column or None, words in the rule)
CASES = {
    "not-utf8": ("conditions.csv", _latin1, 3, None, "not valid UTF-8"),
    "semicolon-delimiter": ("treatments.csv", _semicolons, 1, None, "wrong delimiter ';'"),
    "tab-delimiter": ("sources.csv", _tabs, 1, None, "wrong delimiter '\\t'"),
    "missing-column": (
        "evidence.csv",
        _drop_column,
        1,
        "curation_note",
        "required column is missing",
    ),
    "extra-column": ("dosing_ranges.csv", _extra_column, 1, "extra", "unknown column"),
    "empty-file": ("evidence.csv", lambda b: b"", None, None, "file is empty"),
    "blank-file": ("sources.csv", lambda b: b"\n\n  \n", None, None, "file is empty"),
    "duplicated-column-name": (
        "evidence.csv",
        _duplicate_column_name,
        1,
        "outcome",
        "more than once",
    ),
    "header-repeated-in-data": (
        "evidence.csv",
        _repeated_header,
        5,
        None,
        "header row is repeated",
    ),
    "ragged-row": ("evidence.csv", _ragged_row, 3, None, f"expected {_N} fields, found {_N + 1}"),
    "unclosed-quote": ("dosing_ranges.csv", _unclosed_quote, 3, None, "value is not closed"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_file_is_reported_precisely(minimal, capsys, case):
    name, transform, line, column, words = CASES[case]
    _rewrite(minimal / name, transform)
    before = digest(minimal)
    status = main(["validate", "--data-dir", str(minimal)])
    err = capsys.readouterr().err
    assert status == 1
    assert digest(minimal) == before
    assert "Traceback" not in err
    mine = [row for row in err.splitlines() if name in row and words in row]
    assert mine, err
    if line is not None:
        assert any(f"{name}:{line}:" in row for row in mine), mine
    if column is not None:
        assert any(f"column '{column}'" in row for row in mine), mine


def test_missing_file_is_reported(minimal, capsys):
    (minimal / "dosing_ranges.csv").unlink()
    assert main(["validate", "--data-dir", str(minimal)]) == 1
    assert "dosing_ranges.csv: file is missing" in capsys.readouterr().err


def test_byte_order_mark_is_accepted(minimal, capsys):
    _rewrite(minimal / "sources.csv", lambda b: b"\xef\xbb\xbf" + b)
    assert main(["validate", "--data-dir", str(minimal)]) == 0
    assert capsys.readouterr().out.startswith(f"OK: {len(SCHEMAS)} tables")


def test_validate_cli_in_a_real_process_exits_1_without_traceback(minimal):
    _rewrite(minimal / "treatments.csv", _semicolons)
    (minimal / "evidence.csv").write_bytes(b"")
    out = subprocess.run(
        [sys.executable, "-m", "calcidata", "validate", "--data-dir", str(minimal)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "treatments.csv:1" in out.stderr and "evidence.csv: file is empty" in out.stderr


def test_validate_cli_on_shipped_data_prints_one_line_summary():
    out = subprocess.run(
        [sys.executable, "-m", "calcidata", "validate"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"OK: {len(SCHEMAS)} tables")
