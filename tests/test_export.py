"""Exports: every format reads back equal to the loaded tables, keys hold, versions recorded."""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

import calcidata
from calcidata._extras import EXTRAS
from calcidata.cli import build_parser, main
from calcidata.errors import DataValidationError, ParameterError
from calcidata.export import FORMATS, OWNED, export_tables, read_export
from calcidata.export.datapackage import table_schema
from calcidata.export.formats import REGISTRY, ExportFormat
from calcidata.export.jsonschema import json_schema
from calcidata.schemas import KEYS, SCHEMAS
from calcidata.schemas.spec import column_meta, links, specs, table_spec

from .conftest import ROOT, digest, set_cell


@pytest.fixture(scope="module")
def tables(shipped):
    return shipped


@pytest.fixture(scope="module")
def exported(tables, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    export_tables(out, "all", tables=tables)
    return out


#: Each format read back, and where in the export folder it is read from.
READ_BACK = {name: f.file_name or "." for name, f in REGISTRY.items() if f.reader is not None}


@pytest.mark.parametrize("fmt", sorted(READ_BACK))
def test_export_then_read_back_equals_the_loaded_tables(fmt, tables, exported):
    back = read_export(exported / READ_BACK[fmt], fmt)
    assert back.version == tables.version
    for name, frame in tables.items():
        expected = frame.reset_index(drop=True)
        if fmt in ("sqlite", "duckdb"):  # a SQL table has no row order: read by key
            expected = frame.sort_values(KEYS[name]).reset_index(drop=True)
        pd.testing.assert_frame_equal(back[name], expected, obj=f"{fmt}:{name}")


def test_parquet_keeps_ordered_categoricals_without_any_calcidata_code(tables, exported):
    evidence = pd.read_parquet(exported / "evidence.parquet")
    treatments = pd.read_parquet(exported / "treatments.parquet")
    for frame, column in ((evidence, "certainty"), (treatments, "invasiveness")):
        original = tables[("evidence" if frame is evidence else "treatments")][column]
        assert frame[column].dtype == original.dtype  # same levels, same order, ordered
        assert frame[column].cat.ordered
    assert (evidence["certainty"] >= "moderate").sum() == (
        tables.evidence["certainty"] >= "moderate"
    ).sum()


def test_frictionless_validator_accepts_the_data_package(exported):
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(exported / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])[:10]


def test_frictionless_validator_catches_a_broken_foreign_key_in_the_package(tables, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    export_tables(tmp_path, "datapackage", tables=tables)
    set_cell(tmp_path / "evidence.csv", 0, "source_id", "no_such_source")
    set_cell(tmp_path / "condition_sources.csv", 0, "source_id", "another_missing_one")
    report = frictionless.validate(tmp_path / "datapackage.json")
    notes = " ".join(note for _, note in report.flatten(["type", "note"]))
    assert not report.valid
    assert "no_such_source" in notes and "another_missing_one" in notes


def test_table_schemas_are_derived_from_the_pandera_schemas():
    for name, model in SCHEMAS.items():
        schema = table_schema(name)
        pandera_columns = model.to_schema().columns
        meta = column_meta(model)
        assert [f["name"] for f in schema["fields"]] == list(pandera_columns)
        assert schema["primaryKey"] == [KEYS[name]]
        for field in schema["fields"]:
            col = pandera_columns[field["name"]]
            m = meta[field["name"]]
            assert field["description"] == col.description
            assert field.get("constraints", {}).get("required", False) == (not col.nullable)
            if m["categories"] and not m["multi"]:
                assert field["constraints"]["enum"] == list(m["categories"])
                assert field["categoriesOrdered"] == m["ordered"]
        fks = {fk["fields"][0]: fk["reference"] for fk in schema.get("foreignKeys", [])}
        expected = {
            c: m["references"] for c, m in meta.items() if m["references"] and not m["multi"]
        }
        assert set(fks) == set(expected)
        for column, ref in expected.items():
            target, target_col = ref.split(".")
            assert fks[column]["fields"] == [target_col]
            assert fks[column].get("resource", name) == target
    units = {f["name"]: f for f in table_schema("dosing_ranges")["fields"]}
    assert units["dose_min"]["unitField"] == "dose_unit"
    assert units["frequency_min"]["constraints"]["exclusiveMinimum"] == 0
    names = [f["name"] for f in table_schema("evidence")["fields"]]
    assert names == list(calcidata.SCHEMAS["evidence"].to_schema().columns)


def test_multi_valued_foreign_keys_become_link_tables_listing_every_id(tables, exported):
    assert {link.name for link in links()} == {
        "condition_sources",
        "treatment_sources",
        "claim_evidence",
        "claim_dosing_ranges",
        "reproduction_sources",  # reproductions.study_ids: the review's trials held
    }
    for link in links():
        frame = pd.read_csv(exported / f"{link.name}.csv", dtype=str)
        cells = tables[link.table][link.column].dropna()
        assert len(frame) == sum(len(c.split(";")) for c in cells)
        first = cells.index[0]
        owner = tables[link.table].loc[first, link.owner]
        listed = frame[frame[link.owner] == owner].sort_values(
            "position", key=lambda s: s.astype(int)
        )
        assert ";".join(listed[link.target_column]) == cells.loc[first]


def test_sqlite_declares_keys_so_a_join_works_and_bad_rows_are_refused(tables, exported):
    con = sqlite3.connect(exported / "calcidata.sqlite")
    con.execute("PRAGMA foreign_keys = ON")
    joined = con.execute(
        "SELECT COUNT(*) FROM evidence e JOIN sources s ON s.source_id = e.source_id "
        "JOIN treatments t ON t.treatment_id = e.treatment_id"
    ).fetchone()[0]
    assert joined == len(tables.evidence)
    fk_targets = {row[2] for row in con.execute("PRAGMA foreign_key_list(evidence)")}
    assert fk_targets == {"sources", "treatments", "conditions", "outcomes"}
    cursor = con.execute("SELECT * FROM evidence LIMIT 1")
    names = [d[0] for d in cursor.description]
    bad = list(cursor.fetchone())
    bad[names.index("evidence_id")] = "fresh_evidence_id"
    bad[names.index("source_id")] = "no_such_source"
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        con.execute(f"INSERT INTO evidence VALUES ({', '.join('?' * len(bad))})", bad)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        con.execute("UPDATE conditions SET parent_id = 'nowhere' WHERE rowid = 1")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE|PRIMARY"):
        con.execute(
            "INSERT INTO sources (source_id, design, kind) SELECT source_id, design, "
            "kind FROM sources LIMIT 1"
        )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        con.execute("UPDATE evidence SET certainty = 'excellent' WHERE rowid = 1")
    con.close()


def test_duckdb_enforces_keys_and_orders_certainty_by_its_levels(tables, exported):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect(str(exported / "calcidata.duckdb"))
    order = [
        r[0]
        for r in con.sql(
            "SELECT DISTINCT certainty FROM evidence WHERE certainty IS NOT NULL ORDER BY certainty"
        ).fetchall()
    ]
    levels = [c for c in tables.evidence["certainty"].cat.categories if c in order]
    assert order == levels  # declared order, not alphabetical
    strong = con.execute("SELECT COUNT(*) FROM evidence WHERE certainty >= 'moderate'").fetchone()
    assert strong[0] == int((tables.evidence["certainty"] >= "moderate").sum())
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO condition_sources VALUES ('calcinosis', 99, 'no_such_source')")
    comment = con.execute(
        "SELECT comment FROM duckdb_columns() WHERE table_name = "
        "'dosing_ranges' AND column_name = 'dose_min'"
    ).fetchone()[0]
    assert comment == table_spec("dosing_ranges").column("dose_min").description
    con.close()


def _recorded_versions(exported: Path) -> dict[str, dict]:
    import openpyxl
    import pyarrow.parquet as pq

    found = {"datapackage": json.loads((exported / "datapackage.json").read_text())}
    found["parquet"] = json.loads(
        pq.read_schema(exported / "dosing_ranges.parquet").metadata[b"calcidata"]
    )
    con = sqlite3.connect(exported / "calcidata.sqlite")
    found["sqlite"] = dict(con.execute("SELECT key, value FROM calcidata_metadata"))
    con.close()
    import duckdb

    con = duckdb.connect(str(exported / "calcidata.duckdb"), read_only=True)
    found["duckdb"] = dict(con.sql("SELECT key, value FROM calcidata_metadata").fetchall())
    con.close()
    sheet = openpyxl.load_workbook(exported / "calcidata.xlsx", read_only=True)["about"]
    found["xlsx"] = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    schema = json.loads((exported / "evidence.schema.json").read_text())
    found["jsonschema"] = {
        "data_version": schema["x-data-version"],
        "calcidata_version": schema["x-calcidata-version"],
    }
    return found


def test_every_export_records_the_data_version_and_the_calcidata_version(tables, exported):
    found = _recorded_versions(exported)
    assert set(found) == set(FORMATS)
    for fmt, meta in found.items():
        assert meta["data_version"] == tables.version, fmt
        assert meta["calcidata_version"] == calcidata.__version__, fmt


def test_json_schemas_accept_every_row_and_reject_a_broken_one(tables, exported):
    jsonschema = pytest.importorskip("jsonschema")
    for spec in specs():
        schema = json.loads((exported / f"{spec.name}.schema.json").read_text())
        assert schema == json_schema(spec.name, tables.version)
        validator = jsonschema.Draft202012Validator(schema)
        rows = json.loads(tables[spec.name].to_json(orient="records"))
        for row in rows:
            validator.validate(row)
    validator = jsonschema.Draft202012Validator(json_schema("dosing_ranges"))
    row = json.loads(tables.dosing_ranges.head(1).to_json(orient="records"))[0]
    for column, value in (
        ("dose_min", -1),
        ("route", "by_mail"),
        ("dosing_id", "Not A Slug"),
        ("unknown_column", 1),
        ("treatment_id", None),
    ):
        broken = {**row, column: value}
        assert not validator.is_valid(broken), column


def test_export_command_writes_the_files_and_prints_them(tmp_path, capsys):
    assert (
        main(["export", "--format", "sqlite", "--format", "jsonschema", "--out", str(tmp_path)])
        == 0
    )
    printed = capsys.readouterr().out.split()
    assert str(tmp_path / "calcidata.sqlite") in printed
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [OWNED, "calcidata.sqlite"] + [f"{n}.schema.json" for n in SCHEMAS]
    )
    assert json.loads((tmp_path / OWNED).read_text()) == sorted(
        p.name for p in tmp_path.iterdir() if p.name != OWNED
    )  # the files calcidata wrote, and so may replace


def test_export_of_invalid_data_fails_cleanly_and_writes_nothing(minimal, tmp_path, capsys):
    set_cell(minimal / "evidence.csv", 0, "source_id", "missing_source")
    out = tmp_path / "out"
    with pytest.raises(DataValidationError):
        export_tables(out, "sqlite", data_dir=minimal)
    assert (
        main(["export", "--format", "parquet", "--out", str(out), "--data-dir", str(minimal)]) == 1
    )
    assert "missing_source" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_unknown_format_is_a_parameter_error_and_exit_status_2(tmp_path, capsys):
    with pytest.raises(ParameterError, match="formats are"):
        export_tables(tmp_path, "csv-please")
    with pytest.raises(SystemExit) as exc:
        main(["export", "--format", "csv-please", "--out", str(tmp_path)])
    assert exc.value.code == 2


def test_export_never_touches_the_data_and_leaves_no_temporary_files(minimal, tmp_path):
    before = digest(minimal)
    export_tables(tmp_path, "all", data_dir=minimal)
    assert digest(minimal) == before
    assert not [
        p
        for p in tmp_path.iterdir()
        if (p.name.startswith(".") and p.name != OWNED) or p.suffix in (".tmp", ".wal")
    ]
    again = read_export(tmp_path / "calcidata.duckdb")
    assert len(again.evidence) == len(calcidata.load(minimal).evidence)


# --------------------------------------------------------------------------- the registry


def _export_parser() -> argparse.ArgumentParser:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sub.choices["export"]


def test_the_command_offers_exactly_the_registered_formats():
    export = _export_parser()
    (option,) = [a for a in export._actions if a.dest == "format"]
    assert list(option.choices) == [*REGISTRY, "all"]
    assert FORMATS == tuple(REGISTRY)
    words = " ".join((export.description or "").split())
    for f in REGISTRY.values():
        assert f"{f.name}: {f.files.replace('``', '')}" in words
        assert (f"calcidata[{f.extra}]" in words) == (f.extra is not None)


def test_the_docs_list_exactly_the_registered_formats():
    doc = calcidata.export.__doc__ or ""
    listed = re.findall(r"^(\w+)  +``", doc, re.M)
    assert listed == list(REGISTRY)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reuse = readme[readme.index("## Reuse the tables") :]
    table = reuse[: reuse.index("\n\n", reuse.index("| format |"))]
    names = [n for row in re.findall(r"^\| (`[^|]+) \|", table, re.M) for n in row.split(", ")]
    assert sorted(n.strip("`") for n in names) == sorted(REGISTRY)


def test_each_registered_format_names_real_functions_and_how_to_recognise_it():
    for f in REGISTRY.values():
        for target in (f.writer, f.reader):
            if target is not None:
                module, _, name = target.partition(":")
                assert callable(getattr(importlib.import_module(module), name)), target
        if f.is_folder:
            assert f.reader is None or f.marker, f.name
            assert not f.magic and not f.suffixes, f.name
        else:
            assert Path(f.file_name or "").suffix in f.suffixes and f.magic, f.name
        assert f.extra is None or f.extra in EXTRAS, f.name


def _write_ids(tables, target: Path) -> Path:
    """A format of this test's own: the treatment ids, one a line."""
    target.write_text("\n".join(tables.treatments["treatment_id"]) + "\n", encoding="utf-8")
    return target


def test_a_new_format_is_one_registry_line(monkeypatch, minimal, tmp_path, capsys):
    line = ExportFormat("ids", "``ids.txt``", f"{__name__}:_write_ids", file_name="ids.txt")
    monkeypatch.setitem(REGISTRY, "ids", line)
    argv = ["export", "--format", "ids", "--out", str(tmp_path), "--data-dir", str(minimal)]
    assert main(argv) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / "ids.txt")]
    ids = (tmp_path / "ids.txt").read_text(encoding="utf-8").split()
    assert ids == list(calcidata.load(minimal).treatments["treatment_id"])
    (option,) = [a for a in _export_parser()._actions if a.dest == "format"]
    assert "ids" in option.choices
    with pytest.raises(ParameterError, match="not read back|cannot read format 'ids'"):
        read_export(tmp_path / "ids.txt", "ids")
