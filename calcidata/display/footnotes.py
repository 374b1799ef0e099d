"""The words of the summary of findings' footnote codes, and GRADE's definitions.

:mod:`calcidata.synthesis` says *why* a rating moved as codes with parameters
(``footnotes``: ``;``-separated, each ``code`` or ``code:param:param``, e.g.
``rob_high_weight:0.62``); this module is the one place that words them. A code
this module does not know is still shown (its name in words and its
parameters), never dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from calcidata.display.labels import humanize


def _share(p: str) -> str:
    try:
        return f"{float(p) * 100:.0f}%"
    except ValueError:
        return p


def _number(p: str) -> str:
    try:
        value = float(p)
    except ValueError:
        return p
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 10 else f"{value:g}"


#: Footnote code -> a function of its parameters giving the footnote's words.
FOOTNOTE_WORDS: dict[str, Callable[..., str]] = {
    "rob_not_assessed": lambda *p: (
        "Risk of bias not assessed: no source judged the risk of bias of these studies. "
        "Not assessed is not counted as no concern: the rating is lowered one level."
    ),
    "rob_high_weight": lambda share="", *p: (
        f"Risk of bias: {_share(share)} of the weight comes from studies at high or unclear "
        "risk of bias."
        if share
        else "Risk of bias: much of the weight comes from studies at high or unclear risk."
    ),
    "imprecision_crosses_both": lambda low="", high="", *p: (
        "Imprecision: the 95% CI includes both an appreciable benefit and an appreciable "
        "harm" + (f" (thresholds {_number(low)} and {_number(high)})." if low and high else ".")
    ),
    "imprecision_ois_events": lambda events="", *p: (
        "Imprecision: "
        + (f"only {_number(events)} events" if events else "too few events")
        + ", fewer than the optimal information size GRADE asks for."
    ),
    "indirect_population": lambda *p: (
        "Indirectness of the population: the studies' population is broader than, or "
        "differs from, the condition of this question."
    ),
    "indirect_intervention": lambda agents="", *p: (
        "Indirectness of the intervention: the effect of the class is estimated from "
        + (f"some of its agents ({agents})" if agents else "some of its agents")
        + ", assuming they act alike; each agent's own result is in its own comparison."
    ),
    "surrogate": lambda *p: (
        "Indirectness of the outcome: a surrogate outcome (such as a change on imaging), "
        "not one that patients feel."
    ),
    "network_capped": lambda *p: (
        "Network meta-analysis estimate: the source states no GRADE rating of its own, so "
        "calcidata's rating is not higher than moderate."
    ),
    "stated_rating": lambda *p: (
        "Certainty as the source rates it (its own GRADE assessment), kept as stated."
    ),
    "start_low_nonrandomised": lambda *p: (
        "Study design: not all of this evidence comes from randomised trials, so calcidata's "
        "rating starts at low, as GRADE does."
    ),
    "no_i2_reported": lambda *p: (
        "Inconsistency: the review reports no I\u00b2, so the spread between studies could "
        "not be judged."
    ),
    "mid_not_known": lambda *p: (
        "No minimal important difference is known for this outcome: imprecision is judged "
        "against GRADE's default thresholds (risk ratio 0.75 and 1.25) or, for a continuous "
        "outcome, against no difference."
    ),
}


def footnote_codes(value: object) -> list[str]:
    """The codes of a ``footnotes`` cell, in order, without blanks."""
    if not isinstance(value, str):
        return []
    return [code.strip() for code in value.split(";") if code.strip()]


def footnote_words(code: str) -> str:
    """The words of one footnote code with its parameters (``rob_high_weight:0.62``)."""
    name, *params = code.split(":")
    words = FOOTNOTE_WORDS.get(name)
    if words is not None:
        return words(*params)
    text = str(humanize(name))
    text = text[:1].upper() + text[1:]
    return f"{text}: {', '.join(params)}." if params else f"{text}."


#: GRADE's four certainty levels as the GRADE Working Group defines them (Balshem et
#: al., J Clin Epidemiol 2011; read in Fretheim et al., BMC Medicine 2012 10:33,
#: http://www.biomedcentral.com/1741-7015/10/33/table/T1), with their symbols.
GRADE_DEFINITIONS = (
    (
        "\u2295\u2295\u2295\u2295",
        "High certainty",
        "we are very confident that the true effect lies close to that of the estimate of "
        "the effect.",
    ),
    (
        "\u2295\u2295\u2295\u25ef",
        "Moderate certainty",
        "we are moderately confident in the effect estimate: the true effect is likely to be "
        "close to the estimate of the effect, but there is a possibility that it is "
        "substantially different.",
    ),
    (
        "\u2295\u2295\u25ef\u25ef",
        "Low certainty",
        "our confidence in the effect estimate is limited: the true effect may be "
        "substantially different from the estimate of the effect.",
    ),
    (
        "\u2295\u25ef\u25ef\u25ef",
        "Very low certainty",
        "we have very little confidence in the effect estimate: the true effect is likely "
        "to be substantially different from the estimate of effect.",
    ),
)

#: How the anticipated absolute effects are computed (under every table).
ABSOLUTE_EFFECTS_NOTE = (
    "Anticipated absolute effects: the risk with the comparator is the control risk a "
    "review states, or else the events over the participants of the control groups of "
    "the trials in the body; the risk with the intervention, and its 95% CI, follow from "
    "that risk and the relative effect (and its 95% CI), computed on the probability "
    "scale, so they stay between 0 and 1,000 per 1,000. Without a control risk, or with a "
    "control risk of 0, the difference is not estimable. For continuous outcomes the "
    "mean with the comparator and the difference are given on the outcome's scale."
)
