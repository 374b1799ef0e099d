"""Strict reading of one table CSV into strings, with the line of every record.

Everything that can be wrong with a file's *form* (encoding, delimiter, header,
ragged rows, stray whitespace) is reported here as :class:`Problem` records,
before any typing or schema check. Nothing here ever writes to a file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from calcidata.errors import Problem

_OTHER_DELIMITERS = (";", "\t", "|")
_MAX_VALUE = 80


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


def read_raw(name: str, path: Path, columns: list[str]) -> RawTable:
    """Read ``path`` strictly; collect every problem of form instead of raising."""
    shown = str(path)
    table = RawTable(name=name, path=path, frame=None)

    def bad(line: int | None, column: str | None, value: str, rule: str) -> None:
        table.problems.append(Problem(shown, line, column, value, rule))

    if not path.is_file():
        bad(None, None, "", f"file is missing: table '{name}' is required")
        return table
    data = path.read_bytes()
    if not data.strip():
        bad(
            None,
            None,
            "",
            "file is empty: expected a header row with the columns " + ", ".join(columns),
        )
        return table
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        snippet = data[exc.start : exc.start + 4]
        bad(
            line,
            None,
            repr(snippet)[2:-1],
            f"file is not valid UTF-8 text (byte {exc.start}); save it as UTF-8",
        )
        return table

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[tuple[int, list[str]]] = []
    previous_end = 0
    try:
        for record in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            if record == [] or record == [""]:
                continue  # a blank line carries no data
            records.append((start, record))
    except csv.Error as exc:
        bad(
            previous_end + 1,
            None,
            "",
            f"malformed CSV in the record starting on this line ({exc}); check that "
            "every opening quote is closed",
        )
        return table
    if not records:
        bad(None, None, "", "file has no header row")
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
        bad(header_line, None, shorten(header[0]), rule)
        return table
    seen: set[str] = set()
    for h in header:
        if h in seen:
            bad(header_line, h, h, "column appears more than once in the header")
        seen.add(h)
    for c in columns:
        if c not in seen:
            bad(header_line, c, "", "required column is missing from the header")
    for h in header:
        if h not in columns:
            bad(
                header_line,
                h,
                h,
                "unknown column; the columns are: " + ", ".join(columns),
            )
    if table.problems:
        return table

    rows: list[list[str | None]] = []
    for start, record in records[1:]:
        if [r.strip() for r in record] == header:
            bad(
                start,
                None,
                shorten(",".join(record)),
                "the header row is repeated inside the data",
            )
            continue
        if len(record) != len(header):
            bad(
                start,
                None,
                shorten(",".join(record)),
                f"expected {len(header)} fields, found {len(record)} (check quoting and commas)",
            )
            continue
        for col, cell in zip(header, record, strict=True):
            if cell != cell.strip():
                bad(start, col, shorten(cell), "value has leading or trailing whitespace")
        rows.append([cell.strip() or None for cell in record])
        table.lines.append(start)
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    table.frame = frame[columns]
    return table
