"""Doses and settings as reported: the dosing table, dose intervals and per-treatment summaries.

Numbers stay numbers here (``dose_min``, ``dose_max``, ``daily_min``...);
:mod:`calcidata.display` writes them as ``400–800 mg (per administration)``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from calcidata.analysis.caveats import join_codes
from calcidata.analysis.citations import citation_labels
from calcidata.analysis.selection import VIEW_DOCS, Selection, resolve, view_frame
from calcidata.schemas.vocabularies import PROCEDURE_PARAMETERS
from calcidata.tables.container import Tables, takes_tables

__all__ = [
    "DOSE_COLUMNS",
    "PROCEDURE_PARAMETERS",
    "dose_intervals",
    "dosing_summary",
    "dosing_table",
]

#: The numeric columns of a dose, a frequency, a duration and a daily dose.
DOSE_COLUMNS = (
    "dose_min",
    "dose_max",
    "dose_unit",
    "dose_basis",
    "frequency_min",
    "frequency_max",
    "frequency_per",
    "timing_code",
    "duration_min",
    "duration_max",
    "duration_unit",
    "daily_min",
    "daily_max",
    "daily_unit",
)


def _plain_order(values: pd.Series) -> pd.Series:
    """Sort key of vocabulary codes: the order of their plain words (underscores as spaces)."""
    return values.astype(object).astype(str).str.replace("_", " ", regex=False)


def _rows(tables: Tables, sel: Selection, include_general: bool) -> pd.DataFrame:
    """The dosing rows of a selection (outcome filters do not apply to doses)."""
    d = tables.dosing_ranges
    tr = tables.treatments.set_index("treatment_id")
    keep = pd.Series(True, index=d.index)
    if sel.condition_id is not None:
        below = sel.conditions(tables) or []  # never empty: it holds condition_id
        own = d["condition_id"].isin(below)
        if include_general:
            named = set(d.loc[own, "treatment_id"]) | set(
                tables.evidence.loc[tables.evidence["condition_id"].isin(below), "treatment_id"]
            )
            own |= d["condition_id"].isna() & d["treatment_id"].isin(named)
        keep &= own
    if sel.treatment_ids is not None:
        keep &= d["treatment_id"].isin(list(sel.treatment_ids))
    if sel.modality is not None:
        keep &= d["treatment_id"].map(tr["modality"].astype(object)) == sel.modality
    return d.loc[keep]


def dosing_pairs(tables: Tables) -> pd.DataFrame:
    """Each (treatment_id, condition_id) pair that a dosing row names, once."""
    d = tables.dosing_ranges
    return d.loc[d["condition_id"].notna(), ["treatment_id", "condition_id"]].drop_duplicates()


@VIEW_DOCS
@takes_tables
def dosing_table(
    tables: Tables,
    select: Selection | None = None,
    /,
    *,
    include_general: bool = True,
    **filters: Any,
) -> pd.DataFrame:
    """Doses and other settings as reported, with the daily dose where one can be derived.

    {parameters}
        ``condition_id`` keeps rows for the condition and narrower ones (with
        ``include_general``, also the general rows, e.g. drug labels, of
        treatments that have evidence or dosing for it); ``treatment_ids`` and
        ``modality`` narrow it down.
    include_general : bool
        See ``select``.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, route, parameter`` (codes), the :data:`DOSE_COLUMNS`
        (``daily_*`` in the canonical unit per day, via
        :func:`calcidata.analysis.units.daily_dose`), ``population``,
        ``condition_id`` and ``condition`` (missing for general rows),
        ``selected_condition`` (the row is for the selected condition itself),
        ``source`` (citation label), ``note, caveats, treatment_id, source_id``;
        ordered by treatment, parameter and route.
    """
    from calcidata.analysis.units import daily_dose

    sel = resolve(tables, select, filters)
    d = _rows(tables, sel, include_general)
    columns = [
        "treatment",
        "route",
        "parameter",
        *DOSE_COLUMNS,
        "population",
        "condition_id",
        "condition",
        "selected_condition",
        "source",
        "note",
        "caveats",
        "treatment_id",
        "source_id",
    ]
    if d.empty:
        return view_frame("dosing_table", columns)
    daily = daily_dose(d)
    kinds = d["source_id"].map(tables.sources.set_index("source_id")["kind"].astype(object))
    out = d.assign(
        treatment=d["treatment_id"].map(tables.treatments.set_index("treatment_id")["name"]),
        daily_min=daily["daily_min"].astype("float64"),
        daily_max=daily["daily_max"].astype("float64"),
        daily_unit=daily["daily_unit"],
        condition=d["condition_id"].map(
            dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
        ),
        selected_condition=(d["condition_id"] == sel.condition_id).fillna(False).astype(bool)
        if sel.condition_id is not None
        else False,
        source=d["source_id"].map(citation_labels(tables.sources)),
    )
    numbers = out["dose_min"].notna() | out["dose_max"].notna()
    flags = {
        "no_numbers": ~numbers,
        "general_dosing": out["condition_id"].isna() & (sel.condition_id is not None),
        "lay_dosing": kinds == "lay_web_article",
        "summary_dose": out["dose_kind"].astype(object).isin(["mean", "median"]),
        "single_case_dose": out["dose_kind"].astype(object) == "single",
        "no_daily_dose": (out["parameter"].astype(object) == "dose")
        & numbers
        & out["daily_min"].isna()
        & out["daily_max"].isna(),
    }
    out["caveats"] = [join_codes(c for c, row in flags.items() if row.loc[i]) for i in out.index]
    out = out.sort_values(
        ["treatment", "parameter", "route", "dosing_id"],
        key=lambda s: _plain_order(s) if s.name in ("parameter", "route") else s,
    )
    return view_frame("dosing_table", columns, out)


@takes_tables
def dosing_summary(tables: Tables, select: Selection | None = None, /, **filters: Any) -> pd.Series:
    """The reported doses or settings of each selected treatment.

    Returns
    -------
    pandas.Series
        Indexed by ``treatment_id`` (each selected treatment, in order); each value
        is a tuple of records (dicts of ``parameter, route, condition_id`` and the
        :data:`DOSE_COLUMNS`) of the rows that report a number, a schedule or a
        timing code; empty when none does.
        :func:`calcidata.display.labels.dosing_words` writes one line of them.
    """
    sel = resolve(tables, select, filters).require("treatment_ids")
    table = dosing_table(tables, sel)
    keys = ["parameter", "route", "condition_id", *DOSE_COLUMNS]
    items: dict[str, list[dict[str, Any]]] = {tid: [] for tid in sel.treatment_ids or ()}
    reported = table[[c for c in DOSE_COLUMNS if c not in ("dose_unit", "dose_basis")]]
    table = table.loc[reported.drop(columns=["frequency_per", "daily_unit"]).notna().any(axis=1)]
    for tid, record in zip(table["treatment_id"], table[keys].to_dict("records"), strict=True):
        items[tid].append(
            {str(k): (str(v) if k in ("parameter", "route") else v) for k, v in record.items()}
        )
    return pd.Series({tid: tuple(v) for tid, v in items.items()}, dtype=object, name="dosing")


@takes_tables
def dose_intervals(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """Dose ranges as intervals, one panel per comparable unit, for the range plots.

    Drug doses (parameter ``dose``) are converted to the canonical daily unit
    (``mg/day``, ``mg/kg/day``...) where :func:`calcidata.analysis.units.daily_dose`
    can derive one, and split by route; drug doses without a daily equivalent
    get their own panel per unit and basis. Procedure settings (ESWT energy,
    pulses, sessions, Gy, current...) get one panel per parameter and unit.
    Concentrations and volumes are panels of their own too. Rows without any
    number stay in the frame with ``plotted`` False.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind`` (``drug`` or ``procedure``), ``daily`` (converted to a
        daily dose), ``parameter, route, dose_basis`` (codes; with ``unit`` they
        name the panel), ``treatment, source`` (citation label), ``population``
        (who the dose is for; it tells rows of one label apart), ``general``
        (no condition given), ``low, high, unit, open_low, open_high`` (a bound
        not reported) and ``plotted``; drug panels first.
    """
    from calcidata.analysis.units import canonical, factor

    sel = resolve(tables, select, filters)
    table = dosing_table(tables, sel)
    columns = [
        "kind",
        "daily",
        "parameter",
        "route",
        "dose_basis",
        "treatment",
        "source",
        "population",
        "general",
        "low",
        "high",
        "unit",
        "open_low",
        "open_high",
        "plotted",
    ]
    if table.empty:
        return view_frame("dose_intervals", columns)
    rows = []
    r: Any  # a row of the dosing table (its cells' types vary by column)
    for r in table.itertuples(index=False):
        param, unit = str(r.parameter), r.dose_unit
        lo, hi, daily = r.dose_min, r.dose_max, False
        if param == "dose" and isinstance(r.daily_unit, str):
            kind, order, daily = "drug", 0, True
            lo, hi, unit = r.daily_min, r.daily_max, r.daily_unit
        elif param == "dose":
            kind, order = "drug", 1
            if isinstance(unit, str):
                f = factor(unit, canonical(unit))
                lo, hi, unit = lo * f, hi * f, canonical(unit)
        else:
            kind = "procedure" if param in PROCEDURE_PARAMETERS else "drug"
            order = 3 if kind == "procedure" else 2
        rows.append(
            {
                "kind": kind,
                "daily": daily,
                "parameter": param,
                "route": str(r.route),
                "dose_basis": r.dose_basis if isinstance(r.dose_basis, str) else pd.NA,
                "treatment": r.treatment,
                "source": r.source,
                "population": r.population if isinstance(r.population, str) else pd.NA,
                "general": not isinstance(r.condition_id, str),
                "low": lo,
                "high": hi,
                "unit": unit if isinstance(unit, str) else pd.NA,
                "open_low": pd.isna(lo) and pd.notna(hi),
                "open_high": pd.isna(hi) and pd.notna(lo),
                "plotted": bool(pd.notna(lo) or pd.notna(hi)),
                "_o": order,
            }
        )
    out = pd.DataFrame(rows)
    out["low"] = out["low"].astype("float64")
    out["high"] = out["high"].astype("float64")
    out["_panel"] = [_panel_key(r) for r in out.itertuples(index=False)]
    out = out.sort_values(["_o", "_panel", "treatment"], kind="stable")
    return view_frame("dose_intervals", columns, out)


def _panel_key(r: Any) -> tuple[str, str]:
    """Sort key of a row's panel, in the order of the panel titles.

    Drug doses: route, then unit (and basis when no daily dose is derivable);
    settings: parameter, then unit when it differs from the parameter.
    """
    unit = r.unit if isinstance(r.unit, str) else ""
    if r.parameter == "dose":
        route = r.route.replace("_", " ")
        if r.daily:
            return (route, unit)
        if not unit:
            return (route, "dose without numbers")
        basis = r.dose_basis if isinstance(r.dose_basis, str) else "basis not reported"
        return (route, f"{unit} {basis.replace('_', ' ')}")
    return (r.parameter.replace("_", " "), f" ({unit})" if unit and unit != r.parameter else "")
