"""Types a checker can use: the lazy names have stubs, and a user's typical calls type-check."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

#: Packages that import some public names lazily (``calcidata._api.lazy_names``).
LAZY_PACKAGES = [
    "calcidata",
    "calcidata.tables",
    "calcidata.audit",
    "calcidata.display",
    "calcidata.synthesis",
]


def _stub_imports(package: str) -> dict[str, str]:
    path = ROOT / (package.replace(".", "/") + "/__init__.pyi")
    assert path.exists(), f"{package} imports names lazily but has no __init__.pyi stub"
    out = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_lazy_name_is_in_the_stub_from_its_module(package):
    module = importlib.import_module(package)
    stub = _stub_imports(package)
    for name, source in getattr(module, "_LAZY", {}).items():
        assert name in stub, f"{package}.{name} is lazy but missing from __init__.pyi"
        assert stub[name] in (f"{source}.{name}",) or stub[name].startswith(source), (
            name,
            stub[name],
            source,
        )
    for name, source in getattr(module, "_LAZY_MODULES", {}).items():
        assert stub.get(name) == source, (name, stub.get(name), source)
    public = set(module.__all__) - {"NOTICE"}
    assert public <= set(stub), sorted(public - set(stub))


def _mypy(cache, cwd, env=None):
    """mypy on tests/typing_example.py; errors inside calcidata itself are not counted."""
    # The interpreter running the tests has mypy whenever the dev extra is installed
    # (make install), whatever PATH says; a worktree without its own .venv still finds it.
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (make install installs it)")
    argv = [
        sys.executable,
        "-m",
        "mypy",
        "--no-incremental",
        "--follow-imports=silent",
        "--cache-dir",
        str(cache),
    ]
    example = str(ROOT / "tests" / "typing_example.py")
    return subprocess.run([*argv, example], capture_output=True, text=True, cwd=cwd, env=env)


def test_the_typing_example_fails_when_a_public_name_loses_its_type(tmp_path):
    """mypy checks tests/typing_example.py; a public name typed Any there is an error."""
    ok = _mypy(tmp_path / "c1", ROOT)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The same calls against a copy of the package whose stub lost a name: mypy must fail.
    pkg = tmp_path / "calcidata"
    shutil.copytree(ROOT / "calcidata", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    stub = pkg / "__init__.pyi"
    kept = [x for x in stub.read_text().splitlines() if "import load as load" not in x]
    stub.write_text("\n".join(kept) + "\nfrom typing import Any\nload: Any\n")
    broken = _mypy(
        tmp_path / "c2", tmp_path, env={"MYPYPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    )
    assert broken.returncode != 0, broken.stdout
    assert "typing_example.py" in broken.stdout and "Any" in broken.stdout, broken.stdout


def test_the_typing_example_runs():
    subprocess.run([sys.executable, str(ROOT / "tests" / "typing_example.py")], check=True)
