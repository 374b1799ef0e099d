"""Views of the lay articles' claims: each claim with its verdict, and the evidence it rests on.

The verdicts are those stored in ``claims.csv``, which a test holds to the rule of
:mod:`calcidata.synthesis.claims`; these views only select and order them.
"""

from __future__ import annotations

import pandas as pd

from calcidata.analysis.conditions import condition_order
from calcidata.analysis.selection import subtree, view_frame
from calcidata.analysis.sources import citation_labels
from calcidata.errors import ParameterError
from calcidata.schemas.vocab_claims import CLAIM_TYPES, VERDICTS
from calcidata.tables.container import Tables, takes_tables
from calcidata.tables.hierarchy import ancestors, parents_of

__all__ = ["claim_evidence", "claim_sources", "claims_check", "verdict_counts"]

_COLUMNS = [
    "condition",
    "article",
    "quote",
    "claim_type",
    "treatment",
    "verdict",
    "verdict_note",
    "evidence_ids",
    "dosing_ids",
    "claim_id",
    "source_id",
    "condition_id",
    "treatment_id",
]


def _selected(
    tables: Tables, source_id: str | None, condition_id: str | None, broader: bool = False
) -> pd.DataFrame:
    claims = tables.claims
    if source_id is not None:
        if source_id not in set(claims["source_id"]):
            raise ParameterError(
                f"no claims from source {source_id!r}; articles with claims: "
                + ", ".join(sorted(set(claims["source_id"])))
            )
        claims = claims[claims["source_id"] == source_id]
    if condition_id is not None:
        keep = set(subtree(tables, condition_id))
        if broader:  # the broader conditions too, short of the root (about everything)
            parents = parents_of(tables.conditions, "condition_id")
            keep |= {c for c in ancestors(parents, condition_id) if parents.get(c) is not None}
        claims = claims[claims["condition_id"].isin(keep)]
    return claims


@takes_tables
def claims_check(
    tables: Tables,
    *,
    source_id: str | None = None,
    condition_id: str | None = None,
    broader: bool = False,
) -> pd.DataFrame:
    """The claims of one lay article (or all), each with its verdict, grouped by condition.

    Parameters
    ----------
    tables : Tables
        The loaded tables.
    source_id : str, optional
        Only the claims of this article (a ``sources`` id of a lay article).
    condition_id : str, optional
        Only the claims about this condition or a narrower one.
    broader : bool
        With ``condition_id``, also the claims about its broader conditions (but
        not about the root of its hierarchy, which would be every claim's).

    Returns
    -------
    pandas.DataFrame
        Columns ``condition`` (name; missing for a claim about no condition),
        ``article`` (its title), ``quote``, ``claim_type`` and ``verdict`` (ordered
        categoricals), ``treatment`` (name), ``verdict_note``, ``evidence_ids``,
        ``dosing_ids`` and the ids ``claim_id, source_id, condition_id,
        treatment_id``; conditions in hierarchy order, then articles, then claims.
    """
    claims = _selected(tables, source_id, condition_id, broader)
    cnames = dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
    tnames = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    titles = dict(zip(tables.sources["source_id"], tables.sources["title"], strict=True))
    order = {c: i for i, c in enumerate(condition_order(tables))}
    out = claims.assign(
        condition=claims["condition_id"].map(cnames),
        article=claims["source_id"].map(titles),
        treatment=claims["treatment_id"].map(tnames),
        claim_type=pd.Categorical(claims["claim_type"].astype(object), categories=CLAIM_TYPES),
        verdict=pd.Categorical(claims["verdict"].astype(object), categories=VERDICTS, ordered=True),
        _c=claims["condition_id"].map(order),
    ).sort_values(["_c", "source_id", "claim_id"], na_position="last")
    return view_frame("claims_check", _COLUMNS, out)


@takes_tables
def verdict_counts(
    tables: Tables, *, source_id: str | None = None, condition_id: str | None = None
) -> pd.DataFrame:
    """How many claims of each article got each verdict.

    Returns
    -------
    pandas.DataFrame
        Columns ``article`` (title), ``verdict`` (ordered categorical) and ``claims``
        (count); every verdict of every selected article, zero counts included.
    """
    claims = claims_check(tables, source_id=source_id, condition_id=condition_id)
    articles = list(dict.fromkeys(claims["article"]))
    grid = pd.MultiIndex.from_product([articles, list(VERDICTS)], names=["article", "verdict"])
    counts = (
        claims.assign(verdict=claims["verdict"].astype(object))
        .groupby(["article", "verdict"])
        .size()
        .reindex(grid, fill_value=0)
        .rename("claims")
        .reset_index()
    )
    counts["verdict"] = pd.Categorical(counts["verdict"], categories=VERDICTS, ordered=True)
    return view_frame("verdict_counts", ["article", "verdict", "claims"], counts)


@takes_tables
def claim_evidence(
    tables: Tables, *, source_id: str | None = None, condition_id: str | None = None
) -> pd.DataFrame:
    """The evidence rows the selected claims' verdicts rest on, once each.

    Returns
    -------
    pandas.DataFrame
        Columns ``claims`` (the claim ids that cite the row, ``;``-separated),
        ``condition``, ``treatment``, ``comparator``, ``outcome_domain``, ``outcome``,
        ``effect_measure``, ``estimate``, ``ci_low``, ``ci_high``, ``participants``
        (Int64), ``design``, ``certainty`` (as the source states it), ``direction``,
        ``source`` (citation label) and ``evidence_id``.
    """
    claims = _selected(tables, source_id, condition_id)
    cited: dict[str, list[str]] = {}
    for claim_id, ids in zip(claims["claim_id"], claims["evidence_ids"], strict=True):
        for e in str(ids).split(";") if isinstance(ids, str) else []:
            cited.setdefault(e, []).append(claim_id)
    ev = tables.evidence[tables.evidence["evidence_id"].isin(list(cited))]
    cnames = dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
    tnames = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    labels = citation_labels(tables.sources)
    labels.index = tables.sources["source_id"]
    out = pd.DataFrame(
        {
            "claims": ev["evidence_id"].map(lambda e: ";".join(cited[e])),
            "condition": ev["condition_id"].map(cnames),
            "treatment": ev["treatment_id"].map(tnames),
            "comparator": ev["comparator"],
            "outcome_domain": ev["outcome_domain"],
            "outcome": ev["outcome"],
            "effect_measure": ev["effect_measure"],
            "estimate": ev["estimate"],
            "ci_low": ev["ci_low"],
            "ci_high": ev["ci_high"],
            # pd.array takes a Series (pandas-stubs accept only sequences and arrays).
            "participants": pd.array(ev["n_participants"], dtype="Int64"),  # type: ignore[call-overload]
            "design": ev["study_design"],
            "certainty": ev["certainty"],
            "direction": ev["direction"],
            "source": ev["source_id"].map(labels),
            "evidence_id": ev["evidence_id"],
        }
    )
    return view_frame("claim_evidence", list(out.columns), out.sort_values("claims"))


@takes_tables
def claim_sources(
    tables: Tables, *, source_id: str | None = None, condition_id: str | None = None
) -> pd.DataFrame:
    """The sources behind the selected claims: the articles, and the rows their verdicts cite.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`calcidata.analysis.cited_sources`.
    """
    claims = _selected(tables, source_id, condition_id)
    ids = set(claims["source_id"])
    for column, table, key in (
        ("evidence_ids", tables.evidence, "evidence_id"),
        ("dosing_ids", tables.dosing_ranges, "dosing_id"),
    ):
        cited = {i for cell in claims[column].dropna() for i in str(cell).split(";")}
        ids |= set(table.loc[table[key].isin(cited), "source_id"])
    # the rows of cited_sources (its selection cannot name the articles' ids)
    src = tables.sources.loc[tables.sources["source_id"].isin(ids)].copy()
    src["citation"] = src["source_id"].map(citation_labels(tables.sources))
    src["url"] = src["urls"].map(lambda u: u.split(" | ")[0] if isinstance(u, str) else pd.NA)
    cols = ["citation", "title", "journal", "year", "kind", "pmid", "doi", "url", "source_id"]
    out = src.sort_values("citation", key=lambda s: s.str.lower())[cols]
    return view_frame("cited_sources", cols, out)
