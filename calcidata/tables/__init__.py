"""Stage 1, the tables: read the CSVs strictly, validate them, and return typed frames.

- :mod:`~calcidata.tables.reader`: the strict CSV reader that keeps line numbers;
- :mod:`~calcidata.tables.checks`: cell parsing and per-table validation with pandera;
- :mod:`~calcidata.tables.dataset`: the rules across tables (keys, hierarchy, unused rows);
- :mod:`~calcidata.tables.hierarchy`: walks of the ``parent_id`` trees;
- :mod:`~calcidata.tables.loader`: :func:`load`, :func:`load_table`, :func:`data_version`;
- :mod:`~calcidata.tables.container`: the :class:`Tables` container;
- :mod:`~calcidata.tables.counts`: :func:`table_counts`, what the tables hold, counted.

Importing this package is light (the hierarchy helpers need only the standard
library); the names below load pandas and pandera on first use.
"""

from __future__ import annotations

from calcidata._api import lazy_names

_LAZY = {
    "Tables": "calcidata.tables.container",
    "collect_problems": "calcidata.tables.loader",
    "data_version": "calcidata.tables.loader",
    "load": "calcidata.tables.loader",
    "load_table": "calcidata.tables.loader",
    "table_counts": "calcidata.tables.counts",
}

__all__ = list(_LAZY)


__getattr__, __dir__ = lazy_names(__name__, _LAZY)
