"""The synthesis' integer-coded helpers give what the pandas operations they replace give.

Checked on random data with repeats, missing values, empty inputs and body ids too large
for the 16-bit radix sort.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calcidata.synthesis._keyed import (
    Groups,
    distinct,
    first_at,
    sort_key,
    sorted_codes,
    stable_order,
)


@pytest.fixture(params=[0, 1, 2])
def rows(request):
    """Rows of 40 bodies (ids 0..39, or ids beyond 65,535) with text, numbers and flags."""
    rng = np.random.default_rng(request.param)
    n = 500
    offset = 70_000 if request.param == 2 else 0
    words = np.array(["b", "a", "ab", "B", "é", "a b", None, np.nan], dtype=object)
    return pd.DataFrame({
        "body": rng.integers(0, 40, n) + offset,
        "text": words[rng.integers(0, len(words), n)],
        "number": np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
        "flag": rng.random(n) < 0.1,
    })  # fmt: skip


def test_distinct_and_first_at_are_numpy_unique(rows):
    body = rows["body"].to_numpy()
    assert np.array_equal(distinct(body), np.unique(body))
    assert np.array_equal(first_at(body), np.unique(body, return_index=True)[1])
    assert np.array_equal(stable_order(body), np.argsort(body, kind="stable"))
    empty = np.zeros(0, dtype=np.int64)
    assert len(distinct(empty)) == 0 and len(first_at(empty)) == 0


def test_groups_reduce_as_groupby_then_reindex(rows):
    index = pd.Index(np.r_[rows["body"].unique(), [10**6]])  # one label without rows
    g = Groups(rows["body"].to_numpy(), index)
    by = rows.groupby("body")
    assert np.array_equal(g.any(rows["flag"].to_numpy()),
                          by["flag"].any().reindex(index).fillna(False).to_numpy(bool))  # fmt: skip
    assert np.array_equal(g.size(), by.size().reindex(index).fillna(0).to_numpy())
    number = by["number"].first().reindex(index).to_numpy()
    assert np.array_equal(g.first(rows["number"].to_numpy()), number, equal_nan=True)
    text = by["text"].first().reindex(index)
    assert [repr(x) for x in g.first(rows["text"].to_numpy(object))] == [repr(x) for x in text]
    first = g.first_rows()
    assert first[-1] == -1
    assert np.array_equal(first[:-1], [np.flatnonzero(rows["body"] == b)[0] for b in index[:-1]])
    assert np.array_equal(g.of_rows(np.arange(len(index)), -1), index.get_indexer(rows["body"]))
    joined = g.joined(rows["text"].to_numpy(object), np.nan)
    expected = (  # each body's distinct texts, sorted; the label without rows: NaN
        by["text"].agg(lambda s: ";".join(sorted({t for t in s if isinstance(t, str)})))
    ).reindex(index)
    assert [repr(x) for x in joined] == [repr(x) for x in expected]
    rank = np.random.default_rng(len(rows)).integers(0, 5, len(rows))  # many ties
    least = [np.flatnonzero(rows["body"] == b)[np.argmin(rank[rows["body"] == b])]
             for b in index[:-1]]  # fmt: skip
    assert np.array_equal(g.least_rows(rank), [*least, -1])  # ties: the first row


def test_sorted_codes_and_sort_keys_order_as_pandas(rows):
    text = rows["text"].to_numpy(object)
    code, uniques = sorted_codes(text)
    expected_code, expected = pd.factorize(text, sort=True)
    assert np.array_equal(code, expected_code) and list(uniques) == list(expected)
    key = sort_key(pd.factorize(text))  # missing values sort last
    frame = pd.DataFrame({"text": text, "key": key})
    by_pandas = frame.sort_values("text", kind="stable").index
    assert np.array_equal(np.argsort(key, kind="stable"), by_pandas)
    lengths = sort_key(pd.factorize(text), len, -1)  # integers are kept as they are
    assert lengths.dtype.kind == "i"
    assert np.array_equal(lengths, [len(t) if isinstance(t, str) else -1 for t in text])
