"""The sources behind a view (citation labels are in :mod:`calcidata.analysis.citations`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from pandas.api.typing import NAType

from calcidata.analysis.citations import citation_labels
from calcidata.analysis.dosing import dosing_table
from calcidata.analysis.evidence import evidence_rows
from calcidata.analysis.selection import VIEW_DOCS, Selection, resolve
from calcidata.tables.container import Tables, takes_tables

__all__ = ["cited_sources", "citation_labels"]


def reader_url(urls: object, kinds: object) -> str | NAType:
    """The first URL of a source that a reader may be sent to, or missing.

    Only authoritative pages (``AUTHORITATIVE_PAGES``: publisher, PubMed, PMC,
    official label, code list, guideline body); mirror and lay pages stay in the
    data for curators but are never a reader's link.
    """
    from calcidata.schemas.vocabularies import AUTHORITATIVE_PAGES

    if not isinstance(urls, str) or not isinstance(kinds, str):
        return pd.NA
    pairs = zip(urls.split(" | "), kinds.split(" | "), strict=False)
    return next((u.strip() for u, k in pairs if k.strip() in AUTHORITATIVE_PAGES), pd.NA)


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
    src = tables.sources[tables.sources["source_id"].isin(ids)].copy()
    src["citation"] = src["source_id"].map(citation_labels(tables.sources))
    src["url"] = [reader_url(u, k) for u, k in zip(src["urls"], src["url_kinds"], strict=True)]
    cols = ["citation", "title", "journal", "year", "kind", "pmid", "doi", "url", "source_id"]
    out = src.sort_values("citation", key=lambda s: s.str.lower())[cols].reset_index(drop=True)
    out.attrs["view"] = "cited_sources"
    return out
