"""Controlled vocabularies and ordered categories, declared once.

Every other module (schemas, loader, strength rule, plots, exports) imports
these names; nothing else defines a category order.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from calcidata.schemas.effect_measures import MEASURES as EFFECT_MEASURE_INFO  # noqa: E402
from calcidata.schemas.effect_measures import codes as effect_measure_codes  # noqa: E402

# Vocabularies of appraisal (risk of bias, importance, GRADE reasons, arm data) live in
# their own module; they are re-exported here so every vocabulary imports from one place.
from calcidata.schemas.vocab_appraisal import (
    GRADE_REASONS as GRADE_REASONS,
)
from calcidata.schemas.vocab_appraisal import (
    IMPORTANCE as IMPORTANCE,
)
from calcidata.schemas.vocab_appraisal import (
    ROB_ALL_DOMAINS as ROB_ALL_DOMAINS,
)
from calcidata.schemas.vocab_appraisal import (
    ROB_BASES as ROB_BASES,
)
from calcidata.schemas.vocab_appraisal import (
    ROB_DOMAINS as ROB_DOMAINS,
)
from calcidata.schemas.vocab_appraisal import (
    ROB_JUDGEMENTS as ROB_JUDGEMENTS,
)
from calcidata.schemas.vocab_appraisal import (
    ROB_TOOL_JUDGEMENTS as ROB_TOOL_JUDGEMENTS,
)
from calcidata.schemas.vocab_appraisal import (
    ROB_TOOLS as ROB_TOOLS,
)
from calcidata.schemas.vocab_appraisal import (
    SD_DERIVATIONS as SD_DERIVATIONS,
)
from calcidata.schemas.vocab_appraisal import (
    VALUE_KINDS as VALUE_KINDS,
)

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
    "rectal",
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
#: Dose parameters that set a procedure (a device, a radiation course), not a drug amount.
PROCEDURE_PARAMETERS = (
    "energy_flux_density",
    "pulses",
    "sessions",
    "radiation_dose",
    "current",
    "intensity",
    "pressure",
    "pulse_frequency",
    "angle",
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
#: Effect measures, from the one registry :data:`EFFECT_MEASURE_INFO`.
EFFECT_MEASURES = tuple(EFFECT_MEASURE_INFO)
#: Effect measures on a ratio scale: estimate and CI must be > 0, null value 1.
RATIO_MEASURES = effect_measure_codes(kind="ratio")
DIRECTIONS = ("favours_treatment", "no_difference", "favours_comparator", "mixed", "uncertain")
#: Designs of systematic reviews (with or without a meta-analysis).
REVIEW_DESIGNS = ("systematic_review_meta_analysis", "systematic_review")
#: Designs without a comparison group.
UNCONTROLLED_DESIGNS = ("case_series", "case_report")
#: Designs that are not studies of an effect.
NON_STUDY_DESIGNS = (
    "guideline",
    "narrative_review",
    "expert_opinion",
    "drug_label",
    "lay_article",
    "reference",
)
#: Every design, reviews first; the subsets above are its parts.
DESIGNS = (
    *REVIEW_DESIGNS,
    "rct",
    "controlled_trial",
    "cohort",
    "case_control",
    *UNCONTROLLED_DESIGNS,
    *NON_STUDY_DESIGNS,
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
#: What kind of page a URL is, most authoritative first. A source's facts are cited
#: to the page where they were seen; readers are sent to PubMed or the DOI first.
PAGE_KINDS = (
    "publisher",
    "pubmed",
    "pmc",
    "official_label",
    "code_list",
    "guideline_body",
    "secondary_mirror",
    "lay_page",
)
#: Page kinds that identify a source authoritatively (everything but mirrors and lay pages).
AUTHORITATIVE_PAGES = PAGE_KINDS[:6]

#: Hosts known to copy other pages live in their own module (re-exported here).
from calcidata.schemas.mirror_hosts import MIRROR_HOSTS as MIRROR_HOSTS  # noqa: E402

#: Which edition an ICD-10 code comes from: the WHO's ICD-10 or the US clinical
#: modification ICD-10-CM (whose codes can be longer than the WHO's).
ICD10_EDITIONS = ("who", "cm")
#: How a reader sees each edition.
ICD10_EDITION_WORDS = {"who": "WHO ICD-10", "cm": "ICD-10-CM"}
#: The words a reader's note uses to say that no page we could read showed some of a
#: peer-reviewed source's first author, year, title, or any PMID or DOI, in the sentence
#: "<Which> not shown on any page we could read (searched YYYY-MM-DD)." where <Which>
#: names the missing ones (see IDENTITY_WORDS), e.g. "First author and PMID or DOI".
NOT_SHOWN = "not shown on any page we could read"
#: The identity items of a peer-reviewed source, in the order a note names them, and the
#: words it names each by. ``pmid_or_doi`` is the identifier: a PMID or a DOI will do.
IDENTITY_WORDS = {
    "first_author": "first author",
    "year": "year",
    "title": "title",
    "pmid_or_doi": "PMID or DOI",
}
#: The columns behind each identity item: an item is missing when all of them are empty.
IDENTITY_COLUMNS = {
    "first_author": ("first_author",),
    "year": ("year",),
    "title": ("title",),
    "pmid_or_doi": ("pmid", "doi"),
}
#: The words a reader's note uses to say that a source read only on mirror hosts has no
#: authoritative page, PMID or DOI that we could read.
NO_AUTHORITATIVE_PAGE = (
    "No PubMed, publisher or official page could be read for this source, only copies"
)

#: Overall risk of bias, as a source or a review judges it (RoB 2 words; RoB 1's
#: "unclear" kept).
RISK_OF_BIAS = ("low", "some_concerns", "high", "unclear")
#: What a source says of publication bias for a result.
PUBLICATION_BIAS = ("detected", "not_detected", "not_assessed")
#: Outcome domains whose events are harms (fewer is better) or benefits (more is better):
#: the side of a ratio that favours the treatment follows from them.
HARM_EVENT_DOMAINS = ("incidence", "recurrence", "mortality", "adverse_events")
BENEFIT_EVENT_DOMAINS = ("deposit_resolution", "clinical_response", "wound_healing")
#: Kinds of the 95% interval of a result (empty: a confidence interval).
INTERVAL_KINDS = ("confidence", "credible")
#: Kinds of study-level outcome data.
DATA_TYPES = ("dichotomous", "continuous")

#: Regular expressions for identifier formats.
SLUG = r"^[a-z0-9]+(?:_[a-z0-9]+)*$"
SLUG_LIST = r"^[a-z0-9]+(?:_[a-z0-9]+)*(?:;[a-z0-9]+(?:_[a-z0-9]+)*)*$"
PMID = r"^[1-9][0-9]{0,8}$"
DOI = r"^10\.[0-9]{4,9}/\S+$"
ICD10 = r"^[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?$"
ATC = r"^[A-Z](?:[0-9]{2}(?:[A-Z](?:[A-Z](?:[0-9]{2})?)?)?)?$"
URL_LIST = r"^https?://\S+(?: \| https?://\S+)*$"
URL = r"^https?://\S+$"

#: Plain-words description of each pattern, used in error messages.
PATTERN_WORDS = {
    SLUG: "an id in lowercase letters, digits and single underscores (e.g. calcific_tendinopathy)",
    SLUG_LIST: "ids separated by ';' (lowercase letters, digits, single underscores)",
    PMID: "a PubMed id: digits only",
    DOI: "a DOI starting with '10.' (e.g. 10.1002/14651858.CD008962.pub2)",
    ICD10: "an ICD-10 code such as M75.3",
    ATC: "a WHO ATC code such as M01AE01 (or one of its upper levels)",
    URL_LIST: "one or more http(s) URLs separated by ' | '",
    URL: "one http(s) URL",
}


def ordered(values: list[str] | pd.Series[str], levels: Iterable[str]) -> pd.Categorical[str]:
    """Return ``values`` as an ordered categorical on ``levels``."""
    return pd.Categorical(values, categories=list(levels), ordered=True)


def category_dtype(levels: Iterable[str], ordered_: bool = True) -> pd.CategoricalDtype:
    """The pandas dtype for a vocabulary (ordered unless told otherwise)."""
    return pd.CategoricalDtype(list(levels), ordered=ordered_)
