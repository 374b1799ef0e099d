"""The README's "Reuse the tables" examples run, in order, in a fresh directory.

``bash`` blocks hold ``calcidata`` commands (run through the CLI entry point),
``python`` blocks run in one namespace each, ``sql`` blocks run on both the
SQLite and the DuckDB export, ``js`` runs under Node.js when it is installed
and ``r`` under Rscript when it is installed (otherwise its resource names are
checked against the data package).
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import shutil
import sqlite3
import subprocess

import pytest

from calcidata.cli import main

from .conftest import ROOT

SECTION = "## Reuse the tables"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def reuse_blocks() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, "README.md has no 'Reuse the tables' section"
    section = text.split(SECTION, 1)[1]
    section = re.split(r"^## ", section, maxsplit=1, flags=re.MULTILINE)[0]
    return FENCE.findall(section)


def sql_statements(block: str) -> list[str]:
    lines = [line for line in block.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def test_reuse_section_has_an_example_for_each_way_of_reusing_the_tables():
    languages = [lang for lang, _ in reuse_blocks()]
    assert {"bash", "python", "sql", "r", "js"} <= set(languages)
    assert languages[0] == "bash"  # the export comes first
    python = " ".join(code for lang, code in reuse_blocks() if lang == "python")
    for needle in ("read_parquet", "sqlite3", "duckdb", "frictionless", "audit_doses"):
        assert needle in python


def _run_bash(block: str) -> None:
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        assert words[0] == "calcidata", f"README shell examples must be calcidata commands: {line}"
        assert main(words[1:]) == 0, line


def _run_sql(block: str) -> None:
    import duckdb

    statements = sql_statements(block)
    assert statements
    lite = sqlite3.connect("exports/calcidata.sqlite")
    duck = duckdb.connect("exports/calcidata.duckdb", read_only=True)
    try:
        for statement in statements:
            from_sqlite = lite.execute(statement).fetchall()
            from_duckdb = duck.execute(statement).fetchall()
            assert from_sqlite, f"query returned no rows:\n{statement}"
            # Same rows; the order may differ where NULLs sort (first in SQLite, last in DuckDB).
            assert sorted(tuple(map(str, r)) for r in from_sqlite) == sorted(
                tuple(map(str, r)) for r in from_duckdb
            ), statement
    finally:
        lite.close()
        duck.close()


def _r_has(package: str) -> bool:
    """Whether Rscript is installed and can load ``package``."""
    if not shutil.which("Rscript"):
        return False
    probe = f"quit(status = if (requireNamespace('{package}', quietly = TRUE)) 0 else 1)"
    return subprocess.run(["Rscript", "-e", probe], capture_output=True).returncode == 0


def _run_r(code: str) -> None:
    if _r_has("frictionless"):
        subprocess.run(["Rscript", "-e", code], check=True, capture_output=True)
        return
    names = {r["name"] for r in json.loads(open("exports/datapackage.json").read())["resources"]}
    for name in re.findall(r'read_resource\(package, "(\w+)"\)', code):
        assert name in names, name
    assert 'read_package("exports/datapackage.json")' in code


def _run_js(code: str) -> str:
    if not shutil.which("node"):
        return ""
    done = subprocess.run(["node", "-e", code], check=True, capture_output=True, text=True)
    return done.stdout


def test_reuse_examples_run_in_order_in_a_fresh_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    for lang, code in reuse_blocks():
        with contextlib.redirect_stdout(printed):
            if lang == "bash":
                _run_bash(code)
            elif lang == "python":
                exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
            elif lang == "sql":
                _run_sql(code)
            elif lang == "r":
                _run_r(code)
            elif lang == "js":
                print(_run_js(code))
            elif lang == "pyspark":
                continue  # run on Spark by tests/test_audit_spark.py (marked spark)
            else:
                pytest.fail(f"no runner for {lang} blocks")
    out = printed.getvalue()
    assert "['very_low', 'low', 'moderate', 'high']" in out
    assert "True" in out  # read_export gave back the loaded data version; package valid
    assert "within_range" in out and "unknown_treatment" in out
    assert (tmp_path / "audited.csv").is_file() and (tmp_path / "audited.parquet").is_file()
    if shutil.which("node"):
        assert "dosing_ranges dosing_ranges.csv key: dosing_id" in out
