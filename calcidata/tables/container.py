"""The typed container returned by :func:`calcidata.load`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Tables:
    """All calcidata tables, validated and typed.

    Attributes
    ----------
    sources, conditions, treatments, dosing_ranges, evidence : pandas.DataFrame
        One frame per table; columns as in ``data/README.md``. Vocabulary columns
        are categoricals (ordered where the order means something).
    data_dir : pathlib.Path
        Directory the tables were read from.
    version : str
        Content hash of the table files: the data version shown in reports.
    """

    sources: pd.DataFrame
    conditions: pd.DataFrame
    treatments: pd.DataFrame
    dosing_ranges: pd.DataFrame
    evidence: pd.DataFrame
    data_dir: Path = field(compare=False)
    version: str = field(compare=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.names():
            raise KeyError(f"no table {name!r}; tables are: {', '.join(self.names())}")
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def items(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """(name, frame) pairs in registry order."""
        return ((n, getattr(self, n)) for n in self.names())

    @staticmethod
    def names() -> tuple[str, ...]:
        """Table names, in registry order."""
        return tuple(f.name for f in fields(Tables) if f.name not in ("data_dir", "version"))

    def summary(self) -> pd.DataFrame:
        """Rows and columns of each table."""
        return pd.DataFrame(
            [{"table": n, "rows": len(df), "columns": df.shape[1]} for n, df in self.items()]
        )
