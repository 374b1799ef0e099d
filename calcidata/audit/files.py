"""The audit of files: CSV or Parquet in, chunk by chunk, written atomically.

:func:`audit_file` gives exactly the in-memory result of
:func:`~calcidata.audit.core.audit_doses`, with flat memory however large the input.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from calcidata._io import atomic_path
from calcidata.audit.core import CHUNK_ROWS, STATUSES, _Auditor, _check_collisions
from calcidata.audit.inputs import _resolve_columns
from calcidata.audit.reference import cached_reference as _reference
from calcidata.errors import ParameterError


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz", ".txt")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise ParameterError(f"{path}: the audit reads and writes .csv or .parquet files")


def _csv_names(path: Path) -> list[str]:
    import csv
    import gzip

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        try:
            return next(csv.reader(fh))
        except StopIteration:
            raise ParameterError(f"{path} is empty: expected a header row") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ParameterError(f"{path} is not a readable UTF-8 CSV file: {exc}") from None


def _csv_options(path: Path, block_size: int | None = None):
    """Arrow CSV options: every column read as text, an empty field as missing."""
    import pyarrow as pa
    import pyarrow.csv as pc

    names = _csv_names(path)
    read = pc.ReadOptions(block_size=block_size) if block_size else pc.ReadOptions()
    convert = pc.ConvertOptions(
        column_types={n: pa.large_string() for n in names},
        strings_can_be_null=True,
        null_values=[""],
    )
    return read, convert


def read_input(path: str | os.PathLike) -> pd.DataFrame:
    """Read a prescription file as the audit reads it.

    CSV cells are read as text (so they are written back exactly as they were),
    an empty field being a missing value; Parquet columns keep their types.
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"no such file: {path}")
    if _kind(path) == "csv":
        import pyarrow.csv as pc

        read, convert = _csv_options(path)
        return _arrow_error(
            path, lambda: pc.read_csv(path, read_options=read, convert_options=convert).to_pandas()
        )
    return _arrow_error(path, lambda: pd.read_parquet(path))


def _arrow_error(path: Path, action):
    import pyarrow as pa

    try:
        return action()
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise ParameterError(f"{path} cannot be read: {exc}") from None


def _batches(path: Path, rows: int):
    """Arrow record batches of the file, read a block at a time."""
    if _kind(path) == "csv":
        import pyarrow.csv as pc

        # Arrow reads ahead a few dozen blocks: small blocks keep that bounded.
        read, convert = _csv_options(path, block_size=1 << 20)
        reader = _arrow_error(
            path, lambda: pc.open_csv(path, read_options=read, convert_options=convert)
        )
        while True:
            batch = _next(path, reader)
            if batch is None:
                return
            yield batch
    else:
        import pyarrow.parquet as pq

        parquet = _arrow_error(path, lambda: pq.ParquetFile(path))
        yield from parquet.iter_batches(batch_size=rows)


def _next(path: Path, reader):
    import pyarrow as pa

    try:
        return reader.read_next_batch()
    except StopIteration:
        return None
    except pa.ArrowInvalid as exc:
        raise ParameterError(f"{path} cannot be read: {exc}") from None


def _chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """The file as frames of exactly ``rows`` rows (the last one shorter), indexed on."""
    import pyarrow as pa

    pending: list = []
    count = 0
    start = 0

    def emit(batches):
        nonlocal start
        frame = pa.Table.from_batches(batches).to_pandas()
        frame.index = pd.RangeIndex(start, start + len(frame))
        start += len(frame)
        return frame

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
        return pd.DataFrame({n: pd.Series([], dtype="str") for n in _csv_names(path)})
    import pyarrow.parquet as pq

    return _arrow_error(path, lambda: pq.read_schema(path).empty_table().to_pandas())


class _Writer:
    """Writes frames one after another to a CSV or Parquet file, atomically, through Arrow.

    The column types are fixed by the first frame; categoricals are written as their
    values. CSV: a header row, strings quoted, an empty field for a missing value.
    """

    def __init__(self, target: Path | None):
        self.target = target
        self.kind = _kind(target) if target is not None else "csv"
        self.tmp: Path | None = None
        self.writer = None
        self.schema = None

    def __enter__(self):
        if self.target is not None:
            self._atomic = atomic_path(self.target)
            self.tmp = self._atomic.__enter__()
        return self

    def write(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        plain = frame.copy(deep=False)
        for col in plain.columns:
            if plain[col].dtype == object:
                plain[col] = plain[col].astype("str")
        table = pa.Table.from_pandas(plain, preserve_index=False)
        if self.schema is None:
            self.schema = pa.schema([pa.field(f.name, _plain(f.type)) for f in table.schema])
            self.writer = self._open()
        self.writer.write_table(table.cast(self.schema))

    def _open(self):
        import pyarrow as pa

        if self.kind == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetWriter(self.tmp, self.schema)
        import pyarrow.csv as pc

        sink = str(self.tmp) if self.tmp is not None else pa.PythonFile(sys.stdout.buffer, mode="w")
        return pc.CSVWriter(sink, self.schema)

    def __exit__(self, exc_type, exc, tb):
        if self.writer is not None:
            self.writer.close()
        if self.tmp is None:
            sys.stdout.flush()
            return False
        self._atomic.__exit__(exc_type, exc, tb)
        return False


def _plain(arrow_type):
    """Dictionary columns are written as their values (chunks have different dictionaries)."""
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return pa.dictionary(pa.int32(), arrow_type.value_type, arrow_type.ordered)
    if pa.types.is_null(arrow_type):
        return pa.large_string()
    return arrow_type


def write_output(frame: pd.DataFrame, out: str | os.PathLike) -> Path:
    """Write an audit result to ``.csv`` or ``.parquet`` as :func:`audit_file` does."""
    target = Path(out)
    with _Writer(target) as writer:
        writer.write(frame)
    return target


def audit_file(
    path: str | os.PathLike,
    out: str | os.PathLike | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
    treatment: str | None = None,
    dose: str | None = None,
    unit: str | None = None,
    frequency: str | None = None,
    route: str | None = None,
    condition: str | None = None,
    prefix: str = "",
    tables=None,
    data_dir: str | os.PathLike | None = None,
) -> pd.Series:
    """Audit a CSV or Parquet file of any size in bounded memory.

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
        Output ``.csv`` or ``.parquet``, written atomically; CSV on standard output
        when omitted.
    chunk_rows : int
        Rows per chunk.
    treatment, dose, unit, frequency, route, condition, prefix, tables, data_dir
        As for :func:`audit_doses`.

    Returns
    -------
    pandas.Series
        Number of rows per status (every status listed, zeros included).
    """
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"no such file: {path}")
    _kind(path)
    target = Path(out) if out is not None else None
    if target is not None:
        _kind(target)
        if target.resolve() == path.resolve():
            raise ParameterError(
                "the output file must differ from the input file (the input is never modified)"
            )
    if chunk_rows < 1:
        raise ParameterError("chunk_rows must be at least 1")
    header = _header(path)
    columns = _resolve_columns(
        header,
        {
            "treatment": treatment,
            "dose": dose,
            "unit": unit,
            "frequency": frequency,
            "route": route,
            "condition": condition,
        },
    )
    _check_collisions(header, prefix)
    auditor = _Auditor(_reference(tables, data_dir), columns, prefix)
    counts = pd.Series(0, index=pd.Index(STATUSES, name="status"), name="rows")
    with _Writer(target) as writer:
        wrote = False
        for chunk in _chunks(path, chunk_rows):
            result = auditor(chunk)
            counts += result[prefix + "status"].value_counts().reindex(STATUSES, fill_value=0)
            writer.write(result)
            wrote = True
        if not wrote:
            writer.write(auditor(header))
    return counts
