"""How a design is labelled: what a page says about a study becomes ``study_design``.

One rule, applied to every row. A study's design follows from two facts a page states:
how participants came to their treatment (allocation), and whether there is a group to
compare with. A review's ``pooled_design`` follows from the designs the review says it
includes. A row records the words it was labelled by in its ``curation_note`` as
``Design wording: <code>`` (the codes below), and a test holds every such row to the
rule; comparator words that say there is no comparison group hold a row to an
uncontrolled design.

- Randomised allocation stated (randomised, randomized, random allocation) -> ``rct``.
- Quasi-random allocation (alternation, date of birth, record number), or concurrent
  treatment and control arms (double-blind, placebo-controlled, prospective parallel
  groups) where the page does not say randomised -> ``controlled_trial``. Randomisation
  is never assumed from blinding or a placebo.
- A comparison group the investigators did not allocate (treated vs untreated in a
  retrospective review, historical or external controls) -> ``cohort``.
- No comparison group (one treated group, before-after, "uncontrolled") -> ``case_series``
  (one patient: ``case_report``), whatever the study calls itself ("cohort",
  "retrospective study").
- A review's ``pooled_design``: randomised trials only -> ``rct``; randomised and
  quasi-randomised trials -> ``rct`` (GRADE starts both as trials and rates the
  quasi-randomised down for risk of bias); randomised and non-randomised trials or
  observational studies together -> ``mixed``; observational studies only ->
  ``observational``; case reports and series only -> ``case_series``; not stated on any
  page read -> ``unknown``.
"""

from __future__ import annotations

#: Wording code -> (column it sets, design it gives, what the page says).
DESIGN_WORDINGS: dict[str, tuple[str, str, str]] = {
    "randomised": ("study_design", "rct", "participants were randomised"),
    "quasi_randomised": (
        "study_design",
        "controlled_trial",
        "allocation by a quasi-random method (alternation, date of birth, record number)",
    ),
    "concurrent_control_not_said_randomised": (
        "study_design",
        "controlled_trial",
        "concurrent treatment and control arms (e.g. double-blind, placebo-controlled) but "
        "the page does not say randomised",
    ),
    "comparison_group_not_allocated": (
        "study_design",
        "cohort",
        "treated and untreated groups the investigators did not allocate (retrospective "
        "review, historical or external controls)",
    ),
    "no_comparison_group": (
        "study_design",
        "case_series",
        "one treated group only (before-after, uncontrolled), whatever the study calls itself",
    ),
    "review_of_rcts": ("pooled_design", "rct", "a review of randomised controlled trials"),
    "review_of_rcts_and_quasi_randomised": (
        "pooled_design",
        "rct",
        "a review of randomised and quasi-randomised controlled trials",
    ),
    "review_of_randomised_and_non_randomised": (
        "pooled_design",
        "mixed",
        "a review of randomised and non-randomised trials or observational studies together",
    ),
    "review_of_observational": (
        "pooled_design",
        "observational",
        "a review of cohort or case-control studies only",
    ),
    "review_of_case_reports": (
        "pooled_design",
        "case_series",
        "a review of case reports and case series only",
    ),
}

#: Comparator words (evidence ``comparator``) that say a result has no comparison group.
NO_COMPARISON_WORDS = (
    "none (uncontrolled)",
    "none (case series)",
    "none (case report)",
    "baseline (before-after)",
    "baseline",
    "pre-operative baseline",
    "preoperative status (before-after)",
)

#: The marker a curation note carries before the wording code.
WORDING_MARKER = "Design wording: "


def design_for(wording: str) -> tuple[str, str]:
    """The (column, design) the rule gives a page's wording code."""
    column, design, _ = DESIGN_WORDINGS[wording]
    return column, design
