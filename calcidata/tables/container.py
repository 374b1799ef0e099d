"""The typed container returned by :func:`calcidata.load`.

It is written out as a class so that type checkers know every attribute; a test
(``tests/test_loading.py``) checks that its table fields are exactly the schema
registry :data:`calcidata.schemas.SCHEMAS`, in registry order, followed by
``data_dir`` and ``version``: a new table is added to the registry and here, and the
test names the one that is missing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import Field, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pandas as pd

_META = ("data_dir", "version")


class _TablesMethods:
    """Behaviour of :class:`Tables`: mapping-like access in registry order."""

    # Set by @dataclass on Tables (declared here for type checkers, as dataclasses do).
    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.names():
            raise KeyError(f"no table {name!r}; tables are: {', '.join(self.names())}")
        frame: pd.DataFrame = getattr(self, name)
        return frame

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


@dataclass(frozen=True)
class Tables(_TablesMethods):
    """All calcidata tables, validated and typed.

    One frame per table of :data:`calcidata.schemas.SCHEMAS`; columns as in
    ``data/README.md``. Vocabulary columns are categoricals (ordered where the order
    means something).

    Attributes
    ----------
    data_dir : pathlib.Path
        Directory the tables were read from.
    version : str
        Content hash of the table files: the data version shown in reports.
    """

    sources: pd.DataFrame
    conditions: pd.DataFrame
    treatments: pd.DataFrame
    outcomes: pd.DataFrame
    condition_outcomes: pd.DataFrame
    dosing_ranges: pd.DataFrame
    evidence: pd.DataFrame
    review_studies: pd.DataFrame
    study_outcomes: pd.DataFrame
    risk_of_bias: pd.DataFrame
    reproductions: pd.DataFrame
    claims: pd.DataFrame
    data_dir: Path = field(compare=False)
    version: str = field(compare=False)


@cache
def _columns(name: str) -> tuple[str, ...]:
    from calcidata.schemas import SCHEMAS

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
    for name in tables.names():
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


F = TypeVar("F", bound=Callable[..., Any])


def takes_tables(fn: F) -> F:
    """Check a public function's first argument, ``tables``, before anything else."""

    @functools.wraps(fn)
    def checked(tables: object, *args: Any, **kwargs: Any) -> Any:
        require_tables(tables)
        return fn(tables, *args, **kwargs)

    return checked  # type: ignore[return-value]
