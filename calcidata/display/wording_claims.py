"""Wordings of the views of lay claims, the full evidence grid and the lay doses.

Registered into :data:`calcidata.display.wording.WORDINGS` when :mod:`calcidata.display`
is imported (kept apart so each module stays small); a view's codes become plain
words, its ids stay for links.
"""

from __future__ import annotations

from calcidata.display.labels import format_effect
from calcidata.display.wording import WORDINGS, Compose, Wording

__all__ = ["CLAIM_WORDINGS"]

_EFFECT = Compose("effect", ("effect_measure", "estimate", "ci_low", "ci_high"), format_effect)

#: View name -> its wording (added to :data:`~calcidata.display.wording.WORDINGS`).
CLAIM_WORDINGS: dict[str, Wording] = {
    "claims_check": Wording(
        humanize=("claim_type", "verdict"),
        fill={"condition": "no condition named", "treatment": "no treatment named"},
        drop=("claim_id", "source_id", "condition_id", "treatment_id"),
    ),
    "verdict_counts": Wording(humanize=("verdict",)),
    "claim_evidence": Wording(
        compose=(_EFFECT,),
        humanize=("outcome_domain", "design", "certainty", "direction"),
    ),
    "evidence_grid": Wording(humanize=("modality",)),
    "gap_counts": Wording(),
    "lay_doses": Wording(humanize=("place",)),
}
WORDINGS.update(CLAIM_WORDINGS)
