"""Schema of ``data/sources.csv``: one row per publication, label or page cited."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import pandas as pd
from pandera.typing import Series

from calcidata.schemas import columns as col
from calcidata.schemas._base import URL_SEP, Table, row_check
from calcidata.schemas.vocabularies import (
    AUTHORITATIVE_PAGES,
    DESIGNS,
    DOI,
    IDENTITY_COLUMNS,
    IDENTITY_WORDS,
    MIRROR_HOSTS,
    NO_AUTHORITATIVE_PAGE,
    NOT_SHOWN,
    PAGE_KINDS,
    PMID,
    SOURCE_KINDS,
    URL_LIST,
)


class Sources(Table):
    """Every publication, drug label, reference page or lay article that a row cites."""

    source_id: Series[str] = col.key(
        "Unique slug naming the source, usually firstauthorYEAR (e.g. surace2020); seeds are "
        "seed_000 to seed_004."
    )
    first_author: Series[str] = col.text("First author as 'Surname Initials'.", optional=True)
    year: Series[pd.Int64Dtype] = col.field("Year of publication.", nullable=True, ge=1800, le=2100)
    title: Series[str] = col.text(
        "Title of the publication or page (empty when not recorded).", optional=True
    )
    journal: Series[str] = col.text("Journal or publisher, when there is one.", optional=True)
    pmid: Series[str] = col.field(
        "PubMed identifier (digits only).", nullable=True, str_matches=PMID
    )
    doi: Series[str] = col.field(
        "Digital Object Identifier, without the https://doi.org/ prefix.",
        nullable=True,
        str_matches=DOI,
    )
    urls: Series[str] = col.field(
        "URL(s) of the stored page(s) where the facts were seen, separated by ' | '.",
        nullable=True,
        str_matches=URL_LIST,
        multi=URL_SEP,
    )
    url_kinds: Series[str] = col.field(
        "Kind of each page in urls, in the same order, separated by ' | ': publisher, pubmed, "
        "pmc, official_label, code_list, guideline_body, secondary_mirror or lay_page.",
        nullable=True,
        categories=PAGE_KINDS,
        multi=URL_SEP,
    )
    design: Series[str] = col.choice("Study design of the source.", DESIGNS)
    kind: Series[str] = col.choice(
        "What kind of document it is; lay web articles rank lowest.", SOURCE_KINDS
    )
    n_studies: Series[pd.Int64Dtype] = col.quantity(
        "Number of studies the source includes, as it reports (reviews).", "studies", ge=0
    )
    n_participants: Series[pd.Int64Dtype] = col.quantity(
        "Number of participants the source includes, as it reports.", "participants", ge=0
    )
    note: Series[str] = col.text(
        "Remarks on the source for readers (e.g. secondary report, how counted).", optional=True
    )
    curation_note: Series[str] = col.curation_note()

    class Config:
        title = "Sources"
        description = "Publications, labels and pages cited by the other tables."
        unique = ["source_id"]

    @row_check(
        "source_is_findable",
        "a source needs at least a title, a URL, a DOI or a PMID",
        ("title", "urls", "doi", "pmid"),
        presence=True,
    )
    def _findable(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df[["title", "urls", "doi", "pmid"]].notna().any(axis=1)

    @row_check(
        "url_kinds_match_urls",
        "url_kinds needs one kind for each URL in urls, in the same order",
        ("url_kinds", "urls"),
    )
    def _kinds_align(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return _count(df["urls"]) == _count(df["url_kinds"])

    @row_check(
        "mirror_marked_as_mirror",
        "a URL on a known mirror host (see MIRROR_HOSTS in data/README.md) must be of kind "
        "secondary_mirror",
        ("url_kinds", "urls"),
    )
    def _mirrors_marked(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return pd.Series(
            [_mirrors_marked_in(u, k) for u, k in zip(df["urls"], df["url_kinds"], strict=True)],
            index=df.index,
        )


def _count(cells: pd.Series) -> pd.Series:
    return cells.map(lambda c: len(str(c).split(URL_SEP)) if isinstance(c, str) else 0)


def _mirrors_marked_in(urls: object, kinds: object) -> bool:
    if not isinstance(urls, str) or not isinstance(kinds, str):
        return True
    pairs = zip(urls.split(URL_SEP), kinds.split(URL_SEP), strict=False)
    return all(kind == "secondary_mirror" for url, kind in pairs if url_host(url) in MIRROR_HOSTS)


def url_host(url: str) -> str:
    """The host (with its port, if any) of a URL, lower case."""
    return urlsplit(url).netloc.lower()


_WHICH = "|".join(re.escape(w) for w in IDENTITY_WORDS.values())
_NOT_SHOWN_RE = re.compile(
    rf"\b((?:{_WHICH})(?:(?:, | and )(?:{_WHICH}))*) {NOT_SHOWN} "
    r"\(searched \d{4}-\d{2}-\d{2}\)\.",
    re.IGNORECASE,
)


def not_shown_statement(items: Iterable[str], searched: str) -> str:
    """The reader's sentence saying which identity ``items`` no page showed.

    ``items`` are keys of :data:`IDENTITY_WORDS` (``first_author``, ``year``,
    ``title``, ``pmid_or_doi``); ``searched`` is the ISO date of the search, e.g.
    ``"2026-12-02"``. The sentence names them in the order of :data:`IDENTITY_WORDS`.
    """
    unknown = set(items) - set(IDENTITY_WORDS)
    if unknown:
        raise ValueError(f"not identity items: {sorted(unknown)}")
    words = [IDENTITY_WORDS[c] for c in IDENTITY_WORDS if c in set(items)]
    if not words:
        raise ValueError(f"name at least one of {', '.join(IDENTITY_WORDS)}")
    which = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"{which[0].upper()}{which[1:]} {NOT_SHOWN} (searched {searched})."


def stated_not_shown(note: object) -> frozenset[str]:
    """The identity items that ``note`` says no page showed (empty when it says none)."""
    if not isinstance(note, str):
        return frozenset()
    by_words = {w.lower(): c for c, w in IDENTITY_WORDS.items()}
    found = set()
    for m in _NOT_SHOWN_RE.finditer(note):
        found |= {by_words[w.lower()] for w in re.split(r", | and ", m.group(1))}
    return frozenset(found)


def missing_identity(sources: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Peer-reviewed sources lacking identity items: id -> those items.

    An item is missing when every column behind it (:data:`IDENTITY_COLUMNS`) is
    empty: ``pmid_or_doi`` only when both ``pmid`` and ``doi`` are.
    """
    peer = sources.loc[sources["kind"].astype(str) == "peer_reviewed"]
    out = {}
    for row in peer.to_dict("records"):
        missing = frozenset(
            item for item, cols in IDENTITY_COLUMNS.items() if all(pd.isna(row[c]) for c in cols)
        )
        if missing:
            out[row["source_id"]] = missing
    return out


def mirror_only(sources: pd.DataFrame) -> list[str]:
    """Sources cited to a known mirror host with no PMID, DOI or authoritative page."""
    out = []
    for row in sources.to_dict("records"):
        urls = row["urls"].split(URL_SEP) if isinstance(row["urls"], str) else []
        kinds = set(row["url_kinds"].split(URL_SEP)) if isinstance(row["url_kinds"], str) else set()
        on_mirror = any(url_host(u) in MIRROR_HOSTS for u in urls)
        identified = isinstance(row["pmid"], str) or isinstance(row["doi"], str)
        if on_mirror and not identified and not kinds & set(AUTHORITATIVE_PAGES):
            out.append(row["source_id"])
    return out


def states_no_authoritative_page(note: object) -> bool:
    """Whether a reader's ``note`` says no authoritative page could be read."""
    return isinstance(note, str) and NO_AUTHORITATIVE_PAGE in note
