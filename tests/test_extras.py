"""The optional extras: declared once in pyproject.toml, named by the error when missing.

The real installation without extras (a wheel in a fresh venv) is
``tests/test_packaging.py::test_wheel_without_extras_loads_the_tables_and_names_the_extra``;
here the extras' modules are hidden from one Python process (``sys.modules[name] = None``
makes ``import name`` fail, as when it is not installed).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest

from calcidata._extras import EXTRAS, install_hint, require
from calcidata.errors import MissingExtraError, ParameterError

from .conftest import MINIMAL, ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
OPTIONAL = PROJECT["optional-dependencies"]
#: The extras that gather others, not features.
GATHERING = ("all", "dev")


def _name(requirement: str) -> str:
    """The distribution (or ``calcidata[...]``) a requirement names, normalized."""
    name = re.match(r"[A-Za-z0-9_.-]+(\[[^\]]*\])?", requirement)
    assert name, requirement
    return name.group(0).lower().replace("_", "-")


def test_every_extra_of_pyproject_is_declared_with_its_modules():
    features = {k: v for k, v in OPTIONAL.items() if k not in GATHERING}
    assert set(features) == set(EXTRAS)
    for extra, requirements in features.items():
        assert sorted(_name(r) for r in requirements) == sorted(EXTRAS[extra]), extra


def test_all_gathers_every_extra_and_dev_gathers_all():
    (everything,) = OPTIONAL["all"]
    gathered = re.fullmatch(r"calcidata\[([a-z,]+)\]", everything)
    assert gathered, everything
    assert sorted(gathered.group(1).split(",")) == sorted(EXTRAS)
    assert "calcidata[all]" in OPTIONAL["dev"]


def test_no_extra_module_is_a_core_dependency():
    core = {_name(r) for r in PROJECT["dependencies"]}
    optional = {m for modules in EXTRAS.values() for m in modules}
    assert not core & optional
    assert {"pyarrow", "duckdb", "openpyxl", "jupyterlab"} <= optional


def test_require_names_the_extra_and_is_an_import_and_a_parameter_error(monkeypatch):
    require("duckdb", "the DuckDB export")  # installed here: nothing happens
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(MissingExtraError) as caught:
        require("duckdb", "the DuckDB export")
    message = str(caught.value)
    assert message.startswith("the DuckDB export needs duckdb")
    assert install_hint("duckdb") in message and 'pip install "calcidata[duckdb]"' in message
    assert isinstance(caught.value, ImportError) and isinstance(caught.value, ParameterError)


# Run in a child process: the extras' modules are hidden before pandas or calcidata import.
_HIDDEN = """
import sys
for name in ("pyarrow", "duckdb", "openpyxl", "jupyterlab"):
    sys.modules[name] = None
import calcidata
from calcidata.cli import main
from calcidata.errors import MissingExtraError

tables = calcidata.load(sys.argv[1])
out = sys.argv[2]
written = calcidata.export_tables(out, ["datapackage", "sqlite", "jsonschema"], tables=tables)
assert calcidata.read_export(out + "/calcidata.sqlite").version == tables.version
for fmt, extra in (("parquet", "parquet"), ("duckdb", "duckdb"), ("xlsx", "excel")):
    try:
        calcidata.export_tables(out + "-" + fmt, fmt, tables=tables)
    except MissingExtraError as exc:
        assert f'pip install "calcidata[{extra}]"' in str(exc), exc
    else:
        raise AssertionError(f"{fmt}: no error without its extra")
try:
    calcidata.audit_file(sys.argv[3])
except MissingExtraError as exc:
    assert 'pip install "calcidata[audit]"' in str(exc), exc
else:
    raise AssertionError("audit_file: no error without pyarrow")
assert main(["export", "--format", "xlsx", "--out", out + "-cli", "--data-dir", sys.argv[1]]) == 2
print(len(written))
"""


def test_without_the_extras_the_core_works_and_each_feature_names_its_extra(tmp_path):
    rx = tmp_path / "rx.csv"
    rx.write_text("treatment,dose,unit,frequency\nfixture_drug,200,mg,TID\n", encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-c", _HIDDEN, str(MINIMAL), str(out), str(rx)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.split()[-1]) > 3
    assert 'pip install "calcidata[excel]"' in run.stderr  # the command's message
    assert not (tmp_path / "out-parquet").exists() and not (tmp_path / "out-cli").exists()


def test_require_checks_only_the_modules_a_feature_needs(monkeypatch):
    monkeypatch.setitem(sys.modules, "voila", None)  # the web app's server, not the widgets
    require("app", "the explorer", ("ipywidgets", "anywidget"))
    with pytest.raises(MissingExtraError, match=r'needs voila.*"calcidata\[app\]"'):
        require("app", "make app")
    with pytest.raises(ValueError, match="not all modules"):
        require("app", "the explorer", ("pyarrow",))
