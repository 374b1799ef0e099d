"""Footnote codes of the evidence profile: one code per reason, with its parameters.

A footnote is ``code`` or ``code:p1:p2`` (parameters are numbers or ids); a
body's ``footnotes`` column joins them with ``;``. :data:`FOOTNOTES` holds,
for each code, the GRADE domain it belongs to (or ``None`` for a remark) and
its words with ``{0}``, ``{1}`` for the parameters; :func:`words` fills them.
Display modules word the codes with :func:`words`; the profile's ``reasons``
and ``notes`` columns are the same words, kept for readers of the frame.
"""

from __future__ import annotations

from functools import lru_cache

#: code -> (domain or None, words with {0}, {1}... for the parameters).
FOOTNOTES: dict[str, tuple[str | None, str]] = {
    "stated_rating": (None, "Certainty as the source states it ({0})"),
    "stated_reasons": (None, "The source rated its certainty down for: {0}"),
    "start_low_nonrandomised": (
        None,
        "Not all of this evidence comes from randomised trials, so the rating starts at low",
    ),
    "start_low_design_unknown": (
        None,
        "The source does not say which designs it pooled, so the rating starts at low",
    ),
    "rob_not_assessed": ("risk_of_bias", "risk of bias not assessed by any source we read"),
    "rob_high_weight": ("risk_of_bias", "{0:.0%} of the weight is from studies at high risk"),
    "rob_concern_weight": (
        "risk_of_bias",
        "{0:.0%} of the weight is from studies at high or unclear risk, or not assessed",
    ),
    "rob_result_high": ("risk_of_bias", "the result is judged at high risk"),
    "no_comparison": ("risk_of_bias", "case series or case reports, with no comparison group"),
    "not_a_study": (
        "risk_of_bias",
        "not a study of the effect (guideline, review text, opinion or label)",
    ),
    "inconsistency_i2": ("inconsistency", "I\u00b2 = {0:.0f}%"),
    "inconsistency_directions": ("inconsistency", "the results point different ways"),
    "no_i2_reported": ("inconsistency", "the review reports no I\u00b2 (not assessed)"),
    "single_study": ("inconsistency", "not assessable (single study)"),
    "indirect_population": (
        "indirectness",
        "the population studied differs from, or is broader than, the condition",
    ),
    "indirect_intervention": (
        "indirectness",
        "the class's effect is estimated from some of its agents ({0}), assuming they act alike",
    ),
    "surrogate": ("indirectness", "a surrogate outcome, not one patients feel directly"),
    "imprecision_crosses_both": (
        "imprecision",
        "the 95% CI crosses both thresholds of appreciable effect ({0} and {1})",
    ),
    "imprecision_crosses_one": (
        "imprecision",
        "the 95% CI includes no effect and crosses the threshold of an appreciable effect ({0})",
    ),
    "imprecision_crosses_null": (
        "imprecision",
        "the 95% CI includes no effect (threshold: no effect, as no MID is known)",
    ),
    "imprecision_very_wide": ("imprecision", "the 95% CI is very wide ({0} to {1})"),
    "imprecision_ois_events": ("imprecision", "only {0:.0f} events (optimal information size {1})"),
    "imprecision_ois_participants": (
        "imprecision",
        "only {0:.0f} participants (optimal information size {1})",
    ),
    "imprecision_far_from_ois": ("imprecision", "far below the optimal information size"),
    "imprecision_no_ci": ("imprecision", "no 95% CI is reported"),
    "imprecision_events_unknown": (
        "imprecision",
        "the number of events is not known, so the optimal information size cannot be shown "
        "to be met",
    ),
    "imprecision_participants_unknown": (
        "imprecision",
        "the number of participants is not known, so the optimal information size cannot be "
        "shown to be met",
    ),
    "mid_not_known": (None, "No minimal important difference is known for this outcome"),
    "publication_bias_reported": ("publication_bias", "the source reports it detected"),
    "publication_bias_egger": ("publication_bias", "funnel plot asymmetry (Egger's p = {0:.2g})"),
    "not_estimable": (
        None,
        "Not estimable: no effect estimate with a known null, so the rating is at most {0}",
    ),
    "network_capped": (
        None,
        "A network meta-analysis estimate: incoherence and intransitivity are not assessed, "
        "so the rating is at most moderate",
    ),
    "within_arm": (None, "A result in one arm, not a comparison: no treatment effect"),
    "pooled_k2": (None, "Two studies pooled by REML with a normal (Wald) 95% CI"),
}

DOMAIN_WORDS = {
    "risk_of_bias": "Risk of bias",
    "inconsistency": "Inconsistency",
    "indirectness": "Indirectness",
    "imprecision": "Imprecision",
    "publication_bias": "Publication bias",
}


def code(name: str, *params: object) -> str:
    """A footnote code with its parameters: ``code("rob_high_weight", 0.62)``."""
    if name not in FOOTNOTES:
        raise KeyError(f"unknown footnote code {name!r}")
    return ":".join([name, *(_param(p) for p in params)])


def _param(p: object) -> str:
    if isinstance(p, float):
        return f"{p:.4g}"
    return str(p).replace(";", ",").replace(":", " ")


def _value(text: str) -> object:
    try:
        return float(text)
    except ValueError:
        return text


@lru_cache(maxsize=4096)
def words(footnote: str) -> str:
    """The plain words of one footnote code, opened by its domain (``"Imprecision: ..."``)."""
    name, *params = footnote.split(":")
    domain, template = FOOTNOTES[name]
    text = template.format(*(_value(p) for p in params))
    return f"{DOMAIN_WORDS[domain]}: {text}" if domain else text


def domain(footnote: str) -> str | None:
    """The GRADE domain of a footnote code (None for a remark)."""
    return FOOTNOTES[footnote.split(":", 1)[0]][0]


def split(footnotes: object) -> list[str]:
    """The codes of a ``footnotes`` cell (empty list for an empty cell)."""
    return [f for f in str(footnotes).split(";") if f] if isinstance(footnotes, str) else []


__all__ = ["DOMAIN_WORDS", "FOOTNOTES", "code", "domain", "split", "words"]
