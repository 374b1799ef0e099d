"""Type stub: the names this package imports lazily, imported eagerly for checkers.

Kept equal to ``_LAZY`` by ``tests/test_typing.py``.
"""

from calcidata.tables.container import Tables as Tables
from calcidata.tables.counts import table_counts as table_counts
from calcidata.tables.loader import collect_problems as collect_problems
from calcidata.tables.loader import data_version as data_version
from calcidata.tables.loader import load as load
from calcidata.tables.loader import load_table as load_table

__all__ = ["Tables", "collect_problems", "data_version", "load", "load_table", "table_counts"]
