"""Reading the audit's input columns: distinct values, numbers, frequencies, column names.

Everything here works once per distinct value, or vectorised over a column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import TIMING_CODES

#: Default names of the input columns.
DEFAULT_COLUMNS = {
    "treatment": "treatment",
    "dose": "dose",
    "unit": "unit",
    "frequency": "frequency",
    "route": "route",
    "condition": "condition",
}


def _factorize(series: pd.Series) -> tuple[np.ndarray, list]:
    """Codes and distinct values; missing values get code -1."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), list(uniques)


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


def _parse_frequency(value: object) -> tuple[float, str | None]:
    """Administrations per day from a number or a timing code, or why not."""
    if _blank(value):
        return np.nan, (
            "frequency is empty: give administrations per day or a timing code such as BID"
        )
    text = str(value).strip()
    code = text.upper()
    if code in TIMING_CODES:
        per_day = TIMING_CODES[code]
        if per_day is None:
            return np.nan, (
                f"timing code {code} gives no number of administrations per day; "
                "give the frequency as a number per day"
            )
        return float(per_day), None
    try:
        number = float(text)
    except ValueError:
        return np.nan, (
            f"frequency {text!r} is neither a number of administrations per day "
            f"nor a timing code ({', '.join(TIMING_CODES)})"
        )
    if not np.isfinite(number) or number <= 0:
        return np.nan, f"frequency {text!r} must be a number of administrations per day above 0"
    return number, None


def _numbers(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Float values and a mask of present-but-unreadable cells (blank text is missing)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        values = np.full(len(series), np.nan)
        return values, np.ones(len(series), dtype=bool)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.to_numpy(dtype="float64", na_value=np.nan), np.zeros(len(series), bool)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    unreadable = series.notna().to_numpy() & np.isnan(values)
    suspects = np.flatnonzero(unreadable)
    if len(suspects):  # only the rows that failed to parse are looked at one by one
        blank = np.array([_blank(v) for v in series.iloc[suspects]], dtype=bool)
        unreadable[suspects[blank]] = False
    return values, unreadable


def _resolve_columns(frame: pd.DataFrame, names: dict[str, str | None]) -> dict[str, str | None]:
    cols: dict[str, str | None] = {}
    for role, default in DEFAULT_COLUMNS.items():
        given = names.get(role)
        name = given or default
        if name in frame.columns:
            cols[role] = name
        elif role in ("route", "condition") and given is None:
            cols[role] = None  # optional, and not asked for
        else:
            raise ParameterError(
                f"the input has no {role} column {name!r}; its columns are: "
                f"{', '.join(map(str, frame.columns))}. Name the column with "
                f"{role}=... (--{role}-column on the command line)"
            )
    return cols


class _Values:
    """One input column reduced to its distinct values, with per-value answers.

    ``codes`` index the distinct values (-1 for a missing cell); every per-value
    array has one extra slot at the end for missing cells, so ``array[codes]``
    works directly.
    """

    def __init__(self, series: pd.Series | None, n: int):
        if series is None:
            self.codes = np.full(n, -1, dtype=np.int64)
            self.values: list = []
        else:
            self.codes, self.values = _factorize(series)

    @property
    def size(self) -> int:
        return len(self.values) + 1
