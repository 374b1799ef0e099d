"""The shipped tables against their raw material: the verified dossier and the seeds.

The dossier lives in ../shared/evidence beside the checkout (as in CI); these
tests are skipped where it is absent. Every dossier result must be in
`evidence.csv` with the same numbers, every dossier dose in `dosing_ranges.csv`,
except the rows listed below with the reason they were left out or re-shaped.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import calcidata

from .conftest import ROOT

DOSSIER = ROOT.parent / "shared" / "evidence"
SEEDS = ROOT.parent / "shared" / "seeds"

pytestmark = pytest.mark.skipif(not DOSSIER.is_dir(), reason="dossier not beside checkout")

#: Dossier sources deliberately absent, with the reason.
EXCLUDED_SOURCES = {
    "ibuprofen_label_quote": "AI-written page (flag ai_written_page_do_not_use)",
    "naproxen_acute_summary": "AI-written page (flag ai_written_page_do_not_use)",
    "udomkarnjananun_ma": "same review as udomkarnjananun_ckd_ma (kept once)",
}
#: Dossier source ids renamed in calcidata.
ALIASES = {"udomkarnjananun_ma": "udomkarnjananun_ckd_ma"}
#: Dossier dosing rows (line numbers in dosing.csv) whose numbers moved into the
#: frequency or duration columns, or that were left out, with the reason.
RESHAPED_DOSING = {
    16: "sessions per week -> frequency_min/max per week",
    19: "sessions per week -> frequency_min/max per week",
    79: "same regimen as the tendinopathy copy of ebenbichler1999",
    82: "weeks -> duration_min/max",
    83: "days -> duration_min/max",
    84: "AI-written page",
    86: "same label regimen is kept from drug_labels.csv",
    87: "AI-written page",
}


def _num(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


@pytest.fixture(scope="module")
def tables(shipped):
    return shipped


def test_every_usable_dossier_source_is_a_source(tables):
    dossier = pd.read_csv(DOSSIER / "sources.csv", dtype=str)
    ours = set(tables.sources["source_id"])
    missing = set(dossier["source_id"]) - ours - set(EXCLUDED_SOURCES)
    assert not missing
    assert not set(EXCLUDED_SOURCES) & ours


def test_ai_written_pages_are_never_cited(tables):
    dossier = pd.read_csv(DOSSIER / "sources.csv", dtype=str).fillna("")
    flagged = set(dossier.loc[dossier["flag"] == "ai_written_page_do_not_use", "source_id"])
    assert flagged
    assert not flagged & set(tables.sources["source_id"])
    urls = set(dossier.loc[dossier["flag"] == "ai_written_page_do_not_use", "url"])
    assert not any(u in str(cell) for u in urls for cell in tables.sources["urls"].dropna())


def _held_as_arms(row, study_outcomes: pd.DataFrame) -> bool:
    """Whether a dossier proportion of one arm is the treatment arm of a two-arm row.

    A controlled trial's one-arm proportion moves from ``evidence`` to
    ``study_outcomes`` (issue 17): it is kept when a row of that study holds
    events / n equal to the dossier's proportion to the precision the dossier
    states it (within one unit of its last decimal: pages round or truncate).
    """
    est = _num(row.estimate)
    if row.effect_measure != "proportion" or est is None:
        return False
    decimals = len(str(row.estimate).split(".")[1]) if "." in str(row.estimate) else 0
    unit = 10.0**-decimals
    so = study_outcomes[study_outcomes["study_id"] == ALIASES.get(row.source_id, row.source_id)]
    arms = so[["events_treatment", "n_treatment"]].dropna().astype(float)
    return any(abs(e / n - est) < unit for e, n in arms.itertuples(index=False))


def test_a_one_arm_proportion_is_held_only_by_a_row_that_matches_it():
    row = pd.Series({"source_id": "t", "effect_measure": "proportion", "estimate": "0.866"})
    so = pd.DataFrame(
        {"study_id": ["t"], "events_treatment": [39], "n_treatment": [45]}
    )  # 0.8667: the page's 86.6% truncates it
    assert _held_as_arms(row, so)
    assert not _held_as_arms(row, so.assign(events_treatment=[38]))
    assert not _held_as_arms(row, so.assign(study_id=["u"]))
    assert not _held_as_arms(pd.Series({**row.to_dict(), "effect_measure": "RR"}), so)


def test_every_dossier_result_is_kept_with_its_exact_numbers(tables):
    findings = pd.read_csv(DOSSIER / "findings.csv", dtype=str)
    ev = tables.evidence
    missing = []
    for line, row in enumerate(findings.itertuples(index=False), start=2):
        sid = ALIASES.get(row.source_id, row.source_id)
        mine = ev[ev["source_id"] == sid]
        if _held_as_arms(row, tables.study_outcomes):
            continue
        if _num(row.estimate) is None:
            ok = len(mine) > 0
        else:
            ok = any(
                _num(r.estimate) == _num(row.estimate)
                and _num(r.ci_low) == _num(row.ci_low)
                and _num(r.ci_high) == _num(row.ci_high)
                for r in mine.itertuples()
            )
            # One dossier CI had a lower bound only; we keep it in the note.
            ok = ok or any(
                _num(r.estimate) == _num(row.estimate) and str(row.ci_low) in str(r.note)
                for r in mine.itertuples()
            )
        if not ok:
            missing.append((line, row.source_id, row.estimate))
    assert not missing


def test_every_dossier_dose_is_kept_or_reshaped_for_a_stated_reason(tables):
    dosing = pd.read_csv(DOSSIER / "dosing.csv", dtype=str)
    dr = tables.dosing_ranges
    missing = []
    for line, row in enumerate(dosing.itertuples(index=False), start=2):
        if line in RESHAPED_DOSING:
            continue
        mine = dr[dr["source_id"] == ALIASES.get(row.source_id, row.source_id)]
        if _num(row.dose_min) is None and _num(row.dose_max) is None:
            ok = len(mine) > 0
        else:
            ok = any(
                _num(r.dose_min) == _num(row.dose_min) and _num(r.dose_max) == _num(row.dose_max)
                for r in mine.itertuples()
            )
        if not ok:
            missing.append((line, row.source_id, row.dose_min, row.dose_max))
    assert not missing


def test_stated_grade_certainty_is_never_added(tables):
    """A certainty is the source's own: graded in the dossier, or quoted from its page.

    Issue 17 keeps the ratings reviews state (Lafrance 2019 "low quality"): a row whose
    source the dossier did not grade must quote the page's words for its certainty
    level and name the page (``seen on https://...``) in its curation note.
    """
    findings = pd.read_csv(DOSSIER / "findings.csv", dtype=str).fillna("")
    graded_sources = set(findings.loc[findings["certainty"] != "", "source_id"])
    ours = tables.evidence.dropna(subset=["certainty"])
    added = ours[~ours["source_id"].isin(graded_sources)]
    for row in added.itertuples():
        note = str(row.curation_note).lower()
        level = str(row.certainty).replace("_", " ")
        assert "seen on http" in note and level in note, (row.evidence_id, row.certainty)


#: Dossier label pages no longer cited, with the reason (issue 13: re-cite or drop rows
#: whose page cannot be found).
DROPPED_LABEL_URLS = {
    "https://recallguide.org/drug/arnica-montana-pellet": "not in the stored pages; its "
    "colchicine rows now cite the Colcrys label copy",
}


def test_every_drug_label_becomes_a_cited_label_source(tables):
    labels = pd.read_csv(DOSSIER / "drug_labels.csv", dtype=str)
    urls = " ".join(tables.sources["urls"].dropna())
    missing = {u for u in labels["url"] if u not in urls}
    assert missing == set(DROPPED_LABEL_URLS)


def test_seed_documents_are_lay_sources_and_cited():
    t = calcidata.load()
    seeds = t.sources[t.sources["source_id"].str.startswith("seed_")]
    assert len(seeds) == len(list(SEEDS.glob("*.txt")))
    assert set(seeds["kind"]) == {"lay_web_article"}
    cited = " ".join(t.conditions["source_ids"].dropna()) + " ".join(
        t.treatments["source_ids"].dropna()
    )
    assert all(sid in cited for sid in seeds["source_id"])


def test_treatments_named_in_the_seeds_are_all_present(tables):
    ids = set(tables.treatments["treatment_id"])
    for needed in (
        "nsaid",
        "ibuprofen",
        "naproxen",
        "rest",
        "ice",
        "heat",
        "rice",
        "physiotherapy",
        "exercise",
        "mobility_training",
        "orthotics",
        "corticosteroid_injection",
        "bisphosphonate",
        "warfarin",
        "colchicine",
        "diltiazem",
        "aluminium_hydroxide",
        "dietary_change",
        "lithotripsy",
        "eswt",
        "surgery",
        "iastm",
        "diacutaneous_fibrolysis",
        "immunosuppressant",
        "ivig",
        "biologic",
        "parathyroidectomy",
        "vitamin_d_management",
        "laparoscopic_adhesiolysis",
    ):
        assert needed in ids, needed
