"""The typed container returned by :func:`calcidata.load`.

Its fields are derived from the schema registry :data:`calcidata.schemas.SCHEMAS`:
one :class:`pandas.DataFrame` attribute per table, in registry order, then
``data_dir`` and ``version``. A new table is added in one place, the registry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import field, fields, make_dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import pandas as pd

from calcidata.schemas import SCHEMAS

_META = ("data_dir", "version")


class _TablesMethods:
    """Behaviour of :class:`Tables`: mapping-like access in registry order."""

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.names():
            raise KeyError(f"no table {name!r}; tables are: {', '.join(self.names())}")
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def items(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """(name, frame) pairs in registry order."""
        return ((n, getattr(self, n)) for n in self.names())

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Table names, in registry order."""
        return tuple(f.name for f in fields(cls) if f.name not in _META)

    def summary(self) -> pd.DataFrame:
        """Rows and columns of each table."""
        return pd.DataFrame(
            [{"table": n, "rows": len(df), "columns": df.shape[1]} for n, df in self.items()]
        )


Tables = make_dataclass(
    "Tables",
    [(name, pd.DataFrame) for name in SCHEMAS]
    + [("data_dir", Path, field(compare=False)), ("version", str, field(compare=False))],
    bases=(_TablesMethods,),
    frozen=True,
)
Tables.__module__ = __name__
Tables.__doc__ = f"""All calcidata tables, validated and typed.

Attributes
----------
{", ".join(SCHEMAS)} : pandas.DataFrame
    One frame per table of :data:`calcidata.schemas.SCHEMAS`; columns as in
    ``data/README.md``. Vocabulary columns are categoricals (ordered where the
    order means something).
data_dir : pathlib.Path
    Directory the tables were read from.
version : str
    Content hash of the table files: the data version shown in reports.
"""


@cache
def _columns(name: str) -> tuple[str, ...]:
    return tuple(SCHEMAS[name].to_schema().columns)


def require_tables(tables: object, argument: str = "tables") -> None:
    """Refuse anything but a :class:`Tables` whose frames have every schema column.

    Raises :class:`~calcidata.errors.ArgumentTypeError` (also a ``TypeError``)
    for another object (None, a DataFrame, a dict), and
    :class:`~calcidata.errors.ParameterError` naming the table and the columns
    when a frame lacks some, instead of pandas' ``AttributeError`` or ``KeyError``.
    """
    from calcidata.errors import ArgumentTypeError, ParameterError

    if not isinstance(tables, Tables):
        raise ArgumentTypeError(
            f"{argument} must be calcidata.Tables, as calcidata.load() returns it; "
            f"got {type(tables).__name__}"
        )
    for name in SCHEMAS:
        frame = getattr(tables, name)
        if not isinstance(frame, pd.DataFrame):
            raise ArgumentTypeError(
                f"{argument}.{name} must be a pandas DataFrame; got {type(frame).__name__}"
            )
        missing = [c for c in _columns(name) if c not in frame.columns]
        if missing:
            raise ParameterError(
                f"{argument}.{name} has no column {', '.join(map(repr, missing))}; "
                "load the tables with calcidata.load()"
            )


F = TypeVar("F", bound=Callable)


def takes_tables(fn: F) -> F:
    """Check a public function's first argument, ``tables``, before anything else."""

    @functools.wraps(fn)
    def checked(tables, *args, **kwargs):
        require_tables(tables)
        return fn(tables, *args, **kwargs)

    return checked  # type: ignore[return-value]
