"""Schema of ``data/condition_outcomes.csv``: how important each outcome is per condition."""

from __future__ import annotations

from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table
from calcidata.schemas.vocabularies import IMPORTANCE


class ConditionOutcomes(Table):
    """The importance of one outcome for decisions about one condition (GRADE's rating).

    Importance comes from a core outcome set, a guideline, or the outcomes a Cochrane
    review names as critical for the condition; harms are critical. How the words on a
    page are read: a Cochrane review's *major* outcomes, a core outcome set, a guideline's
    *key* outcomes, and an outcome a source calls *serious* or *clinically important* are
    `critical`; a review's or a trial's *primary* outcomes are `important`; an outcome a
    source calls *not clinically important* is `not_important`; harms a source names
    (adverse events, withdrawals for adverse events, death where it matters) are
    `critical`. A row cites the page and quotes its words in `curation_note`. An outcome
    no source rates has no row: its importance is unknown, and the evidence profile reads
    the nearest condition up the hierarchy.
    """

    condition_outcome_id: Series[str] = col.key(
        "Unique slug of the link, usually <condition id>_<outcome id>."
    )
    condition_id: Series[str] = col.link("conditions.condition_id", "The condition.")
    outcome_id: Series[str] = col.link("outcomes.outcome_id", "The outcome.")
    importance: Series[str] = col.choice(
        "GRADE importance for decisions (ordered).",
        IMPORTANCE,
        ordered=True,
    )
    source_id: Series[str] = col.source(
        "Source of the importance (core outcome set, guideline or Cochrane review)."
    )
    note: Series[str] = col.text("Remarks for readers.", optional=True)
    curation_note: Series[str] = col.curation_note("the importance was found")

    class Config:
        title = "Condition outcomes"
        description = "The importance of each outcome for each condition, with its source."
        unique = ["condition_outcome_id"]
