"""Weight of the report pages: what one self-contained page carries, part by part.

Renders one report of each kind on the shipped data (``calcidata.render``, into a
temporary folder) and weighs each page: the page's own stylesheet and script, the
inline figures (SVG), and the rest (tables, text). Beside them, what the pages
carried before they had their own: JupyterLab's whole stylesheet (nbconvert's
``lab`` template) and itables' offline DataTables bundle, each of which was
inlined in every page. Targets: the median report at most 500 KB, the largest
at most 1 MB (``tests/test_browser_reports.py`` checks them on every run).

After ``make reports`` it weighs every page built in ``reports/`` too (or in the
folder ``CALCIDATA_BENCH_REPORTS`` names): their median and the largest.

Run alone: ``python -m benchmarks pages``.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

CONDITION = "calcific_tendinopathy_shoulder"
#: One report of each kind, plus the unfiltered views (the largest pages).
SETS = [
    ("condition_report", {"condition_id": CONDITION}),
    ("treatment_comparison", {"condition_id": CONDITION}),
    ("dosing_ranges", {"condition_id": CONDITION}),
    ("dosing_ranges", {}),
    ("evidence_map", {}),
]
MEDIAN_TARGET, MAX_TARGET = 500_000, 1_000_000
#: Where ``make reports`` writes every page (``CALCIDATA_BENCH_REPORTS`` to weigh another).
BUILT = Path(__file__).resolve().parents[1] / "reports"


def _kb(n: int) -> str:
    return f"{n / 1000:,.0f}"


def _parts(page: str) -> dict[str, int]:
    svg = sum(len(s.encode()) for s in re.findall(r"<svg\b.*?</svg>", page, flags=re.S))
    outside = re.sub(r"<svg\b.*?</svg>", "", page, flags=re.S)  # a figure's own style is its
    style = sum(len(s.encode()) for s in re.findall(r"<style\b.*?</style>", outside, flags=re.S))
    script = sum(len(s.encode()) for s in re.findall(r"<script\b.*?</script>", page, flags=re.S))
    total = len(page.encode())
    return {"total": total, "svg": svg, "style": style, "script": script,
            "rest": total - svg - style - script}  # fmt: skip


def _before() -> dict[str, int]:
    """Sizes of what each page inlined before: JupyterLab's stylesheet, itables' bundle."""
    from itables import options
    from itables.javascript import generate_init_offline_itables_html

    static = Path(sys.prefix) / "share" / "jupyter" / "nbconvert" / "templates" / "lab" / "static"
    return {
        "jupyterlab_css": sum(
            (static / n).stat().st_size for n in ("index.css", "theme-light.css")
        ),
        "itables_bundle": len(generate_init_offline_itables_html(options.dt_bundle).encode()),
    }


def _every_built_page() -> list[str]:
    """Median and largest of every page of a full build, when there is one."""
    folder = Path(os.environ.get("CALCIDATA_BENCH_REPORTS") or BUILT)
    pages = {p: p.stat().st_size for p in folder.glob("*/*.html")}
    if not pages:
        return [f"No full build in `{folder.name}/` to weigh (run `make reports` first).", ""]
    median, largest = statistics.median(pages.values()), max(pages, key=pages.__getitem__)
    met = median <= MEDIAN_TARGET and pages[largest] <= MAX_TARGET
    where = "reports/" if folder == BUILT else str(folder)
    return [
        f"Every page of the full build in `{where}` ({len(pages)} pages): median "
        f"{_kb(int(median))} KB, largest {_kb(pages[largest])} KB "
        f"(`{largest.relative_to(folder)}`): {'met' if met else 'NOT met'}.",
        "",
    ]


def run(results: list[str]) -> None:
    import calcidata
    from calcidata.reports.page import asset

    rows, sizes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for report, params in SETS:
            start = time.perf_counter()
            path = Path(calcidata.render(report, params, out_dir=tmp))
            seconds = time.perf_counter() - start
            parts = _parts(path.read_text(encoding="utf-8"))
            sizes.append(parts["total"])
            label = report + (f" ({', '.join(params.values())})" if params else " (all)")
            rows.append(
                f"| {label} | {_kb(parts['total'])} | {_kb(parts['style'])} | "
                f"{_kb(parts['script'])} | {_kb(parts['svg'])} | {_kb(parts['rest'])} | "
                f"{seconds:.1f} |"
            )
    before = _before()
    median, largest = statistics.median(sizes), max(sizes)
    results += [
        "## Report page weight (`calcidata render`, one self-contained HTML file each)",
        "",
        "| report | KB | stylesheets KB | scripts KB | figures (SVG) KB | tables and text KB "
        "| render s |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Median {_kb(int(median))} KB (target at most {_kb(MEDIAN_TARGET)} KB), largest "
        f"{_kb(largest)} KB (target at most {_kb(MAX_TARGET)} KB): "
        f"{'met' if median <= MEDIAN_TARGET and largest <= MAX_TARGET else 'NOT met'}.",
        "",
        *_every_built_page(),
        "Side by side, what every page inlined before it had its own stylesheet and table "
        "script, against what it inlines now:",
        "",
        "| part | before KB | now KB |",
        "|---|---:|---:|",
        f"| stylesheet: JupyterLab's whole one / `reports/assets/page.css` | "
        f"{_kb(before['jupyterlab_css'])} | {_kb(len(asset('page.css').encode()))} |",
        f"| interactive tables: itables' DataTables bundle (plus a JSON copy of every table) / "
        f"`reports/assets/page.js` (sort, filter, layers) | {_kb(before['itables_bundle'])} | "
        f"{_kb(len(asset('page.js').encode()))} |",
    ]
