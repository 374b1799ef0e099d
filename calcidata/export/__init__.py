"""Export the tables to formats other tools read, and read the exports back.

>>> import calcidata
>>> calcidata.export_tables("out", "datapackage")      # doctest: +SKIP
>>> calcidata.export_tables("out", ["parquet", "sqlite"])  # doctest: +SKIP

Formats and the files they write into the output directory:

============  ==========================================================
format        files
============  ==========================================================
datapackage   ``datapackage.json`` and one CSV per table and link table
parquet       ``<table>.parquet``
sqlite        ``calcidata.sqlite``
duckdb        ``calcidata.duckdb``
xlsx          ``calcidata.xlsx``
jsonschema    ``<table>.schema.json``
============  ==========================================================

Every export records the data version (the tables' content hash) and the
calcidata version. Everything an export says about a column is derived from
the pandera schemas (see :mod:`calcidata.export._spec`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from calcidata._io import atomic_write, output_dir
from calcidata._version import __version__
from calcidata.errors import CalcidataError, FileAccessError, ParameterError, describe_os_error

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

#: The most bytes an export read back may hold: a database, a workbook unzipped
#: (:func:`read_export`); four times the largest table file (``_io.MAX_TABLE_BYTES``).
MAX_EXPORT_BYTES = 4 * 64 * 1024 * 1024

FORMATS = ("datapackage", "parquet", "sqlite", "duckdb", "xlsx", "jsonschema")
#: File name of the single-file formats.
FILE_NAMES = {"sqlite": "calcidata.sqlite", "duckdb": "calcidata.duckdb", "xlsx": "calcidata.xlsx"}


def _formats(format: str | Iterable[str]) -> list[str]:
    from calcidata.errors import ArgumentTypeError

    if not isinstance(format, str | Iterable) or isinstance(format, bytes):
        raise ArgumentTypeError(
            f"format must be a format name or a list of them, not {type(format).__name__}"
        )
    wanted = [format] if isinstance(format, str) else list(format)
    if "all" in wanted:
        return list(FORMATS)
    bad = [f for f in wanted if f not in FORMATS]
    if bad or not wanted:
        raise ParameterError(
            f"unknown export format {', '.join(map(repr, bad)) or '(none)'}; "
            f"formats are: {', '.join(FORMATS)}, all"
        )
    return list(dict.fromkeys(wanted))


def _check_path(name: str, value: object) -> None:
    """Refuse an argument that should be a path and is not (``ArgumentTypeError``)."""
    from calcidata.errors import ArgumentTypeError

    if not isinstance(value, str | os.PathLike):
        raise ArgumentTypeError(f"{name} must be a path, not {type(value).__name__}")


def stamp(version: str) -> dict[str, str]:
    """The provenance recorded in every export: data version and calcidata version."""
    return {"data_version": version, "calcidata_version": __version__}


def export_tables(
    out: str | os.PathLike[str],
    format: str | Iterable[str] = "datapackage",
    *,
    tables: Tables | None = None,
    data_dir: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Export every table into directory ``out``.

    Parameters
    ----------
    out : path-like
        Output directory; created if missing. Every format is first written to a
        temporary folder inside it and moved in only when all succeeded: a failed
        export writes nothing. Files calcidata did not write (not listed in
        ``.calcidata-export.json``) are never replaced.
    format : str or iterable of str
        One or more of ``datapackage``, ``parquet``, ``sqlite``, ``duckdb``,
        ``xlsx``, ``jsonschema``, or ``all``.
    tables : calcidata.Tables, optional
        Tables to export; by default :func:`calcidata.load` ``(data_dir)``.
    data_dir : path-like, optional
        Where to load the tables from when ``tables`` is not given.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ParameterError
        On an unknown format.
    DataValidationError
        When the tables do not validate (nothing is written then).
    FileAccessError
        When ``out`` is a file, is not writable, or holds files of the same names
        that calcidata did not write.
    """
    formats = _formats(format)
    _check_path("out", out)
    if tables is None:
        from calcidata.tables.loader import load

        tables = load(data_dir)
    else:
        from calcidata.tables.container import require_tables

        require_tables(tables)
    target = output_dir(out)
    _refuse_foreign(target, _owned(target), _names(formats))  # early, before any work
    staging = Path(tempfile.mkdtemp(prefix=".calcidata-export.", dir=target))
    try:
        staged = [p for fmt in formats for p in _write(fmt, tables, staging)]
        names = [p.name for p in staged]
        # Concurrent exports into one folder: the list of files calcidata wrote is
        # re-read and rewritten under the folder's lock, so no export loses another's.
        with _folder_lock(target):
            owned = _owned(target)
            _refuse_foreign(target, owned, names)
            atomic_write(target / OWNED, json.dumps(sorted(owned | set(names)), indent=1) + "\n")
            for path in staged:
                os.replace(path, target / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [target / n for n in names]


def _names(formats: list[str]) -> list[str]:
    """The file names the single-file formats write (the others are checked once written)."""
    return [FILE_NAMES[f] for f in formats if f in FILE_NAMES]


def _refuse_foreign(target: Path, owned: set[str], names: Iterable[str]) -> None:
    foreign = [n for n in names if (target / n).exists() and n not in owned]
    if foreign:
        raise FileAccessError(
            f"{target}: already holds {', '.join(foreign)}, which calcidata did not "
            "write and would replace; choose another --out folder or move them"
        )


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` itself (flock on its descriptor; no lock file)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): each file is still replaced whole
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


#: The file in an export folder listing the files calcidata wrote there.
OWNED = ".calcidata-export.json"


def _owned(target: Path) -> set[str]:
    """Names of the files an earlier export wrote into ``target``."""
    try:
        names = json.loads((target / OWNED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def _write(fmt: str, tables: Tables, target: Path) -> list[Path]:
    """Write one format into ``target``; return the files written."""
    if fmt == "datapackage":
        from calcidata.export import datapackage

        return datapackage.write(tables, target)
    if fmt == "jsonschema":
        from calcidata.export import jsonschema

        return jsonschema.write(tables, target)
    if fmt == "parquet":
        from calcidata.export.files import write_parquet

        return write_parquet(tables, target)
    if fmt == "xlsx":
        from calcidata.export.files import write_xlsx

        return [write_xlsx(tables, target / FILE_NAMES["xlsx"])]
    from calcidata.export import sql

    writer = sql.write_sqlite if fmt == "sqlite" else sql.write_duckdb
    return [writer(tables, target / FILE_NAMES[fmt])]


def _detect(path: Path) -> str:
    suffix = path.suffix.lower()
    for fmt, kind in (
        (".sqlite", "sqlite"),
        (".db", "sqlite"),
        (".sqlite3", "sqlite"),
        (".duckdb", "duckdb"),
        (".xlsx", "xlsx"),
    ):
        if suffix == fmt:
            return kind
    if path.is_dir():
        if (path / "datapackage.json").is_file():
            return "datapackage"
        if any(path.glob("*.parquet")):
            return "parquet"
        raise FileAccessError(f"{path}: holds neither datapackage.json nor Parquet files")
    raise ParameterError(f"cannot tell the export format of {path}")


def read_export(path: str | os.PathLike[str], format: str | None = None) -> Tables:
    """Read an export back into typed tables, as :func:`calcidata.load` returns them.

    The values are checked as :func:`calcidata.load` checks the tables (every
    rule of the schemas and across tables), and a value is missing only where
    the format says so (an empty cell, SQL ``NULL``, a Parquet null): no text,
    ``NA`` or ``null`` included, is ever read as missing (docs/errors.md). A
    file is checked to be of its format (its first bytes) before any library
    opens it, and nothing is ever fetched from the network.

    Parameters
    ----------
    path : path-like
        A data package or Parquet directory, or a ``.sqlite``, ``.duckdb`` or
        ``.xlsx`` file written by :func:`export_tables`.
    format : str, optional
        Format of ``path``; detected from it when omitted.

    Returns
    -------
    calcidata.Tables
        ``version`` is the data version the export recorded. Rows of the SQL
        formats come ordered by primary key (a SQL table has no row order).

    Raises
    ------
    ParameterError
        ``path`` is not a path, or ``format`` is not one read back.
    FileAccessError
        ``path`` is missing, of the wrong kind, not of its format, or not an export.
    DataValidationError
        The export's values break the tables' rules (e.g. it was edited).
    """
    from calcidata.export.readback import check_source, read_errors, validated
    from calcidata.tables.container import Tables

    _check_path("path", path)
    path = Path(path)
    readable = ("datapackage", "parquet", "sqlite", "duckdb", "xlsx")
    if format is not None and format not in readable:
        raise ParameterError(f"cannot read format {format!r}; formats are: {', '.join(readable)}")
    if not path.exists():
        raise FileAccessError(f"no such file or folder: {path}")
    fmt = format or _detect(path)
    check_source(path, fmt)
    shown = {
        "datapackage": lambda name: str(path / f"{name}.csv"),
        "parquet": lambda name: str(path / f"{name}.parquet"),
    }.get(fmt, lambda name: f"{path}[{name}]")
    try:
        if fmt == "datapackage":
            from calcidata.export.datapackage import read

            frames, meta = read(path)
        elif fmt == "parquet":
            from calcidata.export.files import read_parquet

            frames, meta = read_parquet(path)
        elif fmt in ("sqlite", "duckdb"):
            from calcidata.export.sql import read as read_sql

            frames, meta = read_sql(path, fmt)
        else:
            from calcidata.export.files import read_xlsx

            frames, meta = read_xlsx(path)
        version = meta["data_version"]
    except CalcidataError:
        raise
    except read_errors() as exc:
        why = next((line for line in str(exc).splitlines() if line.strip()), "")
        if isinstance(exc, OSError):
            why = describe_os_error(exc)
        raise FileAccessError(
            f"{path}: cannot be read as a calcidata {fmt} export: {why or type(exc).__name__}"
        ) from None
    typed = validated(frames, shown)
    return Tables(**typed, data_dir=path, version=str(version))


__all__ = ["FORMATS", "export_tables", "read_export"]
