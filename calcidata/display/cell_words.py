"""The words of single cells of reader tables: doses, frequencies, labels, gaps.

:mod:`calcidata.display.wording` composes these into the wording of each view.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, SupportsInt

import pandas as pd

from calcidata.display.labels import (
    Number,
    format_range,
    humanize,
    icd10_label,
    period,
    plural,
)


def humanized(values: pd.Series, words: Mapping[Any, object] | None = None) -> pd.Series:
    """Vocabulary values in plain words (``words`` first); a categorical keeps its order."""
    words = words or {}
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        return values.cat.rename_categories([words.get(c, humanize(c)) for c in cats])
    return values.astype(object).map(lambda v: words.get(v, humanize(v)))


def dose_words(low: Number, high: Number, unit: object, basis: object) -> object:
    """``200–400 mg (per administration)``."""
    dose = format_range(low, high, unit if isinstance(unit, str) else "")
    if isinstance(dose, str) and isinstance(basis, str):
        return f"{dose} ({humanize(basis)})"
    return dose


def frequency_words(low: Number, high: Number, per: object, code: object) -> object:
    """``3/day (TID)``; the timing code alone when no number is given."""
    freq = format_range(low, high)
    if isinstance(freq, str):
        freq += period(per)
    if isinstance(code, str):
        freq = f"{freq} ({code})" if isinstance(freq, str) else code
    return freq


def duration_words(low: Number, high: Number, unit: object) -> object:
    """``1–2 weeks``."""
    return format_range(low, high, plural(unit, high if pd.notna(high) else low))


def daily_words(low: Number, high: Number, unit: object) -> object:
    """``600–1,200 mg/day``."""
    return format_range(low, high, unit if isinstance(unit, str) else "")


def condition_words(condition_id: object, name: object, selected: object) -> object:
    """``general`` (no condition given), ``this condition`` (the selected one), else its name."""
    if not isinstance(condition_id, str):
        return "general"
    return "this condition" if selected else name


def findings_words(findings: tuple[tuple[str, str, int], ...]) -> object:
    """``pain: 3 favours treatment, 1 no difference; function: ...`` (NA when none)."""
    parts: dict[str, list[str]] = {}
    for domain, direction, n in findings:
        parts.setdefault(domain, []).append(f"{n} {humanize(direction)}")
    text = "; ".join(f"{humanize(d)}: {', '.join(p)}" for d, p in parts.items())
    return text or pd.NA


def dosing_words(records: tuple[Mapping[str, Any], ...]) -> object:
    """One line of reported doses: the daily dose where derivable, else as reported.

    Each item is the daily dose, else the dose range, else the schedule
    (frequency and duration), with the route and ``general`` for doses not
    given for a condition; repeated items are shown once; NA when none.
    """
    items: list[str] = []
    for r in records:
        value = daily_words(r["daily_min"], r["daily_max"], r["daily_unit"])
        if not isinstance(value, str):
            value = dose_words(r["dose_min"], r["dose_max"], r["dose_unit"], r["dose_basis"])
        if not isinstance(value, str):
            schedule = (
                frequency_words(
                    r["frequency_min"], r["frequency_max"], r["frequency_per"], r["timing_code"]
                ),
                duration_words(r["duration_min"], r["duration_max"], r["duration_unit"]),
            )
            value = " for ".join(v for v in schedule if isinstance(v, str))
            if not value:
                continue
            value = f"{humanize(r['parameter'])}: {value}"
        route = humanize(r["route"])
        where = [] if route == "not applicable" else [route]
        where += [] if isinstance(r["condition_id"], str) else ["general"]
        item = value + (f", {', '.join(where)}" if where else "")
        if item not in items:
            items.append(item)
    return "; ".join(items) if items else pd.NA


def panel_words(daily: bool, parameter: str, route: str, unit: object, basis: object) -> str:
    """Title of a dose-range panel: ``oral · mg/day``, ``energy flux density (mJ/mm2)``."""
    if daily:
        return f"{humanize(route)} · {unit}"
    if parameter == "dose":
        if not isinstance(unit, str):
            return f"{humanize(route)} · dose without numbers"
        what = humanize(basis) if isinstance(basis, str) else "basis not reported"
        return f"{humanize(route)} · {unit} {what} (no daily dose derivable)"
    return str(humanize(parameter)) + (
        f" ({unit})" if isinstance(unit, str) and unit != parameter else ""
    )


def result_label(treatment: object, comparator: object, timepoint: object, source: object) -> str:
    """``Drug vs placebo, 6 weeks [Surace 2020]``, whole (a plot wraps it, never cuts it)."""
    text = str(treatment)
    if isinstance(comparator, str):
        text += f" vs {comparator}"
    tail = f", {timepoint}" if isinstance(timepoint, str) else ""
    return f"{text}{tail} [{source}]"


def dose_label(treatment: object, source: object, general: bool) -> str:
    """``Drug [Surace 2020, general]``, whole (a plot wraps it, never cuts it)."""
    return f"{treatment} [{source}{', general' if general else ''}]"


def gap_detail(gap: str, dosing_rows: SupportsInt, designs: object, all_indirect: bool) -> str:
    """What a gap is made of: dosing rows without evidence, or the designs seen."""
    if gap == "condition_without_evidence":
        return "no evidence row for it or any narrower condition"
    if gap == "no_evidence":
        n = int(dosing_rows)
        return f"{n} dosing row{'s' if n != 1 else ''}, no evidence row"
    seen = ", ".join(str(humanize(d)) for d in str(designs).split(";"))
    return f"designs: {seen}" + ("; all indirect" if all_indirect else "")


def _listed(v: object) -> object:
    return pd.NA if not isinstance(v, str) else v.replace(";", ", ").replace("_", " ")


def profile_record(frame: pd.DataFrame) -> pd.DataFrame:
    """A condition profile as ``field``/``value`` rows."""
    rows = []
    for r in frame.to_dict("records"):
        n_ev, n_own = int(r["evidence_rows"]), int(r["own_evidence_rows"])
        rows += [
            ("Name", r["name"]),
            ("Mechanism", humanize(r["mechanism"])),
            ("Main tissue", humanize(r["tissue"])),
            ("Body sites", _listed(r["body_sites"])),
            ("ICD-10", icd10_label(r["icd10"], r["icd10_edition"])),
            ("Other names", _listed(r["synonyms"])),
            (
                "Broader condition",
                r["parent"] if isinstance(r["parent_id"], str) else "none: a top-level condition",
            ),
            *([("Narrower conditions", ", ".join(r["narrower"]))] if r["narrower"] else []),
            ("Summary", r["summary"]),
            (
                "Evidence rows",
                f"{n_ev} ({n_own} for this condition itself, "
                f"{n_ev - n_own} for narrower conditions)"
                if n_ev != n_own
                else str(n_ev),
            ),
            ("Dosing ranges", str(int(r["dosing_ranges"]))),
        ]
    return pd.DataFrame(rows, columns=["field", "value"])
