"""The estimate's row choices on arrays against the rules written out row by row.

:func:`calcidata.synthesis.estimate.estimate_bodies` picks each body's best review
and one item per study with sorts on integer keys (ties, missing values and the
order of bodies are where such sorts go wrong); here the same choices are made by
Python's stable ``sorted`` on readable keys, over random items full of ties.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from calcidata.synthesis import estimate


def random_items(seed: int, n: int = 600) -> pd.DataFrame:
    """Items with few distinct values per column (many ties) and missing values."""
    rng = np.random.default_rng(seed)

    def maybe(values: np.ndarray, share: float) -> np.ndarray:
        out = values.astype(float)
        out[rng.random(n) < share] = np.nan
        return out

    studies = np.array([f"s{i}" for i in range(12)] + ["S1", "a"], dtype=object)
    study = studies[rng.integers(0, len(studies), n)]
    study[rng.random(n) < 0.1] = None
    year = np.array([int(y) for y in rng.integers(2000, 2004, n)], dtype=object)
    year[rng.random(n) < 0.2] = pd.NA
    return pd.DataFrame(
        {
            "body_id": rng.permutation(np.arange(40))[rng.integers(0, 40, n)],
            "item_id": rng.permutation([f"i{i:04d}" for i in range(n)]).astype(object),
            "kind": pd.Series(rng.choice(["evidence", "arms"], n), dtype="str"),
            "source_id": np.array([f"src{i}" for i in rng.integers(0, 9, n)], dtype=object),
            "study_id": pd.Series(study, dtype=object),
            "study_design": rng.choice(["rct", "systematic_review", "cohort"], n).astype(object),
            "effect_measure": rng.choice(["RR", "MD", "OR"], n).astype(object),
            **{c: maybe(rng.integers(0, 3, n), 0.3) for c in estimate._FLOATS},
            "n_participants": maybe(rng.integers(10, 13, n), 0.3),
            "level": rng.integers(0, 3, n),
            "year": pd.Series(year, dtype=object),
            "depth": rng.integers(0, 2, n),
            "order": rng.integers(0, 3, n),
            "within_arm": rng.random(n) < 0.1,
        }
    )


def low_last(x: float) -> tuple[bool, float]:  # lowest first, unknown last
    return (math.isnan(x), 0.0 if math.isnan(x) else x)


def first_of_each(rows: list[int], key: object) -> list[int]:
    seen, out = set(), []
    for r in rows:
        if key(r) not in seen:
            seen.add(key(r))
            out.append(r)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_best_row_of_each_body_is_the_rule_row_by_row(seed):
    items = random_items(seed)
    a, _, _ = estimate._arrays(items)
    at = np.flatnonzero(np.random.default_rng(seed).random(len(items)) < 0.7)
    got = estimate._best(a, at)
    d = items.to_dict("list")
    year = [math.nan if pd.isna(y) else float(y) for y in d["year"]]
    rows = sorted(
        at.tolist(),
        key=lambda r: (d["body_id"][r], -d["level"][r], low_last(-d["n_participants"][r]),
                       low_last(-year[r]), d["depth"][r], d["item_id"][r]),
    )  # fmt: skip
    assert got.tolist() == first_of_each(rows, lambda r: d["body_id"][r])


@pytest.mark.parametrize("seed", range(6))
def test_one_item_per_study_is_the_rule_row_by_row(seed):
    items = random_items(seed)
    a, _, _ = estimate._arrays(items)
    at = np.flatnonzero(np.random.default_rng(seed).random(len(items)) < 0.8)
    got, codes = estimate._one_per_study(a, at)
    d = items.to_dict("list")

    def rank(r: int) -> int:  # arm numbers, then a CI, then an estimate
        has_y = not math.isnan(d["yi"][r])
        first = 0 if has_y and d["kind"][r] == "arms" else 1 if has_y else 2
        return first + (math.isnan(d["estimate"][r]) and d["kind"][r] == "evidence")

    def study(r: int) -> tuple[bool, str]:  # an unknown study first
        return (
            not pd.isna(d["study_id"][r]),
            "" if pd.isna(d["study_id"][r]) else d["study_id"][r],
        )

    rows = sorted(
        at.tolist(),
        key=lambda r: (d["body_id"][r], study(r), rank(r), low_last(-d["n_participants"][r]),
                       d["item_id"][r], d["order"][r]),
    )  # fmt: skip
    assert got.tolist() == first_of_each(rows, lambda r: (d["body_id"][r], study(r)))
    assert len(set(zip(items["body_id"].to_numpy()[got], codes, strict=True))) == len(got)
