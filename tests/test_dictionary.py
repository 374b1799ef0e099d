"""data/README.md is generated from the schemas and must not be stale."""

from __future__ import annotations

from calcidata.reports import dictionary
from calcidata.schemas import SCHEMAS

from .conftest import ROOT


def test_data_dictionary_is_up_to_date():
    current = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert current == dictionary.render(ROOT / "data"), "run `calcidata dictionary`"


def test_dictionary_lists_every_column_with_its_description():
    text = dictionary.render(ROOT / "data")
    for name, model in SCHEMAS.items():
        assert f"## `{name}`" in text
        for col, spec in model.to_schema().columns.items():
            assert spec.description, f"{name}.{col} has no description"
            assert f"| `{col}` |" in text


def test_dictionary_shows_units_vocabularies_and_row_counts():
    text = dictionary.render(ROOT / "data")
    assert "`non_invasive` < `minimally_invasive` < `invasive`" in text
    assert "`mJ/mm2`" in text
    assert "| dose_unit |" in text  # dose_min's unit column
    assert "references `sources.source_id`" in text


def test_every_data_file_has_a_schema_and_every_schema_a_file():
    files = {p.stem for p in (ROOT / "data").glob("*.csv")}
    assert files == set(SCHEMAS)


def test_check_mode_detects_a_stale_dictionary(tmp_path, capsys):
    import shutil

    from calcidata.cli import main

    for p in (ROOT / "data").iterdir():
        if p.is_dir():  # data/extraction: the double-extraction record the dictionary reads
            shutil.copytree(p, tmp_path / p.name)
        else:
            shutil.copy(p, tmp_path / p.name)
    assert main(["dictionary", "--check", "--data-dir", str(tmp_path)]) == 0
    (tmp_path / "README.md").write_text("stale", encoding="utf-8")
    assert main(["dictionary", "--check", "--data-dir", str(tmp_path)]) == 1
