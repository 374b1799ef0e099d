"""The meta-analyses behind pooled bodies of evidence, rebuilt for forest plots.

For each body of :func:`calcidata.synthesis.profile.evidence_profile` with
``basis == "pooled"``, the studies behind the estimate (its ``evidence_ids``)
are pooled again exactly as the profile pools them (:func:`calcidata.meta.pool`,
REML with Hartung-Knapp), so the forest plot shows the same numbers as the
summary of findings.
"""

from __future__ import annotations

from typing import NamedTuple

from calcidata.analysis.citations import citation_labels
from calcidata.synthesis import meta
from calcidata.synthesis.profile import KEYS, body_items
from calcidata.synthesis.sof import selected_profile
from calcidata.tables.container import takes_tables


class PooledBody(NamedTuple):
    """One pooled body: its keys, the meta-analysis, the study labels and the measure."""

    keys: dict
    result: meta.MetaResult
    labels: tuple[str, ...]
    study_ids: tuple[str, ...]
    measure: str
    treatment: str


@takes_tables
def pooled_bodies(
    tables, condition_id: str, treatment_ids=None, *, outcome=None
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
    profile = selected_profile(tables, condition_id, treatment_ids, outcome=outcome)
    profile = profile[profile["basis"] == "pooled"]
    if profile.empty:
        return []
    items = body_items(tables, condition_id)
    labels = citation_labels(tables.sources)
    names = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    out = []
    for row in profile.to_dict("records"):
        mask = items["item_id"].isin(str(row["evidence_ids"]).split(";"))
        for k in KEYS:
            mask &= items[k].astype(str) == str(row[k])
        behind = items[mask & items["yi"].notna()].sort_values("study_id")
        result = meta.pool(behind["yi"], behind["vi"], method="REML", test="knha")
        studies = tuple(behind["study_id"].astype(str))
        out.append(
            PooledBody(
                keys={k: row[k] for k in KEYS},
                result=result,
                labels=tuple(str(labels.get(s, s)) for s in studies),
                study_ids=studies,
                measure=str(row["effect_measure"]),
                treatment=str(names.get(row["treatment_id"], row["treatment_id"])),
            )
        )
    return out


__all__ = ["PooledBody", "pooled_bodies"]
