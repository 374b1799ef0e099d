"""The header of a file the audit reads (CSV header, Parquet footer), checked in bounded memory.

Whatever the file (a 10 MB line, a gigabyte of NUL bytes, a gzip bomb), at most
:data:`BLOCK_BYTES` of (decompressed) text is read for the header, and its names
are checked before Arrow builds one column type per name (docs/errors.md).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any  # Arrow objects: pyarrow ships no types

from calcidata.errors import FileAccessError

#: Bytes of CSV read at a time: also the longest row (and header) the audit reads.
BLOCK_BYTES = 1 << 20
#: The most columns a CSV file the audit reads may have (Arrow builds one type per name).
MAX_COLUMNS = 4096


def csv_names(path: Path) -> list[str]:
    """The names in the file's header row, read in bounded memory.

    At most :data:`BLOCK_BYTES` (decompressed) bytes are read, whatever the file
    (a gzip bomb included), and the header is checked before Arrow builds one
    column type per name: it must end within those bytes, hold at most
    :data:`MAX_COLUMNS` names, be UTF-8 and hold no control character.
    """
    import codecs
    import csv
    import zlib

    head = _head_bytes(path, BLOCK_BYTES + 1, zlib.error)
    cut = len(head) > BLOCK_BYTES
    head = head[:BLOCK_BYTES].removeprefix(codecs.BOM_UTF8)
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    text = decoder.decode(head, final=not cut)
    ended = [True]

    def lines() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            ended[0] = line.endswith(("\n", "\r"))
            yield line

    too_long = FileAccessError(
        f"{path}:1: the header row is longer than {BLOCK_BYTES // 2**20} MiB, the longest "
        "row the audit reads (is this a CSV file?)"
    )
    try:
        names = next(csv.reader(lines()))
    except StopIteration:
        raise FileAccessError(f"{path} is empty: expected a header row") from None
    except csv.Error as exc:
        if cut:
            raise too_long from None
        raise FileAccessError(f"{path}:1: is not a readable CSV file: {exc}") from None
    if cut and not ended[0]:
        raise too_long
    if len(names) > MAX_COLUMNS:
        raise FileAccessError(
            f"{path}:1: the header has {len(names)} columns; the audit reads files of at "
            f"most {MAX_COLUMNS} columns"
        )
    for number, name in enumerate(names, start=1):
        bad = next((c for c in name if _forbidden_in_header(c)), None)
        if bad is None:
            continue
        if "\udc80" <= bad <= "\udcff":
            raise FileAccessError(f"{path}:1: column {number} of the header is not valid UTF-8")
        raise FileAccessError(
            f"{path}:1: column {number} of the header holds the control character "
            f"U+{ord(bad):04X}; column names are text without control characters"
        )
    return names


def _forbidden_in_header(char: str) -> bool:
    import unicodedata

    return unicodedata.category(char) in ("Cc", "Cs") and char != "\t"


def _head_bytes(path: Path, size: int, *errors: type[BaseException]) -> bytes:
    """The first ``size`` bytes of the file (decompressed for ``.gz``), never more."""
    import gzip

    caught: tuple[type[BaseException], ...] = (OSError, EOFError, *errors)
    try:
        if path.name.lower().endswith(".gz"):
            with gzip.open(path, "rb") as fh:
                return fh.read(size)
        with open(path, "rb") as fh:
            return fh.read(size)
    except caught as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FileAccessError(f"{path} cannot be read: {why or type(exc).__name__}") from None


#: What both engines say of a CSV row longer than :data:`BLOCK_BYTES`.
LONG_ROW = (
    f"a row is longer than {BLOCK_BYTES // 2**20} MiB, the longest row the audit reads; "
    "split it or shorten its cells"
)


def longest_row(batch: Any) -> int:
    """Bytes of the longest row of an Arrow batch of text columns, measured as both engines do.

    A row's length is its cells' UTF-8 bytes plus one comma between each two
    (quotes aside); the Spark engine measures the same.
    """
    import numpy as np
    import pyarrow.compute as pc

    if batch.num_rows == 0:
        return 0
    sizes = np.full(batch.num_rows, max(batch.num_columns - 1, 0), dtype=np.int64)
    for column in batch.columns:
        sizes += pc.fill_null(pc.binary_length(column), 0).to_numpy(zero_copy_only=False)
    return int(sizes.max())


#: The largest Parquet footer (the file's metadata: schema, row groups) the audit reads.
MAX_PARQUET_FOOTER = 64 << 20


def check_parquet_footer(path: Path) -> None:
    """Refuse, before Arrow reads it, a Parquet footer that is not one or is too large.

    A Parquet file ends with its footer's length (4 bytes, little-endian) and
    ``PAR1``; Arrow reads that many bytes of metadata whole.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.seek(max(size - 8, 0))
            tail = fh.read(8)
    except OSError as exc:
        raise FileAccessError(f"{path} cannot be read: {exc.strerror or exc}") from None
    if len(tail) < 8 or tail[4:] != b"PAR1":
        raise FileAccessError(f"{path} cannot be read: it is not a Parquet file (no PAR1 footer)")
    footer = int.from_bytes(tail[:4], "little")
    if footer > MAX_PARQUET_FOOTER or footer > size - 12:
        raise FileAccessError(
            f"{path} cannot be read: its Parquet footer says {footer} bytes of metadata; the "
            f"audit reads at most {MAX_PARQUET_FOOTER // 2**20} MiB, within the file"
        )


def parquet_schema(path: Path) -> Any:
    """The Arrow schema of a Parquet file, its footer and width checked first."""
    import pyarrow.parquet as pq

    check_parquet_footer(path)
    schema = pq.read_schema(path)
    if len(schema.names) > MAX_COLUMNS:
        raise FileAccessError(
            f"{path}: has {len(schema.names)} columns; the audit reads files of at most "
            f"{MAX_COLUMNS} columns"
        )
    return schema


#: Bytes of a CSV line with no line end after which its row is surely longer than
#: :data:`BLOCK_BYTES` (a quoted cell takes at most twice its bytes plus its quotes).
LONG_LINE_BYTES = 2 * BLOCK_BYTES + 4 * MAX_COLUMNS


class LongLineError(Exception):
    """A CSV line runs on past :data:`LONG_LINE_BYTES` with no line end."""


class GuardedText(io.RawIOBase):
    """A CSV file's (decompressed) bytes, refusing a line longer than :data:`LONG_LINE_BYTES`.

    Arrow is handed this stream rather than the path, so a file of one endless
    row (a gigabyte of NUL bytes, a gzip bomb after a header) stops at a few MiB
    read, on every machine, whatever Arrow's read-ahead would have buffered.
    """

    def __init__(self, path: Path) -> None:
        import gzip

        super().__init__()
        self._raw: io.BufferedIOBase = (
            gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")  # noqa: SIM115
        )
        self._run = 0  # bytes since the last line end

    def readable(self) -> bool:
        """Always: the stream is read, never written."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer``; raise :class:`LongLineError` past a line too long."""
        view = memoryview(buffer).cast("B")
        data = self._raw.read(min(len(view), BLOCK_BYTES))
        size = len(data)
        view[:size] = data
        end = max(data.rfind(b"\n"), data.rfind(b"\r"))
        self._run = size - end - 1 if end >= 0 else self._run + size
        if self._run > LONG_LINE_BYTES:
            raise LongLineError(LONG_ROW)
        return size

    def close(self) -> None:
        """Close the file underneath."""
        if not self.closed:
            self._raw.close()
        super().close()
