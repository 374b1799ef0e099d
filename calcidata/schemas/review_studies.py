"""Schema of ``data/review_studies.csv``: which primary studies each systematic review includes."""

from __future__ import annotations

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import Table, row_check
from calcidata.schemas.vocabularies import RISK_OF_BIAS


class ReviewStudies(Table):
    """One included study of one systematic review, as the review's page lists it.

    Evidence profiles read this table so that a trial a review already pooled is
    never pooled again beside that review.
    """

    review_study_id: Series[str] = col.key(
        "Unique slug of the link, usually <review id>_<study id>."
    )
    review_id: Series[str] = col.source("The systematic review (a source).")
    study_id: Series[str] = col.source("A primary study the review includes (a source).")
    risk_of_bias: Series[str] = col.choice(
        "The review's overall risk-of-bias judgement of the study, where its page states one.",
        RISK_OF_BIAS,
        optional=True,
    )
    source_id: Series[str] = col.source(
        "Source whose page lists the inclusion (usually the review itself)."
    )
    note: Series[str] = col.text(
        "Remarks for readers (e.g. the risk-of-bias tool and its wording).", optional=True
    )
    curation_note: Series[str] = col.curation_note("the inclusion was found or checked")

    class Config:
        title = "Review studies"
        description = "The primary studies each systematic review includes, as its page lists them."
        unique = ["review_study_id"]

    @row_check(
        "review_is_not_its_own_study",
        "a review cannot include itself",
        ("study_id", "review_id"),
    )
    def _not_self(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["review_id"] != df["study_id"]
