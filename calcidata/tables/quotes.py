"""Quotes of ``claims.csv`` checked against the text of the lay articles they cite.

A quote must appear in its article exactly as written; runs of white space (a line
break, a tab, a bullet's indentation) match any run of white space. The articles'
text lives outside the tables (:func:`calcidata.paths.seeds_dir`); where that folder
is absent the quotes cannot be checked, and :func:`unchecked_note` says so.
"""

from __future__ import annotations

import os
import re

import pandas as pd

from calcidata import paths
from calcidata.errors import Problem
from calcidata.tables.reader import RawTable, shorten

_SPACE = re.compile(r"\s+")


def flat(text: str) -> str:
    """Text with every run of white space made one space, trimmed."""
    return _SPACE.sub(" ", text).strip()


def quote_problems(
    claims: pd.DataFrame,
    raw: RawTable,
    seeds: str | os.PathLike[str] | None = None,
    kinds: dict[str, str] | None = None,
) -> list[Problem]:
    """A problem for each quote not found in the text of its article.

    ``kinds`` maps source ids to their kind: a claim must cite a lay article. Returns
    no problem about quotes when the seeds folder is absent (see :func:`unchecked_note`).
    """
    out: list[Problem] = []
    shown = str(raw.path)
    folder = paths.seeds_dir(seeds)
    texts: dict[str, str | None] = {}
    for i, (source, quote) in enumerate(zip(claims["source_id"], claims["quote"], strict=True)):
        if not isinstance(source, str) or not isinstance(quote, str):
            continue
        if kinds is not None and source not in kinds:
            continue  # an unknown source: the foreign-key check reports it
        if kinds is not None and kinds[source] != "lay_web_article":
            out.append(
                Problem(
                    shown,
                    raw.line(i),
                    "source_id",
                    source,
                    f"a claim quotes a lay article; this source is of kind {kinds[source]}",
                )
            )
            continue
        if not folder.is_dir():
            continue
        if source not in texts:
            path = paths.article_text_path(source, folder)
            texts[source] = flat(path.read_text(encoding="utf-8")) if path else None
        text = texts[source]
        if text is None:
            out.append(
                Problem(
                    shown,
                    raw.line(i),
                    "source_id",
                    source,
                    f"no text of this article in {folder} (expected a file named "
                    f"{source.removeprefix('seed_')}_*.txt)",
                )
            )
        elif flat(quote) not in text:
            out.append(
                Problem(
                    shown,
                    raw.line(i),
                    "quote",
                    shorten(quote),
                    f"quote not found in the text of {source}: copy the article's words "
                    "exactly (white space may differ)",
                )
            )
    return out


def unchecked_note(
    claims: pd.DataFrame | None, seeds: str | os.PathLike[str] | None = None
) -> str | None:
    """Why the quotes were not checked (the seeds folder is absent), or None."""
    folder = paths.seeds_dir(seeds)
    if claims is None or claims.empty or folder.is_dir():
        return None
    return (
        f"the quotes of claims.csv were not checked: no folder of article texts at {folder} "
        f"(set ${paths.ENV_SEEDS_DIR})"
    )
