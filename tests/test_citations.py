"""Every source identifiable and every citation authoritative (issue 13).

Two rules over the shipped ``sources.csv``:

1. A peer-reviewed source names its first author, year, title and a PMID or a DOI,
   or its reader's note says which of them no page we could read showed, in the one
   sentence :func:`calcidata.schemas.sources.not_shown_statement` writes ("First
   author and PMID or DOI not shown on any page we could read (searched
   2026-12-02)."). The statement must name exactly the missing ones: a stale
   statement (the value has since been found) fails as surely as a missing value
   without one.
2. A source cited to a page on a known mirror or content-farm host
   (:data:`calcidata.schemas.vocabularies.MIRROR_HOSTS`) also has a PMID, a DOI
   or a page of an authoritative kind (publisher, PubMed, PMC, official label,
   official code list, guideline body) beside it, or its note says that none
   could be read (:data:`calcidata.schemas.vocabularies.NO_AUTHORITATIVE_PAGE`),
   and only such a source says so.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import pytest

from calcidata.schemas.sources import (
    mirror_only,
    missing_identity,
    not_shown_statement,
    stated_not_shown,
    states_no_authoritative_page,
)
from calcidata.schemas.vocabularies import (
    IDENTITY_WORDS,
    MIRROR_HOSTS,
    NO_AUTHORITATIVE_PAGE,
    NOT_SHOWN,
)

#: Words of curation remarks that belong in ``curation_note``, never in a reader's note.
CURATION_WORDS = ("re-check", "recheck", "see dossier", "dossier", ".txt", "excerpt")


def _identity_problems(sources: pd.DataFrame) -> dict[str, str]:
    """Sources breaking rule 1: id -> what is wrong."""
    missing = missing_identity(sources)
    peer = sources["kind"].astype(str) == "peer_reviewed"
    out = {}
    for row in sources.to_dict("records"):
        sid, stated = row["source_id"], stated_not_shown(row["note"])
        lacks = missing.get(sid, frozenset())
        if stated and not peer[sources["source_id"] == sid].any():
            out[sid] = "only a peer-reviewed source states which identity values no page showed"
        elif stated != lacks:
            out[sid] = f"missing {sorted(lacks)} but the note states {sorted(stated)}"
    return out


def _mirror_problems(sources: pd.DataFrame) -> dict[str, str]:
    """Sources breaking rule 2: id -> what is wrong."""
    only = set(mirror_only(sources))
    out = {}
    for row in sources.to_dict("records"):
        sid, says = row["source_id"], states_no_authoritative_page(row["note"])
        if sid in only and not says:
            out[sid] = "cited only to mirror hosts, and the note does not say none could be read"
        elif says and sid not in only:
            out[sid] = "the note says no authoritative page could be read, but one is cited"
    return out


def test_every_peer_reviewed_source_names_its_identity_or_says_what_no_page_showed(
    shipped,
):
    problems = _identity_problems(shipped.sources)
    assert not problems, f"peer-reviewed sources: {problems}"


def test_no_source_rests_on_a_mirror_unless_its_note_says_nothing_better_could_be_read(
    shipped,
):
    problems = _mirror_problems(shipped.sources)
    assert not problems, f"sources cited to mirror hosts: {problems}"


def _source(sid, **cells):
    row = dict.fromkeys(
        ("first_author", "year", "title", "pmid", "doi", "urls", "url_kinds", "note"), pd.NA
    )
    row.update(source_id=sid, kind="peer_reviewed", first_author="Smith AB", year=2001)
    row.update(title="A trial", **cells)
    return row


def test_the_identity_rule_fails_a_silent_gap_and_a_stale_statement():
    said = not_shown_statement(["first_author"], "2026-12-02")
    doi = {"doi": "10.1000/x1"}
    frame = pd.DataFrame(
        [
            _source("complete", **doi),
            _source("stated_gap", first_author=pd.NA, note="A case series. " + said, **doi),
            _source("silent_gap", first_author=pd.NA, note="A case series.", **doi),
            _source("stale", note=said, **doi),
            _source("half_stated", first_author=pd.NA, year=pd.NA, note=said, **doi),
            _source("lay", kind="lay_web_article", first_author=pd.NA, note=said, **doi),
        ]
    )
    assert sorted(_identity_problems(frame)) == ["half_stated", "lay", "silent_gap", "stale"]


def test_a_source_without_pmid_or_doi_says_so_and_only_then():
    no_id = not_shown_statement(["pmid_or_doi"], "2026-12-02")
    both = not_shown_statement(["first_author", "pmid_or_doi"], "2026-12-02")
    frame = pd.DataFrame(
        [
            _source("pmid_only", pmid="123"),
            _source("doi_only", doi="10.1000/x1"),
            _source("stated", note="A case series. " + no_id),
            _source("silent", note="A case series."),
            _source("stale_pmid", pmid="123", note=no_id),
            _source("stale_doi", doi="10.1000/x1", note=no_id),
            _source("merged", first_author=pd.NA, note=both),
            _source(
                "author_only",
                first_author=pd.NA,
                note=not_shown_statement(["first_author"], "2026-12-02"),
            ),
        ]
    )
    assert sorted(_identity_problems(frame)) == ["author_only", "silent", "stale_doi", "stale_pmid"]


def test_the_statement_names_exactly_the_missing_items():
    said = not_shown_statement(["pmid_or_doi", "title", "first_author", "year"], "2026-12-02")
    assert said == f"First author, year, title and PMID or DOI {NOT_SHOWN} (searched 2026-12-02)."
    assert stated_not_shown("Other words. " + said) == set(IDENTITY_WORDS)
    alone = not_shown_statement(["pmid_or_doi"], "2026-12-02")
    assert alone == f"PMID or DOI {NOT_SHOWN} (searched 2026-12-02)."
    assert stated_not_shown(alone) == {"pmid_or_doi"}
    assert stated_not_shown(f"Year {NOT_SHOWN}.") == frozenset()  # no search date: not a statement
    with pytest.raises(ValueError):
        not_shown_statement([], "2026-12-02")
    with pytest.raises(ValueError):
        not_shown_statement(["pmid"], "2026-12-02")


def test_the_mirror_rule_fails_a_silent_mirror_and_a_stale_statement():
    mirror = "https://www.scribd.com/document/1/x"
    said = f"{NO_AUTHORITATIVE_PAGE} (searched 2026-12-02)."
    frame = pd.DataFrame(
        [
            _source("said", urls=mirror, url_kinds="secondary_mirror", note=said),
            _source("silent", urls=mirror, url_kinds="secondary_mirror"),
            _source("stale", urls=mirror, url_kinds="secondary_mirror", pmid="123", note=said),
            _source(
                "beside",
                urls=f"{mirror} | https://pubmed.ncbi.nlm.nih.gov/1/",
                url_kinds="secondary_mirror | pubmed",
            ),
        ]
    )
    assert sorted(_mirror_problems(frame)) == ["silent", "stale"]


def test_every_url_on_a_mirror_host_is_marked_as_a_mirror(shipped):
    src = shipped.sources.dropna(subset=["urls"])
    for row in src.itertuples(index=False):
        for url, kind in zip(row.urls.split(" | "), row.url_kinds.split(" | "), strict=True):
            if urlsplit(url).netloc.lower() in MIRROR_HOSTS:
                assert kind == "secondary_mirror", (row.source_id, url, kind)


@pytest.mark.parametrize("table", ["sources", "evidence", "dosing_ranges"])
def test_reader_notes_hold_no_curation_remarks(shipped, table):
    notes = shipped[table]["note"].dropna().astype(str)
    found = {i: n for i, n in notes.items() if any(w in n.lower() for w in CURATION_WORDS)}
    assert not found, f"move these remarks to curation_note: {found}"


def test_the_mirror_host_list_is_documented_in_the_data_dictionary():
    from calcidata.reports import dictionary

    text = dictionary.render()
    assert "## How a source is cited" in text
    for host in MIRROR_HOSTS:
        assert f"`{host}`" in text
    assert NOT_SHOWN in text and NO_AUTHORITATIVE_PAGE in text


def test_every_icd10_code_a_reader_sees_names_its_edition(shipped):
    from calcidata import analysis, display
    from calcidata.schemas.vocabularies import ICD10_EDITION_WORDS

    coded = shipped.conditions.dropna(subset=["icd10"])
    assert len(coded) > 0
    for row in coded.itertuples(index=False):
        assert row.icd10_edition in ICD10_EDITION_WORDS, row.condition_id
        shown = display.words(analysis.condition_profile(shipped, condition_id=row.condition_id))
        line = shown.loc[shown["field"] == "ICD-10", "value"].iloc[0]
        assert line == f"{row.icd10} ({ICD10_EDITION_WORDS[row.icd10_edition]})"
