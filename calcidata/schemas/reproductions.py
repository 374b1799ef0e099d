"""Schema of ``data/reproductions.csv``: whether a review's pooled result re-computes."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table, row_check

#: The model a review states for a pooled result.
MODELS = ("fixed", "random", "not_stated")

#: The estimator (pooling method) a review states, under the model it belongs to.
MODEL_ESTIMATORS: dict[str, tuple[str, ...]] = {
    "fixed": ("inverse_variance", "mantel_haenszel", "peto"),
    "random": ("dersimonian_laird", "paule_mandel", "reml"),
}
ESTIMATORS = (*(e for es in MODEL_ESTIMATORS.values() for e in es), "not_stated")

#: What calcidata found when it tried to re-compute the result, from worst to best.
STATUSES = ("not_reproducible", "differs", "reproduced")


class Reproductions(Table):
    """One published pooled result (a review's stated estimate) and whether it re-computes.

    A row names the review's stated result (`evidence_id`; for a review whose stated
    estimate the tables do not hold, only the review and its condition), the model and
    estimator the review states, and the review's included trials that the tables hold
    two-arm rows for (`study_ids`: each must be listed for the review in
    `review_studies`). `calcidata.synthesis.reproductions(tables)` pools exactly those
    trials' `study_outcomes` rows of the evidence row's outcome with the stated model
    (through `calcidata.meta`) and sets the re-computed estimate beside the stated one.
    `status` is the curators' finding, which a test holds to that computation:
    `reproduced` matches the stated estimate and interval to the decimals the review
    prints; `differs` does not, and `reason` says why (a trial's number, a continuity
    correction, the model); `not_reproducible` says in `reason` what is missing (the
    trial list, a trial's numbers, the model), and where `k_stated` is known the tables
    hold fewer trials than it. A number is never tuned to make a result match.
    """

    reproduction_id: Series[str] = col.key(
        "Unique slug: the evidence row's id, or the review's source id when no stated "
        "estimate is held."
    )
    source_id: Series[str] = col.source("The systematic review whose pooled result this is.")
    evidence_id: Series[str] = col.link(
        "evidence.evidence_id",
        "The review's stated pooled result (empty only when the tables hold none).",
        optional=True,
    )
    condition_id: Series[str] = col.link(
        "conditions.condition_id",
        "The condition, only for a row without `evidence_id` (otherwise the evidence "
        "row's condition).",
        optional=True,
    )
    model: Series[str] = col.choice("The model the review states for this result.", MODELS)
    estimator: Series[str] = col.choice(
        "The estimator the review states (Mantel-Haenszel, DerSimonian-Laird ...).", ESTIMATORS
    )
    study_ids: Series[str] = col.source_list(
        "The review's included trials (as `review_studies` lists them) that the tables hold "
        "two-arm `study_outcomes` rows of this outcome for, separated by `;`."
    )
    k_stated: Series[pd.Int64Dtype] = col.quantity(
        "Trials the review states for this analysis (empty when it states only the whole "
        "review's number).",
        "studies",
        ge=1,
    )
    decimals: Series[pd.Int64Dtype] = col.quantity(
        "Decimal places the review prints its estimate and interval with: the precision a "
        "re-computation must match.",
        "decimal places",
        ge=0,
        le=6,
    )
    status: Series[str] = col.choice(
        "What the re-computation found (ordered from worst to best).", STATUSES, ordered=True
    )
    reason: Series[str] = col.text(
        "For readers: why the result cannot be re-computed, or why it differs.",
        optional=True,
    )
    curation_note: Series[str] = col.curation_note(
        "the review's model, trials and numbers were read"
    )

    class Config:
        title = "Reproductions"
        description = (
            "Published pooled results and whether calcidata re-computes them from the "
            "included trials' arm data."
        )
        unique = ["reproduction_id"]

    @row_check(
        "reason_unless_reproduced",
        "a row that is not reproduced must say why (reason)",
        ("reason", "status"),
        presence=True,
    )
    def _reason(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return (df["status"] == "reproduced") | df["reason"].notna()

    @row_check(
        "condition_only_without_evidence",
        "condition_id is given exactly when evidence_id is empty (else the evidence row's "
        "condition is the one)",
        ("condition_id", "evidence_id"),
        presence=True,
    )
    def _condition(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["condition_id"].notna() != df["evidence_id"].notna()

    @row_check(
        "estimator_fits_model",
        "the estimator must belong to the model (fixed: inverse_variance, mantel_haenszel, "
        "peto; random: dersimonian_laird, paule_mandel, reml; or not_stated)",
        ("estimator", "model"),
    )
    def _estimator(cls, df: pd.DataFrame) -> pd.Series[bool]:
        pairs = zip(df["model"].astype(object), df["estimator"].astype(object), strict=True)
        return pd.Series(
            [e == "not_stated" or e in MODEL_ESTIMATORS.get(m, ()) for m, e in pairs],
            index=df.index,
        )

    @row_check(
        "recomputed_needs_inputs",
        "a reproduced or differing result needs evidence_id, study_ids, a stated model and "
        "decimals",
        ("evidence_id", "study_ids", "decimals", "model", "status"),
        presence=True,
    )
    def _inputs(cls, df: pd.DataFrame) -> pd.Series[bool]:
        claimed = df["status"].isin(["reproduced", "differs"])
        given = df[["evidence_id", "study_ids", "decimals"]].notna().all(axis=1)
        return ~claimed | (given & (df["model"] != "not_stated"))


__all__ = ["ESTIMATORS", "MODELS", "MODEL_ESTIMATORS", "STATUSES", "Reproductions"]
