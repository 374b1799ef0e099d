"""The meta-analyses behind pooled bodies of evidence, rebuilt for forest plots.

For each body of :func:`calcidata.synthesis.result.evidence_profile` with
``basis == "pooled"``, the studies behind the estimate are pooled again with
:func:`calcidata.meta.pool` exactly as the profile pools them (REML; the
Hartung-Knapp interval from three studies, a normal interval for two), so the
forest plot shows the same numbers as the summary of findings. Read from the
one :class:`~calcidata.synthesis.result.Synthesis` of the condition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import pandas as pd

from calcidata.analysis.citations import citation_labels
from calcidata.synthesis import meta
from calcidata.synthesis.profile import KEYS
from calcidata.synthesis.rule import RULE

if TYPE_CHECKING:
    import pandas as pd

    from calcidata.tables.container import Tables


class _Synthesised(Protocol):
    """What :func:`pooled_from` reads of a :class:`~calcidata.synthesis.result.Synthesis`."""

    @property
    def tables(self) -> Tables: ...
    @property
    def profile(self) -> pd.DataFrame: ...
    @property
    def behind(self) -> pd.DataFrame: ...


class PooledBody(NamedTuple):
    """One pooled body: its keys, the meta-analysis, the study labels and the measure."""

    keys: dict[str, Any]
    result: meta.MetaResult
    labels: tuple[str, ...]
    study_ids: tuple[str, ...]
    measure: str
    treatment: str


def pooled_from(synthesis: _Synthesised) -> list[PooledBody]:
    """Every pooled body of a synthesis, in the profile's order."""
    profile = synthesis.profile
    profile = profile[profile["basis"] == "pooled"]
    if profile.empty:
        return []
    tables = synthesis.tables
    labels = citation_labels(tables.sources)
    names = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    behind = synthesis.behind
    out = []
    for row in profile.to_dict("records"):
        ids = set(str(row["evidence_ids"]).split(";"))
        rows = behind[behind["item_id"].isin(ids) & behind["yi"].notna()]
        rows = rows[rows["comparison_id"] == row["comparison_id"]].sort_values("study_id")
        rows = rows.drop_duplicates("study_id")
        test = "knha" if len(rows) >= RULE.hksj_min_studies else "z"
        result = meta.pool(rows["yi"], rows["vi"], method="REML", test=test)
        studies = tuple(rows["study_id"].astype(str))
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


def pooled_keys(profile: pd.DataFrame) -> pd.DataFrame:
    """The bodies calcidata pools itself: two or more studies of one outcome definition.

    Rows of ``profile`` (:func:`calcidata.evidence_profile`) with ``basis`` pooled,
    ``n_studies`` of at least two and an ``outcome_id``; columns ``condition_id``,
    ``comparison_id``, ``outcome_id``, ``timepoint``, ``n_studies``, ``class_body``.
    """
    keep = (
        profile["basis"].astype(str).eq("pooled")
        & (profile["n_studies"].fillna(0) >= 2)
        & profile["outcome_id"].notna()
    )
    cols = ["condition_id", "comparison_id", "outcome_id", "timepoint", "n_studies", "class_body"]
    out: pd.DataFrame = profile.loc[keep, cols].reset_index(drop=True)
    return out


__all__ = ["PooledBody", "pooled_from", "pooled_keys"]
