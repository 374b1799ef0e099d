"""Strict reading of one table CSV into strings, with the line of every record.

Everything that can be wrong with a file's *form* (size, encoding, delimiter,
header, ragged rows, stray whitespace, control characters, over-long cells) is
reported here as :class:`Problem` records, before any typing or schema check.
Nothing here ever writes to a file.

Two rules on text hold for every cell of every table, so that every export
format can hold what validation accepts: no control characters other than tab
and line feed (a spreadsheet cannot store them, and they hide in a terminal),
and at most :data:`MAX_CELL_CHARS` characters (the most a spreadsheet cell holds).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from calcidata._io import oversize
from calcidata.errors import Problem

_OTHER_DELIMITERS = (";", "\t", "|")
_MAX_VALUE = 80
#: The longest text a cell may hold: the most an Excel cell holds.
MAX_CELL_CHARS = 32_767
#: Control characters (C0 but tab and line feed, DEL, C1) and the two XML non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")
#: Bidirectional embedding, override and isolate controls: they reorder the text shown
#: (the "Trojan Source" spoofing), so that a page shows other words than the table holds.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def text_problem(cell: str) -> str | None:
    """Why ``cell`` breaks the rules on text of every table, or None."""
    if len(cell) > MAX_CELL_CHARS:
        return (
            f"value is {len(cell)} characters long; a cell holds at most {MAX_CELL_CHARS} "
            "(the most a spreadsheet cell holds)"
        )
    found = _CONTROL.search(cell)
    if found:
        return (
            f"value contains the control character U+{ord(found.group()):04X} at character "
            f"{found.start() + 1}; text may hold tabs and line breaks but no other control "
            "characters"
        )
    found = BIDI_CONTROLS.search(cell)
    if found:
        return (
            f"value contains the bidirectional control U+{ord(found.group()):04X} at "
            f"character {found.start() + 1}; it reorders the text shown (text may not hold "
            "U+202A-U+202E or U+2066-U+2069)"
        )
    return None


def _csv_words(exc: csv.Error) -> str:
    """What a :mod:`csv` error means for the person editing the file."""
    text = str(exc)
    if "unexpected end of data" in text:
        return "a quoted value is not closed before the end of the file (a '\"' is missing)"
    if "expected after" in text:
        return (
            "a closing quote is followed by other characters; inside a quoted value, "
            'write a quote as two quotes ("")'
        )
    return f"{text}; check the quoting of this record"


def _record_problem(record: list[str], header: list[str]) -> str | None:
    """Why a data record cannot be read against ``header`` as a whole, or None."""
    if [r.strip() for r in record] == header:
        return "the header row is repeated inside the data"
    if len(record) != len(header):
        return f"expected {len(header)} fields, found {len(record)} (check quoting and commas)"
    return None


@contextlib.contextmanager
def _field_limit(size: int) -> Iterator[None]:
    """Let the csv module read a field as long as the whole text (cells are checked after)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def shorten(value: object) -> str:
    """The value as text, shortened for messages."""
    text = "" if value is None else str(value)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


@dataclass
class RawTable:
    """A table as read from its file: every cell a string or None, plus line numbers."""

    name: str
    path: Path
    frame: pd.DataFrame | None
    lines: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def line(self, index: int) -> int | None:
        """Physical line on which record ``index`` (0-based, header excluded) starts."""
        return self.lines[index] if 0 <= index < len(self.lines) else None


def read_raw(name: str, path: Path, columns: list[str], data: bytes | None = None) -> RawTable:
    """Read ``path`` strictly; collect every problem of form instead of raising.

    ``data``: the file's bytes when they come from elsewhere (a table read back
    from an export, written as CSV); ``path`` then only names it in problems.
    """
    shown = str(path)
    table = RawTable(name=name, path=path, frame=None)
    bad = table.problems.append
    if data is not None:
        return _read_data(table, data, columns)
    if path.is_dir():
        bad(Problem(shown, None, None, "", f"is a folder, not a file: table '{name}' is required"))
        return table
    if not path.exists():
        bad(Problem(shown, None, None, "", f"file is missing: table '{name}' is required"))
        return table
    if not path.is_file():
        bad(Problem(shown, None, None, "", "is not a regular file (a device, pipe or socket)"))
        return table
    try:
        too_large = oversize(path)
        data = b"" if too_large else path.read_bytes()
    except OSError as exc:
        bad(Problem(shown, None, None, "", f"file cannot be read: {exc.strerror or exc}"))
        return table
    if too_large:
        bad(Problem(shown, None, None, "", too_large))
        return table
    return _read_data(table, data, columns)


def _read_data(table: RawTable, data: bytes, columns: list[str]) -> RawTable:
    shown = str(table.path)
    bad = table.problems.append
    if not data.strip():
        bad(
            Problem(
                shown,
                None,
                None,
                "",
                "file is empty: expected a header row with the columns " + ", ".join(columns),
            )
        )
        return table
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        snippet = data[exc.start : exc.start + 4]
        bad(
            Problem(
                shown,
                line,
                None,
                repr(snippet)[2:-1],
                f"file is not valid UTF-8 text (byte {exc.start}); save it as UTF-8",
            )
        )
        return table

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        with _field_limit(len(text)):
            for record in reader:
                start = previous_end + 1
                previous_end = reader.line_num
                if record == [] or record == [""]:
                    continue  # a blank line carries no data
                records.append((start, record))
    except csv.Error as exc:
        bad(
            Problem(
                shown,
                previous_end + 1,
                None,
                "",
                f"malformed CSV in the record starting on this line: {_csv_words(exc)}",
            )
        )
        return table
    if not records:
        bad(Problem(shown, None, None, "", "file has no header row"))
        return table

    header_line, header = records[0]
    header = [h.strip() for h in header]
    if len(header) == 1 and len(columns) > 1:
        used = [d for d in _OTHER_DELIMITERS if d in header[0]]
        rule = (
            f"wrong delimiter {used[0]!r}: tables are comma-separated"
            if used
            else "header has a single column: tables are comma-separated with columns "
            + ", ".join(columns)
        )
        bad(Problem(shown, header_line, None, shorten(header[0]), rule))
        return table
    seen: set[str] = set()
    for h in header:
        if h in seen:
            bad(Problem(shown, header_line, h, h, "column appears more than once in the header"))
        seen.add(h)
    for c in columns:
        if c not in seen:
            bad(Problem(shown, header_line, c, "", "required column is missing from the header"))
    for h in header:
        if h not in columns:
            bad(
                Problem(
                    shown,
                    header_line,
                    h,
                    h,
                    "unknown column; the columns are: " + ", ".join(columns),
                )
            )
    if table.problems:
        return table

    rows: list[list[str | None]] = []
    for start, record in records[1:]:
        why = _record_problem(record, header)
        if why:
            bad(Problem(shown, start, None, shorten(",".join(record)), why))
            continue
        for col, cell in zip(header, record, strict=True):
            why = text_problem(cell) or (
                "value has leading or trailing whitespace" if cell != cell.strip() else None
            )
            if why:
                bad(Problem(shown, start, col, shorten(cell), why))
        rows.append([cell.strip() or None for cell in record])
        table.lines.append(start)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    table.frame = frame[columns]
    return table
