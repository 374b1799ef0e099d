"""The package layout shows the pipeline: stage folders whose imports run one way.

``schemas`` -> ``tables`` -> ``analysis`` -> ``synthesis`` -> ``display`` -> ``reports``, with
``export`` and ``audit`` reading the tables (the audit also uses the units of
``analysis``) and ``cli`` wrapping them all. The top-level modules (errors,
paths, file helpers, version) serve every stage.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "calcidata"

#: Stage -> the stages it may import (besides itself and the top-level modules).
ALLOWED = {
    "schemas": set(),
    "tables": {"schemas"},
    "analysis": {"schemas", "tables"},
    "synthesis": {"schemas", "tables", "analysis"},
    "display": {"schemas", "tables", "analysis", "synthesis"},
    "reports": {"schemas", "tables", "analysis", "synthesis", "display"},
    "export": {"schemas", "tables"},
    "audit": {"schemas", "tables", "analysis"},
    "cli": {
        "schemas",
        "tables",
        "analysis",
        "synthesis",
        "display",
        "reports",
        "export",
        "audit",
    },
}
#: Single modules that may reach further, with the reason.
EXCEPTIONS = {
    "synthesis/lay_doses.py": (
        {"audit"},
        "a lay article's dose is judged against the range the dose audit uses: one reference "
        "rule (calcidata.audit.reference), not two",
    ),
}
#: Modules over 400 lines, each kept whole because splitting would cut one idea in two.
LONG: dict[str, str] = {}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m == "calcidata" or m.startswith("calcidata.")}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_one_way_through_the_stages(path):
    rel = path.relative_to(PACKAGE)
    if len(rel.parts) == 1:
        return  # top-level modules: the package's entry points and shared helpers
    stage = rel.parts[0]
    assert stage in ALLOWED, f"{rel}: a new stage folder must be added to ALLOWED"
    allowed = ALLOWED[stage] | EXCEPTIONS.get(rel.as_posix(), (set(), ""))[0]
    for module in _imports(path):
        parts = module.split(".")
        if len(parts) < 2 or parts[1] not in ALLOWED or parts[1] == stage:
            continue
        assert parts[1] in allowed, f"{rel} imports {module}: {stage} may not use it"


def test_modules_stay_small():
    sizes = {
        str(p.relative_to(PACKAGE)): len(p.read_text(encoding="utf-8").splitlines())
        for p in _modules()
    }
    assert max(sizes.values()) <= 500, sizes
    over = {k for k, n in sizes.items() if n > 400}
    assert over <= set(LONG), f"over 400 lines: {sorted(over - set(LONG))}"
    assert set(LONG) <= over, f"no longer long, drop from LONG: {sorted(set(LONG) - over)}"


def test_at_most_eight_modules_sit_directly_in_the_package():
    top = [p.name for p in PACKAGE.glob("*.py")]
    assert len(top) <= 8, top
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(ALLOWED), folders


def _import_graph() -> dict[str, set[str]]:
    """Module -> the calcidata modules it imports anywhere (deferred imports included)."""
    graph: dict[str, set[str]] = {}
    names = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in _modules()
    }
    for path in _modules():
        rel = path.relative_to(ROOT).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base]) if base else ".".join(up)
                found.add(base)
                found |= {f"{base}.{a.name}" for a in node.names}
        graph[name] = {m for m in found if m in names and m != name}
    return graph


def test_no_import_circle_inside_the_package():
    """No module reaches itself through imports, deferred ones included.

    A package's ``__init__`` re-exporting its modules is not a circle of logic, so
    edges into a package ``__init__`` from its own submodules are not followed.
    """
    graph = _import_graph()
    packages = {m for m in graph if (ROOT / m.replace(".", "/") / "__init__.py").exists()}

    def edges(m: str) -> set[str]:
        return {t for t in graph[m] if not (t in packages and m.startswith(t + "."))}

    circles = []
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(edges(m)):
            if state.get(t) == 1:
                circles.append(path[path.index(t) :] + [t])
            elif t not in state:
                visit(t, [*path, t])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)
