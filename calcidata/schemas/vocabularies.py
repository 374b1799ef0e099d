"""Controlled vocabularies and ordered categories, declared once.

Every other module (schemas, loader, strength rule, plots, exports) imports
these names; nothing else defines a category order.
"""

from __future__ import annotations

import pandas as pd

#: Ordered: how invasive a treatment is.
INVASIVENESS = ("non_invasive", "minimally_invasive", "invasive")

#: Ordered: GRADE certainty, only as stated by a source.
CERTAINTY = ("very_low", "low", "moderate", "high")

#: Ordered: calcidata's evidence-strength scale (see calcidata.strength).
STRENGTH = ("lay_or_opinion", "case_reports", "observational", "rct", "meta_analysis_rcts")

MECHANISMS = (
    "dystrophic",
    "metastatic",
    "idiopathic",
    "iatrogenic",
    "heterotopic_ossification",
    "genetic",
    "calciphylaxis",
    "fibrotic",
    "mixed",
    "unspecified",
)
TISSUES = (
    "tendon",
    "muscle",
    "skin_subcutis",
    "ligament",
    "vessel",
    "bursa",
    "connective_tissue",
    "multiple",
    "other",
)
MODALITIES = (
    "drug",
    "injection",
    "physical_therapy",
    "manual_therapy",
    "exercise",
    "device",
    "procedure",
    "surgery",
    "radiotherapy",
    "self_care",
    "diet",
    "combination",
    "care_pathway",
)
ROUTES = (
    "oral",
    "intravenous",
    "intramuscular",
    "subcutaneous",
    "intralesional",
    "intraperitoneal",
    "intra_articular",
    "subacromial",
    "topical",
    "transdermal",
    "percutaneous",
    "extracorporeal",
    "external_beam",
    "transcutaneous",
    "surgical",
    "not_applicable",
)
DOSE_PARAMETERS = (
    "dose",
    "energy_flux_density",
    "pulses",
    "sessions",
    "concentration",
    "volume",
    "radiation_dose",
    "current",
    "intensity",
    "pressure",
    "pulse_frequency",
    "angle",
    "other",
)
#: The one controlled vocabulary of dose units, drug and non-drug alike.
DOSE_UNITS = (
    "mg",
    "g",
    "mcg",
    "mg/kg",
    "g/kg",
    "mg/m2",
    "g/m2",
    "mL",
    "mg/mL",
    "%",
    "mJ/mm2",
    "impulses",
    "Gy",
    "sessions",
    "mA",
    "W/cm2",
    "bar",
    "Hz",
    "MHz",
    "min",
    "degree",
    "IU",
)
DOSE_BASES = ("per_administration", "per_day", "per_week", "per_month", "per_session", "per_course")
FREQUENCY_PERIODS = ("day", "week", "month", "course")
#: Timing codes and the administrations per day they imply (None: no daily count).
TIMING_CODES: dict[str, float | None] = {
    "QD": 1,
    "BID": 2,
    "TID": 3,
    "QID": 4,
    "Q4H": 6,
    "Q6H": 4,
    "Q8H": 3,
    "Q12H": 2,
    "QOD": 0.5,
    "QW": 1 / 7,
    "BIW": 2 / 7,
    "TIW": 3 / 7,
    "QM": None,
    "PRN": None,
    "ONCE": None,
}
DURATION_UNITS = ("hour", "day", "week", "month", "year", "session")
OUTCOME_DOMAINS = (
    "pain",
    "function",
    "range_of_motion",
    "deposit_resolution",
    "deposit_size",
    "incidence",
    "clinical_response",
    "wound_healing",
    "recurrence",
    "mortality",
    "adverse_events",
    "quality_of_life",
    "return_to_activity",
    "other",
)
EFFECT_MEASURES = ("MD", "SMD", "RR", "OR", "HR", "RD", "proportion", "mean_change", "other")
#: Effect measures on a ratio scale: estimate and CI must be > 0, null value 1.
RATIO_MEASURES = ("RR", "OR", "HR")
DIRECTIONS = ("favours_treatment", "no_difference", "favours_comparator", "mixed", "uncertain")
DESIGNS = (
    "systematic_review_meta_analysis",
    "systematic_review",
    "rct",
    "controlled_trial",
    "cohort",
    "case_control",
    "case_series",
    "case_report",
    "guideline",
    "narrative_review",
    "expert_opinion",
    "drug_label",
    "lay_article",
    "reference",
)
POOLED_DESIGNS = ("rct", "observational", "case_series", "mixed", "unknown")
SOURCE_KINDS = (
    "peer_reviewed",
    "guideline",
    "drug_label",
    "lay_web_article",
    "reference",
    "secondary_report",
)

#: Regular expressions for identifier formats.
SLUG = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"
SLUG_LIST = r"^[a-z0-9]+(?:_[a-z0-9]+)*(?:;[a-z0-9]+(?:_[a-z0-9]+)*)*$"
PMID = r"^[1-9][0-9]{0,8}$"
DOI = r"^10\.[0-9]{4,9}/\S+$"
ICD10 = r"^[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?$"
ATC = r"^[A-Z](?:[0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?)?$"
URL_LIST = r"^https?://\S+(?: \| https?://\S+)*$"

#: Plain-words description of each pattern, used in error messages.
PATTERN_WORDS = {
    SLUG: "an id in lowercase letters, digits and single underscores (e.g. calcific_tendinopathy)",
    SLUG_LIST: "ids separated by ';' (lowercase letters, digits, single underscores)",
    PMID: "a PubMed id: digits only",
    DOI: "a DOI starting with '10.' (e.g. 10.1002/14651858.CD008962.pub2)",
    ICD10: "an ICD-10 code such as M75.3",
    ATC: "a WHO ATC code such as M01AE01 (or one of its upper levels)",
    URL_LIST: "one or more http(s) URLs separated by ' | '",
}


def ordered(values, levels) -> pd.Categorical:
    """Return ``values`` as an ordered categorical on ``levels``."""
    return pd.Categorical(values, categories=list(levels), ordered=True)


def category_dtype(levels, ordered_: bool = True) -> pd.CategoricalDtype:
    """The pandas dtype for a vocabulary (ordered unless told otherwise)."""
    return pd.CategoricalDtype(list(levels), ordered=ordered_)
