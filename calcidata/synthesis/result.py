"""One synthesis result per (tables, selection), computed once and read by every view.

In the manner of statsmodels' ``CombineResults`` or metafor's ``rma`` object:
:func:`synthesize` computes every body once; the evidence profile, the
summary-of-findings rows, the pooled forests, the review overlap and the bottom
lines are read from the :class:`Synthesis` it returns (each computed on first
use, then kept). The last few results are remembered per ``Tables`` object, so
a report that asks for the profile, the SoF and the forests computes once.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from calcidata.analysis.selection import Selection

_CACHE: dict[tuple[int, str | None], tuple[weakref.ref, Synthesis]] = {}
_CACHE_SIZE = 16


@dataclass(frozen=True, eq=False)
class Synthesis:
    """The synthesis of one condition (or of every condition, each on its own).

    Attributes
    ----------
    tables : calcidata.Tables
        The tables it was computed from.
    condition_id : str or None
        The condition (None: all).
    profile : pandas.DataFrame
        :func:`calcidata.evidence_profile`'s frame.
    items : pandas.DataFrame
        Every result as an item keyed by body (with ``yi``, ``vi``).
    behind : pandas.DataFrame
        The items behind each body's estimate, with their weights.
    """

    tables: object = field(repr=False)
    condition_id: str | None
    profile: pd.DataFrame = field(repr=False)
    items: pd.DataFrame = field(repr=False)
    behind: pd.DataFrame = field(repr=False)

    @cached_property
    def sof(self) -> pd.DataFrame:
        """The summary-of-findings rows of every treatment (:func:`sof_rows`)."""
        from calcidata.synthesis.sof import rows_from_profile

        return rows_from_profile(self.tables, self.profile)

    @cached_property
    def pooled(self) -> list:
        """Every pooled body with its :class:`~calcidata.meta.MetaResult` (``PooledBody``)."""
        from calcidata.synthesis.pooled import pooled_from

        return pooled_from(self)

    @cached_property
    def overlap(self):
        """The reviews x primary studies matrix and its CCA (``Overlap``); needs a condition."""
        from calcidata.synthesis.overlap import review_overlap

        return review_overlap(self.tables, self.condition_id)

    @cached_property
    def bottom_lines(self) -> pd.DataFrame:
        """One row per comparison: its critical outcomes' statements with their certainty."""
        from calcidata.synthesis.sof import bottom_lines

        return bottom_lines(self.sof)


def synthesize(tables, selection: Selection | str | None = None) -> Synthesis:
    """Compute (or recall) the synthesis of a condition.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables (not modified).
    selection : Selection or str, optional
        The condition (a :class:`~calcidata.analysis.Selection` whose
        ``condition_id`` is used, or the id itself); None: every condition.

    Returns
    -------
    Synthesis

    Raises
    ------
    calcidata.errors.ParameterError
        The condition is not one of the tables.
    """
    condition_id = selection.condition_id if isinstance(selection, Selection) else selection
    key = (id(tables), condition_id)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is tables:
        return hit[1]
    from calcidata.synthesis.profile import compute

    profile, items, behind = compute(tables, condition_id)
    result = Synthesis(tables, condition_id, profile, items, behind)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    try:
        _CACHE[key] = (weakref.ref(tables), result)
    except TypeError:  # tables that cannot be weakly referenced are not remembered
        pass
    return result


__all__ = ["Synthesis", "synthesize"]
