"""How the public API is presented: docstring components and lazily imported names.

:class:`DocComponents` holds words about shared parameters, written once and
used in many docstrings, a small take on seaborn's ``DocstringComponents``: it
holds named pieces of numpy-style docstring text and, used as a decorator,
replaces each placeholder line ``{name}`` of the function's docstring with the
piece's lines, indented like the placeholder. Text indented under the
placeholder continues the piece's last entry (a function's own words about a
shared parameter).

:func:`lazy_names` gives a package the ``__getattr__`` and ``__dir__`` that
import some of its public names on first use (keeping heavy imports such as
matplotlib or scipy out of the package's own import).
"""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_PLACEHOLDER = re.compile(r"^(\s*)\{(\w+)\}\s*$")


class DocComponents:
    """Named docstring pieces that fill ``{name}`` placeholder lines.

    Parameters
    ----------
    **pieces : str
        Name -> numpy-style text (dedented, surrounding blank lines dropped).
    """

    def __init__(self, **pieces: str) -> None:
        self.pieces = {name: textwrap.dedent(text).strip("\n") for name, text in pieces.items()}

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


def lazy_names(
    package: str,
    names: Mapping[str, str],
    modules: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, importing ``names`` on first use.

    The one lazy-import mechanism of calcidata (the idea of scientific-python's
    ``lazy_loader``): each package that defers imports declares them here, and its
    ``__init__.pyi`` stub imports the same names eagerly so that type checkers see
    them (``tests/test_typing.py`` keeps stub and table equal).

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : mapping of str to str
        Public name -> the module that holds it.
    modules : mapping of str to str, optional
        Public name -> a whole module that the name stands for
        (``calcidata.meta`` is ``calcidata.synthesis.meta``).
    """
    module = sys.modules[package]
    whole = dict(modules or {})

    def __getattr__(name: str) -> Any:
        if name in names:
            value = getattr(importlib.import_module(names[name]), name)
        elif name in whole:
            value = importlib.import_module(whole[name])
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(module, name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(module)) | set(names) | set(whole))

    return __getattr__, __dir__
