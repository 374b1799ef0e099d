"""Properties of the evidence profile on other data: random sub-samples of the shipped tables.

Whatever rows a user's tables hold, and in whatever order, the profile keeps its columns
and dtypes, gives the same frame, puts every result in exactly one body of its own, and
keeps the rule's guarantees (never above low
when not estimable, absolute effects within 0-1,000 per 1,000, every rating-down with
its reason, every source id known).
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import calcidata
from calcidata.schemas.vocabularies import CERTAINTY
from calcidata.synthesis.profile import COLUMNS, DOMAINS, compute

#: The tables whose rows are sub-sampled (the others stay whole).
SAMPLED = ("evidence", "study_outcomes", "review_studies", "risk_of_bias")


@cache
def _shipped() -> calcidata.Tables:
    return calcidata.load()


@cache
def _dtypes() -> pd.Series:
    return calcidata.evidence_profile(_shipped()).dtypes


#: A share of the rows kept, and the seed of the sample.
_draws = st.tuples(st.sampled_from([0.0, 0.05, 0.3, 0.7, 1.0]), st.integers(0, 2**31 - 1))


def _sub_tables(draws: dict[str, tuple[float, int]]) -> calcidata.Tables:
    """The shipped tables with a random share of each sampled table's rows, in random order."""
    t = _shipped()
    parts = {
        name: getattr(t, name).sample(frac=share, random_state=seed).reset_index(drop=True)
        for name, (share, seed) in draws.items()
    }
    return dataclasses.replace(t, **parts)


@given(
    st.fixed_dictionaries({name: _draws for name in SAMPLED}),
    st.sampled_from([None, *_shipped().conditions["condition_id"].astype(str)]),
)
def test_the_profile_of_any_rows_keeps_its_shape_and_its_rule(draws, condition):
    tables = _sub_tables(draws)
    profile, items, _ = compute(tables, condition)
    # the same columns and dtypes whatever the rows (none included)
    typed = calcidata.evidence_profile(tables, condition)
    assert list(typed.columns) == COLUMNS
    assert typed.dtypes.equals(_dtypes())
    assert len(typed) == len(profile)
    # every result of the selection is in exactly one body of its own (class copies apart)
    own = items[~items["lifted"].astype(bool)]
    assert not own["item_id"].duplicated().any()
    assert items["body_id"].nunique() == len(profile)
    wanted = set(tables.evidence["evidence_id"]) | set(tables.study_outcomes["study_outcome_id"])
    if condition is None:
        assert set(own["item_id"]) == wanted
    else:
        assert set(own["item_id"]) <= wanted
        assert set(typed["condition_id"]) <= {condition}
    # the rows' order decides nothing: every table's rows turned round give the same frame
    turned = {name: getattr(tables, name).iloc[::-1].reset_index(drop=True) for name in SAMPLED}
    assert calcidata.evidence_profile(dataclasses.replace(tables, **turned), condition).equals(
        typed
    )
    if typed.empty:
        return
    # the rule's guarantees
    assert set(typed["certainty"].astype(str)) <= set(CERTAINTY)
    unestimable = typed["statement_code"].eq("not_estimable")
    assert (typed.loc[unestimable, "certainty"] <= "low").all()
    assert typed.loc[typed["within_arm"], "statement_code"].eq("not_estimable").all()
    down = typed[list(DOMAINS)].fillna(0).lt(0).any(axis=1)
    assert (typed.loc[down, "reasons"].str.len() > 0).all()
    risk = 1000 * typed["baseline_risk"]
    for c in ("abs_effect", "abs_ci_low", "abs_ci_high"):
        total = (risk + typed[c]).dropna()
        assert ((total >= -1e-9) & (total <= 1000 + 1e-9)).all(), c
    assert typed.loc[typed["baseline_risk"].eq(0), "abs_effect"].isna().all()
    known = set(tables.sources["source_id"])
    for ids in typed["source_ids"]:
        assert ids and set(ids.split(";")) <= known
    low, high = typed["ci_low"].to_numpy(float), typed["ci_high"].to_numpy(float)
    est = typed["estimate"].to_numpy(float)
    both = ~np.isnan(low) & ~np.isnan(high) & ~np.isnan(est)
    assert (low[both] <= est[both] + 1e-9).all() and (est[both] <= high[both] + 1e-9).all()
