"""Risk-of-bias judgements behind each body's estimate, with the weight each study carries.

Read by :func:`calcidata.synthesis.certainty.rate_bodies` (see its rule): the
``risk_of_bias`` table's whole-study (``overall``) judgements, a stated one
before a derived one; else what ``review_studies`` or the evidence row records.
A review's included studies share its weight equally; a pool's studies carry
their pooling weights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calcidata.schemas.vocabularies import REVIEW_DESIGNS

if TYPE_CHECKING:
    from calcidata.tables.container import Tables


def _rob_table(tables: Tables) -> dict[str, str]:
    """Study id -> its whole-study risk-of-bias judgement (a stated one before a derived one)."""
    rob = tables.risk_of_bias
    rob = rob[rob["domain"].astype(str) == "overall"]
    rob = rob.assign(_s=rob["basis"].astype(str).ne("stated")).sort_values(["_s", "rob_id"])
    return dict(zip(rob["study_id"].astype(str), rob["judgement"].astype(str), strict=False))


def _or(found: pd.Series, fallback: pd.Series) -> pd.Series:
    """``found`` where it is known, else ``fallback`` (the study's table judgement first)."""
    return found.where(found.notna(), fallback)


def judged(behind: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    """Risk-of-bias judgement and weight of each study behind each body's estimate."""
    rob = _rob_table(tables)
    rs = tables.review_studies[["review_id", "study_id", "risk_of_bias"]].astype(object)
    rs = rs.assign(review_id=rs["review_id"].astype(str), study_id=rs["study_id"].astype(str))
    own = behind["risk_of_bias"].astype(object) if "risk_of_bias" in behind else np.nan
    cols = ["body_id", "item_id", "weight", "source_id", "study_id", "study_design"]
    # risk_of_bias stays: review_studies' own column is then suffixed "_rs" in the merge
    rows = behind[[c for c in (*cols, "risk_of_bias") if c in behind]].assign(_own=own)
    reviews = rows[rows["study_design"].isin(REVIEW_DESIGNS)]
    listed = reviews.merge(rs, left_on="source_id", right_on="review_id", suffixes=("", "_rs"))
    listed = listed.assign(
        weight=listed["weight"]
        / listed.groupby(["body_id", "item_id"])["study_id_rs"].transform("size"),
        judgement=_or(listed["study_id_rs"].map(rob), listed["risk_of_bias_rs"]),
    )
    plain = rows[
        ~rows["item_id"].isin(listed["item_id"]) | ~rows["study_design"].isin(REVIEW_DESIGNS)
    ]
    plain = plain.assign(judgement=_or(plain["study_id"].map(rob), plain["_own"]))
    out = pd.concat([listed[["body_id", "weight", "judgement"]],
                     plain[["body_id", "weight", "judgement"]]], ignore_index=True)  # fmt: skip
    code, uniques = pd.factorize(out["judgement"].to_numpy(dtype=object))  # once per value
    text = np.array([isinstance(j, str) for j in uniques] + [False], dtype=bool)
    out["judgement"] = out["judgement"].where(text[code])
    return out


__all__ = ["judged"]
