"""From an analysis frame to the table a reader sees: one :class:`Wording` per view.

A :class:`Wording` is declarative: :class:`Compose` turns a group of columns
(``effect_measure, estimate, ci_low, ci_high``) into one text column; vocabulary
columns are humanised (categoricals keep their order); helper columns dropped.
:func:`words` applies the wording named by a frame's ``attrs["view"]``; the golden
CSVs under ``tests/golden`` pin these reader tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, SupportsInt, cast

import pandas as pd

from calcidata.display.labels import (
    COLUMN_WORDS,
    Number,
    format_effect,
    format_range,
    humanize,
    icd10_label,
    participants_studies,
    period,
    plural,
)
from calcidata.errors import ParameterError

__all__ = ["WORDINGS", "Compose", "Wording", "reader_table", "words"]


@dataclass(frozen=True)
class Compose:
    """One text column made from a group of columns, row by row.

    Parameters
    ----------
    name : str
        The new column (it may replace one of its inputs).
    columns : tuple of str
        Inputs, passed positionally to ``func`` for each row.
    func : callable
        ``func(*values) -> text or NA``.
    keep : tuple of str
        Inputs kept in the frame (the others are dropped).
    at : int, optional
        Position of the new column among the remaining ones (negative counts
        from the end, ``-1`` is last); default where its first input was.
    """

    name: str
    columns: tuple[str, ...]
    func: Callable[..., object]
    keep: tuple[str, ...] = ()
    at: int | None = None

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The frame with the composed column in place of its inputs."""
        values = [self.func(*row) for row in zip(*(frame[c] for c in self.columns), strict=True)]
        gone = [c for c in self.columns if c not in self.keep]
        out = frame.drop(columns=gone)
        if self.at is None:
            first = cast(int, frame.columns.get_loc(self.columns[0]))  # names are unique
            at = first - sum(1 for c in gone if cast(int, frame.columns.get_loc(c)) < first)
        else:
            at = self.at if self.at >= 0 else len(out.columns) + 1 + self.at
        out.insert(at, self.name, pd.Series(values, index=frame.index, dtype=object))
        return out


@dataclass(frozen=True)
class Wording:
    """How one analysis view is worded for readers.

    Steps, in order: ``compose``, ``humanize`` (vocabulary columns), ``values``
    (a mapping per column), ``fill`` (a text for missing values), ``drop``,
    then ``columns`` (the final order, when given). ``reshape`` replaces all of
    them for a view that is turned into another shape (a record).
    """

    compose: tuple[Compose, ...] = ()
    humanize: tuple[str, ...] = ()
    values: Mapping[str, Mapping[Any, object]] = field(default_factory=dict)
    fill: Mapping[str, str] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    columns: tuple[str, ...] | None = None
    reshape: Callable[[pd.DataFrame], pd.DataFrame] | None = None

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The reader table of ``frame``."""
        if self.reshape is not None:
            return self.reshape(frame)
        out = frame.copy()
        for c in self.compose:
            out = c.apply(out)
        for col in self.humanize:
            if col in out.columns:
                out[col] = humanized(out[col], COLUMN_WORDS.get(col))
        for col, mapping in self.values.items():
            out[col] = out[col].map(mapping)
        for col, text in self.fill.items():
            out[col] = out[col].astype(object).where(out[col].notna(), text)
        out = out.drop(columns=[c for c in self.drop if c in out.columns])
        if self.columns is not None:
            out = out[[c for c in self.columns if c in out.columns]]
        return out


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


_EFFECT = Compose("effect", ("effect_measure", "estimate", "ci_low", "ci_high"), format_effect)
_PARTICIPANTS = Compose("participants_studies", ("participants", "studies"), participants_studies)

#: View name (``attrs["view"]`` of an analysis frame) -> its wording.
WORDINGS: dict[str, Wording] = {
    "summary_of_findings": Wording(
        compose=(_EFFECT, _PARTICIPANTS),
        humanize=("outcome_domain", "design", "certainty", "strength", "direction"),
    ),
    "forest_data": Wording(
        compose=(
            Compose(
                "group",
                ("outcome_domain", "effect_measure"),
                lambda d, m: f"{humanize(d)} · {humanize(m)}",
                keep=("outcome_domain", "effect_measure"),
                at=0,
            ),
            Compose(
                "label",
                ("treatment", "comparator", "timepoint", "source"),
                result_label,
                keep=("treatment",),
                at=4,
            ),
        ),
    ),
    "treatment_ranking": Wording(
        humanize=("modality", "invasiveness", "strength", "best_certainty", "agreement"),
        values={"dosing_reported": {True: "yes", False: "no"}},
    ),
    "side_by_side": Wording(
        compose=(
            Compose("key_findings", ("key_findings",), findings_words),
            Compose("dosing", ("dosing",), dosing_words),
        ),
        humanize=("modality", "invasiveness", "strength"),
    ),
    "dosing_table": Wording(
        compose=(
            Compose("dose", ("dose_min", "dose_max", "dose_unit", "dose_basis"), dose_words),
            Compose(
                "frequency",
                ("frequency_min", "frequency_max", "frequency_per", "timing_code"),
                frequency_words,
            ),
            Compose("duration", ("duration_min", "duration_max", "duration_unit"), duration_words),
            Compose("daily_dose", ("daily_min", "daily_max", "daily_unit"), daily_words),
            Compose(
                "condition", ("condition_id", "condition", "selected_condition"), condition_words
            ),
        ),
        humanize=("route", "parameter"),
        drop=("source_id",),
    ),
    "dose_intervals": Wording(
        compose=(
            Compose(
                "panel",
                ("daily", "parameter", "route", "unit", "dose_basis"),
                panel_words,
                keep=("route", "unit"),
                at=0,
            ),
            Compose(
                "label",
                ("treatment", "source", "general"),
                dose_label,
                keep=("treatment", "source"),
            ),
        ),
        humanize=("route",),
        columns=(
            "panel",
            "kind",
            "treatment",
            "label",
            "low",
            "high",
            "unit",
            "route",
            "open_low",
            "open_high",
            "plotted",
            "source",
        ),
    ),
    "evidence_map": Wording(humanize=("modality",)),
    "outcome_map": Wording(humanize=("outcome_domain",)),
    "evidence_gaps": Wording(
        compose=(
            Compose(
                "detail",
                ("gap", "dosing_rows", "designs", "all_indirect"),
                gap_detail,
                keep=("gap",),
                at=-1,
            ),
        ),
        humanize=("gap", "best_evidence"),
        fill={"treatment": "any treatment"},
    ),
    "cited_sources": Wording(humanize=("kind",)),
    "condition_profile": Wording(reshape=profile_record),
    "direction_counts": Wording(),
}


def reader_table(view: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The reader table of an analysis frame, worded as :data:`WORDINGS` says for ``view``."""
    out = WORDINGS[view].apply(frame)
    out.attrs.pop("view", None)
    return out


def words(frame: pd.DataFrame, view: str | None = None) -> pd.DataFrame:
    """The reader table of a view's frame: ``view=`` names it when pandas lost the mark.

    A frame whose view cannot be told (no ``frame.attrs["view"]``, e.g. after a
    ``merge``, and no ``view=``) raises ``ParameterError``, never comes back unworded.
    """
    view = view if view is not None else frame.attrs.get("view")
    if view not in WORDINGS:
        why = "has no frame.attrs['view']" if view is None else f"view={view!r} is not a view"
        raise ParameterError(
            f"display.words cannot tell which view this frame came from ({why}); pass "
            f"view=, one of: {', '.join(sorted(WORDINGS))}"
        )
    return reader_table(view, frame)


def worded(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` worded when it is marked as a view's frame, else as given (a user's own)."""
    return reader_table(v, frame) if (v := frame.attrs.get("view")) in WORDINGS else frame
