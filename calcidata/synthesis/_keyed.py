"""Per-group text and row order computed on integer codes (the synthesis' frames are large).

Text keys are factorised once into integers; distinct (group, value) pairs are found
by sorting one integer key; joining text is the one step done per group. :class:`Groups`
sorts rows by their body once and reduces any column over that order (``any``, ``max``,
``first``, joined texts), as ``groupby(...).<reduction>().reindex(...)`` would.

``np.unique`` is not used on these keys: NumPy 2.x finds distinct values by hashing,
then sorts them, which on 10^5 integers is some 30 times slower than one sort.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` of an integer array: its distinct values, sorted, by one sort."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def stable_order(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")``, in O(n) for integers within 0 and 65,535.

    NumPy radix-sorts 16-bit integers (ids of bodies are small integers); wider ones
    are merge-sorted. A stable order is one order, so the result is the same.
    """
    if len(values) and values.dtype.kind in "iu" and values.min() >= 0 and values.max() < 2**16:
        values = values.astype(np.uint16)
    return np.argsort(values, kind="stable")


def first_at(values: np.ndarray) -> np.ndarray:
    """``np.unique(values, return_index=True)[1]``: where each distinct value first occurs.

    Positions in the order of the sorted distinct values (one stable sort).
    """
    order = stable_order(values)
    ordered = values[order]
    return order[np.r_[True, ordered[1:] != ordered[:-1]]] if len(order) else order


def combined(codes: list[np.ndarray]) -> np.ndarray:
    """One code per row for its combination of ``codes``, numbered in order of first row.

    A missing value (-1) is a value of its own, as in ``groupby(dropna=False).ngroup()``.
    """
    out = np.zeros(len(codes[0]), dtype=np.int64)
    for code in codes:  # any one-to-one numbering of each key's values gives the same groups
        width = int(code.max(initial=-1)) + 2
        if int(out.max(initial=0)) >= 2**62 // width:  # renumbered before it could overflow
            out = pd.factorize(out)[0].astype(np.int64)
        out = out * width + code + 1
    return pd.factorize(out)[0].astype(np.int64)


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)`` of an object array, only the distinct texts sorted.

    Factorised by hashing, then the distinct values sorted by Python (code point order,
    as NumPy orders text; Python's sort is the faster, twice so on long texts); missing
    values stay -1. Values that are not all text are factorised by pandas.
    """
    code, uniques = pd.factorize(values)
    distinct = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(distinct, skipna=False) != "string":
        sorted_code, sorted_uniques = pd.factorize(values, sort=True)
        return sorted_code, np.asarray(sorted_uniques, dtype=object)
    texts = distinct.tolist()
    order = np.asarray(sorted(range(len(texts)), key=texts.__getitem__), dtype=np.intp)
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order), dtype=np.intp)
    return np.where(code < 0, -1, rank[np.maximum(code, 0)]), distinct[order]


def sort_key(
    factorized: tuple[np.ndarray, np.ndarray],
    fn: Callable[[Any], Any] | None = None,
    missing: Any = None,
) -> np.ndarray:
    """A sort key of each row of a factorised column: ``fn`` of its value, else the value.

    ``fn`` runs once per distinct value (``missing`` stands for a missing one); integer
    keys are kept, texts become their ranks among the sorted distinct texts, missing last
    (where ``sort_values`` puts them).
    """
    code, uniques = factorized
    values = np.asarray([*(uniques if fn is None else map(fn, uniques)), missing])
    if values.dtype.kind != "i":
        rank, distinct = sorted_codes(values.astype(object))
        values = np.where(rank < 0, len(distinct), rank)
    key: np.ndarray = values[code]
    return key


def isin(values: pd.Series, names: Any) -> np.ndarray:
    """``values.isin(names)`` as a NumPy mask, each distinct value tested once."""
    code, uniques = pd.factorize(values.to_numpy(dtype=object))
    wanted = set(names)
    return np.array([u in wanted for u in uniques] + [False], dtype=bool)[code]


def matches(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` of the pairs ``left[i] == right[j]``, as an inner merge orders them.

    Left positions in order, each with its right matches in their order; missing
    values match each other (as in :meth:`pandas.DataFrame.merge`).
    """
    codes = pd.factorize(np.concatenate([left, right]), use_na_sentinel=False)[0]
    lc, rc = codes[: left.size], codes[left.size :]
    by_key = np.argsort(rc, kind="stable")  # right positions grouped by key, in order
    count = np.bincount(rc, minlength=codes.max(initial=-1) + 1)
    n = count[lc]  # matches of each left position
    i = np.repeat(np.arange(left.size), n)
    # the k-th pair of left i is the k-th right position of its key
    k = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    return i, by_key[(np.cumsum(count) - count)[lc][i] + k]


def joined_keys(
    keys: np.ndarray, width: np.int64, words: np.ndarray, index: pd.Index, present: Any
) -> pd.Series:
    """Per body of ``index``: the ``;``-joined distinct words of its ``keys``.

    A key is body x ``width`` + word code + 1 (0: missing; codes in word order).
    ``present`` bodies without words get "", other bodies NaN (``None``: all get "").
    """
    key = distinct(keys[keys % width != 0])
    gc, vc = key // width, key % width - 1
    size = int(max(index.max() if len(index) else 0, gc.max() if len(gc) else 0)) + 1
    out = np.full(size, np.nan if present is not None else "", dtype=object)
    if present is not None:
        out[np.asarray(present, dtype=np.int64)] = ""
    if len(key):
        starts = np.flatnonzero(np.r_[True, gc[1:] != gc[:-1]])
        ends = np.r_[starts[1:], len(gc)]
        text = words[vc].tolist()
        out[gc[starts]] = [
            ";".join(text[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
        ]
    return pd.Series(out[index.to_numpy(np.int64)], index=index, dtype=object)


class Groups:
    """Rows grouped by an integer key (a body id), for per-group reductions in NumPy.

    One stable sort of the key; each reduction returns one value per label of ``index``
    (in its order), as ``groupby(key).<reduction>().reindex(index)`` would, groups
    absent from the rows getting ``absent``.
    """

    def __init__(self, by: np.ndarray, index: pd.Index) -> None:
        self.order = stable_order(by)
        ordered = by[self.order]
        starts = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, bool)
        #: where each group starts among the sorted rows, and the group of each sorted row
        self.starts = np.flatnonzero(starts)
        self.group = np.cumsum(starts) - 1
        at = index.get_indexer(pd.Index(ordered[self.starts]))
        self._found, self._at, self._size = at >= 0, at[at >= 0], len(index)
        #: position in ``index`` of every row (in the rows' own order), -1 when absent
        self.rows = np.empty(len(by), dtype=np.intp)
        self.rows[self.order] = at[self.group]

    def _place(self, per_group: np.ndarray, absent: Any) -> np.ndarray:
        out = np.full(self._size, absent, dtype=per_group.dtype)
        out[self._at] = per_group[self._found]
        return out

    def of_rows(self, per_label: np.ndarray, absent: Any) -> np.ndarray:
        """A value per label of ``index`` spread to the rows (rows of no label: ``absent``)."""
        return np.where(self.rows >= 0, per_label[self.rows], absent)

    def first_rows(self) -> np.ndarray:
        """Each label's first row (position in the rows), -1 when it has none."""
        return self._place(self.order[self.starts], -1)

    def least_rows(self, rank: np.ndarray) -> np.ndarray:
        """Each label's row of the smallest ``rank`` (ties: the first), -1 when it has none."""
        by_rank = np.lexsort((rank[self.order], self.group))  # stable: ties keep row order
        return self._place(self.order[by_rank[self.starts]], -1)

    def size(self) -> np.ndarray:
        """The number of rows of each label."""
        return self._place(np.diff(np.r_[self.starts, len(self.order)]), 0)

    def any(self, mask: np.ndarray) -> np.ndarray:
        """Whether any row of each label is true (``absent``: False)."""
        if not len(self.starts):
            return np.zeros(self._size, dtype=bool)
        return self._place(np.logical_or.reduceat(mask[self.order], self.starts), False)

    def max(self, values: np.ndarray, absent: Any) -> np.ndarray:
        """The largest value of each label's rows (integers)."""
        if not len(self.starts):
            return np.full(self._size, absent)
        return self._place(np.maximum.reduceat(values[self.order], self.starts), absent)

    def joined(self, values: np.ndarray, absent: Any) -> np.ndarray:
        """Per label: its rows' distinct texts, sorted and ``;``-joined ("" when none).

        A label of one row takes its text as it is; each larger one sorts its own set.
        """
        ordered = values[self.order]
        ends = np.r_[self.starts[1:], len(ordered)]
        single = ends - self.starts == 1
        per_group = np.full(len(self.starts), "", dtype=object)
        one = ordered[self.starts[single]]
        per_group[single] = np.where(pd.notna(one), one, "")
        texts = ordered.tolist()
        per_group[~single] = [
            ";".join(sorted({t for t in texts[a:b] if isinstance(t, str)}))
            for a, b in zip(self.starts[~single].tolist(), ends[~single].tolist(), strict=True)
        ]
        return self._place(per_group, absent)

    def first(self, values: np.ndarray) -> np.ndarray:
        """Each label's first non-missing value, as ``groupby().first()`` finds it.

        A group with only missing values gets None (text) or NaN (numbers); a label
        without rows gets NaN.
        """
        ordered = values[self.order]
        ok = np.flatnonzero(pd.notna(ordered))
        group = self.group[ok]
        take = ok[np.r_[True, group[1:] != group[:-1]]] if len(ok) else ok
        numbers = values.dtype.kind == "f"
        per_group = np.full(len(self.starts), np.nan if numbers else None, dtype=values.dtype)
        per_group[self.group[take]] = ordered[take]
        return self._place(per_group, np.nan)


__all__ = [
    "Groups",
    "combined",
    "distinct",
    "first_at",
    "isin",
    "joined_keys",
    "matches",
    "sort_key",
    "sorted_codes",
    "stable_order",
]
