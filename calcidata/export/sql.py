"""SQLite and DuckDB databases with primary and foreign keys declared.

The DDL is derived from the table specs: one ``CREATE TABLE`` per table with
types, ``NOT NULL``, the primary key, foreign keys and ``CHECK`` constraints
(vocabularies, bounds, booleans), plus a link table per multi-valued
foreign-key column (``condition_sources``...). In DuckDB the ordered
vocabularies become ``ENUM`` types, so ``ORDER BY certainty`` and
``certainty >= 'moderate'`` follow the declared order; SQLite has no such type,
so both databases carry the levels in ``calcidata_levels``.

Three tables describe the database itself: ``calcidata_metadata`` (data version,
calcidata version), ``calcidata_columns`` (the data dictionary) and
``calcidata_levels`` (every vocabulary, in order).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from calcidata._extras import require
from calcidata._io import atomic_path
from calcidata.errors import FileAccessError
from calcidata.export import stamp
from calcidata.schemas.spec import ColumnSpec, LinkSpec, TableSpec, links, specs
from calcidata.tables import hierarchy

if TYPE_CHECKING:
    import duckdb

    from calcidata.tables.container import Tables

DIALECTS = ("sqlite", "duckdb")
_TYPES = {
    "sqlite": {"string": "TEXT", "number": "REAL", "integer": "INTEGER", "boolean": "INTEGER"},
    "duckdb": {"string": "VARCHAR", "number": "DOUBLE", "integer": "BIGINT", "boolean": "BOOLEAN"},
}
_COMPARE = (
    ("minimum", ">="),
    ("maximum", "<="),
    ("exclusive_minimum", ">"),
    ("exclusive_maximum", "<"),
)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


#: DuckDB never installs or loads an extension by itself (that would fetch code).
DUCKDB_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


def duckdb_connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never goes to the network (:data:`DUCKDB_CONFIG`).

    Needs the ``duckdb`` extra.
    """
    require("duckdb", "the DuckDB export")
    import duckdb

    return duckdb.connect(str(path), read_only=read_only, config=dict(DUCKDB_CONFIG))


def enum_name(table: str, column: str) -> str:
    """Name of the DuckDB ENUM type of an ordered vocabulary column."""
    return f"{table}_{column}"


def _column_sql(table: str, c: ColumnSpec, dialect: str) -> tuple[str, list[str]]:
    if dialect == "duckdb" and c.is_categorical and c.ordered:
        sql_type = _q(enum_name(table, c.name))
    else:
        sql_type = _TYPES[dialect][c.kind]
    line = f"{_q(c.name)} {sql_type}" + (" NOT NULL" if c.required else "")
    checks = []
    col = _q(c.name)
    if c.is_categorical and not (dialect == "duckdb" and c.ordered):
        checks.append(f"{col} IN ({', '.join(_lit(v) for v in c.categories or ())})")
    if c.kind == "boolean" and dialect == "sqlite":
        checks.append(f"{col} IN (0, 1)")
    if c.min_length:
        checks.append(f"length({col}) >= {c.min_length}")
    for attr, op in _COMPARE:
        value = getattr(c, attr)
        if value is not None:
            checks.append(f"{col} {op} {_lit(value)}")
    return line, checks


def _create(name: str, columns: Iterable[ColumnSpec], key: Iterable[str], dialect: str) -> str:
    lines, checks, fks = [], [], []
    for c in columns:
        line, found = _column_sql(name, c, dialect)
        lines.append(line)
        checks += found
        if c.references and not c.multi:
            target, target_col = c.references
            fks.append(f"FOREIGN KEY ({_q(c.name)}) REFERENCES {_q(target)} ({_q(target_col)})")
    lines.append(f"PRIMARY KEY ({', '.join(_q(k) for k in key)})")
    lines += fks
    lines += [f"CHECK ({c})" for c in checks]
    body = ",\n    ".join(lines)
    return f"CREATE TABLE {_q(name)} (\n    {body}\n);"


def ddl(dialect: str = "sqlite") -> str:
    """The ``CREATE`` statements of the whole database, in dependency order.

    Parameters
    ----------
    dialect : {"sqlite", "duckdb"}
    """
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {DIALECTS}")
    out = []
    if dialect == "duckdb":
        for s in specs():
            for c in s.columns:
                if c.is_categorical and c.ordered:
                    levels = ", ".join(_lit(v) for v in c.categories or ())
                    out.append(f"CREATE TYPE {_q(enum_name(s.name, c.name))} AS ENUM ({levels});")
    for s in specs():
        out.append(_create(s.name, s.columns, [s.key], dialect))
    for link in links():
        out.append(_create(link.name, link.columns, link.key, dialect))
    out.append(_create("calcidata_metadata", _META_COLUMNS, ["key"], dialect))
    out.append(_create("calcidata_columns", _DICT_COLUMNS, ["table_name", "column_name"], dialect))
    out.append(
        _create(
            "calcidata_levels", _LEVEL_COLUMNS, ["table_name", "column_name", "position"], dialect
        )
    )
    return "\n\n".join(out) + "\n"


def _c(name: str, kind: str, description: str, required: bool = True) -> ColumnSpec:
    return ColumnSpec(name, kind, description, required)


_META_COLUMNS = (_c("key", "string", "What is recorded."), _c("value", "string", "Its value."))
#: The two columns that say which column a row of the dictionary or the levels is about.
_WHICH_COLUMN = (_c("table_name", "string", "Table."), _c("column_name", "string", "Column."))
_DICT_COLUMNS = (
    *_WHICH_COLUMN,
    _c("position", "integer", "Place of the column in its table (1 = first)."),
    _c("type", "string", "string, number, integer or boolean."),
    _c("required", "boolean", "Whether every row has a value."),
    _c("unit", "string", "Unit, or the column holding each row's unit.", False),
    _c("description", "string", "What the column holds."),
    _c("refers_to", "string", "table.column this column's ids point to.", False),
    _c("separator", "string", "Separator of several values in one cell.", False),
)
_LEVEL_COLUMNS = (
    *_WHICH_COLUMN,
    _c("position", "integer", "Place of the level (1 = first, lowest when ordered)."),
    _c("level", "string", "An allowed value."),
    _c("ordered", "boolean", "Whether the levels have a meaningful order."),
)


def _dictionary(all_specs: list[TableSpec], all_links: list[LinkSpec]) -> pd.DataFrame:
    rows = []
    tables = [(s.name, s.columns) for s in all_specs] + [(k.name, k.columns) for k in all_links]
    for name, columns in tables:
        for i, c in enumerate(columns, start=1):
            rows.append(
                {
                    "table_name": name,
                    "column_name": c.name,
                    "position": i,
                    "type": c.kind,
                    "required": c.required,
                    "unit": c.unit,
                    "description": c.description,
                    "refers_to": ".".join(c.references) if c.references else None,
                    "separator": c.multi,
                }
            )
    return pd.DataFrame(rows)


def _levels(all_specs: list[TableSpec]) -> pd.DataFrame:
    rows = [
        {
            "table_name": s.name,
            "column_name": c.name,
            "position": i,
            "level": level,
            "ordered": c.ordered,
        }
        for s in all_specs
        for c in s.columns
        if c.categories
        for i, level in enumerate(c.categories, start=1)
    ]
    return pd.DataFrame(rows)


def _batches(tables: Tables) -> list[tuple[str, pd.DataFrame]]:
    """(table, rows) to insert, in order: tables, then links, then the self-description.

    A table whose rows reference each other (``parent_id``) is inserted one
    hierarchy level at a time, parents first.
    """
    out = []
    for s in specs():
        frame = tables[s.name]
        if "parent_id" in frame.columns and s.column("parent_id").references == (s.name, s.key):
            parents = hierarchy.parents_of(frame, s.key)
            levels = pd.Series(
                [hierarchy.depth(parents, k) for k in frame[s.key]], index=frame.index
            )
            out += [(s.name, frame[levels == d]) for d in sorted(levels.unique())]
        else:
            out.append((s.name, frame))
    out += [(k.name, k.frame(tables[k.table])) for k in links()]
    meta = stamp(tables.version)
    out.append(
        ("calcidata_metadata", pd.DataFrame({"key": list(meta), "value": list(meta.values())}))
    )
    out.append(("calcidata_columns", _dictionary(specs(), links())))
    out.append(("calcidata_levels", _levels(specs())))
    return out


def _python_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    obj = frame.astype(object)
    obj = obj.where(frame.notna(), None)
    return [
        tuple(None if v is None else (v.item() if hasattr(v, "item") else v) for v in row)
        for row in obj.itertuples(index=False, name=None)
    ]


@contextlib.contextmanager
def _writing(target: Path, dialect: str) -> Iterator[None]:
    """Expected failures of a database write as calcidata's errors, naming ``target``.

    DuckDB turns Ctrl-C into its ``InterruptException``: it is an interruption
    (exit status 130), as anywhere else. A full disk or another I/O failure of
    either database is a :class:`~calcidata.errors.FileAccessError` naming the file.
    SQLite needs no extra: DuckDB's errors are caught only when writing DuckDB.
    """
    failures: tuple[type[BaseException], ...] = (sqlite3.OperationalError, sqlite3.DatabaseError)
    interrupt: tuple[type[BaseException], ...] = ()
    if dialect == "duckdb":
        require("duckdb", "the DuckDB export")
        import duckdb

        failures += (duckdb.IOException,)
        interrupt = (duckdb.InterruptException,)
    try:
        yield
    except interrupt:
        raise KeyboardInterrupt from None
    except failures as exc:
        why = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise FileAccessError(f"{target}: cannot be written: {why}") from None


def write_sqlite(tables: Tables, target: Path) -> Path:
    """Write the SQLite database ``target`` (foreign keys checked while inserting)."""
    with _writing(target, "sqlite"), atomic_path(target) as tmp:
        con = sqlite3.connect(tmp)
        try:
            con.execute("PRAGMA foreign_keys = ON")
            con.executescript(ddl("sqlite"))
            with con:
                for name, frame in _batches(tables):
                    marks = ", ".join("?" * frame.shape[1])
                    cols = ", ".join(_q(c) for c in frame.columns)
                    con.executemany(
                        f"INSERT INTO {_q(name)} ({cols}) VALUES ({marks})", _python_rows(frame)
                    )
            problems = con.execute("PRAGMA foreign_key_check").fetchall()
            if problems:  # cannot happen for validated tables; never ship a broken file
                raise RuntimeError(f"foreign key violations in the export: {problems[:5]}")
        finally:
            con.close()
    return target


def write_duckdb(tables: Tables, target: Path) -> Path:
    """Write the DuckDB database ``target`` (keys enforced by DuckDB while inserting)."""
    with _writing(target, "duckdb"), atomic_path(target) as tmp:
        con = duckdb_connect(tmp)
        try:
            con.execute(ddl("duckdb"))
            for s in specs():
                con.execute(f"COMMENT ON TABLE {_q(s.name)} IS {_lit(s.description)}")
                for c in s.columns:
                    con.execute(
                        f"COMMENT ON COLUMN {_q(s.name)}.{_q(c.name)} IS {_lit(c.description)}"
                    )
            for name, frame in _batches(tables):
                plain = frame.copy()
                for col in plain.columns:
                    if isinstance(plain[col].dtype, pd.CategoricalDtype):
                        plain[col] = plain[col].astype(object)
                con.register("_calcidata_frame", plain)
                cols = ", ".join(_q(c) for c in plain.columns)
                con.execute(f"INSERT INTO {_q(name)} ({cols}) SELECT {cols} FROM _calcidata_frame")
                con.unregister("_calcidata_frame")
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return target


def read_sqlite(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read the SQLite export back (:func:`read`)."""
    return read(path, "sqlite")


def read_duckdb(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read the DuckDB export back (:func:`read`)."""
    return read(path, "duckdb")


def read(path: Path, dialect: str) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read every table back, rows ordered by primary key (SQL tables have no row order)."""
    frames = {}
    if dialect == "sqlite":
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            for s in specs():
                frames[s.name] = pd.read_sql_query(
                    f"SELECT * FROM {_q(s.name)} ORDER BY {_q(s.key)}", con
                )
            meta = dict(con.execute("SELECT key, value FROM calcidata_metadata").fetchall())
        finally:
            con.close()
    else:
        db = duckdb_connect(path, read_only=True)
        try:
            for s in specs():
                frames[s.name] = db.sql(f"SELECT * FROM {_q(s.name)} ORDER BY {_q(s.key)}").df()
            meta = dict(db.sql("SELECT key, value FROM calcidata_metadata").fetchall())
        finally:
            db.close()
    return frames, meta
