"""JSON Schema (draft 2020-12) of one row of each table, for non-Python users.

A row is a JSON object whose keys are the column names; an empty cell is
``null`` (or the key is left out). Required columns must be present and not
null. Keywords JSON Schema has no word for are annotations prefixed ``x-``:
``x-unit`` / ``x-unit-column``, ``x-ordered`` (the enum is in order),
``x-separator`` (several values in one string), ``x-references`` (foreign key),
and, on the schema, ``x-primary-key``, ``x-data-version``, ``x-calcidata-version``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calcidata._io import atomic_write
from calcidata.export import stamp
from calcidata.schemas.spec import ColumnSpec, specs, table_spec

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def property_schema(column: ColumnSpec, siblings: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON Schema of one column's value."""
    prop: dict[str, Any] = {"description": column.description}
    prop["type"] = column.kind if column.required else [column.kind, "null"]
    if column.is_categorical:
        prop["enum"] = list(column.categories or ()) + ([] if column.required else [None])
        if column.ordered:
            prop["x-ordered"] = True
    pattern = column.value_pattern
    if pattern:
        prop["pattern"] = pattern
    if column.min_length:
        prop["minLength"] = column.min_length
    prop.update(column.bounds())
    if column.unit:
        prop["x-unit-column" if column.unit in siblings else "x-unit"] = column.unit
    if column.multi:
        prop["x-separator"] = column.multi
    if column.references:
        prop["x-references"] = ".".join(column.references)
    return prop


def json_schema(name: str, version: str | None = None) -> dict[str, Any]:
    """The JSON Schema of one row of table ``name``.

    Parameters
    ----------
    name : str
        Table name, e.g. ``"dosing_ranges"``.
    version : str, optional
        Data version to record (``x-data-version``); omitted when None.
    """
    spec = table_spec(name)
    names = tuple(c.name for c in spec.columns)
    schema = {
        "$schema": DIALECT,
        "$id": f"{name}.schema.json",
        "title": spec.title,
        "description": spec.description,
        "type": "object",
        "properties": {c.name: property_schema(c, names) for c in spec.columns},
        "required": [c.name for c in spec.columns if c.required],
        "additionalProperties": False,
        "x-primary-key": [spec.key],
    }
    if version is not None:
        schema.update({f"x-{k.replace('_', '-')}": v for k, v in stamp(version).items()})
    return schema


def write(tables: Tables, out: Path) -> list[Path]:
    """Write ``<table>.schema.json`` for every table into ``out``."""
    return [
        atomic_write(
            out / f"{s.name}.schema.json",
            json.dumps(json_schema(s.name, tables.version), indent=2, ensure_ascii=False) + "\n",
        )
        for s in specs()
    ]
