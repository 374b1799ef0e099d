"""Docstring components: words about shared parameters, written once, used in many docstrings.

A small take on seaborn's ``DocstringComponents``: a :class:`DocComponents`
holds named pieces of numpy-style docstring text; used as a decorator, it
replaces each placeholder line ``{name}`` of the function's docstring with the
piece's lines, indented like the placeholder. Text indented under the
placeholder continues the piece's last entry (a function's own words about a
shared parameter).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)

_PLACEHOLDER = re.compile(r"^(\s*)\{(\w+)\}\s*$")


class DocComponents:
    """Named docstring pieces that fill ``{name}`` placeholder lines.

    Parameters
    ----------
    **pieces : str
        Name -> numpy-style text (dedented, surrounding blank lines dropped).
    """

    def __init__(self, **pieces: str) -> None:
        self.pieces = {name: inspect.cleandoc(text) for name, text in pieces.items()}

    def fill(self, doc: str) -> str:
        """``doc`` with each placeholder line replaced by its piece (KeyError if unknown)."""
        lines = []
        for line in doc.splitlines():
            match = _PLACEHOLDER.match(line)
            if match is None:
                lines.append(line)
                continue
            indent, name = match.groups()
            lines.extend(indent + part if part else "" for part in self.pieces[name].split("\n"))
        return "\n".join(lines)

    def __call__(self, fn: F) -> F:
        """Fill ``fn``'s docstring (as a decorator)."""
        if fn.__doc__:
            fn.__doc__ = self.fill(fn.__doc__)
        return fn
