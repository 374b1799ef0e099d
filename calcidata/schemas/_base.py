"""Shared building blocks for the table schemas.

:func:`field` is ``pandera.Field`` plus the metadata the rest of calcidata
reads from the schema: the unit, a foreign key, a category order, and whether
a cell holds several values. The data dictionary, the exports and the loader
all read it from here, so the schema stays the one data dictionary.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import pandera.pandas as pa

#: Separator of multi-valued cells, and of URL lists.
LIST_SEP = ";"
URL_SEP = " | "

#: Plain-words rules of the custom checks, keyed by check name.
RULE_WORDS: dict[str, str] = {}
#: Which columns a row-level (dataframe) check concerns, keyed by check name.
CHECK_COLUMNS: dict[str, tuple[str, ...]] = {}
#: Row checks about values that must be present together: blame the empty column.
PRESENCE_CHECKS: set[str] = set()


def field(
    description: str,
    *,
    unit: str | None = None,
    references: str | None = None,
    categories: Sequence[str] | None = None,
    ordered: bool = False,
    multi: str | None = None,
    **kwargs,
):
    """A ``pandera.Field`` with calcidata's metadata.

    Parameters
    ----------
    description : str
        What the column holds; shown in the data dictionary.
    unit : str, optional
        Unit of a numeric column, or the name of the column holding its unit.
    references : str, optional
        ``"table.column"`` this column is a foreign key to.
    categories : sequence of str, optional
        Controlled vocabulary; adds an ``isin`` check unless ``multi`` is set.
    ordered : bool
        Whether ``categories`` has a meaningful order (ordered categorical).
    multi : str, optional
        Separator when a cell holds several values.
    """
    metadata = {
        "unit": unit,
        "references": references,
        "categories": tuple(categories) if categories is not None else None,
        "ordered": ordered,
        "multi": multi,
    }
    if categories is not None and multi is None:
        kwargs.setdefault("isin", list(categories))
    return pa.Field(description=description, metadata=metadata, **kwargs)


def rule(name: str, words: str, columns: Sequence[str] = (), *, presence: bool = False) -> str:
    """Register the plain-words rule of a custom check; return its name.

    ``columns`` are the columns a row check is about (the first is named in the
    error); with ``presence=True`` the first *empty* one of them is named instead.
    """
    RULE_WORDS[name] = words
    if columns:
        CHECK_COLUMNS[name] = tuple(columns)
    if presence:
        PRESENCE_CHECKS.add(name)
    return name


def split_cells(series: pd.Series, sep: str = LIST_SEP) -> pd.Series:
    """Split multi-valued cells into lists (empty cells give empty lists)."""
    return series.map(lambda v: [] if v is None or v is pd.NA or v != v else str(v).split(sep))


def all_in(series: pd.Series, allowed: Sequence[str], sep: str = LIST_SEP) -> pd.Series:
    """Element-wise: every value of a multi-valued cell is in ``allowed``."""
    allowed = set(allowed)
    return split_cells(series, sep).map(lambda xs: all(x in allowed for x in xs))


def le_or_missing(lo: pd.Series, hi: pd.Series) -> pd.Series:
    """Element-wise ``lo <= hi`` where both are present."""
    return lo.isna() | hi.isna() | (lo <= hi)
