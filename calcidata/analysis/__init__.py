"""Stage 2, the analysis: tidy, typed frames computed from the tables (no wording, no HTML).

Every view is called as ``view(tables, select=None, /, **filters)`` with a
:class:`Selection` (see its docstring), and returns a frame of ids,
vocabulary codes (ordered categoricals where the order matters), floats and
``Int64`` counts, with caveat codes where rows are compared. Wording is done
by :mod:`calcidata.display`::

    from calcidata import analysis, display

    sel = analysis.Selection("calcific_tendinopathy_shoulder")
    display.table(analysis.summary_of_findings(tables, sel), group_by="outcome_domain")

Pooling and the evidence profile (GRADE) are the next stage, :mod:`calcidata.synthesis`.

Importing this package imports pandas and the schemas' vocabularies only (no
plotting, no notebook machinery).
"""

from calcidata.analysis.caveats import AGREEMENT, CAVEATS, GAP_KINDS, SMALL_STUDY
from calcidata.analysis.citations import citation_labels
from calcidata.analysis.claims import (
    claim_evidence,
    claim_sources,
    claims_check,
    verdict_counts,
)
from calcidata.analysis.conditions import (
    condition_name,
    condition_order,
    condition_profile,
    condition_tree,
)
from calcidata.analysis.dosing import dose_intervals, dosing_summary, dosing_table
from calcidata.analysis.evidence import (
    direction_counts,
    evidence_rows,
    forest_data,
    summary_of_findings,
)
from calcidata.analysis.maps import (
    evidence_gaps,
    evidence_grid,
    evidence_map,
    gap_counts,
    outcome_map,
)
from calcidata.analysis.selection import Selection, subtree
from calcidata.analysis.sources import cited_sources
from calcidata.analysis.treatments import NO_EVIDENCE, side_by_side, treatment_ranking

__all__ = [
    "AGREEMENT",
    "CAVEATS",
    "GAP_KINDS",
    "NO_EVIDENCE",
    "SMALL_STUDY",
    "Selection",
    "citation_labels",
    "claim_evidence",
    "claim_sources",
    "claims_check",
    "cited_sources",
    "condition_name",
    "condition_order",
    "condition_profile",
    "condition_tree",
    "direction_counts",
    "dose_intervals",
    "dosing_summary",
    "dosing_table",
    "evidence_gaps",
    "evidence_grid",
    "evidence_map",
    "evidence_rows",
    "forest_data",
    "gap_counts",
    "outcome_map",
    "side_by_side",
    "subtree",
    "summary_of_findings",
    "treatment_ranking",
    "verdict_counts",
]
