"""Shared building blocks for the table models: the base model and the row rules.

:class:`Table` holds the configuration every model shares; :func:`row_check`
makes a row-level check whose words and columns travel with it, and
:func:`le_rule` / :func:`together_rule` make the two row rules several tables
repeat. The columns themselves are made by :mod:`calcidata.schemas.columns`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import pandas as pd
import pandera.pandas as pa

#: Separator of multi-valued cells, and of URL lists.
LIST_SEP = ";"
URL_SEP = " | "


class Table(pa.DataFrameModel):
    """Base of every table model: strict columns, values coerced to their types.

    A model's own ``Config`` adds its ``title``, ``description`` and natural key
    (``unique``); pandera merges it with this one.
    """

    class Config:
        strict = True
        coerce = True


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


_Check = TypeVar("_Check", bound=Callable[..., Any])


def row_check(
    name: str, error: str, columns: Sequence[str], *, presence: bool = False
) -> Callable[[_Check], _Check]:
    """Decorate a model method as a pandera dataframe check, with its words and columns.

    The words travel with pandera's own ``Check(error=...)`` (so pandera reports
    them as the failed check); the columns stay on the method, next to the check,
    where :func:`row_rules` finds them.
    """

    def deco(fn: _Check) -> _Check:
        setattr(fn, "__row_rule__", RowRule(error, tuple(columns), presence))  # noqa: B010
        # pandera wraps the method in a classmethod; models call it only through pandera
        return cast(_Check, pa.dataframe_check(name=name, error=error)(fn))

    return deco


def le_rule(name: str, lo: str, hi: str, error: str | None = None):
    """A row rule: ``lo <= hi`` wherever both are present (words default to "must not exceed")."""

    def check(cls, df: pd.DataFrame) -> pd.Series:
        return le_or_missing(df[lo], df[hi])

    return row_check(name, error or f"{lo} must not exceed {hi}", (lo, hi))(check)


def together_rule(name: str, error: str, column: str, values: Sequence[str]):
    """A row rule: ``column`` is present exactly when one of ``values`` is (a unit, say)."""
    values = list(values)

    def check(cls, df: pd.DataFrame) -> pd.Series:
        return df[values].notna().any(axis=1) == df[column].notna()

    return row_check(name, error, (column, *values), presence=True)(check)


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


def multi_pattern(categories: Sequence[str], sep: str) -> str:
    """Anchored pattern of a cell holding several values of ``categories`` joined by ``sep``."""
    import re

    one = "(?:" + "|".join(re.escape(c) for c in categories) + ")"
    return f"^{one}(?:{re.escape(sep)}{one})*$"


def all_in(series: pd.Series, allowed: Sequence[str], sep: str = LIST_SEP) -> pd.Series:
    """Element-wise: every value of a multi-valued cell is in ``allowed``."""
    allowed = set(allowed)
    return split_cells(series, sep).map(lambda xs: all(x in allowed for x in xs))


def le_or_missing(lo: pd.Series, hi: pd.Series) -> pd.Series:
    """Element-wise ``lo <= hi`` where both are present."""
    return lo.isna() | hi.isna() | (lo <= hi)
