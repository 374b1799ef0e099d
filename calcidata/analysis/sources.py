"""Citation labels and the sources behind a view."""

from __future__ import annotations

from typing import Any

import pandas as pd

from calcidata.analysis.selection import VIEW_DOCS, Selection, resolve
from calcidata.tables.container import Tables, takes_tables

__all__ = ["cited_sources", "citation_labels"]


def _page_name(urls: str) -> str:
    """A name for a source known only by its page: ``PMC3770279``, else the site's host."""
    import re
    from urllib.parse import urlsplit

    first = urls.split(";")[0].strip()
    pmc = re.search(r"/(PMC\d+)", first)
    if pmc:
        return pmc.group(1)
    return urlsplit(first).hostname or ""


def citation_labels(sources: pd.DataFrame) -> pd.Series:
    """Short citation label of each source, e.g. ``Surace 2020``; unique (``2020a``, ``2020b``).

    The label is the first author's surname and the year; without an author, the
    start of the title; then the journal, the PMID, the DOI, or the page it was
    read on (its PMC id or site); the source id only when the tables hold none.

    Parameters
    ----------
    sources : pandas.DataFrame
        The sources table.

    Returns
    -------
    pandas.Series
        Labels indexed by ``source_id``.
    """
    labels = {}
    for row in sources.itertuples(index=False):
        author = row.first_author if isinstance(row.first_author, str) else ""
        tokens = author.split()
        if len(tokens) > 1 and tokens[-1].isupper() and tokens[-1].isalpha():
            tokens = tokens[:-1]  # drop the initials
        who = " ".join(tokens)
        if not who and isinstance(row.title, str):
            who = (
                row.title
                if len(row.title) <= 32
                else row.title[:32].rsplit(" ", 1)[0].rstrip(" ,:;-([") + "…"
            )
        if not who and isinstance(row.journal, str) and row.journal:
            who = row.journal
        if not who and isinstance(row.pmid, str) and row.pmid:
            who = f"PMID {row.pmid}"
        if not who and isinstance(row.doi, str) and row.doi:
            who = f"doi:{row.doi}"
        if not who and isinstance(getattr(row, "urls", None), str):
            who = _page_name(row.urls)
        if not who:
            who = row.source_id
        year = f" {int(row.year)}" if pd.notna(row.year) else ""
        labels[row.source_id] = f"{who}{year}"
    series = pd.Series(labels, dtype=object)
    counts = series.value_counts()
    for label in counts[counts > 1].index:
        ids = sorted(series.index[series == label])
        for i, sid in enumerate(ids):
            suffix = chr(ord("a") + i) if i < 26 else f"-{i + 1}"
            series[sid] = f"{label}{suffix}"
    series.index.name = "source_id"
    return series.rename("citation")


@VIEW_DOCS
@takes_tables
def cited_sources(
    tables: Tables,
    select: Selection | None = None,
    /,
    *,
    dosing: bool = True,
    evidence: bool = True,
    **filters: Any,
) -> pd.DataFrame:
    """The sources behind a report: evidence and dosing rows it shows, and the condition's.

    {parameters}
        The filters the report uses.
    dosing, evidence : bool
        Include the sources of dosing rows / evidence rows. Dosing rows are
        left out when an outcome is selected (a dose has no outcome).

    Returns
    -------
    pandas.DataFrame
        Columns ``citation, title, journal, year, kind`` (vocabulary code),
        ``pmid, doi, url`` (first stored URL) and ``source_id``, ordered by citation.
    """
    from calcidata.analysis.dosing import dosing_table
    from calcidata.analysis.evidence import evidence_rows

    sel = resolve(tables, select, filters)
    ids: set[str] = set()
    if evidence:
        ids |= set(evidence_rows(tables, sel)["source_id"])
    if dosing and sel.outcome is None:
        ids |= set(dosing_table(tables, sel)["source_id"])
    if sel.condition_id is not None:
        cond = tables.conditions.set_index("condition_id")
        for cid in sel.conditions(tables) or []:
            s = cond.loc[cid, "source_ids"]
            if isinstance(s, str):
                ids |= set(s.split(";"))
    src = tables.sources.loc[tables.sources["source_id"].isin(ids)].copy()
    src["citation"] = src["source_id"].map(citation_labels(tables.sources))
    src["url"] = src["urls"].map(lambda u: u.split(" | ")[0] if isinstance(u, str) else pd.NA)
    cols = ["citation", "title", "journal", "year", "kind", "pmid", "doi", "url", "source_id"]
    out = src.sort_values("citation", key=lambda s: s.str.lower())[cols].reset_index(drop=True)
    out.attrs["view"] = "cited_sources"
    return out
