"""The whole ``calcidata build`` on the shipped data, then a no-op re-build."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import textwrap
from urllib.parse import unquote

import pytest

from calcidata.cli import main
from calcidata.reports.build import plan
from calcidata.reports.registry import REPORTS, Catalog
from calcidata.tables.loader import data_version

from .browser_support import open_page
from .conftest import ROOT
from .render_support import check_index_page, check_report_html, executed_problems, source_links

pytestmark = [pytest.mark.slow, pytest.mark.full_build]


@pytest.mark.browser
def test_whole_build_renders_every_report_then_rebuilds_nothing(tmp_path, capsys, chromium):
    out = tmp_path / "reports"
    assert main(["build", "--out", str(out), "--no-progress"]) == 0
    jobs = plan(out)
    assert f"{len(jobs)} reports: {len(jobs)} rendered" in capsys.readouterr().out
    index = (out / "index.html").read_text(encoding="utf-8")
    version = data_version()
    catalog = Catalog.from_data_dir()
    from html import escape

    import calcidata
    from calcidata.reports.summary import report_summary

    tables = calcidata.load()
    for job in jobs:
        assert f'href="{job.report}/{job.slug}.html"' in index
        # each link carries a one-line summary of what that report holds
        assert escape(report_summary(tables, job.report, job.params)) in index
        assert executed_problems(job.ipynb) == [], job.slug
        links = (
            source_links(ROOT / "data", job.params["condition_id"])
            if job.params.get("condition_id")
            else None
        )
        if job.report == "dosing_ranges" and job.params.get("condition_id"):
            links = []  # a condition's doses cite the sources of its doses, not of its results
        check_report_html(
            job.html.read_text(encoding="utf-8"),
            title=REPORTS[job.report].title,
            values=[
                catalog.conditions.get(v, v) for v in job.params.values() if isinstance(v, str)
            ],
            data_version=version,
            links=links,
        )
    assert not (out / "_failed").exists()
    # issue 19: each page one self-contained file, the median at most 500 KB, none over 1 MB
    # (the largest is checked at the end of this test, after everything else)
    sizes = {f"{job.report}/{job.slug}": job.html.stat().st_size for job in jobs}
    # every link from one report to a place in another lands: the page is built and holds
    # the id (a broader condition's pages link the tables of a narrower one's)
    ids: dict[str, set[str]] = {}
    landed = 0
    for job in jobs:
        for target, anchor in re.findall(
            r'href="\.\./([\w-]+/[^"#/]+\.html)#([^"]+)"', job.html.read_text(encoding="utf-8")
        ):
            page = out / unquote(target)
            if target not in ids:
                assert page.is_file(), (job.slug, target)
                ids[target] = set(re.findall(r'id="([^"]+)"', page.read_text(encoding="utf-8")))
            assert anchor in ids[target], (job.slug, target, anchor)
            landed += 1
    assert landed >= 100, landed  # the umbrella pages alone link about 200 tables
    assert statistics.median(sizes.values()) <= 500_000, statistics.median(sizes.values())

    # the index in a browser: every report linked, every cell of the map to its report
    from calcidata.analysis import evidence_map

    with open_page(chromium, out / "index.html", width=390, artifacts=tmp_path) as view:
        cells = check_index_page(view, out / "index.html", [job.html for job in jobs])
        assert view.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert sorted(n for _, n in cells) == sorted(evidence_map(tables)["results"].tolist())

    code = textwrap.dedent(f"""
        import json, sys
        from calcidata.cli import main
        code = main(["build", "--out", {str(out)!r}, "--no-progress"])
        heavy = [m for m in ("pandas", "pandera", "papermill", "nbconvert", "jupyter_client",
                             "matplotlib") if m in sys.modules]
        print(json.dumps({{"code": code, "heavy": heavy}}))
    """)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    *lines, last = done.stdout.strip().splitlines()
    assert json.loads(last) == {"code": 0, "heavy": []}
    assert f"0 rendered, {len(jobs)} up to date" in lines[0]

    # issue 19: the largest page at most 1 MB (a broader condition's report links the
    # comparisons a narrower condition's report tables instead of repeating them)
    name, largest = max(sizes.items(), key=lambda kv: kv[1])
    assert largest <= 1_000_000, f"largest page {name} is {largest:,} bytes (> 1 MB)"
