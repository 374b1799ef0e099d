"""The report registry: specs agree with the notebooks; parameters are checked before any kernel."""

from __future__ import annotations

import ast
import subprocess
import sys

import papermill
import pytest

import calcidata
from calcidata.cli import main
from calcidata.errors import ParameterError
from calcidata.reports import (
    REPORTS,
    Catalog,
    check_params,
    get_report,
    label,
    slug,
    validate_params,
)

from .conftest import ROOT, read_rows, write_rows


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_notebook_parameters_cell_matches_its_spec(name):
    spec = REPORTS[name]
    found = papermill.inspect_notebook(str(spec.notebook_path()))
    assert list(found) == [p.name for p in spec.params]
    for p in spec.params:
        assert found[p.name]["inferred_type_name"] == p.type.__name__, p.name
        assert ast.literal_eval(found[p.name]["default"]) == p.default, p.name


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_notebook_first_code_cell_after_parameters_validates_them(name):
    import nbformat

    nb = nbformat.read(REPORTS[name].notebook_path(), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert f'validate_params("{name}"' in code[1].source


def test_default_parameters_are_valid_on_the_shipped_data():
    for name, spec in REPORTS.items():
        assert validate_params(name) == spec.defaults()


def test_build_parameter_sets_are_valid_and_have_distinct_slugs():
    catalog = Catalog.from_data_dir()
    for name, spec in REPORTS.items():
        sets = spec.build_params(catalog)
        assert bool(sets) == spec.build
        for params in sets:
            assert check_params(spec, params, catalog) == {**spec.defaults(), **params}
        slugs = [slug(name, p) for p in sets]
        assert len(set(slugs)) == len(slugs), name


def test_build_renders_one_condition_report_per_condition_with_evidence():
    _, evidence = read_rows(ROOT / "data" / "evidence.csv")
    with_evidence = {row["condition_id"] for row in evidence}
    catalog = Catalog.from_data_dir()
    built = {p["condition_id"] for p in REPORTS["condition_report"].build_params(catalog)}
    assert built == with_evidence
    assert {p.get("modality") for p in REPORTS["dosing_ranges"].build_params(catalog)} >= {
        None,
        "drug",
    }
    # the dosing view of every condition a condition report links to
    dosing = REPORTS["dosing_ranges"].build_params(catalog)
    assert {p["condition_id"] for p in dosing if p.get("condition_id")} == with_evidence


def test_catalog_read_with_csv_equals_catalog_from_validated_tables():
    assert Catalog.from_data_dir() == Catalog.from_tables(calcidata.load())


def test_unknown_condition_id_names_the_nearest_match_and_lists_valid_ids():
    with pytest.raises(ParameterError) as err:
        validate_params("condition_report", condition_id="calcific_tendinopathy_shouldr")
    message = str(err.value)
    assert "nearest match: 'calcific_tendinopathy_shoulder'" in message
    assert "calcinosis_ctd" in message and "Valid values" in message


def test_unknown_treatment_in_a_comma_separated_list_is_named():
    with pytest.raises(ParameterError, match="'ibuprofn'.*nearest match: 'ibuprofen'"):
        validate_params("treatment_comparison", treatment_ids="eswt, ibuprofn")


def test_unknown_report_and_unknown_parameter_are_parameter_errors():
    with pytest.raises(ParameterError, match="nearest match: 'evidence_map'"):
        get_report("evidence_mapp")
    with pytest.raises(ParameterError, match="no parameter 'conditon_id'.*'condition_id'"):
        validate_params("condition_report", conditon_id="calcinosis_ctd")


def test_wrong_types_are_rejected():
    with pytest.raises(ParameterError, match="must be a string"):
        validate_params("condition_report", condition_id=3)
    with pytest.raises(ParameterError, match="must be a list"):
        validate_params("dosing_ranges", treatment_ids=7)
    with pytest.raises(ParameterError, match="empty list"):
        validate_params("dosing_ranges", treatment_ids=" , ")


def test_strings_are_coerced_lists_deduplicated_and_none_words_mean_default():
    got = validate_params(
        "treatment_comparison",
        condition_id="calcinosis_ctd",
        treatment_ids=" eswt,nsaid ,eswt",
        outcome="None",
    )
    assert got == {
        "condition_id": "calcinosis_ctd",
        "treatment_ids": ["eswt", "nsaid"],
        "outcome": None,
    }
    assert validate_params("dosing_ranges", treatment_ids=["eswt"])["treatment_ids"] == ["eswt"]


def test_allowed_ids_come_from_the_given_data_dir(minimal):
    assert validate_params("condition_report", minimal, condition_id="fixture_shoulder") == {
        "condition_id": "fixture_shoulder"
    }
    with pytest.raises(ParameterError, match="fixture_shoulder"):
        validate_params("condition_report", minimal, condition_id="fixture_listed")


def test_condition_without_evidence_is_not_allowed(minimal):
    header, rows = read_rows(minimal / "evidence.csv")
    write_rows(minimal / "evidence.csv", header, [])
    with pytest.raises(ParameterError, match=r"Valid values \(0\)"):
        validate_params("condition_report", minimal, condition_id="fixture_shoulder")


def test_slugs_name_the_parameter_values():
    assert slug("condition_report", {"condition_id": "calcinosis_ctd"}) == "calcinosis_ctd"
    assert slug("evidence_map", {}) == "all"
    assert slug("dosing_ranges", {"modality": "drug"}) == "modality-drug"
    assert (
        slug(
            "treatment_comparison",
            {"condition_id": "c", "treatment_ids": ["a", "b"], "outcome": "pain"},
        )
        == "c__treatment_ids-a+b__outcome-pain"
    )
    long = slug("dosing_ranges", {"treatment_ids": [f"treatment_{i}" for i in range(40)]})
    assert len(long) <= 100 and "~" in long


def test_label_uses_names_from_the_tables():
    catalog = Catalog.from_data_dir()
    text = label(
        "treatment_comparison",
        {"condition_id": "calcinosis_ctd", "treatment_ids": ["eswt"]},
        catalog,
    )
    assert text.startswith(catalog.conditions["calcinosis_ctd"])
    assert catalog.treatments["eswt"] in text


def test_cli_render_with_bad_id_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        ["render", "condition_report", "-p", "condition_id", "calcinosis_ctdd", "--out", str(out)]
    )
    assert code == 2
    assert "nearest match: 'calcinosis_ctd'" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["render", "no_such_report"],
        ["render", "evidence_map", "-p", "colour", "red"],
        ["render", "evidence_map", "-p", "modality", "drug", "-p", "modality", "device"],
        ["render", "dosing_ranges", "-p", "modality", "lasers"],
    ],
)
def test_cli_render_bad_parameters_exit_2_without_output(argv, tmp_path, capsys):
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("calcidata: error:") and "Traceback" not in err
    assert not out.exists()


def test_validation_needs_no_pandas():
    code = (
        "import sys, calcidata.reports as r; r.validate_params('condition_report', "
        "condition_id='calcinosis_ctd'); r.Catalog.from_data_dir(); "
        "print(sorted(m for m in ('pandas', 'pandera', 'papermill') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"


def test_each_report_declares_an_index_line_of_known_fields():
    import string

    from calcidata.reports.summary import FIELDS, ROWS

    for spec in REPORTS.values():
        names = [n for _, n, _, _ in string.Formatter().parse(spec.index_line) if n]
        assert names and names[0] in ROWS, spec.name
        assert set(names) <= set(FIELDS), spec.name
