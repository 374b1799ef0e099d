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
from typing import Any, cast

import pandas as pd

from calcidata.display.cell_words import (
    condition_words,
    daily_words,
    dose_label,
    dose_words,
    dosing_words,
    duration_words,
    findings_words,
    frequency_words,
    gap_detail,
    humanized,
    panel_words,
    profile_record,
    result_label,
)
from calcidata.display.labels import (
    COLUMN_WORDS,
    format_effect,
    humanize,
    participants_studies,
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
