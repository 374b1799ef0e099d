"""Stage 1, the tables: read the CSVs strictly, validate them, and return typed frames.

- :mod:`~calcidata.tables.reader`: the strict CSV reader that keeps line numbers;
- :mod:`~calcidata.tables.checks`: cell parsing and per-table validation with pandera;
- :mod:`~calcidata.tables.dataset`: the rules across tables (keys, hierarchy, unused rows);
- :mod:`~calcidata.tables.hierarchy`: walks of the ``parent_id`` trees;
- :mod:`~calcidata.tables.loader`: :func:`load`, :func:`load_table`, :func:`data_version`;
- :mod:`~calcidata.tables.container`: the :class:`Tables` container;
- :mod:`~calcidata.tables.dictionary`: ``data/README.md`` generated from the schemas.
"""

from __future__ import annotations

from calcidata.tables.container import Tables
from calcidata.tables.loader import collect_problems, data_version, load, load_table

__all__ = ["Tables", "collect_problems", "data_version", "load", "load_table"]
