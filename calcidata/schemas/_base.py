"""Shared building blocks for the table schemas.

:func:`field` is ``pandera.Field`` plus the metadata the rest of calcidata
reads from the schema: the unit, a foreign key, a category order, and whether
a cell holds several values. The data dictionary, the exports and the loader
all read it from here, so the schema stays the one data dictionary.

The column kinds every table shares are made by small factories (:func:`key`,
:func:`link`, :func:`source`, :func:`text`, :func:`choice`, :func:`quantity`,
...), so that a model declares each column in one call; :class:`Table` holds
the configuration every model shares, and :func:`le_rule` / :func:`together_rule`
make the two row rules several tables repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from calcidata.schemas.vocabularies import SLUG, SLUG_LIST

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


class Table(pa.DataFrameModel):
    """Base of every table model: strict columns, values coerced to their types.

    A model's own ``Config`` adds its ``title``, ``description`` and natural key
    (``unique``); pandera merges it with this one.
    """

    class Config:
        strict = True
        coerce = True


def key(description: str):
    """The table's id column: a unique slug."""
    return field(description, str_matches=SLUG, unique=True)


def link(target: str, description: str, *, optional: bool = False):
    """A foreign key (a slug) to ``target``, given as ``"table.column"``."""
    return field(description, nullable=optional, str_matches=SLUG, references=target)


def source(description: str):
    """A required link to one source (``sources.source_id``)."""
    return link("sources.source_id", description)


def source_list(description: str):
    """Optional sources, several ids separated by ``;``, each a key of ``sources``."""
    return field(
        description,
        nullable=True,
        str_matches=SLUG_LIST,
        multi=LIST_SEP,
        references="sources.source_id",
    )


def text(description: str, *, optional: bool = False):
    """Free text: required (not empty) unless ``optional``."""
    if optional:
        return field(description, nullable=True)
    return field(description, str_length={"min_value": 1})


def text_list(description: str):
    """Optional free-text values separated by ``;``."""
    return field(description, nullable=True, multi=LIST_SEP)


def choice(
    description: str, categories: Sequence[str], *, optional: bool = False, ordered: bool = False
):
    """One value of a controlled vocabulary (``ordered`` when its order means something)."""
    return field(description, nullable=optional, categories=categories, ordered=ordered)


def quantity(description: str, unit: str | None, **bounds):
    """An optional number in ``unit`` (a unit, or the column holding it), within ``bounds``."""
    return field(description, nullable=True, unit=unit, **bounds)


def curation_note(how: str = "a value was found or checked"):
    """The curators' column: ``how`` a value was found or checked, not shown to readers."""
    return field(f"For curators: how {how} (not shown to readers).", nullable=True)


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


def all_in(series: pd.Series, allowed: Sequence[str], sep: str = LIST_SEP) -> pd.Series:
    """Element-wise: every value of a multi-valued cell is in ``allowed``."""
    allowed = set(allowed)
    return split_cells(series, sep).map(lambda xs: all(x in allowed for x in xs))


def le_or_missing(lo: pd.Series, hi: pd.Series) -> pd.Series:
    """Element-wise ``lo <= hi`` where both are present."""
    return lo.isna() | hi.isna() | (lo <= hi)
