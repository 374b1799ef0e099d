"""calcidata: validated evidence tables on treating soft-tissue calcification.

>>> import calcidata
>>> t = calcidata.load()                      # doctest: +SKIP
>>> t.evidence.groupby("treatment_id").size()  # doctest: +SKIP

Importing the package does no I/O and imports nothing heavy: the public names
below are resolved on first use.
"""

from __future__ import annotations

import warnings

from calcidata._api import lazy_names
from calcidata._version import __version__

#: The one "not medical advice" notice, shown by every report, the index page, the
#: data dictionary and every export.
NOTICE = (
    "Not medical advice. calcidata summarises published evidence for research and "
    "education. It does not replace the judgement of a clinician who knows the patient. "
    "Doses are shown as their sources report them, not as recommendations."
)

# When pyspark is installed (the calcidata[spark] extra), pandera imports pyspark.pandas
# (on import, and again when it first builds a schema), which warns that pandas 3 is not
# "fully supported". calcidata does not use pandas-on-Spark: that one warning is hidden.
warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)

_LAZY = {
    "load": "calcidata.tables",
    "load_table": "calcidata.tables",
    "data_version": "calcidata.tables",
    "Tables": "calcidata.tables",
    "SCHEMAS": "calcidata.schemas",
    "evidence_strength": "calcidata.analysis.strength",
    "evidence_profile": "calcidata.synthesis.profile",
    "CalcidataError": "calcidata.errors",
    "DataValidationError": "calcidata.errors",
    "ParameterError": "calcidata.errors",
    "Problem": "calcidata.errors",
    "export_tables": "calcidata.export",
    "read_export": "calcidata.export",
    "audit_doses": "calcidata.audit",
    "audit_file": "calcidata.audit",
    "audit_spark": "calcidata.audit",
    "render": "calcidata.reports.build",
    "build": "calcidata.reports.build",
}

#: Public names that are whole modules (``calcidata.meta`` is ``calcidata.synthesis.meta``).
_LAZY_MODULES = {"meta": "calcidata.synthesis.meta"}

__all__ = ["__version__", "NOTICE", *_LAZY, *_LAZY_MODULES]


__getattr__, __dir__ = lazy_names(__name__, _LAZY, _LAZY_MODULES)
