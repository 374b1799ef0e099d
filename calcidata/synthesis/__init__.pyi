"""Type stub: the names this package imports lazily, imported eagerly for checkers.

Kept equal to ``_LAZY`` by ``tests/test_typing.py``.
"""

from calcidata.synthesis.claims import claim_verdicts as claim_verdicts
from calcidata.synthesis.lay_doses import lay_doses as lay_doses
from calcidata.synthesis.overlap import review_overlap as review_overlap
from calcidata.synthesis.pooled import pooled_bodies as pooled_bodies
from calcidata.synthesis.profile import evidence_profile as evidence_profile
from calcidata.synthesis.sof import sof_rows as sof_rows

__all__ = [
    "sof_rows",
    "pooled_bodies",
    "review_overlap",
    "evidence_profile",
    "claim_verdicts",
    "lay_doses",
]
