"""Type stub: the names this package imports lazily, imported eagerly for checkers.

Kept equal to ``_LAZY`` by ``tests/test_typing.py``.
"""

from calcidata.synthesis.claims import claim_verdicts as claim_verdicts
from calcidata.synthesis.lay_doses import lay_doses as lay_doses
from calcidata.synthesis.narrower import by_home as by_home
from calcidata.synthesis.narrower import comparison_homes as comparison_homes
from calcidata.synthesis.overlap import review_overlap as review_overlap
from calcidata.synthesis.recompute import reproductions as reproductions
from calcidata.synthesis.result import Synthesis as Synthesis
from calcidata.synthesis.result import evidence_profile as evidence_profile
from calcidata.synthesis.result import pooled_bodies as pooled_bodies
from calcidata.synthesis.result import sof_rows as sof_rows
from calcidata.synthesis.result import synthesize as synthesize
from calcidata.synthesis.sof import bottom_lines as bottom_lines

__all__ = [
    "sof_rows",
    "pooled_bodies",
    "review_overlap",
    "evidence_profile",
    "synthesize",
    "Synthesis",
    "bottom_lines",
    "claim_verdicts",
    "lay_doses",
    "reproductions",
    "by_home",
    "comparison_homes",
]
