"""Wordings of the views of lay claims, the full evidence grid and the lay doses.

Registered into :data:`calcidata.display.wording.WORDINGS` (kept apart so each module
stays small); a view's codes become plain words, its ids stay for links.
"""

from __future__ import annotations

from calcidata.display.labels import format_effect

__all__ = ["CLAIM_WORDINGS"]


def _wordings() -> dict:
    from calcidata.display.wording import Compose, Wording

    effect = Compose("effect", ("effect_measure", "estimate", "ci_low", "ci_high"), format_effect)
    return {
        "claims_check": Wording(
            humanize=("claim_type", "verdict"),
            fill={"condition": "no condition named", "treatment": "no treatment named"},
            drop=("claim_id", "source_id", "condition_id", "treatment_id"),
        ),
        "verdict_counts": Wording(humanize=("verdict",)),
        "claim_evidence": Wording(
            compose=(effect,),
            humanize=("outcome_domain", "design", "certainty", "direction"),
        ),
        "evidence_grid": Wording(humanize=("modality",)),
        "lay_doses": Wording(humanize=("place",)),
    }


CLAIM_WORDINGS = _wordings
