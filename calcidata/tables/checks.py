"""From strings to validated, typed frames; every failure becomes a :class:`Problem`.

Three layers, each reporting file, CSV line, column, value and rule:

1. :func:`calcidata._csv.read_raw` checks the file's form.
2. :func:`validate_table` parses cell types from the schema, then runs the
   pandera model with ``lazy=True`` and translates its failure cases.
3. :func:`calcidata.tables.dataset.check_dataset` runs the rules across tables.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from calcidata.errors import Problem
from calcidata.schemas import SCHEMAS
from calcidata.schemas._base import RowRule, row_rules
from calcidata.schemas.spec import column_kind, column_meta
from calcidata.schemas.vocabularies import PATTERN_WORDS
from calcidata.tables.reader import RawTable, shorten

_INT = re.compile(r"^[+-]?\d{1,30}$")
_INT64 = (-(2**63), 2**63 - 1)
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _parse(raw: pd.Series, kind: str) -> tuple[pd.Series, pd.Series, str]:
    """Parse a column of strings; return values, a mask of bad cells, and the rule."""
    present = raw.notna()
    if kind == "number":
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
        bad = present & ~np.isfinite(values.fillna(0.0)) | (present & values.isna())
        return values.where(~bad), bad, "must be a finite number (use '.' for decimals)"
    if kind == "integer":
        ok = raw.map(
            lambda v: v is None or (bool(_INT.match(v)) and _INT64[0] <= int(v) <= _INT64[1])
        )
        ints = pd.array(
            [int(v) if (v is not None and o) else pd.NA for v, o in zip(raw, ok, strict=True)],
            dtype="Int64",
        )
        rule = f"must be a whole number from {_INT64[0]} to {_INT64[1]} (a 64-bit integer)"
        return pd.Series(ints, index=raw.index), present & ~ok, rule
    if kind == "boolean":
        low = raw.map(lambda v: None if v is None else v.lower())
        ok = low.map(lambda v: v is None or v in _TRUE or v in _FALSE)
        bools = pd.array(
            [None if (v is None or not o) else v in _TRUE for v, o in zip(low, ok, strict=True)],
            dtype="boolean",
        )
        return pd.Series(bools, index=raw.index), present & ~ok, "must be true or false"
    return raw.astype("str").where(present, None), pd.Series(False, index=raw.index), ""


def _rule_words(check: str, column: str | None, meta: dict[str, dict[str, Any]]) -> str:
    name, _, args = check.partition("(")
    args = args.rstrip(")")
    m = (meta.get(column) if column is not None else None) or {}
    if name == "isin":
        cats = m.get("categories") or ()
        return "must be one of: " + ", ".join(cats) if cats else f"must be one of {args}"
    if name == "str_matches":
        pattern = args.strip("'\"")
        if m.get("categories") and m.get("multi"):
            return f"each value (separated by '{m['multi']}') must be one of: " + ", ".join(
                m["categories"]
            )
        return "must be " + PATTERN_WORDS.get(pattern, f"text matching {pattern}")
    if name == "str_length":
        return "must not be empty"
    if name == "not_nullable":
        return "must not be empty (required)"
    if name in ("field_uniqueness", "multiple_fields_uniqueness"):
        return "must be unique: this value appears more than once"
    if name == "greater_than_or_equal_to":
        return f"must be at least {args}"
    if name == "less_than_or_equal_to":
        return f"must be at most {args}"
    if name == "greater_than":
        return f"must be greater than {args}"
    if name == "less_than":
        return f"must be less than {args}"
    if name == "in_range":
        return f"must be in the range {args}"
    return check


def validate_table(raw: RawTable) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Type and validate one raw table.

    Returns the typed frame (None when the file's form is broken) and the problems;
    the frame is usable for cross-table checks even when it has problems.
    """
    if raw.frame is None:
        return None, list(raw.problems)
    model = SCHEMAS[raw.name]
    schema = model.to_schema()
    meta = column_meta(model)
    shown = str(raw.path)
    problems = list(raw.problems)
    typed = {}
    bad_cells: set[tuple[int, str]] = set()
    for col, spec in schema.columns.items():
        values, bad, rule = _parse(raw.frame[col], column_kind(spec.dtype))
        for idx in np.flatnonzero(bad.to_numpy()):
            problems.append(
                Problem(shown, raw.line(int(idx)), col, shorten(raw.frame[col].iat[idx]), rule)
            )
            bad_cells.add((int(idx), col))
        typed[col] = values
    frame = pd.DataFrame(typed, index=raw.frame.index)

    try:
        frame = model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        problems.extend(_translate(exc.failure_cases, raw, meta, bad_cells, row_rules(model)))
    return _to_categoricals(frame, meta), problems


def _translate(
    cases: pd.DataFrame,
    raw: RawTable,
    meta: dict[str, dict[str, Any]],
    skip: set[tuple[int, str]],
    rules: dict[str, RowRule],
) -> list[Problem]:
    frame = raw.frame
    assert frame is not None  # validate_table translates only the cases of a read frame
    shown = str(raw.path)
    out: list[Problem] = []
    seen_rows: set[tuple[str, int]] = set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        column = case.column if isinstance(case.column, str) else None
        # A column of pandera's failure cases (the stubs see the method tuple.index).
        index = getattr(case, "index")  # noqa: B009
        if check in rules:
            # A row check lists the row's cells one by one: report the row once, naming
            # the column it is about and showing the values of all its columns.
            if index is None or (check, int(index)) in seen_rows:
                continue
            i = int(index)
            seen_rows.add((check, i))
            cols = rules[check].columns
            if any((i, c) in skip for c in cols):
                continue  # follows from a cell already reported as unreadable
            cells: dict[str, object] = {c: frame[c].iat[i] for c in cols}
            named = cols[0]
            if rules[check].presence:
                named = next((c for c in cols if cells[c] is None), cols[0])
            value = ", ".join(f"{c}={cells[c] or ''}" for c in cols)
            out.append(Problem(shown, raw.line(i), named, shorten(value), check))
            continue
        if index is None or (isinstance(index, float) and np.isnan(index)):
            if check.startswith(("dtype(", "coerce_dtype(")):
                continue  # already reported cell by cell
            out.append(
                Problem(
                    shown,
                    None,
                    column,
                    shorten(case.failure_case),
                    _rule_words(check, column, meta),
                )
            )
            continue
        index = int(index)
        if column is not None and (index, column) in skip:
            continue
        cell = frame[column].iat[index] if column in frame else case.failure_case
        out.append(
            Problem(shown, raw.line(index), column, shorten(cell), _rule_words(check, column, meta))
        )
    return out


def _to_categoricals(frame: pd.DataFrame, meta: dict[str, dict[str, Any]]) -> pd.DataFrame:
    frame = frame.copy()
    for col, m in meta.items():
        cats = m.get("categories")
        if cats and not m.get("multi"):
            known = frame[col].where(frame[col].isin(cats))
            frame[col] = pd.Categorical(
                known, categories=list(cats), ordered=bool(m.get("ordered"))
            )
    return frame
