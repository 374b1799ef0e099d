"""The vectorised auditor: statuses, ranges and reasons for every row of a frame.

:class:`_Auditor` is what :func:`~calcidata.audit.core.audit_doses`,
:func:`~calcidata.audit.files.audit_file` (chunk by chunk) and
:func:`~calcidata.audit.spark.audit_spark` (batch by batch, on the executors)
run; :func:`prepare` builds it once from the input's columns and the options.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from calcidata.analysis.units import AMOUNT_UNITS, canonical, factor, normalize_unit
from calcidata.audit.inputs import (
    AuditOptions,
    _blank,
    _combinations,
    _numbers,
    _parse_frequency,
    _Values,
    check_dtypes,
)
from calcidata.audit.matching import Match
from calcidata.audit.reference import DoseReference, cached_reference
from calcidata.errors import ParameterError
from calcidata.schemas.vocabularies import DOSE_UNITS

#: Codes and the values they index: a label column of :meth:`_Auditor._ranges`.
_Labelled = tuple[npt.NDArray[np.int64], list[object]]

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

_S = {name: i for i, name in enumerate(STATUSES)}


class _Reasons:
    """Distinct reason texts, each stored once; rows hold an index into them."""

    def __init__(self) -> None:
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

    def __init__(
        self, reference: DoseReference, columns: dict[str, str | None], prefix: str
    ) -> None:
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
        t_ids: dict[str | None, int] = {x: i for i, x in enumerate(treatment_ids)}
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
            del x.codes  # one int64 per row each: free them before the row stage

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
            (g_treatment, r_res[gr], c_res[gc], g_unit),
            (treatment_ids, r_names, c_names, units),
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
            "range_treatment_id": _categorical(*cast(_Labelled, ranges["treatment"]), g_codes),
            "range_scope": _categorical(*cast(_Labelled, ranges["scope"]), g_codes),
            "range_dosing_ids": _categorical(*cast(_Labelled, ranges["dosing_ids"]), g_codes),
            "status": _categorical(status, STATUSES),
            "reason": _categorical(reason, reasons.texts),
        }
        added = [
            pd.Series(v, index=frame.index, name=p + k, copy=False) for k, v in columns.items()
        ]
        return pd.concat([out, *added], axis=1)

    def _optional(
        self,
        role: str,
        frame: pd.DataFrame,
        match: Callable[[object], Match],
        reasons: _Reasons,
        n: int,
    ) -> tuple[_Values, list[str], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
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
        codes: tuple[npt.NDArray[np.int64], ...],
        names: tuple[Sequence[str], ...],
        reasons: _Reasons,
    ) -> dict[str, Any]:
        """The range of each combination, chosen once per distinct resolved key.

        ``codes`` are the combinations' treatment, route, condition and unit codes
        (-1 for none); ``names`` the ids and units those codes index.
        """
        g_treatment, g_route, g_condition, g_unit = codes
        treatment_ids, r_names, c_names, units = names
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
        labels: dict[str, tuple[list[object], npt.NDArray[np.int64]]] = {
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
                assert rng.reason is not None  # a range that cannot be compared says why
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
                values, label_codes = labels[name]
                if value not in values:
                    values.append(value)
                label_codes[i] = values.index(value)
        k_codes = np.asarray(k_codes, dtype=np.int64)
        out: dict[str, Any] = {name: arr[k_codes] for name, arr in per_key.items()}
        out.update({name: (codes[k_codes], values) for name, (values, codes) in labels.items()})
        return out


def _categorical(
    codes: npt.ArrayLike, categories: Sequence[object], take: npt.NDArray[np.int64] | None = None
) -> pd.Categorical:
    array = np.asarray(codes)
    if take is not None:
        array = array.astype(np.int32 if len(categories) < 2**31 else np.int64)[take]
    dtype: pd.CategoricalDtype = pd.CategoricalDtype(list(categories))
    return pd.Categorical.from_codes(array, dtype=dtype)


def check_collisions(frame: pd.DataFrame, prefix: str) -> None:
    """Refuse an input that already has a column the audit adds (under ``prefix``)."""
    clash = [prefix + c for c in OUTPUT_COLUMNS if prefix + c in frame.columns]
    if clash:
        raise ParameterError(
            f"the input already has column(s) {', '.join(clash)}, which the "
            "audit adds; rename them or give a prefix (--prefix audit_)"
        )


def prepare(frame: pd.DataFrame, options: AuditOptions) -> _Auditor:
    """The auditor for inputs with ``frame``'s columns and types (a header is enough).

    Checks, before any row is audited, that the named columns exist, that their
    types can hold what they name, and that no added column clashes; raises
    :class:`~calcidata.errors.ParameterError` otherwise.
    """
    columns = options.columns(frame)
    check_dtypes(frame, columns)
    check_collisions(frame, options.prefix)
    return _Auditor(cached_reference(options.tables, options.data_dir), columns, options.prefix)
