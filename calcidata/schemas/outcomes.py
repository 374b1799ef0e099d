"""Schema of ``data/outcomes.csv``: outcome definitions, one per instrument and event."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table, row_check, together_rule
from calcidata.schemas.vocabularies import OUTCOME_DOMAINS

#: Outcome ids that hold several definitions, each row saying which (another HO
#: definition; a narrative result): a result under one of them is its own definition
#: (id and outcome text), so two of their results meet only with the same words.
OPEN_OUTCOMES = ("ho_other_definition", "narrative_overall")


class Outcomes(Table):
    """One outcome definition: what is measured, on which scale, and which way is better.

    Two results are pooled only when they share an ``outcome_id``; the domain groups
    definitions for maps, never for pooling. Definitions that clinicians keep apart stay
    apart: any heterotopic ossification (mostly Brooker I) is not Brooker III-IV; pain on
    a 0-10 or 0-100 VAS or NRS of intensity (`pain_vas`) is not pain on another or an
    unnamed scale (`pain_any_scale`); radiographic and other surrogates carry
    `surrogate`. A minimal important difference is given only where a source states one,
    with that source; otherwise it stays empty. `narrative_overall` marks results that
    name several outcomes at once or none (a review's overall judgement, a
    recommendation): they are never pooled.
    """

    outcome_id: Series[str] = col.key("Unique slug of the outcome definition.")
    name: Series[str] = col.text("The outcome in words a reader knows.")
    outcome_domain: Series[str] = col.choice("Domain the outcome belongs to.", OUTCOME_DOMAINS)
    instrument: Series[str] = col.text(
        "Scale or instrument (e.g. 'VAS 0-10', 'Constant-Murley score', 'Brooker class "
        "III-IV on radiographs'); empty for a plain event.",
        optional=True,
    )
    scale_min: Series[float] = col.quantity("Lowest value of the scale.", "instrument")
    scale_max: Series[float] = col.quantity("Highest value of the scale.", "instrument")
    higher_is_better: Series[pd.BooleanDtype] = col.field(
        "Continuous: whether a higher score is better. Dichotomous: whether the event is a "
        "good one (e.g. deposit resolved). Empty when it depends on the reader.",
        nullable=True,
    )
    mid: Series[float] = col.quantity(
        "Minimal important difference in scale units, only where a source states one.",
        "instrument",
        gt=0,
    )
    mid_source_id: Series[str] = col.link(
        "sources.source_id", "Source that states the MID.", optional=True
    )
    surrogate: Series[pd.BooleanDtype] = col.field(
        "True for a surrogate outcome (e.g. deposit size on radiographs) rather than one "
        "patients feel or value directly."
    )
    note: Series[str] = col.text("Remarks for readers (the definition in full).", optional=True)
    curation_note: Series[str] = col.curation_note("the definition or the MID was found")

    class Config:
        title = "Outcomes"
        description = (
            "Outcome definitions: instrument, scale, direction and minimal important difference."
        )
        unique = ["outcome_id"]

    _mid_source = together_rule(
        "mid_needs_source",
        "a minimal important difference needs the source that states it (mid_source_id)",
        "mid",
        ("mid_source_id",),
    )

    @row_check(
        "scale_min_lt_scale_max",
        "the scale's lowest value must be below its highest (scale_min < scale_max)",
        ("scale_min", "scale_max"),
    )
    def _scale(cls, df: pd.DataFrame) -> pd.Series[bool]:
        lo, hi = df["scale_min"], df["scale_max"]
        return lo.isna() | hi.isna() | (lo < hi)
