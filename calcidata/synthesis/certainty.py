"""Certainty of a body of evidence: one documented, GRADE-style rule.

The rule (also printed in ``data/README.md``):

1. Where the source of the estimate states a GRADE certainty for the outcome
   (``evidence.certainty``), that certainty is kept as stated
   (``certainty_basis = "stated"``): never recomputed, never upgraded. The five
   domain columns are then empty (not assessed by calcidata).
2. Otherwise calcidata rates it (``certainty_basis = "calcidata_rule"``), in the
   manner of GRADE and of the concrete rules of Pollock et al. (J Clin Epidemiol
   2016) for reviews' comparisons. The start level is ``high`` for randomised
   evidence (RCTs, reviews that pooled RCTs) and ``low`` for everything else
   (non-randomised controlled trials, cohort and case-control studies, reviews
   of observational, mixed or unstated designs). Case series, case reports and
   reviews of them start ``low`` and are rated down once more under risk of bias
   for having no comparison group; so are sources that are not studies of the
   effect (guideline text, narrative review, expert opinion, label, reference,
   lay article). Nothing is rated up.
3. Each domain rates down by 0, 1 or 2 levels:

   * **risk of bias**, as the source or the review reports it: a result judged at
     high risk -> -1. For several studies with study-level judgements
     (``review_studies.risk_of_bias`` or the studies' own rows), by the share of
     weight from studies at high risk: above 25% -> -1, above 50% -> -2. Not
     reported -> 0, with the note "not reported". No comparison group -> -1
     (added; at most -2 in all).
   * **inconsistency**: I-squared (as reported, or of calcidata's pool) above 50%
     -> -1, above 75% -> -2; or results pointing different ways (a review's
     result marked ``mixed``, or studies whose 95% CIs exclude no effect on
     opposite sides) -> -1. A single study is not rated (0).
   * **indirectness**: any result behind the estimate flagged ``indirect``
     (population broader than, or different from, the condition) -> -1.
   * **imprecision**: the 95% CI includes no effect (1 for ratios, 0 for
     differences) -> -1; fewer participants than the optimal information size
     -> -1 (400 participants for continuous outcomes; 300 events for
     dichotomous ones, counted from arm-level data where known, otherwise
     participants, which bound the events from above); no 95% CI reported -> -1.
     At most -2. Within-group measures (proportion, mean change) have no
     "no effect" value; only the other criteria apply.
   * **publication bias**: the source reports it detected -> -1; or, for
     calcidata's own pool of 10 or more studies, Egger's regression test with
     p < 0.10 -> -1. Otherwise 0 (not assessed with fewer than 10 studies).

4. The certainty is the start level less the levels rated down, floored at
   ``very_low``, on the ordered scale ``very_low < low < moderate < high``.
   Each rating-down carries one plain-words reason (see :func:`footnote`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from calcidata.schemas.vocabularies import (
    CERTAINTY,
    NON_STUDY_DESIGNS,
    RATIO_MEASURES,
    REVIEW_DESIGNS,
    UNCONTROLLED_DESIGNS,
)

#: The five GRADE domains, in the order of the profile's columns.
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision", "publication_bias")
#: Words that open each domain's footnote.
DOMAIN_WORDS = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
}
RANDOMISED = "high"
NON_RANDOMISED = "low"
#: Designs whose own row starts high (reviews: when they pooled RCTs).
RANDOMISED_DESIGNS = ("rct",)
# UNCONTROLLED_DESIGNS and NON_STUDY_DESIGNS (vocabularies) are rated down once under
# risk of bias; a review is rated by the design it pooled (REVIEW_DESIGNS).
I2_SERIOUS, I2_VERY_SERIOUS = 50.0, 75.0
ROB_SHARE_SERIOUS, ROB_SHARE_VERY_SERIOUS = 25.0, 50.0
OIS_CONTINUOUS_PARTICIPANTS = 400
OIS_DICHOTOMOUS_EVENTS = 300
PUBLICATION_BIAS_MIN_STUDIES = 10
EGGER_ALPHA = 0.10
#: Measures compared with 0 (differences); ratios (:data:`RATIO_MEASURES`) with 1.
DIFFERENCE_MEASURES = ("MD", "SMD", "RD")
#: Measures of continuous outcomes (optimal information size in participants).
CONTINUOUS_MEASURES = ("MD", "SMD", "mean_change")


class Rating(NamedTuple):
    """One domain's judgement: levels rated down (0, -1, -2), its reason, a note."""

    down: int = 0
    reason: str | None = None
    note: str | None = None


def footnote(domain: str, detail: str) -> str:
    """The plain-words footnote of one rating-down (or note), e.g. ``"Imprecision: ..."``."""
    return f"{DOMAIN_WORDS.get(domain, domain)}: {detail}"


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


def _join(parts: Sequence[str | None]) -> str | None:
    kept = [p for p in parts if p]
    return "; ".join(kept) if kept else None


def start_level(design: str, pooled_design: str | None = None) -> tuple[str, str | None]:
    """Start level of a design and, when it has no comparison group, that reason.

    Returns ``(level, reason)``: ``level`` is ``"high"`` for randomised evidence,
    ``"low"`` otherwise; ``reason`` (or None) is a risk-of-bias footnote for
    case series and reports, reviews of them and non-study sources.
    """
    kind = pooled_design if design in REVIEW_DESIGNS else design
    if kind in RANDOMISED_DESIGNS:
        return RANDOMISED, None
    if kind in UNCONTROLLED_DESIGNS:
        return NON_RANDOMISED, footnote(
            "risk_of_bias", "case series or case reports, with no comparison group"
        )
    if design in NON_STUDY_DESIGNS:
        return NON_RANDOMISED, footnote(
            "risk_of_bias", "not a study of the effect (guideline, review text, opinion or label)"
        )
    return NON_RANDOMISED, None


def rate_risk_of_bias(
    judgements: Sequence[str | None],
    weights: Sequence[float] | None = None,
    *,
    uncontrolled: str | None = None,
) -> Rating:
    """Risk of bias from reported judgements (one per result or study).

    One judged result: ``high`` -> -1. Several: share of ``weights`` (equal when
    None) from those at high risk, among all: above 25% -> -1, above 50% -> -2.
    ``uncontrolled`` (a reason from :func:`start_level`) adds -1; at most -2.
    """
    weights = [1.0] * len(judgements) if weights is None else list(weights)
    known = [(j, float(w)) for j, w in zip(judgements, weights, strict=True) if isinstance(j, str)]
    down, reasons, note = 0, [], None
    if not known:
        note = footnote("risk_of_bias", "not reported")
    elif len(known) == 1:
        if known[0][0] == "high":
            down, reasons = -1, [footnote("risk_of_bias", "the result is judged at high risk")]
    else:
        total = sum(w for _, w in known)
        share = 100 * sum(w for j, w in known if j == "high") / total if total > 0 else 0.0
        if share > ROB_SHARE_SERIOUS:
            down = -2 if share > ROB_SHARE_VERY_SERIOUS else -1
            reasons = [
                footnote("risk_of_bias", f"{share:.0f}% of the weight is from studies at high risk")
            ]
    if uncontrolled:
        down -= 1
        reasons.append(uncontrolled)
    return Rating(max(down, -2), _join(reasons), note)


def rate_inconsistency(
    i2_percent: float | None, directions: Sequence[str], *, n_studies: int = 1
) -> Rating:
    """Inconsistency from I-squared (percent) and the directions of the results.

    ``directions`` are ``evidence.direction`` values (or ``favours_treatment`` /
    ``favours_comparator`` derived from studies' CIs). Not rated for a single
    study without I-squared.
    """
    down, reasons = 0, []
    if i2_percent is not None and not math.isnan(i2_percent) and i2_percent > I2_SERIOUS:
        down = -2 if i2_percent > I2_VERY_SERIOUS else -1
        reasons.append(footnote("inconsistency", f"I\u00b2 = {i2_percent:.0f}%"))
    seen = set(directions)
    split = {"favours_treatment", "favours_comparator"} <= seen
    if split or "mixed" in seen:
        if down == 0:
            down = -1
        reasons.append(footnote("inconsistency", "the results point different ways"))
    if n_studies <= 1 and not reasons:
        return Rating(0, None, footnote("inconsistency", "not assessable (single result)"))
    return Rating(down, _join(reasons))


def rate_indirectness(indirect: bool) -> Rating:
    """Indirectness: -1 when the population differs from, or is broader than, the condition."""
    if indirect:
        return Rating(
            -1,
            footnote(
                "indirectness",
                "the population studied differs from, or is broader than, the condition",
            ),
        )
    return Rating(0)


def includes_no_effect(measure: str, ci_low: float, ci_high: float) -> bool | None:
    """Whether a 95% CI includes no effect (1 for ratios, 0 for differences); None if no null."""
    if measure in RATIO_MEASURES:
        return ci_low <= 1 <= ci_high
    if measure in DIFFERENCE_MEASURES:
        return ci_low <= 0 <= ci_high
    return None


def rate_imprecision(
    measure: str,
    ci_low: float | None,
    ci_high: float | None,
    *,
    participants: float | None = None,
    events: float | None = None,
) -> Rating:
    """Imprecision from the 95% CI and the optimal information size (at most -2).

    Continuous measures (MD, SMD, mean change) need 400 participants; the others
    300 events, counted from ``events`` when known, else bounded by
    ``participants`` (fewer than 300 participants means fewer than 300 events).
    """
    down, reasons, note = 0, [], None
    has_ci = not (_missing(ci_low) or _missing(ci_high))
    if not has_ci:
        down -= 1
        reasons.append(footnote("imprecision", "no 95% CI is reported"))
    elif includes_no_effect(measure, float(ci_low), float(ci_high)):
        down -= 1
        reasons.append(
            footnote(
                "imprecision",
                f"the 95% CI ({_num(float(ci_low))} to {_num(float(ci_high))}) includes no effect",
            )
        )
    if measure in CONTINUOUS_MEASURES:
        size, need, unit = participants, OIS_CONTINUOUS_PARTICIPANTS, "participants"
    elif not _missing(events):
        size, need, unit = events, OIS_DICHOTOMOUS_EVENTS, "events"
    else:
        size, need, unit = participants, OIS_DICHOTOMOUS_EVENTS, "participants"
    if _missing(size):
        note = footnote("imprecision", "number of participants not reported")
    elif float(size) < need:
        down -= 1
        reasons.append(footnote("imprecision", f"only {int(size)} {unit} (fewer than {need})"))
    return Rating(max(down, -2), _join(reasons), note)


def egger_pvalue(yi: Sequence[float], vi: Sequence[float]) -> float:
    """Two-sided p-value of Egger's regression test for funnel-plot asymmetry.

    Regresses the standardised effect ``yi / se`` on the precision ``1 / se``
    (ordinary least squares); the intercept, tested with t on ``k - 2`` df, is
    the asymmetry (Egger et al., BMJ 1997). NaN with fewer than 3 studies.
    """
    from scipy import stats

    y, se = np.asarray(yi, dtype=float), np.sqrt(np.asarray(vi, dtype=float))
    if y.size < 3:
        return math.nan
    fit = stats.linregress(1 / se, y / se)
    t = fit.intercept / fit.intercept_stderr
    return float(2 * stats.t.sf(abs(t), y.size - 2))


def rate_publication_bias(
    reported: Sequence[str | None], *, egger_p: float | None = None
) -> Rating:
    """Publication bias: reported ``detected`` -> -1; Egger p < 0.10 (10+ studies) -> -1."""
    if "detected" in reported:
        return Rating(-1, footnote("publication_bias", "the source reports it detected"))
    if egger_p is not None and not math.isnan(egger_p) and egger_p < EGGER_ALPHA:
        return Rating(
            -1,
            footnote("publication_bias", f"funnel plot asymmetry (Egger's test p = {egger_p:.2g})"),
        )
    return Rating(0)


def rate(start: str, ratings: dict[str, Rating]) -> str:
    """The certainty: ``start`` less the levels rated down, floored at ``very_low``."""
    level = CERTAINTY.index(start) + sum(r.down for r in ratings.values())
    return CERTAINTY[max(level, 0)]


def reasons(ratings: dict[str, Rating]) -> str:
    """The footnotes of every rating-down, in domain order, joined with ``"; "``."""
    return "; ".join(r.reason for d in DOMAINS if (r := ratings.get(d)) and r.reason)


def notes(ratings: dict[str, Rating]) -> str:
    """The notes (domains not reported or not assessable), joined with ``"; "``."""
    return "; ".join(r.note for d in DOMAINS if (r := ratings.get(d)) and r.note)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
