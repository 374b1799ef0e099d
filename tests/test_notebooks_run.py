"""The notebooks in notebooks/: stored clean, narrative plus calls, and they run in a real kernel.

The tests marked ``slow`` execute the notebooks through papermill in a real
Jupyter kernel, from ``notebooks/`` as the working directory (as JupyterLab
does), with their default parameters.
"""

from __future__ import annotations

import ast
import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from calcidata.reports.registry import REPORTS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MINIMAL = Path(__file__).resolve().parent / "fixtures" / "minimal"
#: Every registered notebook (its stem is the report's name, checked below).
ALL_NOTEBOOKS = [Path(spec.notebook).stem for spec in REPORTS.values()]
#: The notebooks ``calcidata build`` renders: narrative and one call per cell, no logic.
#: The others (``explore``, a starting point for JupyterLab) may hold code of their own.
REPORT_NOTEBOOKS = [Path(spec.notebook).stem for spec in REPORTS.values() if spec.build]
HOSTILE = "<script>alert(1)</script>"


def test_every_notebook_is_registered_under_its_own_name():
    """A notebook outside the registry would escape the tests below (and the build)."""
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(
        spec.notebook for spec in REPORTS.values()
    )
    assert all(Path(spec.notebook).stem == name for name, spec in REPORTS.items())
    assert {"explore"} == set(ALL_NOTEBOOKS) - set(REPORT_NOTEBOOKS)


def _read(name: str):
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def _code(book) -> list:
    return [c for c in book.cells if c.cell_type == "code"]


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_notebook_is_stored_without_outputs_or_execution_counts(name):
    book = _read(name)
    nbformat.validate(book)
    for cell in _code(book):
        assert cell.outputs == [], cell.source[:60]
        assert cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_notebook_has_one_parameters_cell_then_validates_its_parameters(name):
    book = _read(name)
    code = _code(book)
    tagged = [i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    first_after = code[tagged[0] + 1].source
    assert "import calcidata" in first_after
    assert f'calcidata.reports.validate_params("{name}"' in first_after
    for stmt in ast.parse(code[tagged[0]].source).body:
        assert isinstance(stmt, ast.AnnAssign), "parameters need annotations for papermill"


@pytest.mark.parametrize("name", REPORT_NOTEBOOKS)
def test_report_notebook_cells_hold_one_call_each_and_no_logic(name):
    book = _read(name)
    code = _code(book)[3:]  # after parameters, validation and the load/setup cell
    assert code, "a report needs content"
    for cell in code:
        body = ast.parse(cell.source).body
        assert len(body) == 1, cell.source
        assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Call), cell.source
        for node in ast.walk(body[0]):
            assert not isinstance(
                node,
                (
                    ast.For,
                    ast.If,
                    ast.IfExp,
                    ast.Lambda,
                    ast.ListComp,
                    ast.DictComp,
                    ast.GeneratorExp,
                ),
            ), cell.source
    narrative = [c for c in book.cells if c.cell_type == "markdown"]
    assert len(narrative) >= len(code) // 2


# --------------------------------------------------------------------------- real kernels


def _run(name: str, out: Path, parameters: dict | None = None):
    """Run as papermill's users do: in the kernel the notebook declares (``calcidata``,
    which ``make install`` registers in the venv's ``sys.prefix`` only)."""
    import papermill

    return papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(out),
        parameters=parameters or {},
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        log_output=False,
    )


def _outputs(book, kind: str) -> list[str]:
    found = []
    for cell in _code(book):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                raise AssertionError(f"cell failed: {o['ename']}: {o['evalue']}")
            data = o.get("data", {})
            if kind in data:
                found.append(data[kind])
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_notebook_runs_top_to_bottom_with_its_default_parameters(name, tmp_path):
    book = _run(name, tmp_path / f"{name}.ipynb")
    html = "".join(_outputs(book, "text/html"))
    images = _outputs(book, "image/svg+xml") + _outputs(book, "image/png")
    assert images, "every notebook draws at least one plot"
    if name in REPORT_NOTEBOOKS:
        assert "Not medical advice." in html
        assert "Data version" in html and "calcidata version" in html
        assert 'class="calcidata-sources"' in html
        assert "<table" in html
        assert "<a href=" in html


@pytest.mark.slow
def test_condition_report_reads_the_data_directory_from_the_environment(tmp_path, monkeypatch):
    import calcidata

    monkeypatch.setenv("CALCIDATA_DATA_DIR", str(MINIMAL))
    book = _run("condition_report", tmp_path / "out.ipynb", {"condition_id": "fixture_shoulder"})
    html = "".join(_outputs(book, "text/html"))
    assert calcidata.load(MINIMAL).version in html
    assert "Fixture shoulder calcification" in html
    assert "Fixture shock wave" in html


@pytest.mark.slow
def test_bad_condition_id_fails_in_the_first_code_cell_with_the_nearest_match(tmp_path):
    import papermill

    with pytest.raises(papermill.PapermillExecutionError) as info:
        _run(
            "condition_report",
            tmp_path / "bad.ipynb",
            {"condition_id": "calcific_tendinopathy_shouldr"},
        )
    assert info.value.ename == "ParameterError"
    assert "calcific_tendinopathy_shoulder" in info.value.evalue
    book = nbformat.read(tmp_path / "bad.ipynb", as_version=4)
    failed = [
        c for c in _code(book) if any(o.get("output_type") == "error" for o in c.get("outputs", []))
    ]
    assert len(failed) == 1 and "validate_params" in failed[0].source


def _hostile_copy(target: Path) -> Path:
    shutil.copytree(MINIMAL, target)
    path = target / "treatments.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    rows[2]["name"] = HOSTILE  # fixture_shock
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return target


@pytest.mark.slow
@pytest.mark.parametrize("name", ["condition_report", "treatment_comparison"])
def test_hostile_treatment_name_shows_as_text_in_the_rendered_html(name, tmp_path, monkeypatch):
    from nbconvert import HTMLExporter

    monkeypatch.setenv("CALCIDATA_DATA_DIR", str(_hostile_copy(tmp_path / "data")))
    book = _run(name, tmp_path / "out.ipynb", {"condition_id": "fixture_shoulder"})
    html, _ = HTMLExporter(exclude_input=True).from_notebook_node(book)
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "parameters"),
    [
        (
            "treatment_comparison",
            {"treatment_ids": "eswt_radial,us_guided_lavage,physiotherapy", "outcome": "pain"},
        ),
        ("evidence_map", {"modality": "drug", "condition_id": "calcinosis_ctd"}),
        ("dosing_ranges", {"modality": "device"}),
        ("dosing_ranges", {"treatment_ids": ["ibuprofen", "naproxen"]}),
        ("dosing_ranges", {"condition_id": "calcinosis_ctd"}),
        *(("claims_check", {"source_id": f"seed_00{i}"}) for i in range(5)),
        ("condition_gap", {"condition_id": "ligament_calcification"}),
    ],
)
def test_notebook_runs_with_parameters_given_as_on_the_command_line(name, parameters, tmp_path):
    book = _run(name, tmp_path / "out.ipynb", parameters)
    html = "".join(_outputs(book, "text/html"))
    assert _outputs(book, "image/svg+xml")  # figures are SVG (calcidata.display.set_theme)
    for value in parameters.values():
        first = value.split(",")[0] if isinstance(value, str) else value[0]
        assert first in html  # the header shows the parameters used
