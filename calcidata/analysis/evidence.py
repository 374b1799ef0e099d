"""The evidence join and the per-result views: summary of findings, forest rows, directions.

Every view is ``view(tables, select=None, /, **filters)`` (see
:class:`~calcidata.analysis.selection.Selection`) and returns a tidy, typed
frame: ids, vocabulary codes (categoricals), floats and ``Int64`` counts. The
frame's ``attrs["view"]`` names the view, so that :func:`calcidata.display.words`
knows how to word it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from calcidata.analysis.caveats import WITHIN_GROUP, row_caveats
from calcidata.analysis.citations import citation_labels
from calcidata.analysis.selection import VIEW_DOCS, Selection, resolve, subtree
from calcidata.analysis.strength import row_strength
from calcidata.schemas.vocabularies import (
    DIRECTIONS,
    INVASIVENESS,
    OUTCOME_DOMAINS,
    RATIO_MEASURES,
    STRENGTH,
)
from calcidata.tables.container import Tables, takes_tables

__all__ = [
    "counts",
    "direction_counts",
    "evidence_rows",
    "forest_data",
    "summary_of_findings",
    "treatment_order",
]


def _names(frame: pd.DataFrame, key: str) -> dict[str, str]:
    return dict(zip(frame[key], frame["name"], strict=True))


def counts(ev: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Studies and participants per group: per source its largest count, summed over sources.

    Sources can overlap, so the sums are upper bounds. A count stays missing
    when no source of the group reports it (it is not reported, not zero).
    """
    if ev.empty:
        return pd.DataFrame(columns=[*keys, "studies", "participants", "sources"])
    per_source = (
        ev[[*keys, "source_id", "n_studies", "n_participants"]]
        .groupby([*keys, "source_id"], observed=True)
        .max()
    )
    by_group = per_source.groupby(level=list(range(len(keys))), observed=True)
    out = pd.DataFrame(
        {
            "studies": by_group["n_studies"].sum(min_count=1),
            "participants": by_group["n_participants"].sum(min_count=1),
            "sources": by_group.size(),
        }
    ).reset_index()
    for c in ("studies", "participants"):
        # pd.array takes a Series (pandas-stubs accept only sequences and arrays).
        out[c] = pd.array(out[c], dtype="Int64")  # type: ignore[call-overload]
    return out


@VIEW_DOCS
@takes_tables
def evidence_rows(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """Evidence rows joined with treatment, condition and source names, and row strength.

    {parameters}

    Returns
    -------
    pandas.DataFrame
        The evidence columns plus ``treatment``, ``modality``, ``invasiveness``,
        ``condition``, ``citation``, ``source_kind`` and ``strength`` (the row's
        level on the ordered evidence-strength scale).
    """
    sel = resolve(tables, select, filters)
    ev = tables.evidence
    keep = pd.Series(True, index=ev.index)
    if sel.condition_id is not None:
        keep &= ev["condition_id"].isin(sel.conditions(tables) or [])
    if sel.treatment_ids is not None:
        keep &= ev["treatment_id"].isin(list(sel.treatment_ids))
    if sel.outcome is not None:
        keep &= ev["outcome_domain"].astype(object) == sel.outcome
    ev = ev.loc[keep].copy()
    tr = tables.treatments.set_index("treatment_id")
    ev["strength"] = (
        row_strength(ev) if len(ev) else pd.Categorical([], categories=list(STRENGTH), ordered=True)
    )
    ev["treatment"] = ev["treatment_id"].map(tr["name"])
    ev["modality"] = ev["treatment_id"].map(tr["modality"].astype(object))
    ev["invasiveness"] = pd.Categorical(
        ev["treatment_id"].map(tr["invasiveness"].astype(object)),
        categories=list(INVASIVENESS),
        ordered=True,
    )
    ev["condition"] = ev["condition_id"].map(_names(tables.conditions, "condition_id"))
    ev["citation"] = ev["source_id"].map(citation_labels(tables.sources))
    ev["source_kind"] = ev["source_id"].map(
        tables.sources.set_index("source_id")["kind"].astype(object)
    )
    if sel.modality is not None:
        ev = ev.loc[ev["modality"] == sel.modality]
    return ev.reset_index(drop=True)


def treatment_order(ev: pd.DataFrame) -> dict[str, int]:
    """Treatments strongest first (best row strength, then participants, then name)."""
    if ev.empty:
        return {}
    totals = counts(ev, ["treatment_id"]).set_index("treatment_id")
    best = ev.groupby("treatment_id", observed=True)["strength"].agg(lambda s: s.cat.codes.max())
    order = pd.DataFrame(
        {
            "best": best,
            "participants": totals["participants"].astype("Float64"),
            "name": ev.groupby("treatment_id")["treatment"].first(),
        }
    )
    order = order.sort_values(
        ["best", "participants", "name"], ascending=[False, False, True], na_position="last"
    )
    return {t: i for i, t in enumerate(order.index)}


def _domains(values: pd.Series) -> pd.Categorical:
    return pd.Categorical(values.astype(object), categories=list(OUTCOME_DOMAINS), ordered=True)


@VIEW_DOCS
@takes_tables
def summary_of_findings(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """Summary of findings: one row per reported result, grouped by outcome domain.

    {parameters}
        ``condition_id`` is required; results for narrower conditions are
        included and flagged; ``treatment_ids`` and ``outcome`` narrow it down.

    Returns
    -------
    pandas.DataFrame
        Columns ``outcome_domain`` (ordered categorical), ``treatment, comparator,
        outcome, timepoint, effect_measure, estimate, ci_low, ci_high``,
        ``participants, studies`` (Int64), ``design``, ``certainty`` (GRADE, only
        as the source states it), ``strength`` (the row's level), ``direction``,
        ``note``, ``source`` (citation label), ``condition`` (only when the
        condition has narrower conditions) and ``caveats``. Every matching
        evidence row appears once; rows are ordered by outcome domain, then
        treatment (strongest first).
    """
    sel = resolve(tables, select, filters).require("condition_id")
    ev = evidence_rows(tables, sel)
    order = treatment_order(ev)
    ev = ev.assign(
        _domain=ev["outcome_domain"].astype(object).map(OUTCOME_DOMAINS.index),
        _treat=ev["treatment_id"].map(order),
        _level=ev["strength"].cat.codes if len(ev) else [],
    ).sort_values(
        ["_domain", "_treat", "_level", "outcome", "timepoint", "evidence_id"],
        ascending=[True, True, False, True, True, True],
        na_position="last",
    )
    out = pd.DataFrame(
        {
            "outcome_domain": _domains(ev["outcome_domain"]),
            "treatment": ev["treatment"],
            "comparator": ev["comparator"],
            "outcome": ev["outcome"],
            "timepoint": ev["timepoint"],
            "effect_measure": ev["effect_measure"],
            "estimate": ev["estimate"],
            "ci_low": ev["ci_low"],
            "ci_high": ev["ci_high"],
            # pd.array takes a Series (pandas-stubs accept only sequences and arrays).
            "participants": pd.array(ev["n_participants"], dtype="Int64"),  # type: ignore[call-overload]
            "studies": pd.array(ev["n_studies"], dtype="Int64"),  # type: ignore[call-overload]
            "design": ev["study_design"],
            "certainty": ev["certainty"],
            "strength": ev["strength"],
            "direction": ev["direction"],
            "note": ev["note"],
            "source": ev["citation"],
        },
        index=ev.index,
    )
    assert sel.condition_id is not None  # require() refused a selection without one
    if len(subtree(tables, sel.condition_id)) > 1:
        out["condition"] = ev["condition"]
    out["caveats"] = row_caveats(ev, sel.condition_id)
    out = out.reset_index(drop=True)
    out.attrs["view"] = "summary_of_findings"
    return out


@takes_tables
def forest_data(tables: Tables, select: Selection | None = None, /, **filters: Any) -> pd.DataFrame:
    """Results as plot rows for :func:`calcidata.display.plot_results_grid`.

    Every result of :func:`summary_of_findings` is a row; ``plotted`` is False
    where there is no numeric estimate, or where its effect measure is ``other``
    (a scale that cannot be compared with any other row), so a plot can say how
    many it left out.

    Returns
    -------
    pandas.DataFrame
        Columns ``outcome_domain, effect_measure`` (codes), ``treatment,
        comparator, timepoint, source`` (citation label), ``outcome, population``
        (they tell rows of one label apart), ``estimate, ci_low,
        ci_high``, ``strength`` (ordered categorical), ``direction``, ``ratio``
        (ratio scale), ``within_group`` and ``plotted``; ordered by outcome
        domain, effect measure and treatment (strongest first).
    """
    sel = resolve(tables, select, filters).require("condition_id")
    ev = evidence_rows(tables, sel)
    order = treatment_order(ev)
    measures = ev["effect_measure"].astype(object)
    out = pd.DataFrame(
        {
            "outcome_domain": ev["outcome_domain"].astype(object),
            "effect_measure": measures,
            "treatment": ev["treatment"],
            "comparator": ev["comparator"],
            "timepoint": ev["timepoint"],
            "source": ev["citation"],
            "outcome": ev["outcome"],
            "population": ev["population"],
            "estimate": ev["estimate"],
            "ci_low": ev["ci_low"],
            "ci_high": ev["ci_high"],
            "strength": ev["strength"],
            "direction": ev["direction"].astype(object),
            "ratio": measures.isin(RATIO_MEASURES),
            "within_group": measures.isin(WITHIN_GROUP),
            "plotted": ev["estimate"].notna() & (measures != "other"),
            "_d": ev["outcome_domain"].astype(object).map(OUTCOME_DOMAINS.index),
            "_t": ev["treatment_id"].map(order),
            "_id": ev["evidence_id"],
        }
    )
    out = out.sort_values(["_d", "effect_measure", "_t", "_id"])
    out = out.drop(columns=["_d", "_t", "_id"]).reset_index(drop=True)
    out.attrs["view"] = "forest_data"
    return out


@takes_tables
def direction_counts(
    tables: Tables, select: Selection | None = None, /, **filters: Any
) -> pd.DataFrame:
    """Number of results per treatment and direction (long form, for plotting).

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment, direction`` (code), ``results``; treatments
        strongest first, directions in vocabulary order; zero counts included.
    """
    sel = resolve(tables, select, filters).require("condition_id")
    ev = evidence_rows(tables, sel)
    order = treatment_order(ev)
    names = ev.drop_duplicates("treatment_id").set_index("treatment_id")["treatment"]
    rows = []
    for tid in order:
        d = ev.loc[ev["treatment_id"] == tid, "direction"].astype(str).value_counts()
        for direction in DIRECTIONS:
            rows.append(
                {
                    "treatment": names[tid],
                    "direction": direction,
                    "results": int(d.get(direction, 0)),
                }
            )
    out = pd.DataFrame(rows, columns=["treatment", "direction", "results"])
    out.attrs["view"] = "direction_counts"
    return out
