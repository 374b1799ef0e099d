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
from calcidata.synthesis._keyed import matches

if TYPE_CHECKING:
    from calcidata.tables.container import Tables


def _rob_table(tables: Tables) -> dict[str, str]:
    """Study id -> its whole-study risk-of-bias judgement (a stated one before a derived one)."""
    rob = tables.risk_of_bias
    rob = rob[rob["domain"].astype(str) == "overall"]
    rob = rob.assign(_s=rob["basis"].astype(str).ne("stated")).sort_values(["_s", "rob_id"])
    out: dict[str, str] = {}
    for study, judgement in zip(rob["study_id"].astype(str), rob["judgement"].astype(str),
                                strict=True):  # fmt: skip
        out.setdefault(study, judgement)  # the first one found: stated before derived
    return out


def _lookup(keys: np.ndarray, table: dict[str, str], fallback: np.ndarray) -> np.ndarray:
    """``table[key]`` where the key is in it and its value is known, else ``fallback``."""
    out = fallback.copy()
    if table:
        found = pd.Index(list(table), dtype=object).get_indexer(pd.Index(keys, dtype=object))
        values = np.array(list(table.values()), dtype=object)
        hit = np.flatnonzero(found >= 0)
        hit = hit[pd.notna(values[found[hit]])]
        out[hit] = values[found[hit]]
    return out


def judged(behind: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    """Risk-of-bias judgement and weight of each study behind each body's estimate.

    Returns one row per study (``body_id``, ``weight``, ``judgement``: text or
    NaN): first the studies of reviews listed in ``review_studies`` (in the
    order of ``behind``, each review's studies in their order), then the other rows.
    """
    rob = _rob_table(tables)
    rs = tables.review_studies
    body, weight = behind["body_id"].to_numpy(), behind["weight"].to_numpy()
    item = behind["item_id"].to_numpy(dtype=object)
    own = behind["risk_of_bias"] if "risk_of_bias" in behind else pd.Series(np.nan, behind.index)
    review = np.flatnonzero(behind["study_design"].isin(REVIEW_DESIGNS).to_numpy())
    left, right = matches(behind["source_id"].to_numpy(dtype=object)[review],
                           rs["review_id"].astype(str).to_numpy(dtype=object))  # fmt: skip
    listed = review[left]
    # a review's weight is shared by its studies: the rows of its (body, item) pair
    pair = [pd.Series(body[listed]), pd.Series(item[listed], dtype=object)]
    size = pd.Series(weight[listed]).groupby(pair).transform("size")
    plain = np.ones(len(behind), dtype=bool)
    plain[review] = ~pd.Series(item[review], dtype=object).isin(item[listed]).to_numpy()
    plain = np.flatnonzero(plain)
    judgement = np.concatenate([
        _lookup(rs["study_id"].astype(str).to_numpy(dtype=object)[right], rob,
                rs["risk_of_bias"].to_numpy(dtype=object)[right]),
        _lookup(behind["study_id"].to_numpy(dtype=object)[plain], rob,
                own.to_numpy(dtype=object)[plain]),
    ])  # fmt: skip
    code, uniques = pd.factorize(judgement)  # tested for text once per value
    text = np.array([isinstance(j, str) for j in uniques] + [False], dtype=bool)
    return pd.DataFrame({
        "body_id": np.concatenate([body[listed], body[plain]]),
        "weight": np.concatenate([weight[listed] / size.to_numpy(), weight[plain]]),
        "judgement": pd.Series(np.where(text[code], judgement, np.nan), dtype=object),
    })  # fmt: skip


__all__ = ["judged"]
