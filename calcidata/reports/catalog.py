"""The allowed parameter values, read from the table files with the standard library.

Checking parameters and planning a build must cost milliseconds, and a no-op
build must not import pandas: :class:`Catalog` reads the few columns it needs with
:mod:`csv`, without validating (validation happens before any kernel starts).
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

from calcidata import paths
from calcidata._io import oversize
from calcidata.errors import FileAccessError
from calcidata.tables.hierarchy import ancestors

if TYPE_CHECKING:  # pragma: no cover
    from calcidata.tables.container import Tables

#: One value of a report parameter: a string, a list of strings, or None (all).
ParamValue: TypeAlias = str | list[str] | None
#: A parameter set of one report: parameter name -> value.
Params: TypeAlias = dict[str, ParamValue]
#: Where the allowed values come from: a catalog, loaded tables, a data directory, or None.
IdSource: TypeAlias = "Catalog | Tables | str | os.PathLike[str] | None"

#: Names of the sets of allowed values a parameter can draw from (see Catalog.allowed).
CONDITIONS_WITH_EVIDENCE = "conditions_with_evidence"
TREATMENTS = "treatments"
OUTCOME_DOMAINS = "outcome_domains"
MODALITIES = "modalities"
CONDITIONS_WITHOUT_EVIDENCE = "conditions_without_evidence"
LAY_ARTICLES = "lay_articles"


@dataclass(frozen=True)
class Catalog:
    """The ids and names the parameters are checked against, read from the tables.

    Build it with :meth:`from_data_dir` (standard library only, fast) or
    :meth:`from_tables` (from a loaded :class:`~calcidata.tables.Tables`).
    """

    conditions: dict[str, str]
    treatments: dict[str, str]
    modality: dict[str, str]
    evidence_conditions: frozenset[str]
    dosing_treatments: frozenset[str]
    #: Evidence and dosing rows per condition id ("" for dosing of no one condition).
    condition_rows: dict[str, int] = field(default_factory=dict)
    #: Parent condition id of each condition that has one.
    condition_parent: dict[str, str] = field(default_factory=dict)
    #: Lay articles with claims (``claims.csv``): source id -> title, in claims order.
    articles: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_data_dir(cls, data_dir: str | os.PathLike[str] | None = None) -> Catalog:
        """Read the needed columns of the CSV files in ``data_dir`` (not validated)."""
        directory = paths.data_dir(data_dir)

        def rows(name: str) -> list[dict[str, str]]:
            path = directory / f"{name}.csv"
            try:
                if path.is_file() and oversize(path) is None:  # never a pipe or a device
                    with open(path, encoding="utf-8-sig", newline="") as f:
                        return list(csv.DictReader(f))
            except (OSError, UnicodeError, csv.Error):
                pass
            # A file this quick read cannot take: the validated path reports why,
            # with the messages of `calcidata validate`.
            _validated(directory)
            raise FileAccessError(f"{path}: cannot be read as the table {name!r}")

        conditions = rows("conditions")
        treatments = rows("treatments")
        evidence, dosing = rows("evidence"), rows("dosing_ranges")
        titles = {_s(r.get("source_id")): _s(r.get("title")) for r in rows("sources")}
        claimed = dict.fromkeys(_s(r.get("source_id")) for r in rows("claims"))
        return cls(
            conditions={_s(r.get("condition_id")): _s(r.get("name")) for r in conditions},
            treatments={_s(r.get("treatment_id")): _s(r.get("name")) for r in treatments},
            modality={_s(r.get("treatment_id")): _s(r.get("modality")) for r in treatments},
            evidence_conditions=frozenset(_s(r.get("condition_id")) for r in evidence),
            dosing_treatments=frozenset(_s(r.get("treatment_id")) for r in dosing),
            condition_rows=dict(Counter(_s(r.get("condition_id")) for r in evidence + dosing)),
            condition_parent={
                _s(r.get("condition_id")): _s(r.get("parent_id"))
                for r in conditions
                if _s(r.get("parent_id"))
            },
            articles={sid: titles.get(sid, sid) for sid in claimed},
        )

    @classmethod
    def from_tables(cls, tables: Tables) -> Catalog:
        """Build the catalog from loaded, validated tables."""
        c, t = tables.conditions, tables.treatments
        titles = {
            str(k): "" if v is None or v != v else str(v)
            for k, v in zip(tables.sources["source_id"], tables.sources["title"], strict=True)
        }
        return cls(
            conditions=dict(zip(c["condition_id"].astype(str), c["name"].astype(str), strict=True)),
            treatments=dict(zip(t["treatment_id"].astype(str), t["name"].astype(str), strict=True)),
            modality=dict(
                zip(t["treatment_id"].astype(str), t["modality"].astype(str), strict=True)
            ),
            evidence_conditions=frozenset(tables.evidence["condition_id"].astype(str)),
            dosing_treatments=frozenset(tables.dosing_ranges["treatment_id"].astype(str)),
            condition_rows=dict(
                Counter(
                    [str(c) for c in tables.evidence["condition_id"]]
                    + [
                        "" if c is None or c != c else str(c)
                        for c in tables.dosing_ranges["condition_id"].astype(object)
                    ]
                )
            ),
            condition_parent={
                str(k): str(v)
                for k, v in zip(c["condition_id"], c["parent_id"], strict=True)
                if v is not None and v == v and str(v)
            },
            articles={
                sid: titles.get(sid, sid) for sid in dict.fromkeys(tables.claims["source_id"])
            },
        )

    @property
    def conditions_with_evidence(self) -> list[str]:
        """Condition ids that have at least one evidence row, in table order."""
        return [c for c in self.conditions if c in self.evidence_conditions]

    @property
    def conditions_without_evidence(self) -> list[str]:
        """Condition ids with no evidence row of their own, in table order (a short page each)."""
        return [c for c in self.conditions if c not in self.evidence_conditions]

    def rows_under(self, condition_id: str | None) -> int:
        """Evidence and dosing rows of a condition and its descendants (all rows if None).

        A rough measure of how much a report on it has to show, used to start the
        longest renders first.
        """
        if condition_id is None:
            return sum(self.condition_rows.values())
        return sum(
            n
            for cid, n in self.condition_rows.items()
            if cid == condition_id or condition_id in ancestors(self.condition_parent, cid)
        )

    @property
    def modalities_with_dosing(self) -> list[str]:
        """Modalities of treatments that have dosing rows, in treatments-table order.

        (Not in vocabulary order: reading the vocabulary imports the schemas, and
        with them pandas, which a no-op build must not pay for.)
        """
        used = {self.modality.get(t) for t in self.dosing_treatments}
        return list(dict.fromkeys(m for m in self.modality.values() if m in used))

    def allowed(self, kind: str) -> list[str]:
        """The allowed values of a set named by :attr:`Param.allowed`."""
        if kind == CONDITIONS_WITH_EVIDENCE:
            return self.conditions_with_evidence
        if kind == TREATMENTS:
            return list(self.treatments)
        if kind == CONDITIONS_WITHOUT_EVIDENCE:
            return self.conditions_without_evidence
        if kind == LAY_ARTICLES:
            return list(self.articles)
        if kind == OUTCOME_DOMAINS:
            return list(_vocabulary("OUTCOME_DOMAINS"))
        if kind == MODALITIES:
            return list(_vocabulary("MODALITIES"))
        raise KeyError(kind)


def _validated(directory: str | os.PathLike[str]) -> None:
    """Load the tables as ``calcidata validate`` does: raises their problems, if any."""
    from calcidata.tables.loader import load

    load(directory)


def _s(value: str | None) -> str:
    return (value or "").strip()


def _vocabulary(name: str) -> tuple[str, ...]:
    from calcidata.schemas import vocabularies

    words: tuple[str, ...] = getattr(vocabularies, name)
    return words


def _catalog(tables: IdSource) -> Catalog:
    if isinstance(tables, Catalog):
        return tables
    if tables is None or isinstance(tables, (str, os.PathLike)):
        return Catalog.from_data_dir(tables)
    return Catalog.from_tables(tables)


# --------------------------------------------------------------------------- build sets


def per_condition(catalog: Catalog) -> list[Params]:
    """One parameter set per condition with evidence (a report of each)."""
    return [{"condition_id": c} for c in catalog.conditions_with_evidence]


def per_article(catalog: Catalog) -> list[Params]:
    """All claims, and the claims of each lay article."""
    return [{}] + [{"source_id": a} for a in catalog.articles]


def per_gap_condition(catalog: Catalog) -> list[Params]:
    """One parameter set per condition without evidence (its short page)."""
    return [{"condition_id": c} for c in catalog.conditions_without_evidence]


def dosing_sets(catalog: Catalog) -> list[Params]:
    """All doses, one view per modality, and one per condition (linked from its reports)."""
    sets: list[Params] = [{}]
    return (
        sets
        + [{"modality": m} for m in catalog.modalities_with_dosing]
        + [{"condition_id": c} for c in catalog.conditions_with_evidence]
    )


def what_words(allowed: str | None) -> str:
    """What a value of the set of allowed values ``allowed`` is, in words."""
    words: dict[str | None, str] = {
        CONDITIONS_WITH_EVIDENCE: "condition id",
        CONDITIONS_WITHOUT_EVIDENCE: "condition id",
        LAY_ARTICLES: "lay article",
        TREATMENTS: "treatment id",
        OUTCOME_DOMAINS: "outcome domain",
        MODALITIES: "modality",
    }
    return words.get(allowed, "value")
