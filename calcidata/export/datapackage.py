"""Frictionless Data Package: ``datapackage.json`` plus one CSV per table.

The Table Schemas are derived from the pandera schemas (Data Package v2):
types, descriptions, ``required``/``unique``, enums with ``categories`` and
``categoriesOrdered`` for the ordered vocabularies, bounds, patterns, the
primary key and the foreign keys. Units, which the standard has no property
for, are custom field properties: ``unit`` (a fixed unit) or ``unitField``
(the column holding each row's unit).

A multi-valued foreign-key column (``source_ids``) stays a string with a pattern;
its foreign keys are declared on a link resource (``condition_sources``...).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from calcidata import NOTICE
from calcidata._io import atomic_write
from calcidata.export import stamp
from calcidata.schemas.spec import ColumnSpec, LinkSpec, links, specs, table_spec

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"


def xsd_pattern(pattern: str) -> str:
    """A Python pattern anchored with ``^``/``$`` in XML Schema syntax (implicitly anchored).

    Table Schema patterns follow XML Schema, where ``^`` and ``$`` are literal
    characters and groups are never ``(?:...)``.
    """
    return pattern.removeprefix("^").removesuffix("$").replace("(?:", "(")


def field_descriptor(column: ColumnSpec, siblings: tuple[str, ...] = ()) -> dict[str, Any]:
    """The Table Schema field of one column."""
    field: dict[str, Any] = {
        "name": column.name,
        "type": column.kind,
        "description": column.description,
    }
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    if column.unique:
        constraints["unique"] = True
    if column.is_categorical:
        constraints["enum"] = list(column.categories or ())
        field["categories"] = list(column.categories or ())
        field["categoriesOrdered"] = column.ordered
    pattern = column.value_pattern
    if pattern:
        constraints["pattern"] = xsd_pattern(pattern)
    if column.min_length:
        constraints["minLength"] = column.min_length
    constraints.update(column.bounds())
    if constraints:
        field["constraints"] = constraints
    if column.unit:
        if column.unit in siblings:
            field["unitField"] = column.unit
        else:
            field["unit"] = column.unit
    if column.multi:
        field["separator"] = column.multi
    if column.kind == "boolean":
        field["trueValues"] = ["true"]
        field["falseValues"] = ["false"]
    return field


def _foreign_keys(table: str, columns: tuple[ColumnSpec, ...]) -> list[dict[str, Any]]:
    out = []
    for c in columns:
        if not c.references or c.multi:
            continue
        target, target_col = c.references
        reference: dict[str, Any] = {"fields": [target_col]}
        if target != table:  # Data Package v2: a self-reference omits "resource"
            reference = {"resource": target, **reference}
        out.append({"fields": [c.name], "reference": reference})
    return out


def table_schema(name: str) -> dict[str, Any]:
    """The Frictionless Table Schema of table ``name`` (a JSON-ready dict)."""
    spec = table_spec(name)
    names = tuple(c.name for c in spec.columns)
    schema = {
        "fields": [field_descriptor(c, names) for c in spec.columns],
        "missingValues": [""],
        "primaryKey": [spec.key],
    }
    fks = _foreign_keys(spec.name, spec.columns)
    if fks:
        schema["foreignKeys"] = fks
    return schema


def link_schema(link: LinkSpec) -> dict[str, Any]:
    """The Table Schema of a link resource (both id columns are foreign keys)."""
    return {
        "fields": [field_descriptor(c) for c in link.columns],
        "missingValues": [""],
        "primaryKey": list(link.key),
        "foreignKeys": _foreign_keys(link.name, link.columns),
    }


def _resource(name: str, title: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "table",
        "path": f"{name}.csv",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": title,
        "description": description,
        "schema": schema,
    }


def descriptor(version: str) -> dict[str, Any]:
    """The ``datapackage.json`` content for data version ``version``."""
    resources = [_resource(s.name, s.title, s.description, table_schema(s.name)) for s in specs()]
    resources += [
        _resource(
            link.name,
            f"{link.table} to {link.target_table} links",
            link.description,
            link_schema(link),
        )
        for link in links()
    ]
    provenance = stamp(version)
    return {
        "$schema": PROFILE,
        "name": "calcidata",
        "title": "calcidata: evidence on treating soft-tissue calcification",
        "description": (
            "Validated evidence tables (sources, conditions, treatments, dosing "
            "ranges, evidence, review studies, study outcomes). " + NOTICE
        ),
        "version": version,
        **provenance,
        "resources": resources,
    }


def csv_text(frame: pd.DataFrame, columns: tuple[ColumnSpec, ...]) -> str:
    """A frame as CSV text in calcidata's format (empty = missing, true/false)."""
    out = frame.copy()
    for c in columns:
        if c.kind == "boolean":
            values = out[c.name].astype("boolean")
            out[c.name] = values.map({True: "true", False: "false"}).astype(object)
        elif c.is_categorical:
            out[c.name] = out[c.name].astype(object)
    return out.to_csv(index=False, lineterminator="\n", na_rep="")


def write(tables: Tables, out: Path) -> list[Path]:
    """Write the data package into directory ``out``; return the files written."""
    written = []
    for spec in specs():
        written.append(
            atomic_write(out / f"{spec.name}.csv", csv_text(tables[spec.name], spec.columns))
        )
    for link in links():
        frame = link.frame(tables[link.table])
        written.append(atomic_write(out / f"{link.name}.csv", csv_text(frame, link.columns)))
    target = out / "datapackage.json"
    atomic_write(
        target, json.dumps(descriptor(tables.version), indent=2, ensure_ascii=False) + "\n"
    )
    written.append(target)
    return written


def read(directory: Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Read the tables of a data package written by :func:`write` (strings, untyped)."""
    from calcidata.export.readback import PANDAS_MISSING

    meta = json.loads((directory / "datapackage.json").read_text(encoding="utf-8"))
    frames = {}
    for spec in specs():
        frames[spec.name] = pd.read_csv(directory / f"{spec.name}.csv", dtype=str, **PANDAS_MISSING)
    return frames, meta
