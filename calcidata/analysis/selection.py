"""What a view is about: one :class:`Selection` passed to every analysis function.

Calling convention of :mod:`calcidata.analysis`: every view is
``view(tables, select=None, /, **filters)``. ``select`` is a :class:`Selection`
(or None); keyword ``filters`` are :class:`Selection` fields that override it,
so ``summary_of_findings(tables, condition_id="x")`` and
``summary_of_findings(tables, Selection("x"))`` are the same call. Options that
are not filters (``include_general``, ``dosing``...) are keyword-only
parameters of the view that has them.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from calcidata._api import DocComponents
from calcidata.errors import ArgumentTypeError, ParameterError
from calcidata.schemas.vocabularies import MODALITIES, OUTCOME_DOMAINS
from calcidata.tables.container import Tables, takes_tables
from calcidata.tables.hierarchy import descendants, parents_of

__all__ = ["VIEW_DOCS", "Selection", "check_ids", "nearest", "resolve", "subtree", "view_frame"]

#: The words about every view's shared parameters; a view's docstring holds the
#: line ``{parameters}`` (its own words about ``select`` indented below it).
VIEW_DOCS = DocComponents(
    parameters="""
        Parameters
        ----------
        tables : Tables
            The loaded tables.
        select : Selection, optional
            Which rows (default all); or pass its fields as keywords.
    """
)


def view_frame(
    view: str, columns: Sequence[str], out: pd.DataFrame | None = None, **empty: Any
) -> pd.DataFrame:
    """The frame a view returns: ``columns`` of ``out`` in order, on a fresh index, named.

    ``attrs["view"]`` names the view (for :func:`calcidata.display.words`).
    Without ``out`` (nothing selected) the frame is empty, with ``columns`` and,
    for the column names given as keywords in ``empty``, those (empty) values.
    """
    if out is None:
        out = pd.DataFrame(columns=list(columns))
        for name, values in empty.items():
            out[name] = values
    else:
        out = out[list(columns)].reset_index(drop=True)
    out.attrs["view"] = view
    return out


def nearest(value: str, valid: Iterable[str]) -> str:
    """`` (nearest match: 'x')`` for a message, or an empty string when nothing is close."""
    close = difflib.get_close_matches(value, list(valid), n=1, cutoff=0.0)
    return f" (nearest match: {close[0]!r})" if close else ""


def check_ids(kind: str, ids: Iterable[str], valid: Iterable[str]) -> None:
    """Raise :class:`ParameterError` naming the nearest match for the first unknown id."""
    valid_set = set(valid)
    for i in ids:
        if i not in valid_set:
            raise ParameterError(
                f"unknown {kind} {i!r}{nearest(str(i), valid)}; valid values: "
                + ", ".join(sorted(valid))
            )


@dataclass(frozen=True)
class Selection:
    """The filters of a view: a condition, treatments, an outcome domain, a modality.

    Every analysis function is called as ``view(tables, select=None, /, **filters)``:
    pass a ``Selection``, or its fields as keywords, or both (keywords win).
    ``None`` means "no filter". A plain string where a ``Selection`` belongs is
    a :class:`~calcidata.errors.ParameterError`.

    Parameters
    ----------
    condition_id : str, optional
        The condition; with ``include_narrower``, its narrower conditions too.
    treatment_ids : sequence of str, optional
        Only these treatments (kept as a tuple, in the given order).
    outcome : str, optional
        Only this outcome domain (``OUTCOME_DOMAINS``).
    modality : str, optional
        Only treatments of this modality (``MODALITIES``).
    include_narrower : bool
        Include the conditions below ``condition_id``.

    Examples
    --------
    >>> from calcidata.analysis import Selection
    >>> Selection("calcific_tendinopathy_shoulder", outcome="pain").outcome
    'pain'
    """

    condition_id: str | None = None
    treatment_ids: tuple[str, ...] | None = None
    outcome: str | None = None
    modality: str | None = None
    include_narrower: bool = True

    def __post_init__(self) -> None:
        if self.condition_id is not None and not isinstance(self.condition_id, str):
            raise ParameterError(f"condition_id must be a string, not {self.condition_id!r}")
        if isinstance(self.treatment_ids, str):
            raise ParameterError("treatment_ids must be a list of treatment ids, not a string")
        if self.treatment_ids is not None:
            object.__setattr__(self, "treatment_ids", tuple(self.treatment_ids))
        if not isinstance(self.include_narrower, bool | np.bool_):
            raise ArgumentTypeError(
                f"include_narrower must be True or False, not {self.include_narrower!r}"
            )
        for name in ("outcome", "modality"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ArgumentTypeError(f"{name} must be a string, not {value!r}")

    def validate(self, tables: Tables) -> Selection:
        """Check every id against the tables; raise ParameterError with the nearest match."""
        if self.condition_id is not None:
            check_ids("condition_id", [self.condition_id], tables.conditions["condition_id"])
        if self.treatment_ids is not None:
            check_ids("treatment_id", self.treatment_ids, tables.treatments["treatment_id"])
        if self.outcome is not None:
            check_ids("outcome", [self.outcome], OUTCOME_DOMAINS)
        if self.modality is not None:
            check_ids("modality", [self.modality], MODALITIES)
        return self

    def require(self, *fields: str) -> Selection:
        """Raise ParameterError unless each named field is set."""
        for name in fields:
            if getattr(self, name) is None:
                raise ParameterError(f"this view needs {name}: pass {name}=... or a Selection")
        return self

    def conditions(self, tables: Tables) -> list[str] | None:
        """The condition ids selected (``condition_id`` and, optionally, those below it)."""
        if self.condition_id is None:
            return None
        if not self.include_narrower:
            return [self.condition_id]
        return subtree(tables, self.condition_id)


_FIELDS = {f.name for f in dataclasses.fields(Selection)}


def resolve(tables: Tables, select: Any, filters: dict[str, Any]) -> Selection:
    """The validated :class:`Selection` of a call ``view(tables, select, **filters)``."""
    if isinstance(select, str):
        raise ParameterError(
            f"expected a Selection, not the string {select!r}: write "
            f"Selection(condition_id={select!r}) or condition_id={select!r}"
        )
    if select is not None and not isinstance(select, Selection):
        raise ParameterError(f"expected a Selection or None, not {type(select).__name__}")
    unknown = sorted(set(filters) - _FIELDS)
    if unknown:
        raise ParameterError(
            f"unknown filter {unknown[0]!r}{nearest(unknown[0], sorted(_FIELDS))}; "
            "valid filters: " + ", ".join(sorted(_FIELDS))
        )
    sel = select or Selection()
    if filters:
        sel = dataclasses.replace(sel, **filters)
    return sel.validate(tables)


@takes_tables
def subtree(tables: Tables, condition_id: str) -> list[str]:
    """The condition and every narrower condition below it, depth first, by name.

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    condition_id : str
        Id of the condition at the top.

    Returns
    -------
    list of str
        Condition ids, starting with ``condition_id``.
    """
    cond = tables.conditions
    check_ids("condition_id", [condition_id], cond["condition_id"])
    names = dict(zip(cond["condition_id"], cond["name"], strict=True))
    return descendants(parents_of(cond, "condition_id"), condition_id, order=names.__getitem__)
