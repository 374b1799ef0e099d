"""The audit of files: CSV or Parquet in, chunk by chunk, written atomically.

:func:`audit_file` gives exactly the in-memory result of
:func:`~calcidata.audit.core.audit_doses`, with flat memory however large the input.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from calcidata import paths
from calcidata._extras import require
from calcidata._io import output_file
from calcidata.audit.auditor import STATUSES, prepare
from calcidata.audit.core import CHUNK_ROWS
from calcidata.audit.headers import (
    BLOCK_BYTES,
    LONG_ROW,
    GuardedText,
    LongLineError,
    csv_names,
    longest_row,
    parquet_schema,
)
from calcidata.audit.inputs import AuditOptions
from calcidata.audit.writer import _kind, _Writer
from calcidata.errors import ArgumentTypeError, FileAccessError, ParameterError
from calcidata.schemas import SCHEMAS

# Arrow objects (tables, batches, schemas, writers) are typed Any: pyarrow ships no types.
_T = TypeVar("_T")


def _csv_options(path: Path, block_size: int | None = None) -> tuple[Any, Any]:
    """Arrow CSV options: every column read as text, an empty field as missing."""
    import pyarrow as pa
    import pyarrow.csv as pc

    names = csv_names(path)
    read = pc.ReadOptions(block_size=block_size or BLOCK_BYTES)
    convert = pc.ConvertOptions(
        column_types={n: pa.large_string() for n in names},
        strings_can_be_null=True,
        null_values=[""],
    )
    return read, convert


def read_input(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a prescription file as the audit reads it.

    CSV cells are read as text (so they are written back exactly as they were),
    an empty field being a missing value; Parquet columns keep their types.
    Needs the ``audit`` extra (pyarrow).
    """
    require("audit", "reading a file to audit")
    path = _input(path)
    if _kind(path) == "csv":
        import pyarrow.csv as pc

        read, convert = _csv_options(path)
        with GuardedText(path) as stream:
            text: pd.DataFrame = _arrow_error(
                path,
                lambda: pc.read_csv(stream, read_options=read, convert_options=convert).to_pandas(),
            )
        return text
    _arrow_error(path, lambda: parquet_schema(path))
    return _arrow_error(path, lambda: pd.read_parquet(path))


def _input(path: str | os.PathLike[str]) -> Path:
    """The input file, checked: it exists and is a file (not a folder)."""
    path = Path(path)
    if path.is_dir():
        raise FileAccessError(f"{path}: is a folder; the audit reads a .csv or .parquet file")
    if not path.exists():
        raise FileAccessError(f"no such file: {path}")
    if not path.is_file():
        raise FileAccessError(f"{path}: is not a regular file (a device, pipe or socket)")
    return path


def _arrow_error(path: Path, action: Callable[[], _T]) -> _T:
    import zlib

    import pyarrow as pa

    try:
        return action()
    except LongLineError:
        raise FileAccessError(f"{path} cannot be read: {LONG_ROW}") from None
    except (pa.ArrowMemoryError, MemoryError):
        raise FileAccessError(
            f"{path} cannot be read: reading it needs more memory than this process may use "
            "(is a row very long, or the file not a table?)"
        ) from None
    except (pa.ArrowException, UnicodeDecodeError, OSError, EOFError, zlib.error) as exc:
        why = _first_line(exc)
        if "straddling object" in why:  # Arrow's words for a row longer than a block
            why = LONG_ROW
        elif "invalid UTF8" in why:
            why = f"it is not valid UTF-8 text ({why})"
        raise FileAccessError(f"{path} cannot be read: {why}") from None


def _first_line(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def _batches(path: Path, rows: int) -> Iterator[Any]:
    """Arrow record batches of the file, read a block at a time."""
    if _kind(path) == "csv":
        import pyarrow.csv as pc

        # Arrow reads ahead a few dozen blocks: small blocks keep that bounded.
        read, convert = _csv_options(path, block_size=BLOCK_BYTES)
        with GuardedText(path) as stream:
            reader = _arrow_error(
                path, lambda: pc.open_csv(stream, read_options=read, convert_options=convert)
            )
            while True:
                batch = _next(path, reader.read_next_batch)
                if batch is None:
                    return
                if longest_row(batch) > BLOCK_BYTES:  # Arrow reads some: the engines agree
                    raise FileAccessError(f"{path} cannot be read: {LONG_ROW}")
                yield batch
    else:
        import pyarrow.parquet as pq

        parquet = _arrow_error(path, lambda: pq.ParquetFile(path))
        batches = parquet.iter_batches(batch_size=rows)
        while True:
            batch = _next(path, batches.__next__)
            if batch is None:
                return
            yield batch


def _next(path: Path, read: Callable[[], Any]) -> Any:
    """The next batch from ``read`` (a reader's ``read_next_batch``), or None at the end."""
    try:
        return _arrow_error(path, read)
    except StopIteration:
        return None


def _chunks(path: Path, rows: int) -> Iterator[tuple[object, pd.DataFrame]]:
    """The file as frames of exactly ``rows`` rows (the last one shorter), indexed on.

    Each comes with the Arrow table it was made from, whose columns are written
    back as they were read (nested Parquet types included).
    """
    import pyarrow as pa

    pending: list[Any] = []
    count = 0
    start = 0

    def emit(batches: list[Any]) -> tuple[object, pd.DataFrame]:
        nonlocal start
        table = pa.Table.from_batches(batches)
        frame = table.to_pandas()
        frame.index = pd.RangeIndex(start, start + len(frame))
        start += len(frame)
        return table, frame

    for batch in _batches(path, rows):
        while batch.num_rows:
            take = min(rows - count, batch.num_rows)
            pending.append(batch.slice(0, take))
            count += take
            batch = batch.slice(take)
            if count == rows:
                yield emit(pending)
                pending, count = [], 0
    if count:
        yield emit(pending)


def _header(path: Path) -> pd.DataFrame:
    """An empty frame with the file's columns (to check names before any work)."""
    if _kind(path) == "csv":
        names = csv_names(path)  # as a list: a name given twice stays twice
        return pd.DataFrame({i: pd.Series([], dtype="str") for i in range(len(names))}).set_axis(
            names, axis=1
        )
    empty: pd.DataFrame = _arrow_error(path, lambda: parquet_schema(path)).empty_table().to_pandas()
    return empty


def _empty_parquet(path: Path) -> Any:
    import pyarrow.parquet as pq

    return _arrow_error(path, lambda: pq.read_schema(path).empty_table())


def write_output(frame: pd.DataFrame, out: str | os.PathLike[str]) -> Path:
    """Write an audit result to ``.csv`` or ``.parquet`` as :func:`audit_file` does."""
    require("audit", "writing an audit to a file")
    target = Path(out)
    with _Writer(target) as writer:
        writer.write(frame)
    return target


def _not_a_table(target: Path, settings: AuditOptions) -> None:
    """Refuse an output that is one of the tables the audit reads its reference from."""
    directory = paths.data_dir(getattr(settings.tables, "data_dir", None) or settings.data_dir)
    if target.resolve() in {paths.table_path(name, directory).resolve() for name in SCHEMAS}:
        raise ParameterError(
            f"{target}: is one of calcidata's tables, which the audit reads and never writes"
        )


def audit_file(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
    **options: Any,
) -> pd.Series[int]:
    """Audit a CSV or Parquet file of any size in bounded memory.

    Needs the ``audit`` extra (the files are read and written through Arrow);
    :func:`~calcidata.audit.core.audit_doses` audits a DataFrame without it.
    The file is read ``chunk_rows`` rows at a time (Parquet: record batches),
    each chunk is audited by :func:`audit_doses` against one reference built
    once, and written on to ``out``. The result is the same as auditing the
    whole file in memory; memory use depends on ``chunk_rows`` (and, for
    Parquet, on the file's row-group size), not on the file's size.

    Parameters
    ----------
    path : path-like
        Input ``.csv`` (cells read as text, written back unchanged) or ``.parquet``.
        Never modified.
    out : path-like, optional
        Output ``.csv`` or ``.parquet``, written atomically (nothing is left
        behind when the audit fails); CSV on standard output when omitted.
    chunk_rows : int
        Rows per chunk.
    **options
        ``treatment``, ``dose``, ``unit``, ``frequency``, ``route``, ``condition``,
        ``prefix``, ``tables``, ``data_dir``: as for :func:`audit_doses`
        (see :class:`~calcidata.audit.inputs.AuditOptions`).

    Returns
    -------
    pandas.Series
        Number of rows per status (every status listed, zeros included).

    Raises
    ------
    ParameterError
        A column name or option is wrong, or a file name has an extension the
        audit does not read or write, or ``out`` is ``path``.
    FileAccessError
        ``path`` is missing, a folder or unreadable; ``out`` is a folder or its
        folder is not writable.
    """
    require("audit", "the audit of a file")
    settings = AuditOptions(**options)
    for name, value in (("path", path), ("out", out)):
        if value is not None or name == "path":
            if not isinstance(value, str | os.PathLike):
                raise ArgumentTypeError(f"{name} must be a path, not {type(value).__name__}")
    path = Path(path)
    _kind(path)
    target = Path(out) if out is not None else None
    if target is not None:
        _kind(target)
        if target.resolve() == path.resolve():
            raise ParameterError(
                "the output file must differ from the input file (the input is never modified)"
            )
        _not_a_table(target, settings)
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int):
        raise ArgumentTypeError(f"chunk_rows must be a whole number, not {chunk_rows!r}")
    if chunk_rows < 1:
        raise ParameterError("chunk_rows must be at least 1")
    path = _input(path)
    if target is not None:
        output_file(target)
    header = _header(path)
    parquet = _kind(path) == "parquet"
    try:
        auditor = prepare(header, settings)
    except ParameterError as exc:
        raise ParameterError(f"{path}: {exc}") from None
    counts = pd.Series(0, index=pd.Index(STATUSES, name="status"), name="rows")
    with _Writer(target) as writer:
        wrote = False
        for arrow, chunk in _chunks(path, chunk_rows):
            result = auditor(chunk)
            counts += (
                result[settings.prefix + "status"].value_counts().reindex(STATUSES, fill_value=0)
            )
            writer.write(result, arrow if parquet else None)
            wrote = True
        if not wrote:
            writer.write(auditor(header), _empty_parquet(path) if parquet else None)
    return counts
