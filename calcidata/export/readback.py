"""Reading an export back: checked like the tables themselves, one missing-value policy.

Whatever the format, the frames an export holds are turned back into calcidata's
CSV form (one text per cell, an empty cell for a missing value) and validated by
the loader's own code (:func:`calcidata.tables.reader.read_raw`,
:func:`~calcidata.tables.checks.validate_table`,
:func:`~calcidata.tables.dataset.check_dataset`). So a value an export holds is
read back exactly as :func:`calcidata.load` would read it from the tables, and a
tampered export (an unknown category, a number that is not one, a missing
column) is a :class:`~calcidata.errors.DataValidationError` naming the export's
file (and sheet or table), the row and the column, never a silent ``NaN``.

**The missing-value policy** (docs/errors.md): a value is missing only when the
format says so itself: an empty CSV field, an empty spreadsheet cell, SQL
``NULL``, a Parquet null. No text is ever read as missing: ``NA``, ``null``,
``None``, ``nan``, ``N/A`` and the like are text. :data:`MISSING_TEXT` is that
policy for the readers of text formats (the data package and the workbook).
"""

from __future__ import annotations

import csv
import io
import math
import numbers
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import pandas as pd

from calcidata._io import oversize
from calcidata.errors import DataValidationError, FileAccessError, Problem, describe_os_error

if TYPE_CHECKING:
    from calcidata.export.formats import ExportFormat

#: The only texts read as a missing value: the empty cell. Used by every text reader.
MISSING_TEXT = ("",)


class _PandasMissing(TypedDict):
    keep_default_na: bool
    na_values: list[str]


#: Keywords that make a pandas text reader apply :data:`MISSING_TEXT` and nothing else.
PANDAS_MISSING: _PandasMissing = {"keep_default_na": False, "na_values": list(MISSING_TEXT)}


def _cell(value: object, kind: str) -> str:
    """One value as calcidata's CSV writes it ("" for a missing value)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "true" if value else "false"
    if kind == "boolean" and isinstance(value, numbers.Real) and value in (0, 1):
        # SQLite stores booleans as 0/1, read back as floats when the column has NULLs
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return ""
        if kind == "integer" and number.is_integer():
            return str(int(number))
        return repr(number)
    return str(value)


def csv_bytes(frame: pd.DataFrame, kinds: Mapping[str, str]) -> bytes:
    """``frame`` as the CSV file calcidata would have written (header, then rows)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    columns = [str(c) for c in frame.columns]
    writer.writerow(columns)
    kind_of = [kinds.get(c, "string") for c in columns]
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_cell(v, k) for v, k in zip(row, kind_of, strict=True)])
    return text.getvalue().encode("utf-8")


def validated(
    frames: Mapping[str, pd.DataFrame], shown: Callable[[str], str]
) -> dict[str, pd.DataFrame]:
    """Typed, validated frames of an export; raise DataValidationError listing every problem.

    ``shown(name)`` names where table ``name`` is in the export (a file, a sheet).
    """
    from calcidata.schemas import SCHEMAS
    from calcidata.schemas.spec import table_spec
    from calcidata.tables.checks import validate_table
    from calcidata.tables.dataset import check_dataset
    from calcidata.tables.reader import RawTable, read_raw

    raws: dict[str, RawTable] = {}
    typed: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for name, model in SCHEMAS.items():
        where = shown(name)
        frame = frames.get(name)
        if frame is None:
            problems.append(Problem(where, None, None, "", f"table '{name}' is missing"))
            continue
        kinds = {c.name: c.kind for c in table_spec(name).columns}
        columns = list(model.to_schema().columns)
        raw = read_raw(name, Path(where), columns, data=csv_bytes(frame, kinds))
        raws[name] = raw
        result, found = validate_table(raw)
        problems.extend(found)
        if result is not None:
            typed[name] = result
    if not problems:
        problems.extend(check_dataset(typed, raws))
    if problems:
        raise DataValidationError(problems)
    return typed


def check_source(path: Path, fmt: ExportFormat) -> None:
    """Refuse a path that cannot hold an export of ``fmt``, before any library opens it.

    A folder format needs a folder; a single file is checked to begin as its format's
    files do (:attr:`~calcidata.export.formats.ExportFormat.magic`).

    Sizes are checked before anything is read: a single file (or the unzipped
    content of a workbook, so a zip bomb is refused) at most
    :data:`calcidata.export.MAX_EXPORT_BYTES`, each file of a folder export at most
    :data:`~calcidata._io.MAX_TABLE_BYTES`.
    """
    if not path.exists():
        raise FileAccessError(f"no such file or folder: {path}")
    if fmt.is_folder:
        if not path.is_dir():
            raise FileAccessError(f"{path}: is not a folder; a {fmt.name} export is a folder")
        for item in sorted(path.iterdir()):
            why = oversize(item) if item.is_file() else None
            if why:
                raise FileAccessError(f"{item}: {why}")
        return
    if path.is_dir():
        raise FileAccessError(f"{path}: is a folder; a {fmt.name} export is a file")
    if not path.is_file():
        raise FileAccessError(f"{path}: is not a regular file (a device, pipe or socket)")
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError as exc:
        raise FileAccessError(describe_os_error(exc)) from None
    for offset, magic in fmt.magic:
        if head[offset : offset + len(magic)] != magic:
            raise FileAccessError(
                f"{path}: is not a {fmt.name} file (its first bytes are not those of one)"
            )
    size = path.stat().st_size
    if fmt.zipped:
        import zipfile

        try:
            with zipfile.ZipFile(path) as book:
                size = sum(item.file_size for item in book.infolist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise FileAccessError(f"{path}: is not a readable {fmt.name} file: {exc}") from None
    from calcidata.export import MAX_EXPORT_BYTES

    if size > MAX_EXPORT_BYTES:
        raise FileAccessError(
            f"{path}: holds {size / 2**20:.1f} MiB{' unzipped' if fmt.zipped else ''}; "
            f"calcidata reads exports of at most {MAX_EXPORT_BYTES // 2**20} MiB"
        )


def read_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a reader raises for a file that is not a calcidata export."""
    import sqlite3
    import zipfile

    import pandas as pd

    found: list[type[BaseException]] = [
        OSError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        sqlite3.Error,
        pd.errors.DatabaseError,
        zipfile.BadZipFile,
    ]
    try:
        import pyarrow as pa

        found.append(pa.ArrowException)
    except ImportError:  # the parquet extra is not installed
        pass
    try:
        import duckdb

        found.append(duckdb.Error)
    except ImportError:  # the duckdb extra is not installed
        pass
    return tuple(found)
