"""Where each comparison of a condition is summarised: the condition itself or a narrower one.

A condition's synthesis gathers the results of every narrower condition under
its id (:mod:`calcidata.synthesis.profile`). A comparison whose results all
come from one narrower condition's part of the hierarchy is the same body of
evidence there, with the same studies, estimate and certainty; its *home* is the
narrowest condition that holds every one of its results and has evidence rows
of its own (so it has a condition report). A comparison with a result recorded
for the condition itself, or results from two narrower branches that meet only
here, is the condition's own (its home is the condition).

:func:`comparison_homes` returns the home of each comparison; :func:`by_home`
returns the summary-of-findings rows of each home, read from that home's own
synthesis (so a narrower condition's rows are those its report shows, with its
outcomes' importance), the condition's own comparisons first. A comparison that
its home's synthesis does not hold stays the condition's own: nothing is lost.
"""

from __future__ import annotations

import weakref

import pandas as pd

from calcidata.analysis.conditions import condition_order
from calcidata.synthesis.result import Synthesis, synthesize
from calcidata.tables.hierarchy import ancestors, parents_of

#: What :func:`by_home` found for each synthesis (a report asks twice: bottom lines, tables).
_HOMES: weakref.WeakKeyDictionary[Synthesis, dict[str, pd.DataFrame]] = weakref.WeakKeyDictionary()

__all__ = ["by_home", "comparison_homes"]


def _home(
    conditions: set[str], top: str, parents: dict[str, str | None], reported: set[str]
) -> str:
    """The narrowest condition with evidence of its own that holds every condition given."""
    chains = [[c, *ancestors(parents, c)] for c in conditions]
    if not chains:
        return top
    common = [c for c in chains[0] if all(c in chain for chain in chains[1:])]
    for c in common:
        if c == top:
            return top
        if c in reported:
            return c
    return top


def comparison_homes(result: Synthesis) -> pd.DataFrame:
    """The home of each comparison of a condition's summary of findings.

    Parameters
    ----------
    result : Synthesis
        The synthesis of one condition (``condition_id`` set).

    Returns
    -------
    pandas.DataFrame
        ``comparison_id`` (in the summary of findings' order) and ``home_id``:
        the condition itself, or the narrowest narrower condition with evidence
        rows of its own that holds every result of the comparison (the module
        docstring). Empty without a condition.
    """
    sof = result.sof
    top = result.condition_id
    ids = list(dict.fromkeys(sof["comparison_id"].astype(str))) if len(sof) else []
    if top is None or not ids:
        return pd.DataFrame({"comparison_id": ids, "home_id": [top] * len(ids)}, dtype=object)
    tables = result.tables
    parents = parents_of(tables.conditions, "condition_id")
    reported = set(tables.evidence["condition_id"].astype(str))
    items = result.items
    comparative = items[~items["within_arm"].fillna(False).astype(bool)]
    held: dict[str, set[str]] = {}
    for cid, row_condition in zip(
        comparative["comparison_id"].astype(str),
        comparative["row_condition"].astype(str),
        strict=True,
    ):
        held.setdefault(cid, set()).add(row_condition)
    homes = [_home(held.get(cid, {top}), top, parents, reported) for cid in ids]
    return pd.DataFrame({"comparison_id": ids, "home_id": homes}, dtype=object)


def by_home(result: Synthesis) -> dict[str, pd.DataFrame]:
    """The summary-of-findings rows of each home (:func:`comparison_homes`), own first.

    Returns
    -------
    dict of str to pandas.DataFrame
        Home condition id -> its SoF rows of those comparisons. The condition's
        own rows are ``result.sof``'s; a narrower home's rows are read from
        ``synthesize(tables, home)`` (as that condition's report shows them).
        The narrower homes follow in hierarchy order. The condition's own key is
        always present (its frame may be empty). Computed once per synthesis.
    """
    known = _HOMES.get(result)
    if known is not None:
        return known
    top = result.condition_id
    sof = result.sof
    homes = comparison_homes(result)
    own_ids = set(homes.loc[homes["home_id"] == top, "comparison_id"])
    out: dict[str, pd.DataFrame] = {}
    narrower: dict[str, pd.DataFrame] = {}
    order = {c: i for i, c in enumerate(condition_order(result.tables))}
    for home, group in sorted(
        homes[homes["home_id"] != top].groupby("home_id", sort=False),
        key=lambda kv: order.get(str(kv[0]), len(order)),
    ):
        wanted = list(group["comparison_id"])
        theirs = synthesize(result.tables, str(home)).sof
        rows = theirs[theirs["comparison_id"].astype(str).isin(wanted)]
        found = set(rows["comparison_id"].astype(str))
        own_ids |= set(wanted) - found  # not held there: shown here, nothing lost
        if len(rows):
            narrower[str(home)] = _frame(rows)
    out[str(top)] = _frame(sof[sof["comparison_id"].astype(str).isin(own_ids)])
    out.update(narrower)
    _HOMES[result] = out
    return out


def _frame(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.reset_index(drop=True)
    rows.attrs["view"] = "sof_rows"
    return rows
