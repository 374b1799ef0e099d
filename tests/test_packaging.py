"""The wheel ships the tables: installed outside the checkout, calcidata still loads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from calcidata.schemas import SCHEMAS

from .conftest import ROOT


def test_every_package_directory_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(p.relative_to(ROOT).parent.parts)
        for p in (ROOT / "calcidata").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel of the checkout, built once, from a copy of it.

    setuptools builds in the source tree's ``build/`` folder, so two builds of one tree
    at once (or the leftovers of one that was killed) break each other; a copy of the
    files the wheel is made of keeps the checkout out of it.
    """
    import shutil

    source = tmp_path_factory.mktemp("source") / "calcidata"

    def skip(folder: str, names: list[str]) -> set[str]:
        top = {".venv", ".git", "build", "dist", "reports"} if Path(folder) == ROOT else set()
        return {n for n in names if n in top or n == "__pycache__" or n.endswith(".egg-info")}

    shutil.copytree(ROOT, source, ignore=skip)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        check=True,
        capture_output=True,
    )
    (built,) = dist.glob("calcidata-*.whl")
    return built


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_wheel_installs_into_a_fresh_venv_and_loads_the_tables(tmp_path, wheel):

    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    # Reuse the already-installed dependencies (not calcidata itself: only the plain
    # site-packages directory is added, so the checkout's editable hook is not active).
    site = Path(sysconfig.get_paths()["purelib"])
    new_site = Path(
        subprocess.run(
            [py, "-c", "import sysconfig;print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (new_site / "zz_project_dependencies.pth").write_text(str(site) + "\n")
    # without PYTHONPATH: a checkout on it holds calcidata.egg-info (pip wheel writes it),
    # and pip would take that for an installed calcidata and skip the wheel
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CALCIDATA_DATA_DIR")}
    subprocess.run(
        [py, "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        env=env,
    )

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    code = (
        "import calcidata, json; t = calcidata.load();"
        "print(json.dumps({'file': calcidata.__file__, 'data': str(t.data_dir),"
        "'rows': {n: len(f) for n, f in t.items()}}))"
    )
    out = subprocess.run([py, "-c", code], cwd=outside, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["file"].startswith(str(new_site)), result
    assert result["data"].startswith(str(new_site)), result
    import calcidata

    here = calcidata.load()
    assert result["rows"] == {n: len(f) for n, f in here.items()}

    cli = subprocess.run(
        [env_dir / "bin" / "calcidata", "validate"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.startswith(f"OK: {len(SCHEMAS)} tables")

    header = subprocess.run(
        [py, "-c", "from calcidata import display; print(display.header('T', {}, None))"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
    )
    assert header.returncode == 0, header.stderr  # the jinja2 templates ship in the wheel
    assert "Not medical advice." in header.stdout and "calcidata-meta" in header.stdout

    index = subprocess.run(
        [
            py,
            "-c",
            "import sys; from calcidata.reports import REPORTS;"
            "from calcidata.reports.index import write_index;"
            "print(write_index(sys.argv[1], REPORTS).read_text())",
            str(tmp_path / "site"),
        ],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
    )
    assert index.returncode == 0, index.stderr  # the index's template ships in the wheel
    assert "Evidence and gap map" in index.stdout and "Not medical advice." in index.stdout


@pytest.mark.slow
@pytest.mark.xdist_group("wheel")
def test_wheel_without_extras_loads_the_tables_and_names_the_extra(tmp_path, wheel):
    """``pip install calcidata``: the wheel and its core dependencies, from the registries."""
    from calcidata._extras import EXTRAS

    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    py, cli = env_dir / "bin" / "python", env_dir / "bin" / "calcidata"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CALCIDATA_DATA_DIR")}
    install = subprocess.run(
        [py, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    outside = tmp_path / "elsewhere"
    outside.mkdir()

    def run(*argv):
        return subprocess.run(argv, cwd=outside, env=env, capture_output=True, text=True)

    modules = sorted({m for ms in EXTRAS.values() for m in ms})
    found = run(
        py,
        "-c",
        "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])",
        *modules,
    )
    assert found.stdout.strip() == "[]", found  # no extra came along with the core
    loaded = run(
        py,
        "-c",
        "import calcidata, json; t = calcidata.load();"
        "print(json.dumps({n: len(f) for n, f in t.items()}))",
    )
    assert loaded.returncode == 0, loaded.stderr
    import calcidata

    assert json.loads(loaded.stdout) == {n: len(f) for n, f in calcidata.load().items()}

    valid = run(cli, "validate")
    assert valid.returncode == 0 and valid.stdout.startswith(f"OK: {len(SCHEMAS)} tables"), valid
    out = outside / "exports"
    core = run(cli, "export", "--format", "datapackage", "--format", "sqlite", "--out", str(out))
    assert core.returncode == 0, core.stderr
    assert (out / "datapackage.json").is_file() and (out / "calcidata.sqlite").is_file()

    parquet = run(cli, "export", "--format", "parquet", "--out", str(outside / "parquet"))
    assert parquet.returncode == 2, parquet
    assert 'pip install "calcidata[parquet]"' in parquet.stderr
    assert "Traceback" not in parquet.stderr and not (outside / "parquet").exists()
    rx = outside / "rx.csv"
    rx.write_text("treatment,dose,unit,frequency\nzoledronic_acid,5,mg,1\n", encoding="utf-8")
    audit = run(cli, "audit", str(rx))
    assert audit.returncode == 2 and 'pip install "calcidata[audit]"' in audit.stderr, audit
