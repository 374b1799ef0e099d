"""Export the tables to formats other tools read, and read the exports back.

>>> import calcidata
>>> calcidata.export_tables("out", "datapackage")      # doctest: +SKIP
>>> calcidata.export_tables("out", ["parquet", "sqlite"])  # doctest: +SKIP

Formats and the files they write into the output directory (from the registry,
:data:`calcidata.export.formats.REGISTRY`; an extra is installed with
``pip install "calcidata[EXTRA]"``):

{formats}

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
from calcidata.export.formats import REGISTRY, ExportFormat, readable, rst_table

__doc__ = (__doc__ or "").replace("{formats}", rst_table())

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

#: The most bytes an export read back may hold: a database, a workbook unzipped
#: (:func:`read_export`); four times the largest table file (``_io.MAX_TABLE_BYTES``).
MAX_EXPORT_BYTES = 4 * 64 * 1024 * 1024

#: The format names, in the order ``all`` writes them (:data:`~.formats.REGISTRY`).
FORMATS = tuple(REGISTRY)


def _formats(format: str | Iterable[str]) -> list[str]:
    from calcidata.errors import ArgumentTypeError

    if not isinstance(format, str | Iterable) or isinstance(format, bytes):
        raise ArgumentTypeError(
            f"format must be a format name or a list of them, not {type(format).__name__}"
        )
    wanted = [format] if isinstance(format, str) else list(format)
    if "all" in wanted:
        return list(REGISTRY)
    bad = [f for f in wanted if f not in REGISTRY]
    if bad or not wanted:
        raise ParameterError(
            f"unknown export format {', '.join(map(repr, bad)) or '(none)'}; "
            f"formats are: {', '.join(REGISTRY)}, all"
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
        One or more format names (the table above, :data:`.formats.REGISTRY`), or
        ``all``.
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
    MissingExtraError
        When a format needs an extra that is not installed (see the table above);
        nothing is written then.
    DataValidationError
        When the tables do not validate (nothing is written then).
    FileAccessError
        When ``out`` is a file, is not writable, or holds files of the same names
        that calcidata did not write.
    """
    formats = _formats(format)
    _check_path("out", out)
    for fmt in formats:  # before any work: a missing extra writes nothing
        REGISTRY[fmt].check_extra()
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
        staged = [p for fmt in formats for p in REGISTRY[fmt].write(tables, staging)]
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
    return [n for n in (REGISTRY[f].file_name for f in formats) if n is not None]


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


def _detect(path: Path) -> ExportFormat:
    """The format of ``path``: a file by its suffix, a folder by its marker file."""
    suffix = path.suffix.lower()
    for f in REGISTRY.values():
        if suffix in f.suffixes:
            return f
    if path.is_dir():
        folders = [f for f in REGISTRY.values() if f.marker is not None]
        for f in folders:
            if any(path.glob(f.marker or "")):
                return f
        raise FileAccessError(
            f"{path}: holds no export: none of {', '.join(f.marker or '' for f in folders)}"
        )
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
    if format is not None and format not in readable():
        raise ParameterError(f"cannot read format {format!r}; formats are: {', '.join(readable())}")
    if not path.exists():
        raise FileAccessError(f"no such file or folder: {path}")
    fmt = REGISTRY[format] if format is not None else _detect(path)
    check_source(path, fmt)
    try:
        frames, meta = fmt.read(path)
        version = meta["data_version"]
    except CalcidataError:
        raise
    except read_errors() as exc:
        why = next((line for line in str(exc).splitlines() if line.strip()), "")
        if isinstance(exc, OSError):
            why = describe_os_error(exc)
        raise FileAccessError(
            f"{path}: cannot be read as a calcidata {fmt.name} export: {why or type(exc).__name__}"
        ) from None
    typed = validated(frames, lambda name: fmt.shown(path, name))
    return Tables(**typed, data_dir=path, version=str(version))


__all__ = ["FORMATS", "export_tables", "read_export"]
