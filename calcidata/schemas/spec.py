"""What the exports know about each table, derived once from the pandera schemas.

Every writer (Data Package, JSON Schema, SQL, Parquet, Excel) reads the same
:class:`TableSpec`: nothing about a table is written by hand here. A column's
type, description, unit, allowed values (and their order), bounds, pattern,
primary key and foreign key all come from :mod:`calcidata.schemas`.

Multi-valued columns that hold foreign keys (``source_ids`` in conditions and
treatments: ids separated by ``;``) cannot be a plain foreign key in any of the
target formats. They are exported as they are (a string, with a pattern), plus
one *link table* per column (:class:`LinkSpec`, e.g. ``condition_sources``) with
one row per (row, cited id), whose columns are true foreign keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd
import pandera.pandas as pa

from calcidata.schemas import KEYS, SCHEMAS
from calcidata.schemas._base import multi_pattern


def column_kind(dtype: object) -> str:
    """The kind of a column's dtype: ``string``, ``number``, ``integer`` or ``boolean``."""
    text = str(dtype).lower()
    if "int" in text:
        return "integer"
    if "float" in text:
        return "number"
    if "bool" in text:
        return "boolean"
    return "string"


def column_meta(model: type[pa.DataFrameModel]) -> dict[str, dict[str, Any]]:
    """Column name -> calcidata metadata (unit, references, categories, ...)."""
    schema = model.to_schema()
    return {name: dict(col.metadata or {}) for name, col in schema.columns.items()}


_BOUNDS = {
    "greater_than_or_equal_to": "minimum",
    "less_than_or_equal_to": "maximum",
    "greater_than": "exclusive_minimum",
    "less_than": "exclusive_maximum",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column, as every export format needs to know it."""

    name: str
    kind: str  # "string", "number", "integer" or "boolean"
    description: str
    required: bool
    unique: bool = False
    unit: str | None = None
    references: tuple[str, str] | None = None  # (table, column)
    categories: tuple[str, ...] | None = None
    ordered: bool = False
    multi: str | None = None  # separator of several values in one cell
    pattern: str | None = None  # Python regular expression, anchored with ^ and $
    min_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None

    @property
    def is_categorical(self) -> bool:
        """A single-valued column with a controlled vocabulary (a pandas categorical)."""
        return bool(self.categories) and not self.multi

    def bounds(self) -> dict[str, float]:
        """Numeric bounds under their JSON Schema / Table Schema names (minimum, ...)."""
        names = {
            "minimum": "minimum",
            "maximum": "maximum",
            "exclusive_minimum": "exclusiveMinimum",
            "exclusive_maximum": "exclusiveMaximum",
        }
        return {
            key: getattr(self, attr)
            for attr, key in names.items()
            if getattr(self, attr) is not None
        }

    def bound_words(self) -> list[str]:
        """The numeric bounds as ``>= 0``, ``<= 2100`` ... (for the data dictionary)."""
        symbols = {
            "minimum": ">=",
            "exclusive_minimum": ">",
            "maximum": "<=",
            "exclusive_maximum": "<",
        }
        return [
            f"{sym} {getattr(self, attr)}"
            for attr, sym in symbols.items()
            if getattr(self, attr) is not None
        ]

    @property
    def value_pattern(self) -> str | None:
        """Anchored pattern every value must match, including multi-valued vocabularies."""
        if self.pattern:
            return self.pattern
        if self.categories and self.multi:
            return multi_pattern(self.categories, self.multi)
        return None


@dataclass(frozen=True)
class LinkSpec:
    """A link table that turns one multi-valued foreign-key column into rows.

    ``condition_sources`` has columns ``condition_id`` (the owning row),
    ``position`` (1-based place of the id in the cell) and ``source_id`` (the id);
    the primary key is (owner, position).
    """

    name: str
    table: str
    column: str
    owner: str  # key column of the owning table
    target_table: str
    target_column: str
    separator: str

    @property
    def columns(self) -> tuple[ColumnSpec, ...]:
        """The link table's columns."""
        return (
            ColumnSpec(
                self.owner,
                "string",
                f"Row of {self.table} ({self.owner}).",
                True,
                references=(self.table, self.owner),
            ),
            ColumnSpec(
                "position",
                "integer",
                f"Place of the id in {self.table}.{self.column} (1 = first).",
                True,
                minimum=1,
            ),
            ColumnSpec(
                self.target_column,
                "string",
                f"One id listed in {self.table}.{self.column}.",
                True,
                references=(self.target_table, self.target_column),
            ),
        )

    @property
    def key(self) -> tuple[str, str]:
        """Primary key: the owning row and the position in its cell."""
        return (self.owner, "position")

    @property
    def description(self) -> str:
        """What the link table holds."""
        return (
            f"One row per id listed in {self.table}.{self.column} (a multi-valued cell "
            f"separated by '{self.separator}'), so that the ids can be foreign keys."
        )

    def frame(self, table: pd.DataFrame) -> pd.DataFrame:
        """The link rows of ``table`` (ids in cell order; empty cells give no rows)."""
        cells = table[[self.owner, self.column]].dropna(subset=[self.column])
        lists = cells[self.column].astype(str).str.split(self.separator)
        out = pd.DataFrame({self.owner: cells[self.owner].to_numpy(), "ids": lists.to_numpy()})
        out = out.explode("ids", ignore_index=True)
        out = out[out["ids"].notna() & (out["ids"] != "")]
        out["position"] = out.groupby(self.owner, sort=False).cumcount() + 1
        out = out.rename(columns={"ids": self.target_column})
        return pd.DataFrame(
            {
                self.owner: out[self.owner].astype("str"),
                "position": out["position"].astype("int64"),
                self.target_column: out[self.target_column].astype("str"),
            }
        ).reset_index(drop=True)


@dataclass(frozen=True)
class TableSpec:
    """One table: its columns, key and links, from its pandera model."""

    name: str
    title: str
    description: str
    key: str
    columns: tuple[ColumnSpec, ...]

    def column(self, name: str) -> ColumnSpec:
        """The column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def foreign_keys(self) -> tuple[ColumnSpec, ...]:
        """Single-valued columns that reference another table's key (or this one's)."""
        return tuple(c for c in self.columns if c.references and not c.multi)

    @property
    def links(self) -> tuple[LinkSpec, ...]:
        """Link tables for the multi-valued foreign-key columns."""
        owner_word = self.key.removesuffix("_id")
        return tuple(
            LinkSpec(
                name=f"{owner_word}_{c.references[0]}",
                table=self.name,
                column=c.name,
                owner=self.key,
                target_table=c.references[0],
                target_column=c.references[1],
                separator=c.multi,
            )
            for c in self.columns
            if c.references and c.multi
        )


@cache
def table_spec(name: str) -> TableSpec:
    """The :class:`TableSpec` of table ``name``, derived from its pandera model."""
    model = SCHEMAS[name]
    schema = model.to_schema()
    meta = column_meta(model)
    columns = []
    for col, spec in schema.columns.items():
        m = meta[col]
        extra: dict[str, Any] = {}
        for check in spec.checks:
            stats = check.statistics or {}
            if check.name == "str_matches":
                vocab = m.get("categories")
                if not (vocab and m.get("multi")) or stats["pattern"] != multi_pattern(
                    vocab, m["multi"]
                ):
                    extra["pattern"] = stats["pattern"]
            elif check.name == "str_length" and stats.get("min_value"):
                extra["min_length"] = int(stats["min_value"])
            elif check.name in _BOUNDS:
                extra[_BOUNDS[check.name]] = next(iter(stats.values()))
        ref = m.get("references")
        columns.append(
            ColumnSpec(
                name=col,
                kind=column_kind(spec.dtype),
                description=spec.description or "",
                required=not spec.nullable,
                unique=bool(spec.unique),
                unit=m.get("unit"),
                references=tuple(ref.split(".", 1)) if ref else None,
                categories=m.get("categories"),
                ordered=bool(m.get("ordered")),
                multi=m.get("multi"),
                **extra,
            )
        )
    return TableSpec(
        name=name,
        title=model.Config.title,
        description=model.Config.description,
        key=KEYS[name],
        columns=tuple(columns),
    )


def specs() -> list[TableSpec]:
    """Every table's spec, in registry (dependency) order."""
    return [table_spec(name) for name in SCHEMAS]


def links() -> list[LinkSpec]:
    """Every link table, in registry order of the tables that own them."""
    return [link for spec in specs() for link in spec.links]
