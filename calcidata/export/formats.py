"""The export formats: one registry line each, read by every part that names a format.

In the manner of papermill's ``iorw`` (one handler registered per scheme, looked
up by whoever reads or writes), each format is one :class:`ExportFormat` in
:data:`REGISTRY`: what it writes, the functions that write it and read it back,
how its file is recognised, and the extra it needs. :func:`~calcidata.export.export_tables`,
:func:`~calcidata.export.read_export` (and its checks of a file before any library
opens it), the ``calcidata export`` command's choices and help, and the format
table of :mod:`calcidata.export`'s documentation all come from it.

A new format is one module (a ``write`` and, if it is read back, a ``read``) and
one line here. Functions are named ``"module:function"`` and imported when used,
so importing the registry imports neither pandas nor any format's library.

Writers take the validated tables and a path: a folder for the folder formats
(returning the files written), the file itself for the single-file formats
(:attr:`ExportFormat.file_name`, returning it). Readers take the export's path
and return ``(frames, meta)``: one raw frame per table and the recorded stamp
(``data_version``, ``calcidata_version``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calcidata._extras import require

if TYPE_CHECKING:
    import pandas as pd

    from calcidata.tables.container import Tables


@dataclass(frozen=True)
class ExportFormat:
    """One export format.

    Attributes
    ----------
    name : str
        The format's name (``calcidata export --format NAME``).
    files : str
        What it writes into the output folder, in words (the docs and ``--help``).
    writer : str
        ``"module:function"`` writing it (see the module's docstring).
    reader : str or None
        ``"module:function"`` reading it back, or ``None`` when it is not read back.
    file_name : str or None
        The one file a single-file format writes; ``None`` for a folder of files.
    suffixes : tuple of str
        File-name suffixes by which :func:`~calcidata.export.read_export` recognises it.
    marker : str or None
        For a folder format: a glob of the file that tells a folder is of this format.
    table_file : str
        For a folder format: the file of one table (``{table}`` is its name), named
        in the messages about a value read back.
    magic : tuple of (int, bytes)
        How a single file begins (offset, bytes), checked before any library opens it.
    zipped : bool
        The file is a zip archive: its unzipped size is what is bounded.
    extra : str or None
        The optional extra it needs (:data:`calcidata._extras.EXTRAS`), or ``None``.
    """

    name: str
    files: str
    writer: str
    reader: str | None = None
    file_name: str | None = None
    suffixes: tuple[str, ...] = ()
    marker: str | None = None
    table_file: str = "{table}"
    magic: tuple[tuple[int, bytes], ...] = ()
    zipped: bool = False
    extra: str | None = None

    @property
    def is_folder(self) -> bool:
        """Whether the format is a folder of files (else one file)."""
        return self.file_name is None

    def check_extra(self, doing: str = "") -> None:
        """Raise :class:`~calcidata.errors.MissingExtraError` when its extra is missing."""
        if self.extra is not None:
            require(self.extra, doing or f"the {self.name} export")

    def write(self, tables: Tables, folder: Path) -> list[Path]:
        """Write the format into ``folder``; the files written."""
        self.check_extra()
        write = _function(self.writer)
        if self.file_name is None:
            return list(write(tables, folder))
        return [write(tables, folder / self.file_name)]

    def read(self, path: Path) -> tuple[Mapping[str, pd.DataFrame], Mapping[str, Any]]:
        """The raw frames and the recorded stamp of the export at ``path``."""
        if self.reader is None:
            raise ValueError(f"the {self.name} export is not read back")  # a caller's bug
        self.check_extra(f"reading a {self.name} export")
        frames, meta = _function(self.reader)(path)
        return frames, meta

    def shown(self, path: Path, table: str) -> str:
        """Where table ``table`` is in the export at ``path``, for messages."""
        if self.file_name is None:
            return str(path / self.table_file.format(table=table))
        return f"{path}[{table}]"


def _function(target: str) -> Callable[..., Any]:
    """The function ``"module:name"`` names (looked up at each call: a test may replace it)."""
    module, _, name = target.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return function


#: Every export format, in the order ``all`` writes them.
REGISTRY: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "datapackage",
            "``datapackage.json`` and one CSV per table and link table",
            "calcidata.export.datapackage:write",
            "calcidata.export.datapackage:read",
            marker="datapackage.json",
            table_file="{table}.csv",
        ),
        ExportFormat(
            "parquet",
            "``<table>.parquet``",
            "calcidata.export.files:write_parquet",
            "calcidata.export.files:read_parquet",
            marker="*.parquet",
            table_file="{table}.parquet",
            extra="parquet",
        ),
        ExportFormat(
            "sqlite",
            "``calcidata.sqlite``",
            "calcidata.export.sql:write_sqlite",
            "calcidata.export.sql:read_sqlite",
            file_name="calcidata.sqlite",
            suffixes=(".sqlite", ".db", ".sqlite3"),
            magic=((0, b"SQLite format 3\x00"),),
        ),
        ExportFormat(
            "duckdb",
            "``calcidata.duckdb``",
            "calcidata.export.sql:write_duckdb",
            "calcidata.export.sql:read_duckdb",
            file_name="calcidata.duckdb",
            suffixes=(".duckdb",),
            magic=((8, b"DUCK"),),
            extra="duckdb",
        ),
        ExportFormat(
            "xlsx",
            "``calcidata.xlsx``",
            "calcidata.export.files:write_xlsx",
            "calcidata.export.files:read_xlsx",
            file_name="calcidata.xlsx",
            suffixes=(".xlsx",),
            magic=((0, b"PK\x03\x04"),),
            zipped=True,
            extra="excel",
        ),
        ExportFormat(
            "jsonschema",
            "``<table>.schema.json``",
            "calcidata.export.jsonschema:write",
        ),
    )
}


def readable() -> tuple[str, ...]:
    """The formats :func:`~calcidata.export.read_export` reads back."""
    return tuple(name for name, f in REGISTRY.items() if f.reader is not None)


def rst_table() -> str:
    """The formats as a reStructuredText table: format, files, extra (the docs)."""
    rows = [(f.name, f.files, f"``{f.extra}``" if f.extra else "") for f in REGISTRY.values()]
    head = ("format", "files", "extra")
    widths = [max(len(r[i]) for r in (*rows, head)) for i in range(3)]
    rule = "  ".join("=" * w for w in widths)
    lines = [rule]
    for i, row in enumerate((head, *rows)):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            lines.append(rule)
    return "\n".join([*lines, rule])
