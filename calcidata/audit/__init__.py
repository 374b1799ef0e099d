"""Stage 4, the dose audit: prescriptions checked against the reported dosing ranges.

- :mod:`~calcidata.audit.core`: :func:`audit_doses`, the vectorised audit of a frame;
- :mod:`~calcidata.audit.reference`: :class:`DoseReference`, the ranges per key;
- :mod:`~calcidata.audit.files`: :func:`audit_file`, CSV/Parquet in and out, out of core.
"""

from __future__ import annotations

from calcidata.audit.core import CHUNK_ROWS, OUTPUT_COLUMNS, STATUSES, audit_doses
from calcidata.audit.files import audit_file, read_input

__all__ = ["CHUNK_ROWS", "OUTPUT_COLUMNS", "STATUSES", "audit_doses", "audit_file", "read_input"]
