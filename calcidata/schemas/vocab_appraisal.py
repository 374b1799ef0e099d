"""Vocabularies of appraisal: risk-of-bias tools, importance, GRADE reasons, arm data.

Re-exported by :mod:`calcidata.schemas.vocabularies`; import them from there.
"""

from __future__ import annotations

#: Risk-of-bias tools (RoB 1, RoB 2, ROBINS-I, Newcastle-Ottawa scale).
ROB_TOOLS = ("rob1", "rob2", "robins_i", "nos")
#: The domains of each risk-of-bias tool, with ``overall`` for the whole-study judgement.
ROB_DOMAINS: dict[str, tuple[str, ...]] = {
    "rob1": (
        "random_sequence_generation",
        "allocation_concealment",
        "blinding_participants_personnel",
        "blinding_outcome_assessment",
        "incomplete_outcome_data",
        "selective_reporting",
        "other_bias",
        "overall",
    ),
    "rob2": (
        "randomisation_process",
        "deviations_from_intended_interventions",
        "missing_outcome_data",
        "measurement_of_the_outcome",
        "selection_of_the_reported_result",
        "overall",
    ),
    "robins_i": (
        "confounding",
        "selection_of_participants",
        "classification_of_interventions",
        "deviations_from_intended_interventions",
        "missing_data",
        "measurement_of_outcomes",
        "selection_of_the_reported_result",
        "overall",
    ),
    "nos": ("selection", "comparability", "outcome", "overall"),
}
#: Every domain of every tool, in first-seen order.
ROB_ALL_DOMAINS = tuple(dict.fromkeys(d for ds in ROB_DOMAINS.values() for d in ds))
#: Judgements, and which of them each tool uses (ROBINS-I's "moderate" is stored as
#: ``some_concerns`` and its "serious" as ``high``; data/README.md says so).
ROB_JUDGEMENTS = ("low", "unclear", "some_concerns", "high", "critical")
ROB_TOOL_JUDGEMENTS: dict[str, tuple[str, ...]] = {
    "rob1": ("low", "unclear", "high"),
    "rob2": ("low", "some_concerns", "high"),
    "robins_i": ("low", "some_concerns", "high", "critical"),
    "nos": ("low", "unclear", "high"),
}
#: Whose judgement a risk-of-bias row is: the source's own, or calcidata's application of
#: the tool's own rule to the source's domain judgements (overall rows only).
ROB_BASES = ("stated", "derived")
#: GRADE importance of an outcome for decision-making.
IMPORTANCE = ("critical", "important", "not_important")
#: The GRADE domains a certainty is rated down for; ``not_stated`` when a source gives a
#: rating without its reasons.
GRADE_REASONS = (
    "risk_of_bias",
    "inconsistency",
    "indirectness",
    "imprecision",
    "publication_bias",
    "not_stated",
)
#: What a continuous arm value is: the value at follow-up, or its change from baseline.
VALUE_KINDS = ("final", "change")
#: How an arm's SD was obtained: as reported, or by the Cochrane Handbook's formulas
#: (section 6.5.2) from a standard error or a 95% confidence interval of the mean.
SD_DERIVATIONS = ("reported", "from_se", "from_ci")
