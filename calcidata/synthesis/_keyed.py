"""Per-group text and row order computed on integer codes (the synthesis' frames are large).

Text keys are factorised once into integers; distinct (group, value) pairs are found
with ``np.unique`` on one integer key; joining text is the one step done per group.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True)`` of an object array, the distinct texts sorted in C.

    Factorised by hashing, then only the distinct values sorted, as fixed-width NumPy
    strings (code point order, as Python compares text); missing values stay -1. Values
    that are not all text are factorised by pandas.
    """
    code, uniques = pd.factorize(values)
    distinct = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(distinct, skipna=False) != "string":
        sorted_code, sorted_uniques = pd.factorize(values, sort=True)
        return sorted_code, np.asarray(sorted_uniques, dtype=object)
    order = np.argsort(distinct.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order), dtype=np.intp)
    return np.where(code < 0, -1, rank[np.maximum(code, 0)]), distinct[order]


def isin(values: pd.Series, names: Any) -> np.ndarray:
    """``values.isin(names)`` as a NumPy mask, each distinct value tested once."""
    code, uniques = pd.factorize(values.to_numpy(dtype=object))
    wanted = set(names)
    return np.array([u in wanted for u in uniques] + [False], dtype=bool)[code]


def ids(values: pd.Series, by: pd.Series) -> pd.Series:
    """``;``-joined sorted distinct strings per group, vectorised by position in the group.

    Values and groups are factorised (values sorted), the distinct pairs found with
    ``np.unique`` on one integer key; each group's slice of the sorted words is joined.
    """
    vcode, vuniq = sorted_codes(values.to_numpy(dtype=object))
    gcode, groups = pd.factorize(by.to_numpy())
    keep = (vcode >= 0) & (gcode >= 0)
    width = np.int64(len(vuniq) + 1)
    key = np.unique(gcode[keep].astype(np.int64) * width + vcode[keep])
    gc, vc = key // width, key % width
    text = np.asarray(vuniq, dtype=object)[vc]
    out = np.full(len(groups), "", dtype=object)
    if not len(key):
        return pd.Series(out, index=groups, dtype=object)
    starts = np.flatnonzero(np.r_[True, gc[1:] != gc[:-1]])
    ends = np.r_[starts[1:], len(gc)]
    words = text.tolist()  # joining text is the one step done per group: O(n) in all
    out[gc[starts]] = [";".join(words[a:b]) for a, b in zip(starts, ends, strict=True)]
    return pd.Series(out, index=groups, dtype=object)


def joined_keys(
    keys: np.ndarray, width: np.int64, words: np.ndarray, index: pd.Index, present: Any
) -> pd.Series:
    """Per body of ``index``: the ``;``-joined distinct words of its ``keys``.

    A key is body x ``width`` + word code + 1 (0: missing; codes in word order).
    ``present`` bodies without words get "", other bodies NaN (``None``: all get "").
    """
    key = np.unique(keys[keys % width != 0])
    gc, vc = key // width, key % width - 1
    size = int(max(index.max() if len(index) else 0, gc.max() if len(gc) else 0)) + 1
    out = np.full(size, np.nan if present is not None else "", dtype=object)
    if present is not None:
        out[np.asarray(present, dtype=np.int64)] = ""
    if len(key):
        starts = np.flatnonzero(np.r_[True, gc[1:] != gc[:-1]])
        ends = np.r_[starts[1:], len(gc)]
        text = words[vc].tolist()
        out[gc[starts]] = [";".join(text[a:b]) for a, b in zip(starts, ends, strict=True)]
    return pd.Series(out[index.to_numpy(np.int64)], index=index, dtype=object)


def lexsorted(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Row order of ``frame.sort_values(keys)``, as pandas finds it.

    Each key as sorted codes (missing last), then one stable ``np.lexsort``.
    """
    codes = []
    for c in reversed(keys):
        code, uniques = pd.factorize(frame[c].to_numpy(), sort=True)
        codes.append(np.where(code < 0, len(uniques), code))
    return np.lexsort(codes)


__all__ = ["ids", "isin", "joined_keys", "lexsorted", "sorted_codes"]
