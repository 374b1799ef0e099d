"""Parquet (one file per table) and Excel (one sheet per table) exports.

Parquet keeps the pandas dtypes: vocabulary columns are dictionary-encoded with
every level, in order, and ordered where the schema says so, so
``pandas.read_parquet`` gives back the categoricals :func:`calcidata.load`
gives. Each file's metadata records the versions (key ``calcidata``) and each
field's metadata its description and unit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from calcidata import NOTICE
from calcidata._extras import require
from calcidata._io import atomic_path
from calcidata.export import stamp
from calcidata.schemas.spec import specs

if TYPE_CHECKING:
    from calcidata.tables.container import Tables

META_KEY = b"calcidata"


def write_parquet(tables: Tables, out: Path) -> list[Path]:
    """Write ``<table>.parquet`` for every table into ``out`` (the ``parquet`` extra)."""
    require("parquet", "the Parquet export")
    import pyarrow as pa
    import pyarrow.parquet as pq

    written = []
    for s in specs():
        table = pa.Table.from_pandas(tables[s.name], preserve_index=False)
        fields = []
        for f in table.schema:
            c = s.column(f.name)
            meta = {"description": c.description}
            if c.unit:
                meta["unit"] = c.unit
            if c.references:
                meta["references"] = ".".join(c.references)
            fields.append(f.with_metadata({k: v.encode() for k, v in meta.items()}))
        info = {
            **stamp(tables.version),
            "table": s.name,
            "title": s.title,
            "description": s.description,
            "primary_key": [s.key],
        }
        schema = pa.schema(
            fields, metadata={**(table.schema.metadata or {}), META_KEY: json.dumps(info).encode()}
        )
        table = table.cast(schema)
        target = out / f"{s.name}.parquet"
        with atomic_path(target) as tmp:
            pq.write_table(table, tmp)
        written.append(target)
    return written


def read_parquet(directory: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read the Parquet export back with pandas; return frames and the recorded stamp."""
    require("parquet", "reading a Parquet export")
    import pyarrow.parquet as pq

    frames: dict[str, pd.DataFrame] = {}
    meta: dict[str, str] = {}
    for s in specs():
        path = directory / f"{s.name}.parquet"
        frames[s.name] = pd.read_parquet(path)
        meta = json.loads(pq.read_schema(path).metadata[META_KEY])
    return frames, meta


def _dictionary_sheet() -> pd.DataFrame:
    rows = []
    for s in specs():
        for c in s.columns:
            allowed = ""
            if c.categories:
                allowed = (" < " if c.ordered else ", ").join(c.categories)
            rows.append(
                {
                    "table": s.name,
                    "column": c.name,
                    "type": c.kind,
                    "required": c.required,
                    "unit": c.unit or "",
                    "allowed values": allowed,
                    "references": ".".join(c.references) if c.references else "",
                    "separator": c.multi or "",
                    "description": c.description,
                }
            )
    return pd.DataFrame(rows)


def _text_as_text(sheet: Any) -> None:  # an openpyxl worksheet (openpyxl ships no types)
    """Store every text cell as text, never as a formula (a spreadsheet never runs it).

    openpyxl takes a string that starts with ``=`` for a formula; a cell such as
    ``=HYPERLINK(...)`` from a table would then be live in the workbook and read
    back as nothing. Typed as a string it is shown, and read back, as written
    (OWASP's advice on formula injection, without altering the value).
    """
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


def write_xlsx(tables: Tables, target: Path) -> Path:
    """Write one workbook: an ``about`` sheet, a ``columns`` sheet, then one sheet per table.

    Text cells are stored as text, never as formulas (see :func:`_text_as_text`).
    Needs the ``excel`` extra (openpyxl).
    """
    require("excel", "the Excel export")
    info = stamp(tables.version)
    about = pd.DataFrame(
        {
            "item": ["data_version", "calcidata_version", "note", "tables"],
            "value": [
                info["data_version"],
                info["calcidata_version"],
                NOTICE + " Empty cells mean not reported.",
                ", ".join(s.name for s in specs()),
            ],
        }
    )
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            about.to_excel(writer, sheet_name="about", index=False)
            _dictionary_sheet().to_excel(writer, sheet_name="columns", index=False)
            for s in specs():
                frame = tables[s.name].copy()
                for c in s.columns:
                    if c.is_categorical:
                        frame[c.name] = frame[c.name].astype(object)
                frame.to_excel(writer, sheet_name=s.name, index=False)
                sheet = writer.sheets[s.name]
                sheet.freeze_panes = "A2"
            for sheet in writer.book.worksheets:
                _text_as_text(sheet)
            props = writer.book.properties
            props.title = "calcidata tables"
            props.version = info["calcidata_version"]
            props.keywords = f"data_version={info['data_version']}"
            props.description = json.dumps(info)
    return target


def read_xlsx(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read the workbook back: cells as written, only an empty cell missing (no text is)."""
    require("excel", "reading an Excel export")
    from calcidata.export.readback import PANDAS_MISSING

    sheets = pd.read_excel(
        path, sheet_name=["about", *(s.name for s in specs())], dtype=object, **PANDAS_MISSING
    )
    frames = {s.name: sheets[s.name] for s in specs()}
    about = sheets["about"]
    items = dict(zip(about["item"], about["value"], strict=True))
    meta = {"data_version": items["data_version"], "calcidata_version": items["calcidata_version"]}
    return frames, meta
