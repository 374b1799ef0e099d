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

import numpy as np
import pandas as pd

from calcidata.analysis.units import AMOUNT_UNITS, canonical, factor, normalize_unit
from calcidata.audit.inputs import (
    _blank,
    _combinations,
    _numbers,
    _parse_frequency,
    _resolve_columns,
    _Values,
)
from calcidata.audit.reference import cached_reference as _reference
from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import DOSE_UNITS

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
