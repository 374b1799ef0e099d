"""Schema of ``data/claims.csv``: what the lay articles say, quoted, with a verdict."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import LIST_SEP, Table, row_check
from calcidata.schemas.vocab_claims import CLAIM_TYPES, CLAIMED_EFFECTS, VERDICTS
from calcidata.schemas.vocabularies import OUTCOME_DOMAINS, SLUG_LIST

#: The longest quote a claim may hold, in characters.
MAX_QUOTE = 300


class Claims(Table):
    """One concrete claim of a lay article, in its words, and what the evidence says of it.

    The verdict follows one rule (:mod:`calcidata.synthesis.claims`, printed in
    ``data/README.md``) from the evidence profile and the dosing ranges; the stored
    ``verdict``, ``evidence_ids``, ``dosing_ids`` and ``verdict_note`` are what the rule
    computes (a test holds them to it).
    """

    claim_id: Series[str] = col.key("Unique slug of the claim, usually <article>_<number>.")
    source_id: Series[str] = col.source("The lay article the claim is quoted from.")
    quote: Series[str] = col.field(
        f"The article's words, exactly as written (at most {MAX_QUOTE} characters); "
        "validation finds them in the article's text.",
        str_length={"min_value": 1, "max_value": MAX_QUOTE},
    )
    claim_type: Series[str] = col.choice("What the claim is about.", CLAIM_TYPES)
    condition_id: Series[str] = col.link(
        "conditions.condition_id", "The condition the claim is about.", optional=True
    )
    treatment_id: Series[str] = col.link(
        "treatments.treatment_id",
        "The treatment the claim is about, where one applies.",
        optional=True,
    )
    outcome_domain: Series[str] = col.choice(
        "The outcome the claim names, where it names one (empty: any benefit).",
        OUTCOME_DOMAINS,
        optional=True,
    )
    claimed_effect: Series[str] = col.choice(
        "For a claim about a treatment's effect: whether it says the treatment helps "
        "(benefit) or did not help (no_benefit).",
        CLAIMED_EFFECTS,
        optional=True,
    )
    verdict: Series[str] = col.choice(
        "What the evidence says of the claim, by the rule in data/README.md.", VERDICTS
    )
    evidence_ids: Series[str] = col.field(
        "Evidence rows the verdict rests on, separated by ';'.",
        nullable=True,
        str_matches=SLUG_LIST,
        multi=LIST_SEP,
        references="evidence.evidence_id",
    )
    dosing_ids: Series[str] = col.field(
        "Dosing rows the verdict rests on (the article's own dose first), separated by ';'.",
        nullable=True,
        str_matches=SLUG_LIST,
        multi=LIST_SEP,
        references="dosing_ranges.dosing_id",
    )
    verdict_note: Series[str] = col.text(
        "One plain sentence a reader can check against the cited rows."
    )

    class Config:
        title = "Claims"
        description = "Concrete claims of the lay articles, quoted, each with a verdict."
        unique = ["claim_id"]

    @row_check(
        "effect_claim_has_direction",
        "a claim about a treatment's effect needs claimed_effect (benefit or no_benefit)",
        ("claimed_effect", "claim_type"),
        presence=True,
    )
    def _direction(cls, df: pd.DataFrame) -> pd.Series[bool]:
        effect = (df["claim_type"] == "treatment_effect").fillna(False)
        return ~effect | df["claimed_effect"].notna()
