"""The table schemas: one pandera ``DataFrameModel`` per table, in one registry.

The registry :data:`SCHEMAS` maps each table name (which is also the CSV file
stem in ``data/``) to its model. Tables are listed in dependency order:
a table only references tables listed before it (or itself).
"""

from __future__ import annotations

from calcidata.schemas.conditions import Conditions
from calcidata.schemas.dosing_ranges import DosingRanges
from calcidata.schemas.evidence import Evidence
from calcidata.schemas.review_studies import ReviewStudies
from calcidata.schemas.sources import Sources
from calcidata.schemas.study_outcomes import StudyOutcomes
from calcidata.schemas.treatments import Treatments

SCHEMAS = {
    "sources": Sources,
    "conditions": Conditions,
    "treatments": Treatments,
    "dosing_ranges": DosingRanges,
    "evidence": Evidence,
    "review_studies": ReviewStudies,
    "study_outcomes": StudyOutcomes,
}

#: The natural key (id column) of each table.
KEYS = {name: model.Config.unique[0] for name, model in SCHEMAS.items()}

__all__ = [
    "SCHEMAS",
    "KEYS",
    "Conditions",
    "DosingRanges",
    "Evidence",
    "ReviewStudies",
    "Sources",
    "StudyOutcomes",
    "Treatments",
]
