"""The table schemas: one pandera ``DataFrameModel`` per table, in one registry.

The registry :data:`SCHEMAS` maps each table name (which is also the CSV file
stem in ``data/``) to its model. Tables are listed in dependency order:
a table only references tables listed before it (or itself).
"""

from __future__ import annotations

import warnings

# When pyspark is installed (the calcidata[spark] extra), pandera imports pyspark.pandas,
# which warns that pandas 3 is not "fully supported". calcidata does not use pandas-on-Spark.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
    import pandera.pandas  # noqa: F401

from calcidata.schemas._base import Table
from calcidata.schemas.claims import Claims
from calcidata.schemas.condition_outcomes import ConditionOutcomes
from calcidata.schemas.conditions import Conditions
from calcidata.schemas.dosing_ranges import DosingRanges
from calcidata.schemas.evidence import Evidence
from calcidata.schemas.outcomes import Outcomes
from calcidata.schemas.reproductions import Reproductions
from calcidata.schemas.review_studies import ReviewStudies
from calcidata.schemas.risk_of_bias import RiskOfBias
from calcidata.schemas.sources import Sources
from calcidata.schemas.study_outcomes import StudyOutcomes
from calcidata.schemas.treatments import Treatments

SCHEMAS: dict[str, type[Table]] = {
    "sources": Sources,
    "conditions": Conditions,
    "treatments": Treatments,
    "outcomes": Outcomes,
    "condition_outcomes": ConditionOutcomes,
    "dosing_ranges": DosingRanges,
    "evidence": Evidence,
    "review_studies": ReviewStudies,
    "study_outcomes": StudyOutcomes,
    "risk_of_bias": RiskOfBias,
    "reproductions": Reproductions,
    "claims": Claims,
}

#: The natural key (id column) of each table.
KEYS = {name: model.Config.unique[0] for name, model in SCHEMAS.items()}

__all__ = [
    "SCHEMAS",
    "KEYS",
    "Claims",
    "ConditionOutcomes",
    "Conditions",
    "DosingRanges",
    "Evidence",
    "Outcomes",
    "Reproductions",
    "ReviewStudies",
    "RiskOfBias",
    "Sources",
    "StudyOutcomes",
    "Treatments",
]
