"""Rendering tiny fixture notebooks in real kernels: HTML form, failures, atomic outputs."""

from __future__ import annotations

import dataclasses
import json
import re

import nbformat
import pytest

from calcidata.cli import main
from calcidata.errors import RenderError
from calcidata.reports.build import render
from calcidata.reports.plan import code_hash, is_up_to_date, plan

from .render_support import copy_notebooks, fixture_registry, visible_text

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("render_fixture_notebooks")]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The fixture report ``hello`` rendered once on the minimal data."""
    from .conftest import MINIMAL

    base = tmp_path_factory.mktemp("hello")
    notebooks = copy_notebooks(base / "notebooks", hello="hello")
    out = base / "out"
    html = render(
        "hello",
        {"condition_id": "fixture_shoulder"},
        out_dir=out,
        data_dir=MINIMAL,
        notebooks_dir=notebooks,
        reports=fixture_registry("hello"),
    )
    return out, html


def test_render_writes_html_beside_executed_notebook_and_manifest(rendered):
    out, html = rendered
    assert html == out / "hello" / "fixture_shoulder.html"
    executed = nbformat.read(out / "hello" / "fixture_shoulder.ipynb", as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in executed.cells)
    manifest = json.loads((out / "hello" / "fixture_shoulder.manifest.json").read_text())
    assert manifest["params"] == {"condition_id": "fixture_shoulder"}
    assert manifest["by"] == "render" and len(manifest["fingerprint"]) == 64
    # the calcidata modules the kernel used are tracked, the renderer's own are not
    assert "tables/loader.py" in manifest["code"]["files"]
    assert not {"render.py", "cli.py", "reports/kernels.py"} & set(manifest["code"]["files"])
    assert manifest["code"]["hash"] == code_hash(manifest["code"]["files"])


def test_a_changed_module_makes_the_report_out_of_date(rendered, tmp_path):
    out, html = rendered
    job = plan_one(out)
    assert is_up_to_date(job)
    manifest_path = out / "hello" / "fixture_shoulder.manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["code"]["hash"] = "0" * 64  # as if loading.py had been edited since
    copy = tmp_path / "hello"
    copy.mkdir()
    (copy / manifest_path.name).write_text(json.dumps(manifest))
    (copy / html.name).write_text("x")
    assert not is_up_to_date(dataclasses.replace(job, out_dir=str(tmp_path)))


def plan_one(out):
    from .conftest import MINIMAL

    registry = fixture_registry("hello")
    notebooks = out.parent / "notebooks"
    [job] = plan(out, data_dir=MINIMAL, notebooks_dir=notebooks, reports=registry)
    return dataclasses.replace(job, by="render")
    assert (out / "index.html").is_file()


def test_kernel_reads_the_data_dir_it_was_given(rendered):
    _, html = rendered
    # the notebook printed the condition name it loaded from $CALCIDATA_DATA_DIR
    assert "fixture-output: Fixture shoulder calcification from minimal" in html.read_text()


def test_html_shows_outputs_and_markdown_but_no_code(rendered):
    _, html = rendered
    text = html.read_text()
    assert "Fixture report" in visible_text(text)  # the Markdown cell
    for code in (
        "import matplotlib",
        "plt.subplots",
        "tables = calcidata.load()",
        "condition_id: str",
    ):
        assert code not in text
    body = text[text.index("<body") :]
    code_cells = re.findall(r'<div class="(jp-Cell jp-CodeCell[^"]*)"', body)
    assert len(code_cells) == 4  # parameters, injected parameters, two cells of code
    assert all("jp-mod-noInput" in classes for classes in code_cells)
    assert "jp-InputPrompt" not in body and "highlight" not in body


def test_html_is_self_contained_with_embedded_images(rendered):
    _, html = rendered
    text = html.read_text()
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', text)) == 1
    assert not re.findall(r"<script[^>]*\bsrc=", text)
    assert not re.findall(r"<link[^>]*\bhref=\"https?:", text)


def test_failing_notebook_keeps_last_good_html_and_leaves_executed_copy(tmp_path):
    from .conftest import MINIMAL

    notebooks = copy_notebooks(tmp_path / "nb", hello="hello")
    out = tmp_path / "out"
    registry = fixture_registry("hello")
    good = render(
        "hello", {}, out_dir=out, data_dir=MINIMAL, notebooks_dir=notebooks, reports=registry
    )
    before = good.read_bytes()
    manifest_before = (out / "hello" / "fixture_shoulder.manifest.json").read_bytes()

    copy_notebooks(notebooks, hello="fails")  # the same report now raises
    with pytest.raises(RenderError) as err:
        render(
            "hello", {}, out_dir=out, data_dir=MINIMAL, notebooks_dir=notebooks, reports=registry
        )
    message = str(err.value)
    assert "cell In [4] failed with ValueError: deliberate failure in fixture_shoulder" in message
    assert 'raise ValueError("deliberate failure in " + condition_id)' in message
    assert good.read_bytes() == before
    assert (out / "hello" / "fixture_shoulder.manifest.json").read_bytes() == manifest_before

    failed = out / "_failed" / "hello" / "fixture_shoulder.ipynb"
    executed = nbformat.read(failed, as_version=4)
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert [e.ename for e in errors] == ["ValueError"]
    assert "before the failure" in json.dumps([c.get("outputs") for c in executed.cells])
    assert "_failed/hello/fixture_shoulder.ipynb" in (out / "index.html").read_text()
    assert not list((out / "hello").glob(".*tmp*"))  # no temporary file left behind

    copy_notebooks(notebooks, hello="hello")  # fixed again: the failed copy goes away
    render("hello", {}, out_dir=out, data_dir=MINIMAL, notebooks_dir=notebooks, reports=registry)
    assert not failed.exists()


def test_cli_render_of_a_failing_notebook_exits_1_and_names_the_cell(tmp_path, capsys):
    notebooks = copy_notebooks(tmp_path / "nb", explore="fails")
    out = tmp_path / "out"
    code = main(["render", "explore", "--out", str(out), "--notebooks-dir", str(notebooks)])
    err = capsys.readouterr().err
    assert code == 1
    assert "cell In [4] failed with ValueError" in err and "Traceback" not in err
    assert (out / "_failed" / "explore" / "calcific_tendinopathy_shoulder.ipynb").is_file()
    assert not (out / "explore" / "calcific_tendinopathy_shoulder.html").exists()


def test_a_notebook_saved_by_jupyterlab_renders_in_the_calcidata_kernel_without_its_state(
    tmp_path,
):
    """Saved outputs and widget state do not reach the report; ``calcidata`` is this Python."""
    import sys

    from .conftest import MINIMAL

    notebooks = copy_notebooks(tmp_path / "notebooks", hello="hello")
    path = notebooks / "hello.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.metadata.kernelspec = {"name": "calcidata", "display_name": "Python (calcidata)"}
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}
    }
    nb.cells.append(
        nbformat.v4.new_code_cell('print("kernel-python:", __import__("sys").executable)')
    )
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = 3
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="stale-output\n")]
    nbformat.write(nb, path)

    html = render(
        "hello",
        {"condition_id": "fixture_shoulder"},
        out_dir=tmp_path / "out",
        data_dir=MINIMAL,
        notebooks_dir=notebooks,
        reports=fixture_registry("hello"),
    ).read_text()
    assert f"kernel-python: {sys.executable}" in visible_text(html)
    assert "fixture-output:" in html and "stale-output" not in html
    assert "widget-state" not in html and "html-manager" not in html
    executed = nbformat.read(tmp_path / "out" / "hello" / "fixture_shoulder.ipynb", as_version=4)
    assert executed.metadata.kernelspec.name == "calcidata"
    assert "widgets" not in executed.metadata
