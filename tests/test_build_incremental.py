"""calcidata build on fixture notebooks: incremental, parallel, locked, pruned."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from calcidata.reports.build import build
from calcidata.reports.plan import code_hash, is_up_to_date, plan

from .conftest import ROOT, read_rows, write_rows
from .render_support import copy_notebooks, fixture_registry

REGISTRY = fixture_registry("hello", "second")


@pytest.fixture
def project(tmp_path, minimal):
    notebooks = copy_notebooks(tmp_path / "notebooks", hello="hello", second="hello")
    return {"out": tmp_path / "out", "data_dir": minimal, "notebooks_dir": notebooks}


def _mtimes(out: Path) -> dict[str, int]:
    return {
        p.relative_to(out).as_posix(): p.stat().st_mtime_ns
        for p in sorted(out.glob("*/*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_build_skips_unchanged_and_rerenders_only_the_changed_notebook(project):
    first = build(
        project["out"],
        jobs=2,
        reports=REGISTRY,
        progress=False,
        data_dir=project["data_dir"],
        notebooks_dir=project["notebooks_dir"],
    )
    assert first.ok and first.planned == 2 and len(first.rendered) == 2
    out = project["out"]
    index = (out / "index.html").read_text()
    assert 'href="hello/fixture_shoulder.html"' in index
    assert 'href="second/fixture_shoulder.html"' in index
    before = _mtimes(out)

    again = build(
        out,
        jobs=2,
        reports=REGISTRY,
        progress=False,
        data_dir=project["data_dir"],
        notebooks_dir=project["notebooks_dir"],
    )
    assert (again.planned, len(again.rendered), again.skipped) == (2, 0, 2)
    assert _mtimes(out) == before

    path = project["notebooks_dir"] / "second.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A paragraph added later."))
    nbformat.write(nb, path)
    changed = build(
        out,
        jobs=2,
        reports=REGISTRY,
        progress=False,
        data_dir=project["data_dir"],
        notebooks_dir=project["notebooks_dir"],
    )
    assert [o.report for o in changed.rendered] == ["second"]
    after = _mtimes(out)
    assert after["hello/fixture_shoulder.html"] == before["hello/fixture_shoulder.html"]
    assert after["second/fixture_shoulder.html"] != before["second/fixture_shoulder.html"]
    assert "A paragraph added later." in (out / "second" / "fixture_shoulder.html").read_text()

    forced = build(
        out,
        jobs=1,
        force=True,
        reports=REGISTRY,
        progress=False,
        data_dir=project["data_dir"],
        notebooks_dir=project["notebooks_dir"],
    )
    assert len(forced.rendered) == 2 and forced.skipped == 0

    # a no-op build imports neither pandas nor the notebook machinery
    code = textwrap.dedent(f"""
        import json, sys
        from calcidata.reports.build import build
        from tests.render_support import fixture_registry
        r = build({str(out)!r}, reports=fixture_registry("hello", "second"), progress=False,
                  data_dir={str(project["data_dir"])!r},
                  notebooks_dir={str(project["notebooks_dir"])!r})
        heavy = [m for m in ("pandas", "pandera", "papermill", "nbconvert", "jupyter_client",
                             "matplotlib", "tqdm") if m in sys.modules]
        print(json.dumps({{"rendered": len(r.rendered), "skipped": r.skipped, "heavy": heavy}}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == {"rendered": 0, "skipped": 2, "heavy": []}


def test_fingerprint_changes_with_data_and_notebook_but_not_with_nothing(project):
    kwargs = {
        "data_dir": project["data_dir"],
        "notebooks_dir": project["notebooks_dir"],
        "reports": REGISTRY,
    }
    base = {j.report: j.fingerprint for j in plan(project["out"], **kwargs)}
    assert base == {j.report: j.fingerprint for j in plan(project["out"], **kwargs)}

    evidence = project["data_dir"] / "evidence.csv"
    header, rows = read_rows(evidence)
    rows[0]["note"] = "edited"
    write_rows(evidence, header, rows)
    data_changed = {j.report: j.fingerprint for j in plan(project["out"], **kwargs)}
    assert all(data_changed[r] != base[r] for r in base)

    (project["notebooks_dir"] / "hello.ipynb").write_text(
        (project["notebooks_dir"] / "hello.ipynb").read_text().replace("tiny", "small")
    )
    nb_changed = {j.report: j.fingerprint for j in plan(project["out"], **kwargs)}
    assert nb_changed["hello"] != data_changed["hello"]
    assert nb_changed["second"] == data_changed["second"]


def test_outputs_of_parameter_sets_no_longer_built_are_pruned(project):
    out = project["out"]
    folder = out / "hello"
    folder.mkdir(parents=True)
    job = plan(
        out, data_dir=project["data_dir"], notebooks_dir=project["notebooks_dir"], reports=REGISTRY
    )[0]
    (folder / "fixture_shoulder.html").write_text("<p>old</p>")
    (folder / "fixture_shoulder.ipynb").write_text("{}")
    manifest = {
        "report": "hello",
        "slug": "fixture_shoulder",
        "html": "fixture_shoulder.html",
        "notebook": "fixture_shoulder.ipynb",
        "fingerprint": job.fingerprint,
        "by": "build",
        "label": "Fixture",
        "data_version": "x",
        "rendered_at": "t",
        "code": {"files": ["reports.py"], "hash": code_hash(["reports.py"])},
    }
    (folder / "fixture_shoulder.manifest.json").write_text(json.dumps(manifest))
    assert is_up_to_date(job)

    evidence = project["data_dir"] / "evidence.csv"
    header, _ = read_rows(evidence)
    write_rows(evidence, header, [])  # no condition has evidence any more
    result = build(
        out,
        reports=REGISTRY,
        progress=False,
        data_dir=project["data_dir"],
        notebooks_dir=project["notebooks_dir"],
    )
    assert result.planned == 0
    assert not list(folder.glob("fixture_shoulder*"))
    assert "fixture_shoulder.html" not in (out / "index.html").read_text()


@pytest.mark.slow
def test_two_builds_at_once_render_once_and_leave_whole_files(project):
    code = textwrap.dedent(f"""
        import json
        from calcidata.reports.build import build
        from tests.render_support import fixture_registry
        r = build({str(project["out"])!r}, jobs=1, reports=fixture_registry("hello", "second"),
                  progress=False, data_dir={str(project["data_dir"])!r},
                  notebooks_dir={str(project["notebooks_dir"])!r})
        print(json.dumps({{"rendered": len(r.rendered), "failed": len(r.failed)}}))
    """)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [json.loads(p.communicate(timeout=600)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert sorted(r["rendered"] for r in results) == [0, 2]  # the second waited, then skipped
    assert all(r["failed"] == 0 for r in results)
    out = project["out"]
    for report in ("hello", "second"):
        manifest = json.loads((out / report / "fixture_shoulder.manifest.json").read_text())
        assert manifest["report"] == report
        nbformat.validate(nbformat.read(out / report / "fixture_shoulder.ipynb", as_version=4))
        assert (out / report / "fixture_shoulder.html").read_text().rstrip().endswith("</html>")
    leftovers = [p.name for p in out.rglob("*") if ".tmp" in p.name]
    assert leftovers == []


def test_fingerprint_ignores_what_jupyterlab_saves_but_not_sources_tags_or_kernel(
    tmp_path, minimal
):
    """A copy of a shipped notebook, as JupyterLab's autosave leaves it, is still up to date."""
    import shutil

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    path = notebooks / "hello.ipynb"
    shutil.copyfile(ROOT / "notebooks" / "condition_report.ipynb", path)
    registry = fixture_registry("hello")

    def planned():
        jobs = plan(tmp_path / "out", data_dir=minimal, notebooks_dir=notebooks, reports=registry)
        return [j.fingerprint for j in jobs], {j.kernel_name for j in jobs}

    base, kernels = planned()
    assert base and kernels == {"calcidata"}

    nb = nbformat.read(path, as_version=4)
    for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = n + 1
        cell.outputs = [
            nbformat.v4.new_output("stream", name="stdout", text="saved\n"),
            nbformat.v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="}),
        ]
        cell.metadata["execution"] = {"iopub.status.idle": "2026-12-02T07:00:00.000Z"}
        cell.metadata["scrolled"] = True
        cell.metadata["jupyter"] = {"outputs_hidden": False}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.2", "file_extension": ".py"}
    nbformat.write(nb, path)
    assert planned() == (base, kernels)

    source = next(c for c in nb.cells if c.cell_type == "markdown")
    source.source += " Edited."
    nbformat.write(nb, path)
    edited, _ = planned()
    assert all(e != b for e, b in zip(edited, base, strict=True))
    source.source = source.source.removesuffix(" Edited.")
    nbformat.write(nb, path)
    assert planned()[0] == base

    tagged = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    tagged.metadata["tags"] = []
    nbformat.write(nb, path)
    assert planned()[0] != base
    tagged.metadata["tags"] = ["parameters"]

    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    other, kernels = planned()
    assert other != base and kernels == {"python3"}
