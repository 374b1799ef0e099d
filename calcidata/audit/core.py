"""The dose audit: a user's prescriptions checked against calcidata's dosing ranges.

>>> import calcidata, pandas as pd
>>> rx = pd.DataFrame({"treatment": ["ibuprofen"], "dose": [400], "unit": ["mg"],
...                    "frequency": ["TID"]})
>>> calcidata.audit_doses(rx)["status"].tolist()     # doctest: +SKIP
['within_range']

Work is done once per *distinct* value (treatment text, unit, frequency, route,
condition) and once per distinct (treatment, route, condition, unit) key; the
rows themselves only go through vectorized NumPy operations. Files larger than
memory are audited chunk by chunk with :func:`audit_file`, which gives exactly
the in-memory result.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from calcidata.analysis.units import AMOUNT_UNITS, canonical, factor, normalize_unit
from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import DOSE_UNITS, TIMING_CODES

#: Every status a row can get (the first three are the outcomes of a comparison).
STATUSES = (
    "below_range",
    "within_range",
    "above_range",
    "no_reference",
    "unit_mismatch",
    "unknown_treatment",
    "invalid_input",
)
#: Columns the audit adds to the input (after the input columns, in this order).
OUTPUT_COLUMNS = (
    "matched_treatment_id",
    "daily_dose",
    "daily_unit",
    "range_daily_min",
    "range_daily_max",
    "range_treatment_id",
    "range_scope",
    "range_dosing_ids",
    "status",
    "reason",
)
#: Default names of the input columns.
DEFAULT_COLUMNS = {
    "treatment": "treatment",
    "dose": "dose",
    "unit": "unit",
    "frequency": "frequency",
    "route": "route",
    "condition": "condition",
}
#: Relative tolerance of the range comparison (absorbs unit-conversion rounding).
TOLERANCE = 1e-9
#: Rows per chunk of the out-of-core path.
CHUNK_ROWS = 100_000

_S = {name: i for i, name in enumerate(STATUSES)}


class _Reasons:
    """Distinct reason texts, each stored once; rows hold an index into them."""

    def __init__(self):
        self.texts: list[str] = []
        self._index: dict[str, int] = {}
        self._blocks: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        text = text if text.endswith(".") else text + "."
        if text not in self._index:
            self._index[text] = len(self.texts)
            self.texts.append(text)
        return self._index[text]

    def block(self, texts: tuple[str, str, str]) -> int:
        """Store below/within/above reasons consecutively; return the first index.

        A row's reason is then ``first + offset`` with offset 0, 1 or 2, the same
        number as its status code (below_range, within_range, above_range).
        """
        if texts[0] in self._blocks:
            return self._blocks[texts[0]]
        first = len(self.texts)
        self.texts.extend(texts)
        self._blocks[texts[0]] = first
        return first


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


class _Auditor:
    """The audit of frames against one :class:`~calcidata.dose_reference.DoseReference`.

    Three levels, so that no Python code runs once per row:

    1. each input column is factorized; its distinct values are matched,
       parsed or converted one by one (treatment text -> id, unit -> factor...);
    2. the distinct combinations of those values (a few hundred in practice)
       get, with NumPy, their status when the row cannot be compared, their
       multiplier to a daily dose, and their range, chosen once per distinct
       (treatment, route, condition, unit) key;
    3. the rows take their combination's answers and compare their daily dose
       with its range, all vectorized.
    """

    def __init__(self, reference, columns: dict[str, str | None], prefix: str):
        self.ref = reference
        self.columns = columns
        self.prefix = prefix

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        ref, cols, n = self.ref, self.columns, len(frame)
        reasons = _Reasons()
        none = np.int64(-1)

        # Level 1: distinct values of each column.
        t = _Values(frame[cols["treatment"]], n)
        t_match = [ref.match_treatment(v) for v in t.values] + [ref.match_treatment(None)]
        treatment_ids = sorted({m.id for m in t_match if m.id})
        t_ids = {x: i for i, x in enumerate(treatment_ids)}
        t_res = np.array([t_ids.get(m.id, -1) for m in t_match], dtype=np.int64)
        t_why = np.array([reasons(m.problem) if m.problem else -1 for m in t_match], np.int64)
        t_blank = np.array([_blank(v) for v in t.values] + [True], dtype=bool)

        u = _Values(frame[cols["unit"]], n)
        u_norm = [normalize_unit(v) for v in u.values] + [None]
        units = sorted({canonical(x) for x in u_norm if x})
        u_ids = {x: i for i, x in enumerate(units)}
        u_res = np.array([u_ids[canonical(x)] if x else -1 for x in u_norm], dtype=np.int64)
        u_factor = np.array(
            [factor(x, canonical(x)) if x in AMOUNT_UNITS else np.nan for x in u_norm],
            dtype="float64",
        )
        u_why = np.array(
            [
                -1
                if x
                else reasons(
                    "unit is empty"
                    if _blank(v)
                    else f"unit {v!r} is not a known dose unit; known units: "
                    f"{', '.join(DOSE_UNITS)}"
                )
                for x, v in zip(u_norm, [*u.values, None], strict=True)
            ],
            dtype=np.int64,
        )

        f = _Values(frame[cols["frequency"]], n)
        f_parsed = [_parse_frequency(v) for v in f.values] + [_parse_frequency(None)]
        f_per_day = np.array([p[0] for p in f_parsed], dtype="float64")
        f_why = np.array([reasons(p[1]) if p[1] else -1 for p in f_parsed], dtype=np.int64)

        r, r_names, r_res, r_why = self._optional("route", frame, ref.match_route, reasons, n)
        c, c_names, c_res, c_why = self._optional(
            "condition", frame, ref.match_condition, reasons, n
        )

        # Level 2: distinct combinations of the columns' values.
        g_codes, (gt, gu, gf, gr, gc) = _combinations(
            [x.codes for x in (t, u, f, r, c)], [x.size for x in (t, u, f, r, c)]
        )
        for x in (t, u, f, r, c):
            x.codes = None  # one int64 per row each: free them before the row stage

        # The first problem in this order is the one reported (the dose is checked last).
        problems = (
            np.where(t_blank[gt], t_why[gt], none),
            u_why[gu],
            f_why[gf],
            r_why[gr],
            c_why[gc],
        )
        g_invalid = np.full(len(gt), -1, dtype=np.int64)
        for why in reversed(problems):
            g_invalid = np.where(why >= 0, why, g_invalid)
        g_treatment = t_res[gt]
        g_status = np.where(
            g_invalid >= 0,
            _S["invalid_input"],
            np.where(g_treatment < 0, _S["unknown_treatment"], -1),
        )
        g_reason = np.where(g_invalid >= 0, g_invalid, np.where(g_treatment < 0, t_why[gt], -1))
        g_unit = u_res[gu]
        g_mult = u_factor[gu] * f_per_day[gf]
        ranges = self._ranges(
            g_treatment,
            r_res[gr],
            c_res[gc],
            g_unit,
            treatment_ids,
            r_names,
            c_names,
            units,
            reasons,
        )
        open_ = g_status < 0
        g_status = np.where(open_ & (ranges["status"] >= 0), ranges["status"], g_status)
        g_reason = np.where(open_ & (ranges["status"] >= 0), ranges["reason"], g_reason)
        comparable = g_status < 0

        # Level 3: the rows (each takes its combination's answers: a few array lookups).
        g_codes = g_codes.astype(np.int32 if len(gt) < 2**31 else np.int64, copy=False)
        dose, unreadable = _numbers(frame[cols["dose"]])
        dose_why = np.full(n, -1, dtype=np.int32)
        for mask, words in (
            (dose < 0, "dose is negative"),
            (np.isinf(dose), "dose is not a finite number"),
            (unreadable, "dose is not a number"),
            (np.isnan(dose) & ~unreadable, "dose is empty"),
        ):
            if mask.any():
                dose_why[mask] = reasons(words)
        dose_bad = dose_why >= 0
        row_status = g_status.astype(np.int32)[g_codes]  # -1: compare the dose
        row_comparable = (row_status < 0) & ~dose_bad
        low, high = ranges["low"][g_codes], ranges["high"][g_codes]
        daily = dose * g_mult[g_codes]
        daily[~row_comparable] = np.nan
        offset = (daily > high * (1 + TOLERANCE)).astype(np.int32)
        offset += 1
        offset -= daily < low * (1 - TOLERANCE)
        g_first = np.where(comparable, ranges["first_reason"], g_reason).astype(np.int32)
        reason = g_first[g_codes]
        reason[row_comparable] += offset[row_comparable]
        status = np.where(row_comparable, offset, row_status)
        dose_first = dose_bad & (row_status != _S["invalid_input"])
        status[dose_first] = _S["invalid_input"]
        reason[dose_first] = dose_why[dose_first]

        p = self.prefix
        out = frame.copy(deep=False)
        columns = {
            "matched_treatment_id": _categorical(g_treatment, treatment_ids, g_codes),
            "daily_dose": daily,
            "daily_unit": _categorical(
                np.where(row_comparable, g_unit[g_codes], -1), [f"{x}/day" for x in units]
            ),
            "range_daily_min": low,
            "range_daily_max": high,
            "range_treatment_id": _categorical(*ranges["treatment"], g_codes),
            "range_scope": _categorical(*ranges["scope"], g_codes),
            "range_dosing_ids": _categorical(*ranges["dosing_ids"], g_codes),
            "status": pd.Categorical.from_codes(status, categories=list(STATUSES)),
            "reason": pd.Categorical.from_codes(reason, categories=reasons.texts),
        }
        added = [
            pd.Series(v, index=frame.index, name=p + k, copy=False) for k, v in columns.items()
        ]
        return pd.concat([out, *added], axis=1)

    def _optional(self, role, frame, match, reasons, n):
        name = self.columns[role]
        values = _Values(frame[name] if name is not None else None, n)
        matches = [match(v) if not _blank(v) else None for v in values.values] + [None]
        ids = sorted({m.id for m in matches if m is not None and m.id})
        index = {x: i for i, x in enumerate(ids)}
        res = np.array(
            [index[m.id] if m is not None and m.id else -1 for m in matches], dtype=np.int64
        )
        why = np.array(
            [reasons(m.problem) if m is not None and m.problem else -1 for m in matches],
            dtype=np.int64,
        )
        return values, ids, res, why

    def _ranges(
        self,
        g_treatment,
        g_route,
        g_condition,
        g_unit,
        treatment_ids,
        r_names,
        c_names,
        units,
        reasons,
    ) -> dict:
        """The range of each combination, chosen once per distinct resolved key."""
        n_r, n_c, n_u = len(r_names) + 1, len(c_names) + 1, len(units) + 1
        key = (((g_treatment + 1) * n_r + (g_route + 1)) * n_c + (g_condition + 1)) * n_u + (
            g_unit + 1
        )
        k_codes, k_keys = pd.factorize(key)
        k = len(k_keys)
        per_key = {
            "status": np.full(k, -1, dtype=np.int64),
            "reason": np.full(k, -1, dtype=np.int64),
            "first_reason": np.full(k, -1, dtype=np.int64),
            "low": np.full(k, np.nan),
            "high": np.full(k, np.nan),
        }
        labels = {
            name: ([], np.full(k, -1, dtype=np.int64))
            for name in ("treatment", "scope", "dosing_ids")
        }
        for i, kk in enumerate(np.asarray(k_keys, dtype=np.int64)):
            rest, uu = divmod(int(kk), n_u)
            rest, cc = divmod(rest, n_c)
            tt, rr = divmod(rest, n_r)
            if tt == 0:
                continue  # unknown treatment: decided before
            rng = self.ref.range_for(
                treatment_ids[tt - 1],
                r_names[rr - 1] if rr else None,
                c_names[cc - 1] if cc else None,
                units[uu - 1] if uu else None,
            )
            if rng.status is not None:
                per_key["status"][i] = _S[rng.status]
                per_key["reason"][i] = reasons(rng.reason)
                continue
            per_key["low"][i], per_key["high"][i] = rng.low, rng.high
            per_key["first_reason"][i] = reasons.block(self.ref.reasons(rng))
            for name, value in (
                ("treatment", rng.treatment_id),
                ("scope", rng.scope),
                ("dosing_ids", rng.dosing_ids),
            ):
                values, codes = labels[name]
                if value not in values:
                    values.append(value)
                codes[i] = values.index(value)
        k_codes = np.asarray(k_codes, dtype=np.int64)
        out = {name: arr[k_codes] for name, arr in per_key.items()}
        out.update({name: (codes[k_codes], values) for name, (values, codes) in labels.items()})
        return out


def _categorical(codes, categories, take=None) -> pd.Categorical:
    codes = np.asarray(codes)
    if take is not None:
        codes = codes.astype(np.int32 if len(categories) < 2**31 else np.int64)[take]
    return pd.Categorical.from_codes(codes, categories=list(categories))


#: Recently built references: key -> (weak reference to the tables, reference).
_REFERENCES: dict[tuple, tuple] = {}


def _reference(tables, data_dir):
    """The :class:`DoseReference` of ``tables`` (or of the tables in ``data_dir``), cached.

    A reference is reused for the same ``Tables`` object, or for the same data
    directory while its files are unchanged (same data version), so repeated
    audits do not reload and re-validate the tables.
    """
    import weakref

    from calcidata.audit.reference import DoseReference

    if tables is None:
        from calcidata import paths
        from calcidata.tables.loader import data_version, load

        directory = paths.data_dir(data_dir)
        try:
            key: tuple = ("dir", str(directory.resolve()), data_version(directory))
        except OSError:  # a missing file: let the loader report it properly
            return DoseReference(load(directory))
        if key not in _REFERENCES:
            _remember(key, None, DoseReference(load(directory)))
        return _REFERENCES[key][1]
    key = ("tables", id(tables), tables.version)
    cached = _REFERENCES.get(key)
    if cached is not None and cached[0] is not None and cached[0]() is tables:
        return cached[1]
    reference = DoseReference(tables)
    _remember(key, weakref.ref(tables), reference)
    return reference


def _remember(key: tuple, owner, reference) -> None:
    while len(_REFERENCES) >= 4:
        _REFERENCES.pop(next(iter(_REFERENCES)))
    _REFERENCES[key] = (owner, reference)


def _check_collisions(frame: pd.DataFrame, prefix: str) -> None:
    clash = [prefix + c for c in OUTPUT_COLUMNS if prefix + c in frame.columns]
    if clash:
        raise ParameterError(
            f"the input already has column(s) {', '.join(clash)}, which the "
            "audit adds; rename them or give a prefix (--prefix audit_)"
        )


def audit_doses(
    df: pd.DataFrame,
    *,
    treatment: str | None = None,
    dose: str | None = None,
    unit: str | None = None,
    frequency: str | None = None,
    route: str | None = None,
    condition: str | None = None,
    prefix: str = "",
    tables=None,
    data_dir: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Check prescribed doses against calcidata's daily dosing ranges.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per prescription or treatment episode. Never modified.
    treatment, dose, unit, frequency : str, optional
        Names of the input columns (defaults: ``treatment``, ``dose``, ``unit``,
        ``frequency``). *treatment* is a calcidata id, name, synonym or ATC code;
        *dose* the amount per administration; *unit* a dose unit (``mg``, ``g``,
        ``mcg``, ``mg/kg``...; common spellings such as ``milligrams`` are accepted);
        *frequency* administrations per day (a number) or a timing code
        (``QD``, ``BID``, ``TID``, ``QID``, ``Q6H``, ``QW``...).
    route, condition : str, optional
        Names of optional columns: a route (``oral``, ``intravenous``...) and a
        condition (id, name, synonym or ICD-10 code). Used when present.
    prefix : str
        Prefix for the added column names (when the input already has them).
    tables : calcidata.Tables, optional
        Tables to audit against; by default :func:`calcidata.load` ``(data_dir)``.
    data_dir : path-like, optional
        Where to load the tables from when ``tables`` is not given.

    Returns
    -------
    pandas.DataFrame
        The input rows, unchanged, in the same order and with the same index,
        followed by: ``matched_treatment_id``; ``daily_dose`` and ``daily_unit``
        (dose x per-day frequency, in canonical units: mg for g and mcg);
        ``range_daily_min``, ``range_daily_max``, ``range_treatment_id``,
        ``range_scope`` and ``range_dosing_ids`` (the reference range and where it
        comes from); ``status`` and ``reason`` (plain words).

    Notes
    -----
    **Statuses.** ``invalid_input`` (empty treatment, empty, non-numeric or
    negative dose, unknown unit, unreadable frequency, unknown route or
    condition), then ``unknown_treatment`` (the text names no treatment, or
    several), then ``no_reference`` (no daily range applies), then
    ``unit_mismatch`` (the dose unit cannot be converted into the range's unit,
    e.g. mg against mg/kg/day), else ``below_range``, ``within_range`` or
    ``above_range``. The first that applies is the row's status.

    **Which range.** Candidate rows of ``dosing_ranges`` are drug doses
    (``parameter`` = ``dose``) from which :func:`calcidata.units.daily_dose`
    derives a daily range (dose times administrations per day; per-course and
    single doses give none). A candidate must

    1. be for the treatment itself or a broader class it belongs to (its
       parent, grandparent, ...), never for a narrower treatment;
    2. be for the row's route, when a route is given;
    3. be for the row's condition, a broader condition, or no condition
       (general), when a condition is given; ranges reported only for other
       conditions are never used. Without a condition, every candidate counts;
    4. be in the dose's canonical unit per day (``mg/day`` for a dose in g, mg
       or mcg; ``mg/kg/day`` for mg/kg).

    Among those, the most specific win: first the nearest treatment (the
    treatment itself before its class), then the nearest condition (the
    condition itself, then each broader condition, then general ranges;
    without a condition, general ranges before condition-specific ones). The
    reference range is the envelope of the winning rows: their lowest daily
    minimum to their highest daily maximum (either end may be missing when the
    sources give only the other). ``range_dosing_ids`` lists those rows, and
    ``range_scope`` says which level won (``condition``, ``broader_condition``,
    ``general``, ``any_condition``). Bounds are compared with a relative
    tolerance of 1e-9.
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"audit_doses needs a pandas DataFrame, not {type(df).__name__}")
    columns = _resolve_columns(
        df,
        {
            "treatment": treatment,
            "dose": dose,
            "unit": unit,
            "frequency": frequency,
            "route": route,
            "condition": condition,
        },
    )
    _check_collisions(df, prefix)
    return _Auditor(_reference(tables, data_dir), columns, prefix)(df)


# -- files: in memory or chunk by chunk ------------------------------------------------------


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
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.tmp = self.target.with_name(f".{self.target.name}.{os.getpid()}.tmp")
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
        if exc_type is None and self.tmp.exists():
            os.replace(self.tmp, self.target)
        elif self.tmp.exists():
            self.tmp.unlink()
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
