"""The one tree walk: ancestors, descendants, depth, cycles and parents read from a frame."""

from __future__ import annotations

import pandas as pd

from calcidata.tables.hierarchy import ancestors, cycles, depth, descendants, parents_of

TREE = {"root": None, "b": "root", "a": "root", "a1": "a", "a2": "a", "other": None}


def test_parents_of_reads_missing_parents_as_roots():
    frame = pd.DataFrame({"condition_id": ["x", "y"], "parent_id": [pd.NA, "x"]})
    assert parents_of(frame, "condition_id") == {"x": None, "y": "x"}


def test_ancestors_and_depth_go_up_to_the_root():
    assert ancestors(TREE, "a2") == ["a", "root"]
    assert ancestors(TREE, "root") == []
    assert depth(TREE, "a2") == 2 and depth(TREE, "other") == 0


def test_descendants_are_depth_first_with_the_node_first_and_siblings_ordered():
    assert descendants(TREE, "root", order=str) == ["root", "a", "a1", "a2", "b"]
    assert descendants(TREE, "root") == ["root", "b", "a", "a1", "a2"]  # table order
    assert descendants(TREE, "a1") == ["a1"]
    assert descendants(TREE, "unknown") == ["unknown"]


def test_walks_stop_on_a_cycle_and_cycles_lists_each_once():
    loop = {"x": "z", "y": "x", "z": "y", "ok": None, "tail": "x"}
    assert sorted(ancestors(loop, "tail")) == ["x", "y", "z"]
    assert sorted(descendants(loop, "x")) == ["tail", "x", "y", "z"]
    assert cycles(loop) == [["x", "z", "y"]]
    assert cycles(TREE) == []
    assert cycles({"self": "self"}) == [["self"]]
