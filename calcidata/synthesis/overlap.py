"""Which primary studies each review of a condition includes, and how much they overlap.

The matrix of evidence (as Epistemonikos draws it): one row per systematic
review of the condition (a review source with an evidence row for the
condition or a narrower one), one column per primary study any of them
includes (``review_studies``), ``True`` where the review includes the study.

The corrected covered area (Pieper et al., J Clin Epidemiol 2014) is
``CCA = (N - r) / (r x c - r)``: ``N`` included-study mentions summed over the
reviews, ``r`` distinct primary studies, ``c`` reviews. 0 means no study is
in two reviews, 1 that every review includes every study; undefined (NaN)
with fewer than two reviews or no listed study.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from calcidata.analysis.selection import subtree
from calcidata.schemas.vocabularies import REVIEW_DESIGNS
from calcidata.tables.container import takes_tables

if TYPE_CHECKING:
    from calcidata.tables.container import Tables


class Overlap(NamedTuple):
    """The review x study matrix of a condition and its corrected covered area."""

    condition_id: str
    matrix: pd.DataFrame
    reviews: tuple[str, ...]
    mentions: int
    cca: float


def corrected_covered_area(mentions: int, studies: int, reviews: int) -> float:
    """``(N - r) / (r x c - r)``; NaN when ``r x c - r`` is 0 (one review, or no study).

    Parameters
    ----------
    mentions : int
        ``N``: included-study mentions summed over the reviews.
    studies : int
        ``r``: distinct primary studies.
    reviews : int
        ``c``: reviews.

    Returns
    -------
    float
        The CCA, a proportion in [0, 1].
    """
    denominator = studies * reviews - studies
    return (mentions - studies) / denominator if denominator > 0 else float("nan")


@takes_tables
def review_overlap(tables: Tables, condition_id: str) -> Overlap:
    """The reviews of a condition x the primary studies they include, and the CCA.

    Parameters
    ----------
    tables : calcidata.Tables
        The loaded tables.
    condition_id : str
        The condition; reviews with results for a narrower condition count too.

    Returns
    -------
    Overlap
        ``matrix``: boolean frame indexed by ``review_id`` (reviews with at
        least one listed study, by id), one column per ``study_id`` (by the
        number of reviews including it, then id); ``reviews``: every review of
        the condition, listed studies or not; ``mentions`` (``N``); ``cca``.

    Raises
    ------
    calcidata.errors.ParameterError
        ``condition_id`` is not a condition of the tables.
    """
    conditions = subtree(tables, condition_id)
    ev = tables.evidence
    design = dict(zip(tables.sources["source_id"], tables.sources["design"], strict=True))
    cited = ev.loc[ev["condition_id"].isin(conditions), "source_id"].astype(str)
    reviews = sorted({s for s in cited if design.get(s) in REVIEW_DESIGNS})
    links = tables.review_studies[tables.review_studies["review_id"].isin(reviews)]
    links = links[["review_id", "study_id"]].astype(str).drop_duplicates()
    matrix = pd.crosstab(links["review_id"], links["study_id"]).gt(0)
    counts = matrix.sum()  # reviews including each study
    order = sorted(matrix.columns, key=lambda s: (-int(counts[s]), s))
    matrix = matrix[order].astype(bool)
    matrix.index.name, matrix.columns.name = "review_id", "study_id"
    mentions = int(matrix.to_numpy().sum())
    cca = corrected_covered_area(mentions, matrix.shape[1], matrix.shape[0])
    return Overlap(condition_id, matrix, tuple(reviews), mentions, cca)


__all__ = ["Overlap", "corrected_covered_area", "review_overlap"]
