"""Stage 4, the dose audit: prescriptions checked against the reported dosing ranges.

- :mod:`~calcidata.audit.core`: :func:`audit_doses`, the audit of a frame, and its rule;
- :mod:`~calcidata.audit.auditor`: the vectorised auditor every entry point runs;
- :mod:`~calcidata.audit.inputs`: the input columns, their types, numbers and frequencies;
- :mod:`~calcidata.audit.reference`: :class:`DoseReference`, the ranges per key;
- :mod:`~calcidata.audit.files`: :func:`audit_file`, CSV/Parquet in and out, out of core;
- :mod:`~calcidata.audit.spark`: :func:`audit_spark`, the same audit on a Spark DataFrame
  (imported on first use: ``import calcidata.audit`` does not import pyspark).
"""

from __future__ import annotations

from calcidata._api import lazy_names
from calcidata.audit.core import CHUNK_ROWS, OUTPUT_COLUMNS, STATUSES, audit_doses
from calcidata.audit.files import audit_file, read_input

#: Imported on first use: ``import calcidata.audit`` does not import pyspark.
_LAZY = {"audit_spark": "calcidata.audit.spark"}

__all__ = [
    "CHUNK_ROWS",
    "OUTPUT_COLUMNS",
    "STATUSES",
    "audit_doses",
    "audit_file",
    "audit_spark",
    "read_input",
]


__getattr__, __dir__ = lazy_names(__name__, _LAZY)
