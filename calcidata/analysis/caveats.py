"""Caveats travel with results: the codes, their remarks and the rules that set them.

Tables that compare treatments or results carry a ``caveats`` column holding
codes from :data:`CAVEATS` separated by ``;``. A row is never dropped because
something about it is weak or missing; a caveat says so instead.
:mod:`calcidata.display` numbers the codes and lists the remarks under a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from calcidata.analysis.strength import design_level
from calcidata.schemas.vocabularies import REVIEW_DESIGNS, STRENGTH

__all__ = [
    "CAVEATS",
    "GAP_KINDS",
    "SMALL_STUDY",
    "WITHIN_GROUP",
    "AGREEMENT",
    "join_codes",
    "row_caveats",
    "treatment_caveats",
]

#: A study with fewer participants than this is "small" for the caveats.
SMALL_STUDY = 100

#: Caveat code -> the remark shown under a table. Order is the display order of the codes.
CAVEATS: dict[str, str] = {
    "no_evidence": "No evidence row for this treatment and condition (or for the selected "
    "outcome).",
    "lay_or_opinion": "Lowest level of evidence: lay article, expert opinion, narrative review, "
    "ungraded guideline text, drug label or reference work.",
    "case_series_only": "Case series or case reports only: no comparison group.",
    "single_small_study": f"A single study with fewer than {SMALL_STUDY} participants (or with "
    "the number of participants not reported).",
    "indirect": "Indirect evidence: the population studied is broader than, or differs from, "
    "the condition; its strength is downgraded one level.",
    "indirect_all": "All evidence is indirect (population broader than, or different from, "
    "the condition); its strength is downgraded one level.",
    "indirect_some": "Part of the evidence is indirect (population broader than, or different "
    "from, the condition).",
    "narrower_condition": "Evidence for a narrower condition (named in the condition column).",
    "not_clinically_important": "Statistically significant, but the source says the effect is "
    "not clinically important (see the note).",
    "mixed_results": "The results do not all point the same way.",
    "within_group": "Not a comparison between groups: a within-group change or a single-arm "
    "proportion.",
    "no_estimate": "No numeric estimate reported: see the direction and the note.",
    "no_ci": "Estimate reported without a confidence interval.",
    "secondary_or_lay_source": "Taken from a secondary report or lay web page, not from the "
    "study itself.",
    "no_dosing": "No dose or setting reported for this treatment (for this condition or in "
    "general).",
    "general_dosing": "General dose (e.g. from a drug label), not specific to this condition.",
    "lay_dosing": "Dose from a lay web article (lowest rank), not a tested regimen.",
    "no_numbers": "No numeric value reported for this setting (see the note).",
    "no_daily_dose": "No daily dose can be derived (not a daily amount, or frequency not "
    "reported).",
    "summary_dose": "A mean or median dose over patients, not a range: never an audit reference.",
    "single_case_dose": "The dose one patient received, not a range: never an audit reference.",
}

#: Gap kind -> what it means, most severe first (see :func:`evidence_gaps`).
GAP_KINDS: dict[str, str] = {
    "condition_without_evidence": "A condition in the tables with no evidence row at all "
    "(for itself or any narrower condition).",
    "no_evidence": "A treatment that a source gives a dose or setting for, for this condition, "
    "but with no evidence row for that treatment and condition.",
    "lay_or_opinion_only": "The best evidence is a lay article, expert opinion, narrative "
    "review, ungraded guideline, label or reference work.",
    "case_reports_only": "The best evidence is case series or case reports (no comparison "
    "group), after any downgrade for indirectness.",
    "indirect_only": "All evidence comes from a broader or different population.",
}

#: Effect measures that are not a comparison between groups.
WITHIN_GROUP = ("proportion", "mean_change")

#: How the results of one treatment agree (codes; :mod:`calcidata.display` words them).
AGREEMENT = ("single_result", "consistent", "mixed", "uncertain")
_NOT_IMPORTANT = re.compile(
    r"not clinically (?:important|relevant|meaningful)"
    r"|below the (?:minimal )?clinically important"
    r"|clinically important difference.{0,40}?not reached"
    r"|not reach[^.;]*clinically important",
    re.IGNORECASE,
)


def join_codes(codes: Iterable[str]) -> str:
    """Caveat codes as one ``;``-separated cell, in :data:`CAVEATS` order."""
    wanted = set(codes)
    return ";".join(c for c in CAVEATS if c in wanted)


def _not_clinically_important(note: pd.Series) -> pd.Series:
    return (
        note.astype(object)
        .map(lambda n: isinstance(n, str) and bool(_NOT_IMPORTANT.search(n)))
        .astype(bool)
    )


def row_caveats(ev: pd.DataFrame, condition_id: str | None) -> pd.Series:
    """Caveat codes of each evidence row (``;``-separated, in :data:`CAVEATS` order).

    ``ev`` is a frame of :func:`calcidata.analysis.evidence_rows`; ``condition_id``
    is the selected condition (rows of other conditions are narrower ones).
    """
    design = ev["study_design"].astype(object)
    level = design_level(ev)
    primary = ~design.isin(REVIEW_DESIGNS) & (level != "lay_or_opinion")  # one study
    n_part = ev["n_participants"].astype("Float64")
    single = (ev["n_studies"].astype("Float64") == 1).fillna(False) | (
        ev["n_studies"].isna() & primary
    )
    small = (n_part < SMALL_STUDY).fillna(True)
    flags = {
        "lay_or_opinion": level == "lay_or_opinion",
        "case_series_only": level == "case_reports",
        "single_small_study": single & small,
        "indirect": ev["indirect"].astype("boolean").fillna(False).astype(bool),
        "narrower_condition": (ev["condition_id"] != condition_id)
        if condition_id
        else pd.Series(False, index=ev.index),
        "not_clinically_important": _not_clinically_important(ev["note"]),
        "within_group": ev["effect_measure"].astype(object).isin(WITHIN_GROUP),
        "no_estimate": ev["estimate"].isna(),
        "no_ci": ev["estimate"].notna() & ev["ci_low"].isna(),
        "secondary_or_lay_source": ev["source_kind"].isin(("secondary_report", "lay_web_article")),
    }
    codes = list(flags)  # already in CAVEATS order
    matrix = (
        np.column_stack([np.asarray(flags[c], dtype=bool) for c in codes])
        if len(ev)
        else np.zeros((0, len(codes)), dtype=bool)
    )
    return pd.Series(
        [";".join(c for c, v in zip(codes, row, strict=True) if v) for row in matrix],
        index=ev.index,
        dtype=object,
    )


def treatment_caveats(g: pd.DataFrame, condition_id: str | None) -> tuple[str, str, list[str]]:
    """Best level, agreement of directions and caveat codes of one treatment's results.

    ``g`` holds the treatment's evidence rows with their row caveats in ``_rc``.
    """
    level = STRENGTH[int(g["strength"].cat.codes.max())]
    known = set(g["direction"].astype(str)) - {"uncertain"}
    if len(g) == 1:
        agreement = "single_result"
    elif not known:
        agreement = "uncertain"
    else:
        agreement = "consistent" if len(known) == 1 else "mixed"
    indirect = g["indirect"].astype("boolean").fillna(False)
    row_codes = set(";".join(g["_rc"]).split(";"))
    flags = {
        "lay_or_opinion": level == "lay_or_opinion",
        "case_series_only": level == "case_reports",
        "single_small_study": g["source_id"].nunique() == 1 and "single_small_study" in row_codes,
        "indirect_all": bool(indirect.all()),
        "indirect_some": bool(indirect.any() and not indirect.all()),
        "narrower_condition": bool((g["condition_id"] != condition_id).all()),
        "not_clinically_important": "not_clinically_important" in row_codes,
        "mixed_results": agreement == "mixed",
    }
    return level, agreement, [c for c, v in flags.items() if v]
