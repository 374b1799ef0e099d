"""Type stub: the names this package imports lazily, imported eagerly for checkers.

Kept equal to ``_LAZY`` by ``tests/test_typing.py``.
"""

from calcidata.audit.core import CHUNK_ROWS as CHUNK_ROWS
from calcidata.audit.core import OUTPUT_COLUMNS as OUTPUT_COLUMNS
from calcidata.audit.core import STATUSES as STATUSES
from calcidata.audit.core import audit_doses as audit_doses
from calcidata.audit.files import audit_file as audit_file
from calcidata.audit.files import read_input as read_input
from calcidata.audit.spark import audit_spark as audit_spark

__all__ = [
    "CHUNK_ROWS",
    "OUTPUT_COLUMNS",
    "STATUSES",
    "audit_doses",
    "audit_file",
    "audit_spark",
    "read_input",
]
