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
from typing import TYPE_CHECKING

import pandas as pd

from calcidata.audit.auditor import OUTPUT_COLUMNS, STATUSES, TOLERANCE, prepare
from calcidata.audit.inputs import AuditOptions
from calcidata.errors import ParameterError

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

__all__ = ["CHUNK_ROWS", "OUTPUT_COLUMNS", "STATUSES", "TOLERANCE", "audit_doses"]

#: Rows per chunk of the out-of-core path.
CHUNK_ROWS = 100_000


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
    tables: Tables | None = None,
    data_dir: str | os.PathLike[str] | None = None,
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
       or mcg; ``mg/kg/day`` for mg/kg);
    5. say that its numbers are a range, a maximum or a starting dose
       (``dose_kind``): a mean, a median or one patient's dose is never read as a
       range;
    6. come from a source other than a lay article, unless no other source
       gives a usable dose of the treatment (or its classes) by that route.

    Among those, the most specific win: first the nearest treatment (the
    treatment itself before its class), then the nearest condition (the
    condition itself, then each broader condition, then general ranges;
    without a condition, general ranges before condition-specific ones), then
    the best-ranked source (a label or guideline, then studies and reviews,
    then reference works, lay articles last). The reason names the sources of
    the range, and the rows at least as specific that were not used, with why.
    The reference range is the envelope of the winning rows: their lowest daily
    minimum to their highest daily maximum (either end may be missing when the
    sources give only the other). ``range_dosing_ids`` lists those rows, and
    ``range_scope`` says which level won (``condition``, ``broader_condition``,
    ``general``, ``any_condition``). Bounds are compared with a relative
    tolerance of 1e-9.
    """
    if not isinstance(df, pd.DataFrame):
        raise ParameterError(f"audit_doses needs a pandas DataFrame, not {type(df).__name__}")
    options = AuditOptions(
        treatment, dose, unit, frequency, route, condition, prefix, tables, data_dir
    )
    return prepare(df, options)(df)
