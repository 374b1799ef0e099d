"""The loader: typed tables from the checkout, an override, and the shipped data."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

import calcidata
from calcidata.errors import DataValidationError, ParameterError
from calcidata.schemas import SCHEMAS
from calcidata.schemas.vocabularies import CERTAINTY, INVASIVENESS

from .conftest import MINIMAL, ROOT, set_cell


def test_shipped_data_loads_and_validates():
    tables = calcidata.load()
    assert set(tables.names()) == set(SCHEMAS)
    # risk_of_bias is filled later from the extractions (issue 17); every other table must
    # hold rows.
    being_filled = {"risk_of_bias"}
    for name, frame in tables.items():
        assert len(frame) > 0 or name in being_filled, name
        assert list(frame.columns) == list(SCHEMAS[name].to_schema().columns)


def test_load_returns_typed_frames_with_ordered_categories():
    t = calcidata.load(MINIMAL)
    assert t.treatments["invasiveness"].dtype == pd.CategoricalDtype(
        list(INVASIVENESS), ordered=True
    )
    assert t.evidence["certainty"].cat.ordered
    assert list(t.evidence["certainty"].cat.categories) == list(CERTAINTY)
    assert t.evidence["estimate"].dtype == "float64"
    assert str(t.evidence["n_participants"].dtype) == "Int64"
    assert str(t.evidence["indirect"].dtype) == "boolean"
    assert t.evidence["indirect"].tolist() == [True, False, False]


def test_empty_cells_load_as_missing_values():
    t = calcidata.load(MINIMAL)
    lay = t.sources.set_index("source_id").loc["fixture_lay"]
    assert pd.isna(lay["year"]) and pd.isna(lay["pmid"]) and pd.isna(lay["urls"])
    assert lay["title"] == "A lay article, with a comma"


def test_load_table_returns_one_validated_table():
    frame = calcidata.load_table("dosing_ranges", MINIMAL)
    assert frame["dosing_id"].tolist() == ["fixture_drug_oral", "fixture_shock_energy"]


def test_load_table_rejects_unknown_name_and_lists_tables():
    with pytest.raises(ParameterError, match="evidence"):
        calcidata.load_table("evidense", MINIMAL)


def test_load_table_still_checks_foreign_keys(minimal):
    set_cell(minimal / "evidence.csv", 0, "source_id", "nowhere")
    with pytest.raises(DataValidationError) as info:
        calcidata.load_table("conditions", minimal)
    assert any(p.column == "source_id" and p.value == "nowhere" for p in info.value.problems)


def test_environment_variable_overrides_the_data_dir(monkeypatch):
    monkeypatch.setenv("CALCIDATA_DATA_DIR", str(MINIMAL))
    assert len(calcidata.load().evidence) == 3


def test_data_version_is_a_content_hash(minimal):
    before = calcidata.load(minimal).version
    assert before == calcidata.load(MINIMAL).version
    set_cell(minimal / "evidence.csv", 0, "note", "changed")
    assert calcidata.load(minimal).version != before


def test_tables_indexing_by_name_and_unknown_name():
    t = calcidata.load(MINIMAL)
    assert t["evidence"] is t.evidence
    with pytest.raises(KeyError, match="no table"):
        t["nope"]
    assert t.summary().set_index("table").loc["evidence", "rows"] == 3


def test_import_is_light_and_reads_no_file():
    """`import calcidata` imports no heavy plotting/rendering module and opens no CSV."""
    code = (
        "import sys, json\n"
        "opened = []\n"
        "sys.addaudithook(lambda e, a: opened.append(str(a[0])) if e == 'open' else None)\n"
        "import calcidata\n"
        "heavy = [m for m in ('seaborn', 'matplotlib', 'papermill', 'nbconvert', 'pandas',"
        " 'pandera', 'duckdb') if m in sys.modules]\n"
        "data = [p for p in opened if p.endswith(('.csv', '.parquet', '.ipynb'))]\n"
        "print(json.dumps({'heavy': heavy, 'data': data, 'version': calcidata.__version__}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    result = json.loads(out.stdout)
    assert result["heavy"] == []
    assert result["data"] == []
    assert result["version"]


def test_lazy_public_names_resolve():
    assert callable(calcidata.load)
    assert callable(calcidata.evidence_strength)
    with pytest.raises(AttributeError):
        calcidata.does_not_exist  # noqa: B018


def test_tables_class_lists_exactly_the_registry_in_order():
    """Tables is written out for type checkers; it must follow the schema registry."""
    from dataclasses import fields

    from calcidata.tables.container import Tables

    names = [f.name for f in fields(Tables)]
    assert names == [*SCHEMAS, "data_dir", "version"], (
        "calcidata/tables/container.py must list one DataFrame field per table of "
        "calcidata.schemas.SCHEMAS, in registry order"
    )
    hints = Tables.__annotations__
    assert all(hints[n] in ("pd.DataFrame", "DataFrame") for n in SCHEMAS), hints
