"""Published pooled results beside calcidata's re-computation, in words for readers.

Words the frame of :func:`calcidata.synthesis.recompute.reproductions` (one row per
review's stated pooled result) and shows it as one table; nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import pandas as pd

from calcidata.display.html import HTML, table
from calcidata.display.labels import format_effect, humanize
from calcidata.display.wording import WORDINGS, Compose, Wording

#: The estimator's words, after the model's.
_ESTIMATOR_WORDS = {
    "inverse_variance": "inverse variance",
    "mantel_haenszel": "Mantel-Haenszel",
    "peto": "Peto",
    "dersimonian_laird": "DerSimonian-Laird",
    "paule_mandel": "Paule-Mandel",
    "reml": "REML",
}

_MODEL_WORDS = {"fixed": "Fixed effect", "random": "Random effects"}


def model_words(model: Any, estimator: Any) -> str:
    """``Random effects (DerSimonian-Laird)``; ``Not stated`` when the review gives none."""
    if model not in _MODEL_WORDS:
        return "Not stated"
    head = _MODEL_WORDS[str(model)]
    more = _ESTIMATOR_WORDS.get(str(estimator))
    return f"{head} ({more})" if more else f"{head} (estimator not stated)"


def trials_words(held: Any, stated: Any) -> str:
    """``1 of 5``; ``2 (the analysis's number not stated)``."""
    n = 0 if pd.isna(held) else int(str(held))
    if pd.isna(stated):
        return f"{n} (the analysis's number not stated)"
    return f"{n} of {int(str(stated))}"


def result_words(outcome: Any, timepoint: Any) -> object:
    """The stated result's outcome, with its timepoint where one is given."""
    if pd.isna(outcome):
        return "No stated estimate held"
    return f"{outcome} ({timepoint})" if not pd.isna(timepoint) else str(outcome)


def stated_words(measure: Any, est: Any, low: Any, high: Any) -> object:
    """The stated estimate as the review prints it (no estimate: says so)."""
    worded = format_effect(measure, est, low, high)
    return worded if isinstance(worded, str) else "No estimate stated"


def recomputed_words(measure: Any, est: Any, low: Any, high: Any, why: Any) -> str:
    """The re-computed estimate, or why calcidata did not re-compute."""
    if pd.isna(est):
        return f"Not re-computed: {why}" if not pd.isna(why) else "Not re-computed"
    return str(format_effect(measure, est, low, high))


def comparison_words(treatment: Any, comparator: Any) -> str:
    """``Celecoxib vs non-selective NSAIDs``; empty without a stated result."""
    if pd.isna(treatment):
        return ""
    return f"{treatment} vs {comparator}" if not pd.isna(comparator) else str(treatment)


WORDINGS["reproductions"] = Wording(
    compose=(
        Compose("comparison", ("treatment", "comparator"), comparison_words),
        Compose("result", ("outcome", "timepoint"), result_words),
        Compose(
            "stated",
            ("effect_measure", "stated_estimate", "stated_ci_low", "stated_ci_high"),
            stated_words,
            keep=("effect_measure",),
        ),
        Compose("model_stated", ("model", "estimator"), model_words),
        Compose("trials_held", ("k_held", "k_stated"), trials_words),
        Compose(
            "recomputed",
            (
                "effect_measure",
                "recomputed_estimate",
                "recomputed_ci_low",
                "recomputed_ci_high",
                "not_recomputed",
            ),
            recomputed_words,
        ),
    ),
    humanize=("status",),
    fill={"reason": ""},
    columns=(
        "source_id",
        "comparison",
        "result",
        "stated",
        "model_stated",
        "trials_held",
        "recomputed",
        "status",
        "reason",
    ),
)

_HEADERS = {
    "source_id": "Review",
    "comparison": "Comparison",
    "result": "Result",
    "stated": "Stated (95% CI)",
    "model_stated": "Model, as stated",
    "trials_held": "Trials held",
    "recomputed": "Re-computed by calcidata",
    "status": "Status",
    "reason": "Why",
}


def reproductions_table(frame: pd.DataFrame, *, labels: Mapping[str, str] | None = None) -> HTML:
    """Each review's stated pooled result beside its re-computation, as one table.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`calcidata.synthesis.recompute.reproductions`'s frame.
    labels : mapping, optional
        Source id -> the review's citation label (default: the ids).

    Returns
    -------
    HTML
        One row per stated result: the review, the comparison, the result (outcome
        and timepoint),
        the estimate as stated, the model as stated, the trials the tables hold
        against the number the review states, calcidata's re-computation (or why
        there is none), the status and why. A sentence when the frame is empty.
    """
    words = WORDINGS["reproductions"].apply(frame)
    names = {} if labels is None else dict(labels)
    words["source_id"] = words["source_id"].map(lambda s: names.get(s, s))
    words, shared = _shared_reasons(words)
    words = words.rename(columns=_HEADERS)
    words.attrs.clear()  # worded already: not a view's frame any more
    counts = frame["status"].value_counts().reindex(frame["status"].cat.categories)
    summary = ", ".join(f"{n} {str(humanize(s)).lower()}" for s, n in counts.items() if n)
    shown = table(
        words,
        caption=f"{len(frame)} published pooled results: {summary}" if len(frame) else None,
        name="published pooled results re-computed",
        hide=(),
        empty="No published pooled result of this condition is listed for re-computation.",
    )
    return HTML(shown + shared)


def _shared_reasons(words: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """A reason given for two or more results: once under the table, numbered, with its reviews.

    Its cells say ``Reason <n>, under the table``; the list gives each such reason
    once, then the reviews it applies to and how many of their results.
    """
    reasons = words["reason"].astype(object)
    counts = reasons[reasons.astype(bool)].value_counts(sort=False)
    repeated = [r for r in dict.fromkeys(reasons) if r and counts.get(r, 0) > 1]
    if not repeated:
        return words, ""
    number = {r: i + 1 for i, r in enumerate(repeated)}
    items = []
    for r in repeated:
        reviews = words.loc[reasons == r, "source_id"].astype(str).value_counts(sort=False)
        applies = "; ".join(
            f"{review}, {n} result{'s' if n != 1 else ''}" for review, n in reviews.items()
        )
        items.append(
            f'<li value="{number[r]}">{escape(str(r))} '
            f'<span class="calcidata-muted">(Applies to {escape(applies)}.)</span></li>'
        )
    words = words.assign(
        reason=[f"Reason {number[r]}, under the table" if r in number else r for r in reasons]
    )
    notes = (
        '<p class="calcidata-caveats-title">Why, for reasons given for more than one result</p>'
        f'<ol class="calcidata-caveats calcidata-shared-reasons">{"".join(items)}</ol>'
    )
    return words, notes


__all__ = [
    "comparison_words",
    "model_words",
    "recomputed_words",
    "reproductions_table",
    "trials_words",
]
