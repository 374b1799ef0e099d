"""The items' key codes: a text key encoded once, then mapped and grouped on its codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calcidata.synthesis._item_rows import encoded
from calcidata.synthesis._keyed import combined

TEXT = pd.Series(["b", None, "a", "b", "A ", None], dtype="str")


def test_codes_give_back_the_values_with_none_for_missing() -> None:
    coded = encoded(TEXT)
    assert coded.values().tolist() == ["b", None, "a", "b", "A ", None]
    assert (coded.codes < 0).tolist() == TEXT.isna().tolist()


def test_categories_are_encoded_without_their_unused_values_showing() -> None:
    values = pd.Series(["x", None, "x"], dtype=pd.CategoricalDtype(["x", "unused"]))
    assert encoded(values).values().tolist() == ["x", None, "x"]


def test_map_test_and_recoded_call_the_function_once_per_distinct_value() -> None:
    coded, calls = encoded(TEXT), []

    def lower(w: str | None) -> str:
        calls.append(w)
        return "missing" if w is None else w.strip().lower()

    recoded = coded.recoded(lower)
    assert sorted(calls, key=str) == sorted(["b", "a", "A ", None], key=str)
    assert recoded.values().tolist() == ["b", "missing", "a", "b", "a", "missing"]
    # values that map to the same result share one code
    assert recoded.codes[2] == recoded.codes[4] != recoded.codes[0]
    assert coded.test(lambda w: w == "b").tolist() == [True, False, False, True, False, False]
    assert coded.map(lambda w: w is None).tolist() == TEXT.isna().tolist()
    assert coded.take(np.array([2, 0])).values().tolist() == ["a", "b"]


def test_combined_numbers_groups_as_groupby_ngroup_with_missing_as_a_value() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.integers(-1, 4, 500), "b": rng.integers(-1, 7, 500),
                          "c": rng.integers(0, 2, 500)})  # fmt: skip
    expected = frame.replace(-1, np.nan).groupby(["a", "b", "c"], sort=False, dropna=False).ngroup()
    got = combined([frame[k].to_numpy(np.int64) for k in ["a", "b", "c"]])
    assert got.tolist() == expected.tolist()


def test_outcome_keys_group_as_their_texts_even_when_an_id_reads_like_a_text() -> None:
    from calcidata.schemas.outcomes import OPEN_OUTCOMES
    from calcidata.synthesis.items import _outcome_keys

    open_id = OPEN_OUTCOMES[0]
    for odd in ("pain", f"{open_id}|text:pain"):  # the second reads as row 2's key
        ids = pd.Series([odd, None, open_id, odd, None, "x"], dtype="str")
        texts = pd.Series(["a", "Pain ", "pain", "b", "pain", "c"], dtype=object)
        keys, codes = _outcome_keys(texts, encoded(ids))
        expected = [odd, "text:pain", f"{open_id}|text:pain", odd, "text:pain", "x"]
        assert keys.tolist() == expected
        assert codes.tolist() == pd.factorize(keys)[0].tolist()
