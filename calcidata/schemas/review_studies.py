"""Schema of ``data/review_studies.csv``: which primary studies each systematic review includes."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import DataFrame, Series

from calcidata.schemas._base import field, row_check
from calcidata.schemas.vocabularies import RISK_OF_BIAS, SLUG


class ReviewStudies(pa.DataFrameModel):
    """One included study of one systematic review, as the review's page lists it.

    Evidence profiles read this table so that a trial a review already pooled is
    never pooled again beside that review.
    """

    review_study_id: Series[str] = field(
        "Unique slug of the link, usually <review id>_<study id>.", str_matches=SLUG, unique=True
    )
    review_id: Series[str] = field(
        "The systematic review (a source).", str_matches=SLUG, references="sources.source_id"
    )
    study_id: Series[str] = field(
        "A primary study the review includes (a source).",
        str_matches=SLUG,
        references="sources.source_id",
    )
    risk_of_bias: Series[str] = field(
        "The review's overall risk-of-bias judgement of the study, where its page states one.",
        nullable=True,
        categories=RISK_OF_BIAS,
    )
    source_id: Series[str] = field(
        "Source whose page lists the inclusion (usually the review itself).",
        str_matches=SLUG,
        references="sources.source_id",
    )
    note: Series[str] = field(
        "Remarks for readers (e.g. the risk-of-bias tool and its wording).", nullable=True
    )
    curation_note: Series[str] = field(
        "For curators: how the inclusion was found or checked (not shown to readers).",
        nullable=True,
    )

    class Config:
        title = "Review studies"
        description = "The primary studies each systematic review includes, as its page lists them."
        strict = True
        coerce = True
        unique = ["review_study_id"]

    @row_check(
        "review_is_not_its_own_study",
        "a review cannot include itself",
        ("study_id", "review_id"),
    )
    def _not_self(cls, df: DataFrame) -> Series[bool]:
        return df["review_id"] != df["study_id"]
