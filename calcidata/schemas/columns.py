"""Column factories: one call declares one column of a table model.

:func:`field` is ``pandera.Field`` plus the metadata the rest of calcidata
reads from the schema: the unit, a foreign key, a category order, and whether
a cell holds several values. The data dictionary, the exports and the loader
all read it from here, so the schema stays the one data dictionary.

The column kinds every table shares have their own factory (:func:`key`,
:func:`link`, :func:`source`, :func:`text`, :func:`choice`, :func:`quantity`,
...); models import this module as ``col`` and declare each column as
``name: Series[str] = col.text("What it holds.")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandera.pandas as pa

from calcidata.schemas._base import LIST_SEP, multi_pattern
from calcidata.schemas.vocabularies import SLUG, SLUG_LIST


def field(
    description: str,
    *,
    unit: str | None = None,
    references: str | None = None,
    categories: Sequence[str] | None = None,
    ordered: bool = False,
    multi: str | None = None,
    **kwargs: Any,
) -> Any:
    """A ``pandera.Field`` with calcidata's metadata.

    Typed ``Any``, as ``pandera.Field`` is: it is assigned to a ``Series[...]`` annotation.

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
    elif categories is not None and multi is not None:
        # A multi-valued vocabulary: every value of the cell must be one of the categories.
        kwargs.setdefault("str_matches", multi_pattern(categories, multi))
    return pa.Field(description=description, metadata=metadata, **kwargs)


def key(description: str) -> Any:
    """The table's id column: a unique slug."""
    return field(description, str_matches=SLUG, unique=True)


def link(target: str, description: str, *, optional: bool = False) -> Any:
    """A foreign key (a slug) to ``target``, given as ``"table.column"``."""
    return field(description, nullable=optional, str_matches=SLUG, references=target)


def source(description: str) -> Any:
    """A required link to one source (``sources.source_id``)."""
    return link("sources.source_id", description)


def source_list(description: str) -> Any:
    """Optional sources, several ids separated by ``;``, each a key of ``sources``."""
    return field(
        description,
        nullable=True,
        str_matches=SLUG_LIST,
        multi=LIST_SEP,
        references="sources.source_id",
    )


def text(description: str, *, optional: bool = False) -> Any:
    """Free text: required (not empty) unless ``optional``."""
    if optional:
        return field(description, nullable=True)
    return field(description, str_length={"min_value": 1})


def text_list(description: str) -> Any:
    """Optional free-text values separated by ``;``."""
    return field(description, nullable=True, multi=LIST_SEP)


def choice(
    description: str, categories: Sequence[str], *, optional: bool = False, ordered: bool = False
) -> Any:
    """One value of a controlled vocabulary (``ordered`` when its order means something)."""
    return field(description, nullable=optional, categories=categories, ordered=ordered)


def quantity(description: str, unit: str | None, **bounds: Any) -> Any:
    """An optional number in ``unit`` (a unit, or the column holding it), within ``bounds``."""
    return field(description, nullable=True, unit=unit, **bounds)


def curation_note(how: str = "a value was found or checked") -> Any:
    """The curators' column: ``how`` a value was found or checked, not shown to readers."""
    return field(f"For curators: how {how} (not shown to readers).", nullable=True)
