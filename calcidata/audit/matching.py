"""Matching a user's text to calcidata ids: a treatment, a condition, a route.

Tiers tried in order (id, code, name, synonyms), case and spacing ignored; a text
that names several ids, or none, is reported in words.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from calcidata.schemas._base import LIST_SEP


@dataclass(frozen=True)
class Match:
    """The id a user's text names, or why none."""

    id: str | None
    problem: str | None = None


def normalize_text(text: object) -> str | None:
    """NFKC-normalised, case-folded text with single spaces (None for missing or blank)."""
    if text is None or text is pd.NA or (isinstance(text, float) and text != text):
        return None
    out = " ".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()
    return out or None


class _Lookup:
    """Text -> id through tiers tried in order (id, code, name, synonyms)."""

    def __init__(self, kind: str, tiers: list[dict[str, set[str]]], words: str):
        self.kind = kind
        self.tiers = tiers
        self.words = words

    @classmethod
    def build(cls, frame: pd.DataFrame, key: str, code: str, kind: str, words: str) -> _Lookup:
        tiers: list[dict[str, set[str]]] = [defaultdict(set) for _ in range(4)]
        for row_id, row_code, name, synonyms in zip(
            frame[key], frame[code], frame["name"], frame["synonyms"], strict=True
        ):
            own = normalize_text(row_id)
            if own is not None:  # an id is required: always text
                tiers[0][own].add(row_id)
            for tier, value in ((1, row_code), (2, name)):
                text = normalize_text(value)
                if text:
                    tiers[tier][text].add(row_id)
            text = normalize_text(synonyms)
            for synonym in (text or "").split(LIST_SEP):
                if synonym.strip():
                    tiers[3][synonym.strip()].add(row_id)
        return cls(kind, [dict(t) for t in tiers], words)

    def match(self, text: object) -> Match:
        key = normalize_text(text)
        if key is None:
            return Match(None, f"{self.kind} is empty")
        for tier in self.tiers:
            found = tier.get(key)
            if found:
                if len(found) == 1:
                    return Match(next(iter(found)))
                return Match(
                    None,
                    f"{self.kind} {text!r} matches several calcidata "
                    f"{self.kind}s ({', '.join(sorted(found))}); give its id",
                )
        return Match(None, f"{self.kind} {text!r} is not a calcidata {self.kind} {self.words}")
