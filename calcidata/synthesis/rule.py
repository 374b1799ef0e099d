"""The certainty rule's thresholds and citations, as data, in one place.

The code of the rule (:mod:`calcidata.synthesis.certainty`,
:mod:`calcidata.synthesis.estimate`, :mod:`calcidata.synthesis.absolute`) reads
every number from :data:`RULE`; ``data/README.md`` renders the table of
:func:`threshold_rows` and the list :data:`CITATIONS`, so ``calcidata dictionary
--check`` fails when the numbers and their documentation drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Thresholds:
    """Every number of the rule, with the words and the source of each (``metadata``)."""

    rr_benefit: float = 0.75
    rr_harm: float = 1.25
    ois_events: int = 300
    ois_participants: int = 400
    ois_far_share: float = 0.5
    very_wide_ratio: float = 10.0
    rob_high_serious: float = 0.25
    rob_high_very_serious: float = 0.5
    rob_concern_serious: float = 0.5
    i2_serious: float = 50.0
    i2_very_serious: float = 75.0
    egger_min_studies: int = 10
    egger_alpha: float = 0.10
    hksj_min_studies: int = 3
    not_estimable_cap: str = "low"
    network_cap: str = "moderate"


RULE = Thresholds()

#: Field -> (what it is, where it comes from). Rendered into data/README.md.
MEANING: dict[str, tuple[str, str]] = {
    "rr_benefit": (
        "Ratio below which a dichotomous effect is an appreciable benefit (or reduction) "
        "when the outcome has no MID",
        "GRADE 6 (rough guide: RR under 0.75)",
    ),
    "rr_harm": (
        "Ratio above which a dichotomous effect is an appreciable harm (or increase) "
        "when the outcome has no MID",
        "GRADE 6 (rough guide: RR over 1.25)",
    ),
    "ois_events": (
        "Optimal information size of a dichotomous outcome, in events (not participants)",
        "calcidata's convention for GRADE 6's OIS criterion",
    ),
    "ois_participants": (
        "Optimal information size of a continuous outcome, in participants",
        "calcidata's convention for GRADE 6's OIS criterion",
    ),
    "ois_far_share": (
        "Share of the OIS below which a body is far from it (rated down twice)",
        "calcidata's convention for GRADE 34's 'far less than the OIS'",
    ),
    "very_wide_ratio": (
        "A ratio CI whose upper bound is at least this many times its lower bound is "
        "very wide (rated down twice)",
        "calcidata's convention for GRADE 34's 'appreciably crosses'",
    ),
    "rob_high_serious": (
        "Share of the weight at high (or critical) risk of bias above which the body is "
        "rated down once",
        "calcidata's convention after the Cochrane Handbook's table 12.2.d",
    ),
    "rob_high_very_serious": (
        "Share of the weight at high risk above which the body is rated down twice",
        "calcidata's convention",
    ),
    "rob_concern_serious": (
        "Share of the weight at high, unclear or some-concerns risk, or not assessed, "
        "above which the body is rated down once ('most information' not at low risk)",
        "Cochrane Handbook 5.1 table 12.2.d",
    ),
    "i2_serious": ("I-squared (%) above which inconsistency is serious", "calcidata's convention"),
    "i2_very_serious": (
        "I-squared (%) above which inconsistency is very serious",
        "calcidata's convention",
    ),
    "egger_min_studies": (
        "Studies needed before calcidata tests its own pool for small-study effects",
        "calcidata's convention",
    ),
    "egger_alpha": (
        "Egger's test p-value below which publication bias is suspected",
        "calcidata's convention (the test: Egger et al., BMJ 1997)",
    ),
    "hksj_min_studies": (
        "Studies needed for the Hartung-Knapp-Sidik-Jonkman interval; two studies are "
        "pooled by REML with a normal (Wald) interval",
        "Bender et al. 2018 (Knapp-Hartung has very low power with very few studies)",
    ),
    "not_estimable_cap": (
        "Highest certainty of a body with no effect estimate ('not estimable')",
        "calcidata's convention",
    ),
    "network_cap": (
        "Highest certainty calcidata gives a network meta-analysis estimate whose source "
        "states no GRADE rating",
        "calcidata's convention (incoherence and intransitivity are not assessed)",
    ),
}

#: The papers the rule follows, as seen (each with the page it was read on).
CITATIONS: tuple[tuple[str, str], ...] = (
    (
        "Guyatt GH et al. GRADE guidelines 6. Rating the quality of evidence - imprecision. "
        "J Clin Epidemiol 2011;64:1283-1293",
        "https://www.jclinepi.com/article/S0895-4356(11)00206-X/fulltext",
    ),
    (
        "GRADE Guidance 34: update on rating imprecision using a minimally contextualized "
        "approach. J Clin Epidemiol 2022;150:216-224 (PMID 35934265)",
        "https://pubmed.ncbi.nlm.nih.gov/35934265/",
    ),
    (
        "Guyatt GH et al. GRADE guidelines 7. Rating the quality of evidence - inconsistency. "
        "J Clin Epidemiol 2011;64:1294-1302 (PMID 21803546)",
        "http://www.ncbi.nlm.nih.gov/pubmed/21803546",
    ),
    (
        "Guyatt GH et al. GRADE guidelines 8. Rating the quality of evidence - indirectness. "
        "J Clin Epidemiol 2011;64:1303-1310",
        "https://researchportal.plymouth.ac.uk/en/publications/"
        "grade-guidelines-8-rating-the-quality-of-evidence-indirectness",
    ),
    (
        "Guyatt GH et al. GRADE guidelines 5. Rating the quality of evidence - publication "
        "bias. J Clin Epidemiol 2011 (doi 10.1016/j.jclinepi.2011.01.011)",
        "https://edoc.unibas.ch/30221/",
    ),
    (
        "Cochrane Handbook 5.1, table 12.2.d: from risk of bias across studies to study "
        "limitations (as adapted in PMC5393017, table 1)",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC5393017/table/Tab1",
    ),
    (
        "Santesso N et al. GRADE guidelines 26: informative statements to communicate the "
        "findings of systematic reviews of interventions. J Clin Epidemiol 2020;119:126-135 "
        "(PMID 31711912)",
        "https://pubmed.ncbi.nlm.nih.gov/31711912/",
    ),
    (
        "Bender R et al. Methods for evidence synthesis in the case of very few studies. "
        "Res Synth Methods 2018;9:382-392 (PMID 29504289)",
        "http://47.251.13.51:8081/29504289",
    ),
)


def threshold_rows() -> list[tuple[str, object, str, str]]:
    """``(name, value, meaning, source)`` of every threshold of :data:`RULE`, in order."""
    return [(f.name, getattr(RULE, f.name), *MEANING[f.name]) for f in fields(RULE)]


def markdown() -> list[str]:
    """The thresholds table and the citations, as Markdown lines for ``data/README.md``."""
    out = [
        "#### The rule's thresholds",
        "",
        "Every number the rule uses, from `calcidata.synthesis.rule.RULE` (this table is "
        "rendered from it):",
        "",
        "| threshold | value | meaning | source |",
        "|---|---|---|---|",
    ]
    out += [f"| `{n}` | {v} | {m} | {s} |" for n, v, m, s in threshold_rows()]
    out += ["", "#### Sources of the rule", ""]
    out += [f"* {text}. Read on <{url}>." for text, url in CITATIONS]
    return out


__all__ = ["CITATIONS", "MEANING", "RULE", "Thresholds", "markdown", "threshold_rows"]
