"""Stage 3, the synthesis: pooling (meta-analysis), bodies of evidence, GRADE certainty, SoF.

It reads the tables and the analysis views and returns typed results; :mod:`calcidata.display`
words them and :mod:`calcidata.reports` renders them. ``calcidata.meta`` is
:mod:`calcidata.synthesis.meta` and ``calcidata.evidence_profile`` is
:func:`calcidata.synthesis.result.evidence_profile`.

Importing this package is light: the names below import their modules (scipy,
statsmodels) on first use.
"""

from calcidata._api import lazy_names

_LAZY = {
    "sof_rows": "calcidata.synthesis.result",
    "pooled_bodies": "calcidata.synthesis.result",
    "review_overlap": "calcidata.synthesis.overlap",
    "evidence_profile": "calcidata.synthesis.result",
    "synthesize": "calcidata.synthesis.result",
    "Synthesis": "calcidata.synthesis.result",
    "bottom_lines": "calcidata.synthesis.sof",
    "claim_verdicts": "calcidata.synthesis.claims",
    "lay_doses": "calcidata.synthesis.lay_doses",
    "reproductions": "calcidata.synthesis.recompute",
    "by_home": "calcidata.synthesis.narrower",
    "comparison_homes": "calcidata.synthesis.narrower",
}

__all__ = [*_LAZY]

__getattr__, __dir__ = lazy_names(__name__, _LAZY)
