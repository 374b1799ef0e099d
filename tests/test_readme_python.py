"""The README's "Use the tables in Python" examples run as written, on the shipped data."""

from __future__ import annotations

import re

from .conftest import ROOT

SECTION = "## Use the tables in Python"


def test_use_the_tables_examples_run_in_order():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text
    body = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", body, flags=re.DOTALL)
    assert len(blocks) >= 2, "expected the loading and the analysis examples"
    namespace: dict = {"__name__": "__readme__"}
    for code in blocks:
        exec(compile(code, "README.md", "exec"), namespace)
    assert len(namespace["t"].evidence) > 0
    profile = namespace["profile"]
    assert {"certainty", "basis", "reasons"} <= set(profile.columns)
    assert set(namespace["display"].words(namespace["results"]).columns) >= {"effect"}
