"""The overlap of a condition's reviews: a review x study table of ticks and the CCA line."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd
from markupsafe import Markup

from calcidata.display.html import HTML, _render
from calcidata.display.interactive import csv_link

if TYPE_CHECKING:  # pragma: no cover
    from calcidata.synthesis.overlap import Overlap

#: Pieper et al. (2014) bands of the corrected covered area, upper bounds in percent.
CCA_BANDS = ((5.0, "slight"), (10.0, "moderate"), (15.0, "high"), (math.inf, "very high"))


def cca_words(cca: float) -> str:
    """``CCA = 0.30 (30%, very high overlap)``; why it is undefined when it is NaN."""
    if math.isnan(cca):
        return "CCA not defined: it needs at least two reviews with listed studies"
    band = next(word for upper, word in CCA_BANDS if cca * 100 <= upper)
    return f"CCA = {cca:.2f} ({cca * 100:.0f}%, {band} overlap)"


def overlap_table(overlap: Overlap, *, labels: Mapping[str, str] | None = None) -> HTML:
    """The matrix of evidence of :func:`calcidata.synthesis.review_overlap` as escaped HTML.

    Parameters
    ----------
    overlap : calcidata.synthesis.overlap.Overlap
        Reviews x studies (booleans) and the corrected covered area.
    labels : mapping, optional
        Source id -> label shown (default: the ids).

    Returns
    -------
    HTML
        One row per review, one column per primary study, a tick where the
        review includes it, then the CCA line; a sentence instead when the
        condition has no review, or none of its reviews lists its studies.
    """
    labels = {} if labels is None else dict(labels)
    matrix = overlap.matrix
    unlisted = [r for r in overlap.reviews if r not in matrix.index]
    studies = [labels.get(s, s) for s in matrix.columns]
    rows = [
        (labels.get(r, r), ["\u2713" if v else "" for v in matrix.loc[r]]) for r in matrix.index
    ]
    shown = pd.DataFrame([[r, *cells] for r, cells in rows], columns=["Review", *studies])
    return _render(
        "overlap.html.j2",
        csv=Markup(csv_link(shown, "review overlap")),
        reviews=list(overlap.reviews),
        studies=studies,
        rows=rows,
        unlisted=[labels.get(r, r) for r in unlisted],
        mentions=overlap.mentions,
        cca=cca_words(overlap.cca),
    )


__all__ = ["CCA_BANDS", "cca_words", "overlap_table"]
