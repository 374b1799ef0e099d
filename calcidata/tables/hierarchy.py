"""Walks over a parent-link hierarchy (the condition tree): one helper for every walk.

A hierarchy is a mapping ``node -> parent`` (``None`` for a root), as read from
a table with :func:`parents_of`. Every function is pure, uses the standard
library only, and never loops forever on a cycle (cycles are a validation
error, reported by :func:`cycles`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

__all__ = ["ancestors", "cycles", "depth", "descendants", "parents_of"]


def parents_of(frame: Any, key: str, parent: str = "parent_id") -> dict[str, str | None]:
    """``id -> parent id`` (``None`` for a root) from a frame with an id and a parent column.

    Parameters
    ----------
    frame : pandas.DataFrame
        For example the conditions table.
    key : str
        Name of the id column (``condition_id``).
    parent : str
        Name of the parent column; a missing value (not a string) means a root.

    Returns
    -------
    dict
    """
    return {
        node: (up if isinstance(up, str) else None)
        for node, up in zip(frame[key], frame[parent], strict=True)
    }


def ancestors(parents: Mapping[str, str | None], node: str) -> list[str]:
    """The broader nodes of ``node``, nearest first (the node itself not included).

    A parent missing from ``parents`` ends the chain; so does a cycle.
    """
    out: list[str] = []
    seen = {node}
    up = parents.get(node)
    while up is not None and up not in seen:
        out.append(up)
        seen.add(up)
        up = parents.get(up)
    return out


def depth(parents: Mapping[str, str | None], node: str) -> int:
    """Number of ancestors of ``node``: 0 for a root."""
    return len(ancestors(parents, node))


def _children(
    parents: Mapping[str, str | None], order: Callable[[str], Any] | None
) -> dict[str, list[str]]:
    nodes: Iterable[str] = parents if order is None else sorted(parents, key=order)
    children: dict[str, list[str]] = {}
    for node in nodes:
        up = parents[node]
        if up is not None:
            children.setdefault(up, []).append(node)
    return children


def descendants(
    parents: Mapping[str, str | None],
    node: str,
    order: Callable[[str], Hashable] | None = None,
) -> list[str]:
    """``node`` and every narrower node below it, depth first, ``node`` first.

    Parameters
    ----------
    parents : mapping
        ``node -> parent`` (``None`` for a root).
    node : str
        The top of the subtree; it need not be a key of ``parents``.
    order : callable, optional
        Sort key of siblings (for example the name of a condition); default the
        order of ``parents``.

    Returns
    -------
    list of str
    """
    children = _children(parents, order)
    out: list[str] = []
    seen: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if current in seen:  # a cycle: never loop on it
            continue
        seen.add(current)
        out.append(current)
        stack.extend(reversed(children.get(current, [])))
    return out


def cycles(parents: Mapping[str, str | None]) -> list[list[str]]:
    """Each cycle of parent links once, as the list of its nodes (starting at its smallest).

    Returns
    -------
    list of list of str
        Empty for a proper hierarchy; cycles sorted by their first node.
    """
    found: dict[tuple[str, ...], list[str]] = {}
    for start in parents:
        path: list[str] = []
        index: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in index:
            index[node] = len(path)
            path.append(node)
            node = parents.get(node)
        if node is None:
            continue
        loop = path[index[node] :]
        first = loop.index(min(loop))
        loop = loop[first:] + loop[:first]
        found.setdefault(tuple(loop), loop)
    return [found[k] for k in sorted(found)]
