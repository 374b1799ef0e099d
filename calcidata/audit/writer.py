"""Writing an audit's rows to CSV or Parquet through Arrow, atomically (see :mod:`.files`)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from calcidata._io import atomic_path, held, sweep_orphans
from calcidata.errors import ParameterError

# Arrow objects (writers, schemas, tables) are typed Any: pyarrow ships no types.


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz", ".txt")):
        return "csv"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise ParameterError(f"{path}: the audit reads and writes .csv or .parquet files")


class _Writer:
    """Writes frames one after another to a CSV or Parquet file, atomically, through Arrow.

    The column types are fixed by the first frame; categoricals are written as their
    values. CSV: a header row, strings quoted, an empty field for a missing value.
    """

    def __init__(self, target: Path | None) -> None:
        self.target = target
        self.kind = _kind(target) if target is not None else "csv"
        self.tmp: Path | None = None
        self.writer: Any = None
        self.schema: Any = None
        self._held: contextlib.AbstractContextManager[None] | None = None

    def __enter__(self) -> _Writer:
        if self.target is not None:
            sweep_orphans(self.target)  # partial outputs of earlier runs killed (SIGKILL)
            self._atomic = atomic_path(self.target)
            self.tmp = self._atomic.__enter__()
        return self

    def write(self, frame: pd.DataFrame, original: Any = None) -> None:
        """Write ``frame``; its first columns from ``original`` (an Arrow table) when given.

        Parquet to Parquet, the input's columns are so written back with their own
        types (lists, structs, maps, decimals...), never through pandas objects.
        """
        import pyarrow as pa

        plain = frame.copy(deep=False)
        keep = original is not None and self.kind == "parquet"
        if keep:
            plain = plain.iloc[:, original.num_columns :]
        for col in plain.columns:
            if plain[col].dtype == object:
                plain[col] = plain[col].astype("str")
        table = pa.Table.from_pandas(plain, preserve_index=False)
        if keep:
            columns = [*original.columns, *table.columns]
            table = pa.table(columns, names=[*original.column_names, *table.column_names])
        if self.schema is None:
            self.schema = pa.schema([pa.field(f.name, _plain(f.type)) for f in table.schema])
            self.writer = self._open()
        self.writer.write_table(table.cast(self.schema))

    def _open(self) -> Any:
        import pyarrow as pa

        if self.kind == "parquet":
            import pyarrow.parquet as pq

            writer = pq.ParquetWriter(self.tmp, self.schema)
        else:
            import pyarrow.csv as pc

            if self.tmp is not None:
                writer = pc.CSVWriter(str(self.tmp), self.schema)
            else:
                writer = pc.CSVWriter(pa.PythonFile(sys.stdout.buffer, mode="w"), self.schema)
        if self.tmp is not None:  # held while written: a later run sweeps it only if killed
            hold = held(self.tmp)
            hold.__enter__()
            self._held = hold
        return writer

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> Literal[False]:
        """Close the writer, then move the file in (success) or remove it (any failure).

        A failure while closing counts as a failure: the temporary file is removed
        whatever went wrong, so a failed audit leaves nothing behind.
        """
        failure = exc
        try:
            if self.writer is not None:
                self.writer.close()
        except BaseException as close_error:  # noqa: BLE001 - re-raised below
            failure = failure or close_error
        if self._held is not None:
            with contextlib.suppress(Exception):  # the lock never keeps the file from cleanup
                self._held.__exit__(None, None, None)
        if self.tmp is None:
            sys.stdout.flush()
        elif failure is None:
            self._atomic.__exit__(None, None, None)  # moved in (removed if that fails)
        else:
            self._atomic.__exit__(type(failure), failure, failure.__traceback__)
        if failure is not None and failure is not exc:
            raise failure
        return False


def _plain(arrow_type: Any) -> Any:
    """Dictionary columns are written as their values (chunks have different dictionaries)."""
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):
        return pa.dictionary(pa.int32(), arrow_type.value_type, arrow_type.ordered)
    if pa.types.is_null(arrow_type):
        return pa.large_string()
    return arrow_type
