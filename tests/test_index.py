"""The landing page's data: the condition tree, the worded map, and how the index keeps them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from calcidata.reports.index import (
    INDEX_DATA,
    MANIFEST_SUFFIX,
    index_data,
    render_index,
    write_index,
)

from .conftest import MINIMAL, ROOT, digest, set_cell
from .render_support import fixture_registry, visible_text

REGISTRY = fixture_registry("condition_report")


def test_condition_tree_lists_every_condition_in_hierarchy_order_with_its_evidence(
    fixture_tables,
):
    from calcidata.analysis import condition_tree

    tree = condition_tree(fixture_tables)
    assert tree["condition_id"].tolist() == ["fixture_root", "fixture_listed", "fixture_shoulder"]
    assert tree["depth"].tolist() == [0, 1, 1]
    assert tree["own_evidence_rows"].tolist() == [0, 0, 3]
    assert tree["evidence_rows"].tolist() == [3, 0, 3]  # the root counts its subtree
    assert tree["parent_id"].isna().tolist() == [True, False, False]
    assert str(tree["evidence_rows"].dtype) == "Int64"


def test_condition_tree_of_the_shipped_tables_sums_each_subtree(shipped):
    from calcidata.analysis import condition_tree, subtree

    tree = condition_tree(shipped).set_index("condition_id")
    assert len(tree) == len(shipped.conditions)
    assert tree.loc[tree["depth"] == 0, "evidence_rows"].sum() == len(shipped.evidence)
    for cid in tree.index:
        assert (
            tree.loc[cid, "evidence_rows"]
            == tree.loc[subtree(shipped, cid)]["own_evidence_rows"].sum()
        )


@pytest.mark.parametrize(
    ("results", "level"), [(1, 1), (2, 2), (3, 3), (5, 3), (6, 4), (10, 4), (11, 5), (90, 5)]
)
def test_shade_of_a_map_cell_grows_with_its_results(results, level):
    from calcidata.display.landing import shade

    assert shade(results) == level


def test_the_legend_words_every_shade():
    from calcidata.display.landing import legend

    assert [x["text"] for x in legend()] == ["1", "2", "3\u20135", "6\u201310", "over 10"]
    assert [x["shade"] for x in legend()] == [1, 2, 3, 4, 5]


def test_landing_data_words_the_map_by_modality_with_a_title_per_cell(fixture_tables):
    from calcidata.display.landing import landing_data

    data = landing_data(fixture_tables)
    json.dumps(data)  # plain data, kept as JSON next to the reports
    # every condition is a column, every treatment a row: empty cells are gaps, counted
    assert data["columns"] == [c["id"] for c in data["conditions"]]
    assert set(data["columns"]) == set(fixture_tables.conditions["condition_id"])
    rows = [t["id"] for g in data["groups"] for t in g["treatments"]]
    assert sorted(rows) == sorted(fixture_tables.treatments["treatment_id"])
    assert data["gaps"] == {
        "conditions": 3,
        "conditions_without_evidence": 2,
        "treatments": 3,
        "treatments_without_evidence": 1,
        "cells": 9,
        "empty_cells": 7,
    }
    assert [g["modality"] for g in data["groups"]] == ["Drug", "Device"]  # vocabulary order
    cells = {(c["treatment_id"], c["condition_id"]): c for c in data["cells"]}
    drug = cells["fixture_drug", "fixture_shoulder"]
    assert (drug["results"], drug["shade"]) == (2, 2)
    assert drug["title"] == (
        "Fixture drug for Fixture shoulder calcification: 2 results; 1 study; "
        "40 participants; evidence strength: level 4 of 5"
    )
    shoulder = next(c for c in data["conditions"] if c["id"] == "fixture_shoulder")
    assert shoulder["synonyms"] == ["fixture tendinitis", "fake"]


def test_index_data_is_kept_and_a_second_index_loads_no_table(tmp_path):
    out = tmp_path / "reports"
    first = index_data(out, MINIMAL)
    assert (out / INDEX_DATA).is_file()
    code = textwrap.dedent(f"""
        import json, sys
        from calcidata.reports.index import index_data
        data = index_data({str(out)!r}, {str(MINIMAL)!r})
        print(json.dumps({{"data": data, "pandas": "pandas" in sys.modules}}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    again = json.loads(done.stdout)
    assert again == {"data": first, "pandas": False}


def test_changed_tables_change_the_index_and_invalid_ones_keep_the_report_list(tmp_path, minimal):
    out = tmp_path / "reports"
    assert "Fixture shoulder calcification" in visible_text(
        render_index(out, REGISTRY, index_data(out, minimal))
    )
    set_cell(minimal / "conditions.csv", 2, "name", "Shoulder <b>renamed</b>")
    html = render_index(out, REGISTRY, index_data(out, minimal))
    assert "Shoulder &lt;b&gt;renamed&lt;/b&gt;" in html  # new, and escaped
    assert "<b>renamed" not in html

    set_cell(minimal / "evidence.csv", 0, "direction", "much_better")  # not a direction
    before = digest(minimal)
    data = index_data(out, minimal)
    assert digest(minimal) == before  # no input file is ever modified
    assert set(data) == {"error"} and "did not load" in data["error"]
    text = visible_text(render_index(out, REGISTRY, data))
    assert "No evidence map: the tables in" in text
    assert "Not medical advice." in text and "Find a report" in text


def test_write_index_only_rewrites_a_changed_page(tmp_path):
    out = tmp_path / "reports"
    page = write_index(out, REGISTRY, MINIMAL)
    stamp = page.stat().st_mtime_ns
    assert write_index(out, REGISTRY, MINIMAL).stat().st_mtime_ns == stamp
    text = page.read_text(encoding="utf-8")
    assert "No report has been rendered yet" in visible_text(text)
    assert not [s for s in ("http://", "https://") if f'src="{s}' in text or f"url({s}" in text]


def _rendered(out, report: str, condition: str = "fixture_shoulder") -> None:
    """What a build leaves for one condition's page of ``report``: the page and its manifest."""
    folder = out / report
    folder.mkdir(parents=True)
    (folder / f"{condition}.html").write_text("<!doctype html><title>page</title>\n")
    manifest = {
        "html": f"{condition}.html",
        "slug": condition,
        "label": condition,
        "params": {"condition_id": condition},
        "data_version": "v1",
        "rendered_at": "2026-12-07T00:00:00Z",
    }
    (folder / f"{condition}{MANIFEST_SUFFIX}").write_text(json.dumps(manifest))


def _map_links(html: str) -> set[str]:
    table = html[html.index('<table class="map') : html.index("</table>", html.index('class="map'))]
    return set(re.findall(r'<a href="([^"]+)"', table))


def test_map_cells_link_the_first_map_cell_report_of_the_registry(tmp_path):
    from dataclasses import replace

    from calcidata.reports.registry import REPORTS

    assert [n for n, s in REPORTS.items() if s.map_cell] == [
        "condition_report",
        "treatment_comparison",
        "condition_gap",
    ]
    out = tmp_path / "reports"
    registry = fixture_registry("condition_report", "treatment_comparison")
    for name in registry:
        _rendered(out, name)
    data = index_data(out, MINIMAL)
    assert _map_links(render_index(out, registry, data)) == {
        "condition_report/fixture_shoulder.html"
    }
    # the registry says which reports a cell links to: one line changes it
    registry["condition_report"] = replace(registry["condition_report"], map_cell=False)
    assert _map_links(render_index(out, registry, data)) == {
        "treatment_comparison/fixture_shoulder.html"
    }
    registry["treatment_comparison"] = replace(registry["treatment_comparison"], map_cell=False)
    assert _map_links(render_index(out, registry, data)) == set()
