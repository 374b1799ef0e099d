"""Vocabularies of dose kinds, dose-reference source ranks and the lay articles' claims.

What the numbers of a dosing row are, how a source ranks as the reference of a dose,
and the words of ``claims.csv``: declared once, imported from here.
"""

from __future__ import annotations

#: What the numbers of a dosing row are (see DOSE_KIND_WORDS). Only the kinds in
#: AUDIT_DOSE_KINDS describe doses that are given, so only they can be a reference range.
DOSE_KINDS = ("range", "single", "mean", "median", "maximum", "starting")
DOSE_KIND_WORDS = {
    "range": "the doses the source prescribes, recommends or used, from dose_min to dose_max "
    "(a fixed regimen of a label or a trial protocol is a range of one value)",
    "single": "the dose one patient received (a case report): not a range of what is given",
    "mean": "an average over patients (a summary, not a range)",
    "median": "a median over patients (a summary, not a range)",
    "maximum": "an upper limit not to exceed (dose_max only)",
    "starting": "the dose to start with, before titration or step-down",
}
#: Dose kinds the audit may compare with: ranges, maxima and starting doses.
AUDIT_DOSE_KINDS = ("range", "maximum", "starting")

#: How a source ranks as the reference of a dose, best first: a label or guideline,
#: then trials and reviews, then reference works (and secondary reports), lay articles last.
DOSE_SOURCE_RANK = {
    "drug_label": 0,
    "guideline": 0,
    "peer_reviewed": 1,
    "reference": 2,
    "secondary_report": 2,
    "lay_web_article": 3,
}

#: What a lay claim is about (claims.csv).
CLAIM_TYPES = (
    "treatment_effect",
    "dose",
    "schedule",
    "mechanism",
    "definition",
    "prognosis",
    "care_pathway",
)
#: The verdict on a claim, by the rule of calcidata.synthesis.claims.
VERDICTS = ("supported", "partly_supported", "contradicted", "no_evidence_found", "outside_scope")
#: Which way a claim about a treatment's effect points.
CLAIMED_EFFECTS = ("benefit", "no_benefit")
