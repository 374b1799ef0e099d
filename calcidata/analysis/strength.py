"""Evidence strength: one documented, pure rule.

The rule (also printed in ``data/README.md``):

1. Each evidence row gets a level on calcidata's ordered scale
   ``lay_or_opinion < case_reports < observational < rct < meta_analysis_rcts``.

   * Where the source states a GRADE certainty, the level follows it:
     high -> meta_analysis_rcts, moderate -> rct, low -> observational,
     very_low -> case_reports. We never grade anything ourselves.
   * Otherwise the level comes from the design of the evidence behind the row:
     a systematic review (with or without meta-analysis) of RCTs ->
     meta_analysis_rcts; a review of case series -> case_reports; a review of
     observational, mixed or unstated designs -> observational; an RCT -> rct;
     a non-randomised controlled trial, cohort or case-control study ->
     observational; a case series or case report -> case_reports; guideline text
     without grading, narrative review, expert opinion, drug label, reference or
     lay article -> lay_or_opinion.
2. Indirect evidence (population broader than, or different from, the condition)
   is downgraded one level (never below lay_or_opinion).
3. A (treatment, condition) pair's strength is the best level among its rows.
   The pair also reports its number of rows and sources, the studies and
   participants (per source the largest count reported, summed over sources:
   sources can overlap, so read these as an upper bound), the best stated GRADE
   certainty, and whether the directions of its results agree.
"""

from __future__ import annotations

import pandas as pd

from calcidata.schemas.vocabularies import CERTAINTY, STRENGTH, category_dtype

_GRADE_LEVEL = {
    "high": "meta_analysis_rcts",
    "moderate": "rct",
    "low": "observational",
    "very_low": "case_reports",
}
_DESIGN_LEVEL = {
    "rct": "rct",
    "controlled_trial": "observational",
    "cohort": "observational",
    "case_control": "observational",
    "case_series": "case_reports",
    "case_report": "case_reports",
}
_REVIEW_LEVEL = {"rct": "meta_analysis_rcts", "case_series": "case_reports"}
_REVIEWS = ("systematic_review_meta_analysis", "systematic_review")


def _design_level(design: str, pooled: object) -> str:
    if design in _REVIEWS:
        return _REVIEW_LEVEL.get(pooled if isinstance(pooled, str) else "", "observational")
    return _DESIGN_LEVEL.get(design, "lay_or_opinion")


def design_level(evidence: pd.DataFrame) -> pd.Series:
    """Level of each evidence row from its design alone (no GRADE, no downgrade).

    The design part of rule step 1: used where a caveat is about the kind of
    study (case series only, lay or opinion) rather than the final strength.
    """
    levels = [
        _design_level(str(d), p)
        for d, p in zip(
            evidence["study_design"], evidence["pooled_design"].astype(object), strict=True
        )
    ]
    return pd.Series(levels, index=evidence.index, name="design_level", dtype=object)


def row_strength(evidence: pd.DataFrame) -> pd.Series:
    """Level of each evidence row on the ordered :data:`STRENGTH` scale (rule steps 1-2)."""
    base = [
        _GRADE_LEVEL[c] if isinstance(c, str) and c in _GRADE_LEVEL else _design_level(str(d), p)
        for c, d, p in zip(
            evidence["certainty"].astype(object),
            evidence["study_design"],
            evidence["pooled_design"].astype(object),
            strict=True,
        )
    ]
    rank = pd.Series([STRENGTH.index(b) for b in base], index=evidence.index)
    indirect = evidence["indirect"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    rank = (rank - indirect.astype(int)).clip(lower=0)
    return pd.Series(
        pd.Categorical.from_codes(rank.to_numpy(), dtype=category_dtype(STRENGTH)),
        index=evidence.index,
        name="strength",
    )


def _agreement(directions: pd.Series) -> str:
    known = set(directions.dropna().astype(str)) - {"uncertain"}
    if len(directions) == 1:
        return "single result"
    if not known:
        return "uncertain"
    if len(known) == 1:
        return "consistent"
    return "mixed"


def evidence_strength(evidence: pd.DataFrame) -> pd.DataFrame:
    """One row per (treatment_id, condition_id) with the best available evidence.

    Parameters
    ----------
    evidence : pandas.DataFrame
        The ``evidence`` table (or a subset of it). Not modified.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment_id, condition_id, strength`` (ordered categorical),
        ``best_certainty`` (ordered, GRADE as stated, else missing), ``n_results``,
        ``n_sources``, ``n_studies``, ``n_participants``, ``any_indirect``,
        ``all_indirect``, ``agreement`` and ``directions``; sorted strongest first.
        The rule is in this module's docstring.
    """
    if not isinstance(evidence, pd.DataFrame):
        from calcidata.errors import ArgumentTypeError

        raise ArgumentTypeError(
            f"evidence must be the evidence table (a pandas DataFrame, tables.evidence), "
            f"not {type(evidence).__name__}"
        )
    cols = ["treatment_id", "condition_id"]
    if evidence.empty:
        out = pd.DataFrame(
            columns=[
                *cols,
                "strength",
                "best_certainty",
                "n_results",
                "n_sources",
                "n_studies",
                "n_participants",
                "any_indirect",
                "all_indirect",
                "agreement",
                "directions",
            ]
        )
        out["strength"] = pd.Categorical([], categories=list(STRENGTH), ordered=True)
        return out
    ev = evidence.assign(
        _level=row_strength(evidence).cat.codes,
        _cert=pd.Categorical(
            evidence["certainty"].astype(object), categories=list(CERTAINTY), ordered=True
        ).codes,
        _indirect=evidence["indirect"].astype("boolean").fillna(False),
    )
    ev = ev.assign(
        treatment_id=ev["treatment_id"].astype(str), condition_id=ev["condition_id"].astype(str)
    )
    per_source = ev.groupby([*cols, "source_id"], observed=True).agg(
        s=("n_studies", "max"), p=("n_participants", "max")
    )
    by_pair = per_source.groupby(level=[0, 1])
    counts = pd.DataFrame(
        {
            "n_studies": by_pair["s"].sum(min_count=1),
            "n_participants": by_pair["p"].sum(min_count=1),
            "n_sources": by_pair.size(),
        }
    )
    grouped = ev.groupby(cols, observed=True)
    out = grouped.agg(
        level=("_level", "max"),
        cert=("_cert", "max"),
        n_results=("evidence_id", "size"),
        any_indirect=("_indirect", "any"),
        all_indirect=("_indirect", "all"),
    )
    out = out.join(counts)
    out["agreement"] = grouped["direction"].agg(lambda d: _agreement(d.astype(object)))
    out["directions"] = grouped["direction"].agg(
        lambda d: "; ".join(f"{k} {v}" for k, v in d.astype(str).value_counts().items())
    )
    out = out.reset_index()
    # DataFrame.insert takes any array, a Categorical too; pandas-stubs list no ExtensionArray.
    out.insert(
        2,
        "strength",
        pd.Categorical.from_codes(out.pop("level").to_numpy(), dtype=category_dtype(STRENGTH)),  # type: ignore[arg-type]
    )
    cert = out.pop("cert").to_numpy()
    out.insert(
        3,
        "best_certainty",
        pd.Categorical.from_codes(cert, dtype=category_dtype(CERTAINTY)),  # type: ignore[arg-type]
    )
    for c in ("n_studies", "n_participants"):
        out[c] = out[c].astype("Int64")
    out["any_indirect"] = out["any_indirect"].astype(bool)
    out["all_indirect"] = out["all_indirect"].astype(bool)
    return out.sort_values(
        ["strength", "n_participants", *cols],
        ascending=[False, False, True, True],
        na_position="last",
    ).reset_index(drop=True)
