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
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from calcidata.analysis.selection import Selection
from calcidata.errors import ParameterError
from calcidata.synthesis.overlap import Overlap, review_overlap
from calcidata.synthesis.pooled import PooledBody, pooled_from
from calcidata.synthesis.profile import compute
from calcidata.synthesis.sof import bottom_lines as comparison_lines
from calcidata.synthesis.sof import check_outcome, filter_rows, rows_from_profile
from calcidata.tables.container import takes_tables

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

_CACHE: dict[tuple[int, str | None], tuple[weakref.ref[Tables], Synthesis]] = {}
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

    tables: Tables = field(repr=False)
    condition_id: str | None
    profile: pd.DataFrame = field(repr=False)
    items: pd.DataFrame = field(repr=False)
    behind: pd.DataFrame = field(repr=False)

    @cached_property
    def sof(self) -> pd.DataFrame:
        """The summary-of-findings rows of every treatment (:func:`sof_rows`)."""
        return rows_from_profile(self.tables, self.profile)

    @cached_property
    def pooled(self) -> list[PooledBody]:
        """Every pooled body with its :class:`~calcidata.meta.MetaResult` (``PooledBody``)."""
        return pooled_from(self)

    @cached_property
    def overlap(self) -> Overlap:
        """The reviews x primary studies matrix and its CCA (``Overlap``); needs a condition."""
        if self.condition_id is None:
            raise ParameterError(
                "the review overlap is of one condition: synthesize(tables, condition_id)"
            )
        return review_overlap(self.tables, self.condition_id)

    @cached_property
    def bottom_lines(self) -> pd.DataFrame:
        """One row per comparison: its critical outcomes' statements with their certainty."""
        return comparison_lines(self.sof)

    def select(
        self, treatment_ids: Iterable[str] | None = None, outcome: str | None = None
    ) -> Synthesis:
        """The same synthesis read for some treatments and one outcome domain.

        Nothing is computed again: the profile, the SoF rows and the pooled bodies
        are this result's, filtered (a comparison keeps its own rows: its
        ``no_studies`` rows stay those of the whole condition's SoF).

        Parameters
        ----------
        treatment_ids : sequence of str, optional
            Only these treatments (None: all).
        outcome : str, optional
            Only this outcome domain (``OUTCOME_DOMAINS``; None: all).

        Raises
        ------
        calcidata.errors.ParameterError
            ``outcome`` is not an outcome domain.
        """
        check_outcome(outcome)
        if treatment_ids is None and outcome is None:
            return self
        ids = None if treatment_ids is None else list(treatment_ids)
        part = replace(self, profile=filter_rows(self.profile, ids, outcome))
        sof = filter_rows(self.sof, ids, outcome).reset_index(drop=True)
        sof.attrs["view"] = "sof_rows"
        pooled = [
            b
            for b in self.pooled
            if (ids is None or b.keys["treatment_id"] in ids)
            and (outcome is None or str(b.keys["outcome_domain"]) == outcome)
        ]
        # cached_property keeps its values in the instance's __dict__: fill them from
        # this result, so the part reads what was computed once
        part.__dict__.update(sof=sof, pooled=pooled)
        if "overlap" in self.__dict__:
            part.__dict__["overlap"] = self.overlap
        return part


@takes_tables
def synthesize(tables: Tables, selection: Selection | str | None = None) -> Synthesis:
    """Compute (or recall) the synthesis of a condition.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables (not modified).
    selection : Selection or str, optional
        The condition's id (None: every condition), or a
        :class:`~calcidata.analysis.Selection`: its ``condition_id`` is
        computed (and remembered) whole, then read for its ``treatment_ids``
        and ``outcome`` (:meth:`Synthesis.select`).

    Returns
    -------
    Synthesis

    Raises
    ------
    calcidata.errors.ParameterError
        The condition is not one of the tables, or the outcome not an outcome domain.
    """
    if isinstance(selection, Selection):
        whole = synthesize(tables, selection.condition_id)
        return whole.select(selection.treatment_ids, selection.outcome)
    condition_id = selection
    key = (id(tables), condition_id)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is tables:
        return hit[1]
    profile, items, behind = compute(tables, condition_id)
    result = Synthesis(tables, condition_id, profile, items, behind)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    try:
        _CACHE[key] = (weakref.ref(tables), result)
    except TypeError:  # tables that cannot be weakly referenced are not remembered
        pass
    return result


@takes_tables
def evidence_profile(tables: Tables, condition_id: str | None = None) -> pd.DataFrame:
    """One row per body of evidence: its estimate, certainty, absolute effect and statement.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables (not modified).
    condition_id : str, optional
        A condition: bodies gather its results and those of its narrower
        conditions under this id. None: every condition, each on its own.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS` (see ``SYNTHESIS_CONTRACT.md`` and ``data/README.md``):
        today's keys ``condition_id, treatment_id, comparator, outcome_domain,
        effect_measure, timepoint``; ``n_studies``, ``n_participants`` (Int64);
        ``estimate``, ``ci_low``, ``ci_high`` (ratios on their natural scale);
        ``basis``; ``source_ids``; ``certainty`` (ordered), ``certainty_basis``
        (stated or calcidata_rule); the five domains (Int64 0, -1, -2; NA when
        stated); ``reasons`` and ``notes`` (the footnotes in words);
        ``strength``; ``i2_percent``; ``evidence_ids``; ``other_source_ids``;
        ``start_level``; then the comparison, the outcome definition and its
        importance, the absolute effects, the statement, the footnote codes
        and the constituents. Rows in condition hierarchy order, then
        treatment name, outcome domain, comparator, measure and band.

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition of the tables.
    """
    return synthesize(tables, condition_id).profile.copy()


@takes_tables
def selected_profile(
    tables: Tables,
    condition_id: str,
    treatment_ids: Iterable[str] | None = None,
    *,
    outcome: str | None = None,
) -> pd.DataFrame:
    """The evidence profile of a condition, only for some treatments and one outcome domain.

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition, or ``outcome`` not an outcome domain.
    """
    return synthesize(tables, condition_id).select(treatment_ids, outcome).profile


@takes_tables
def sof_rows(
    tables: Tables,
    condition_id: str,
    treatment_ids: Iterable[str] | None = None,
    *,
    outcome: str | None = None,
) -> pd.DataFrame:
    """The summary of findings of a condition: one table per comparison, rows by importance.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables (not modified).
    condition_id : str
        The condition; its narrower conditions join its bodies.
    treatment_ids : sequence of str, optional
        Only these treatments (default: all).
    outcome : str, optional
        Only this outcome domain (``OUTCOME_DOMAINS``; default: all).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`: today's columns (``comparator_risk_per_1000`` is
        ``baseline_risk`` x 1,000; ``risk_difference_*_per_1000`` are
        ``abs_effect``, ``abs_ci_low``, ``abs_ci_high``), the profile's added
        columns, ``rank_in_comparison`` and ``main`` (the first
        :data:`MAIN_OUTCOMES` of each comparison). Ordered as the module
        docstring says. ``attrs["view"]`` is ``"sof_rows"``.

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition of the tables, or ``outcome`` is
        not an outcome domain.
    """
    rows = synthesize(tables, condition_id).select(treatment_ids, outcome).sof
    rows = rows.reset_index(drop=True)
    rows.attrs["view"] = "sof_rows"
    return rows


@takes_tables
def pooled_bodies(
    tables: Tables,
    condition_id: str,
    treatment_ids: Iterable[str] | None = None,
    *,
    outcome: str | None = None,
) -> list[PooledBody]:
    """The meta-analysis of every pooled body of a condition, in the profile's order.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables.
    condition_id : str
        The condition (with its narrower conditions).
    treatment_ids : sequence of str, optional
        Only these treatments (default: all).
    outcome : str, optional
        Only this outcome domain (default: all).

    Returns
    -------
    list of PooledBody
        ``result`` is on the scale of pooling (logs for ratios, as
        :func:`calcidata.display.forest` expects with ``measure``); ``labels``
        are the studies' citation labels. Empty when nothing was pooled.

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition of the tables, or ``outcome``
        is not an outcome domain.
    """
    return list(synthesize(tables, condition_id).select(treatment_ids, outcome).pooled)


__all__ = [
    "Synthesis",
    "evidence_profile",
    "pooled_bodies",
    "selected_profile",
    "sof_rows",
    "synthesize",
]
