"""Short citation labels of sources (``Surace 2020``), used by every view that cites."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["citation_labels"]


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
    row: Any  # a row of the sources table (its cells' types vary by column)
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
