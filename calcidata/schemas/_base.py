"""Shared building blocks for the table schemas.

:func:`field` is ``pandera.Field`` plus the metadata the rest of calcidata
reads from the schema: the unit, a foreign key, a category order, and whether
a cell holds several values. The data dictionary, the exports and the loader
all read it from here, so the schema stays the one data dictionary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

#: Separator of multi-valued cells, and of URL lists.
LIST_SEP = ";"
URL_SEP = " | "


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


@dataclass(frozen=True)
class RowRule:
    """What a row-level check is about: its plain-words rule and the columns it concerns.

    ``error`` is the words pandera reports for the check (``Check(error=...)``);
    the first of ``columns`` is named in a problem, or with ``presence=True`` the
    first *empty* one of them (rules about values that must be present together).
    """

    error: str
    columns: tuple[str, ...]
    presence: bool = False


def row_check(name: str, error: str, columns: Sequence[str], *, presence: bool = False):
    """Decorate a model method as a pandera dataframe check, with its words and columns.

    The words travel with pandera's own ``Check(error=...)`` (so pandera reports
    them as the failed check); the columns stay on the method, next to the check,
    where :func:`row_rules` finds them.
    """

    def deco(fn):
        fn.__row_rule__ = RowRule(error, tuple(columns), presence)
        return pa.dataframe_check(name=name, error=error)(fn)

    return deco


def row_rules(model: type[pa.DataFrameModel]) -> dict[str, RowRule]:
    """The row rules of ``model`` (and its bases), keyed by their words."""
    rules: dict[str, RowRule] = {}
    for klass in reversed(model.__mro__):
        for attr in vars(klass).values():
            rule = getattr(getattr(attr, "__func__", attr), "__row_rule__", None)
            if isinstance(rule, RowRule):
                rules[rule.error] = rule
    return rules


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
