"""Reading the audit's input columns: distinct values, numbers, frequencies, column names.

Everything here works once per distinct value, or vectorised over a column.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.extensions import ExtensionDtype

from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import TIMING_CODES

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

#: Default names of the input columns.
DEFAULT_COLUMNS = {
    "treatment": "treatment",
    "dose": "dose",
    "unit": "unit",
    "frequency": "frequency",
    "route": "route",
    "condition": "condition",
}


#: The roles whose column holds numbers (as numbers or as text); the others hold text.
NUMBER_ROLES = ("dose", "frequency")


@dataclass(frozen=True)
class AuditOptions:
    """The keywords every audit entry point takes besides its input.

    The ``**options`` of :func:`~calcidata.audit.files.audit_file` and
    :func:`~calcidata.audit.spark.audit_spark` are these keywords of
    :func:`~calcidata.audit_doses`: the six column names, ``prefix``, ``tables``
    and ``data_dir``. An unknown keyword is a :class:`TypeError`, as for any call.
    """

    treatment: str | None = None
    dose: str | None = None
    unit: str | None = None
    frequency: str | None = None
    route: str | None = None
    condition: str | None = None
    prefix: str = ""
    tables: Tables | None = None
    data_dir: str | os.PathLike[str] | None = None

    def keywords(self) -> dict[str, object]:
        """The options as keywords (shallow: ``tables`` is passed on, not copied)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def columns(self, frame: pd.DataFrame) -> dict[str, str | None]:
        """The input column of each role in ``frame`` (None: an optional role not there)."""
        return _resolve_columns(frame, {role: getattr(self, role) for role in DEFAULT_COLUMNS})


def _never_a_number(dtype: np.dtype[Any] | ExtensionDtype) -> bool:
    return (
        pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_complex_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, (pd.PeriodDtype, pd.IntervalDtype))
    )


def check_dtypes(frame: pd.DataFrame, columns: dict[str, str | None]) -> None:
    """Refuse columns whose type cannot hold what their role names (no row is audited).

    A dose or frequency is a number, or text holding one; any role may be text.
    Dates, durations, periods, intervals, booleans and complex numbers are none
    of these, whatever their values: a date would otherwise be read as a number
    of nanoseconds. Raises :class:`ParameterError` naming every such column.
    """
    bad = []
    for role, name in columns.items():
        if name is None:
            continue
        dtype = frame[name].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            dtype = dtype.categories.dtype
        if _never_a_number(dtype):
            needs = "numbers or text" if role in NUMBER_ROLES else "text"
            bad.append(f"column {name!r} ({role}) holds {dtype} values, the audit needs {needs}")
    if bad:
        raise ParameterError("; ".join(bad) + ": convert the column(s) or name others")


def _hashable(value: object) -> object:
    try:
        hash(value)
    except TypeError:
        return repr(value)  # a list or dict in a cell: audited as its text
    return value


def _factorize(series: pd.Series) -> tuple[npt.NDArray[np.int64], list[object]]:
    """Codes and distinct values; missing values get code -1."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts) in an object column
        codes, uniques = pd.factorize(series.map(_hashable), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), list(uniques)


def is_number_or_text(value: object) -> bool:
    """Whether a cell may hold a number: text, or a real number that is not a boolean."""
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (str, int, float, Decimal, np.integer, np.floating))


def _group_codes(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the distinct keys (0..k-1) and the distinct keys, without hashing rows.

    Keys are non-negative integers below ``space`` (the product of the columns'
    numbers of distinct values). When that is small next to the number of rows, a
    dense lookup table does the job of a hash table, faster; otherwise the keys
    are hashed, so memory stays proportional to the rows.
    """
    if space > 4 * len(key) + 4096:
        codes, uniques = pd.factorize(key)
        return np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=np.int64)
    present = np.zeros(space, dtype=bool)
    present[key] = True
    uniques = np.flatnonzero(present)
    lookup = np.full(space, -1, dtype=np.int64)
    lookup[uniques] = np.arange(len(uniques))
    return lookup[key], uniques


def _combinations(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Number the distinct combinations of several code columns (-1 = missing).

    Returns each row's combination number and, per column, the code of each
    combination. The codes are packed into one integer per row when the product
    of the sizes fits in 62 bits (always, in practice); otherwise pandas groups them.
    """
    space = float(np.prod(sizes, dtype=np.float64))
    if space < 2.0**62:
        key = np.zeros(len(codes[0]), dtype=np.int64)
        for column, size in zip(codes, sizes, strict=True):
            key = key * size + (column + 1)
        g_codes, g_keys = _group_codes(key, int(space))
        parts = []
        for size in reversed(sizes):
            g_keys, part = np.divmod(g_keys, size)
            parts.append(part - 1)
        return g_codes, parts[::-1]
    frame = pd.DataFrame({i: column for i, column in enumerate(codes)})
    g_codes = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy(np.int64)
    firsts = frame.drop_duplicates()
    return g_codes, [firsts[i].to_numpy(np.int64) for i in frame.columns]


def _blank(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and value != value)
        or (isinstance(value, str) and not value.strip())
    )


#: A decimal number: ASCII digits, an optional sign, point and exponent (no "_", no "inf").
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def _parse_frequency(value: object) -> tuple[float, str | None]:
    """Administrations per day from a number or a timing code, or why not."""
    if _blank(value):
        return np.nan, (
            "frequency is empty: give administrations per day or a timing code such as BID"
        )
    if not is_number_or_text(value):
        return np.nan, (
            f"frequency is a {type(value).__name__}, not a number of administrations per "
            "day or a timing code"
        )
    text = unicodedata.normalize("NFKC", str(value)).strip()
    # Case is ignored in ASCII only: "tıd" (dotless i) is not TID, though "tıd".upper() is.
    code = text.upper() if text.isascii() else text
    if code in TIMING_CODES:
        per_day = TIMING_CODES[code]
        if per_day is None:
            return np.nan, (
                f"timing code {code} gives no number of administrations per day; "
                "give the frequency as a number per day"
            )
        return float(per_day), None
    # A number as written in a table, ASCII digits only: float() would also read
    # "1_0" as 10 and digits of other scripts.
    number: float | None
    if isinstance(value, int | float | np.integer | np.floating | Decimal):
        number = float(value)
    else:
        number = float(text) if _NUMBER.fullmatch(text) else None
    if number is None:
        return np.nan, (
            f"frequency {text!r} is neither a number of administrations per day "
            f"nor a timing code ({', '.join(TIMING_CODES)})"
        )
    if not np.isfinite(number) or number <= 0:
        return np.nan, f"frequency {text!r} must be a number of administrations per day above 0"
    return number, None


def _numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a mask of present-but-unreadable cells (blank text is missing).

    Only real numbers and text are read as numbers: a boolean, a date, a duration,
    bytes or any other object in a cell is unreadable, never a number.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if _never_a_number(series.dtype):
        return np.full(len(series), np.nan), np.ones(len(series), dtype=bool)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype="float64", na_value=np.nan), np.zeros(len(series), bool)
    kind = pd.api.types.infer_dtype(series, skipna=True)
    odd = np.zeros(len(series), dtype=bool)
    if kind not in ("string", "empty", "integer", "floating", "mixed-integer-float", "decimal"):
        odd = series.map(lambda v: not (_blank(v) or is_number_or_text(v))).to_numpy(bool)
        series = series.where(~odd, None)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    unreadable = series.notna().to_numpy() & np.isnan(values)
    suspects = np.flatnonzero(unreadable)
    if len(suspects):  # only the rows that failed to parse are looked at one by one
        blank = np.array([_blank(v) for v in series.iloc[suspects]], dtype=bool)
        unreadable[suspects[blank]] = False
    if odd.any():
        values = np.where(odd, np.nan, values)
    return values, unreadable | odd


def _resolve_columns(frame: pd.DataFrame, names: dict[str, str | None]) -> dict[str, str | None]:
    twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if twice:
        raise ParameterError(
            f"the input has column name(s) {', '.join(map(repr, twice))} more than once; "
            "every column needs its own name"
        )
    cols: dict[str, str | None] = {}
    for role, default in DEFAULT_COLUMNS.items():
        given = names.get(role)
        name = default if given is None else given
        if name in frame.columns:
            cols[role] = name
        elif role in ("route", "condition") and given is None:
            cols[role] = None  # optional, and not asked for
        else:
            shown = ", ".join(map(repr, map(str, frame.columns[:_SHOWN_COLUMNS])))
            if len(frame.columns) > _SHOWN_COLUMNS:
                shown += f" and {len(frame.columns) - _SHOWN_COLUMNS} more"
            raise ParameterError(
                f"the input has no {role} column {name!r}; its columns are: "
                f"{shown}. Name the column with "
                f"{role}=... (--{role}-column on the command line)"
            )
    roles: dict[object, list[str]] = {}
    for role, column in cols.items():
        if column is not None:
            roles.setdefault(column, []).append(role)
    for named, shared in roles.items():
        if len(shared) > 1:
            raise ParameterError(
                f"column {str(named)!r} is named for {' and '.join(shared)}; each role needs "
                "a column of its own"
            )
    return cols


#: Column names listed in a message about a missing column.
_SHOWN_COLUMNS = 20


class _Values:
    """One input column reduced to its distinct values, with per-value answers.

    ``codes`` index the distinct values (-1 for a missing cell); every per-value
    array has one extra slot at the end for missing cells, so ``array[codes]``
    works directly.
    """

    def __init__(self, series: pd.Series | None, n: int) -> None:
        if series is None:
            self.codes = np.full(n, -1, dtype=np.int64)
            self.values: list[object] = []
        else:
            self.codes, self.values = _factorize(series)

    @property
    def size(self) -> int:
        return len(self.values) + 1
