"""reports/index.html in Chromium: the landing page of a real build, and of the shipped tables.

A real ``build`` of a few fixture reports (named like the real ones, so that the map's
cells link to them, plus one that fails and one across conditions) on the small fixture
tables; then the page is opened at desktop and phone widths, searched, and printed.
"""

from __future__ import annotations

import io
import unicodedata

import pytest

from calcidata.reports.build import build
from calcidata.reports.index import write_index
from calcidata.reports.plan import plan
from calcidata.reports.registry import ReportSpec

from .browser_support import open_page
from .conftest import MINIMAL
from .render_support import check_index_page, copy_notebooks, fixture_registry

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_index")]

REGISTRY = {
    **fixture_registry("condition_report", "treatment_comparison", "broken"),
    "overview": ReportSpec("overview", "overview.ipynb", "Fixture overview", "Every condition"),
}
NO_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A real build of the fixture registry on the fixture tables (one report fails)."""
    root = tmp_path_factory.mktemp("site")
    notebooks = copy_notebooks(
        root / "notebooks",
        condition_report="hello",
        treatment_comparison="hello",
        broken="fails",
        overview="hello",
    )
    out = root / "reports"
    kwargs = {"data_dir": MINIMAL, "notebooks_dir": notebooks, "reports": REGISTRY}
    result = build(out, jobs=2, progress=False, **kwargs)
    assert [o.report for o in result.failed] == ["broken"]
    assert len(result.rendered) == 3
    return {"out": out, "index": out / "index.html", "jobs": plan(out, **kwargs)}


def _pdf_pages(page) -> list[str]:
    from pypdf import PdfReader

    pdf = page.pdf(format="A4", print_background=True)
    # NFKC: the PDF's text has ligatures ("ﬁ") where the page has two letters
    return [
        unicodedata.normalize("NFKC", p.extract_text() or "")
        for p in PdfReader(io.BytesIO(pdf)).pages
    ]


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_the_index_loads_cleanly_offline_and_never_scrolls_sideways(
    site, chromium, tmp_path, width
):
    with open_page(chromium, site["index"], width=width, artifacts=tmp_path) as view:
        assert view.console_errors == []
        assert view.requests == []
        assert view.page.evaluate(NO_SCROLL), view.page.evaluate(
            "document.documentElement.scrollWidth"
        )
        text = view.page.inner_text("body")
        assert "Not medical advice." in text
        assert "Fixture shoulder calcification" in text
        assert "1 failed in the last build" in text


@pytest.mark.slow
def test_every_report_failure_and_map_cell_links_a_file_that_exists(site, chromium, tmp_path):
    from calcidata import analysis, load

    produced = [job.html for job in site["jobs"] if job.html.is_file()]
    assert len(produced) == 3
    failed = [site["out"] / "_failed" / "broken" / "fixture_shoulder.ipynb"]
    expected = analysis.evidence_map(load(MINIMAL))
    with open_page(chromium, site["index"], artifacts=tmp_path) as view:
        cells = check_index_page(view, site["index"], produced, failed)
        assert sorted(n for _, n in cells) == sorted(expected["results"].tolist())
        # a cell links the report on its condition (the condition report first)
        shoulder = (site["out"] / "condition_report" / "fixture_shoulder.html").resolve()
        assert {target for target, _ in cells} == {shoulder}
        headers = view.page.eval_on_selector_all(
            "table.map th.col a", "els => els.map(a => a.getAttribute('href'))"
        )
        assert headers == ["condition_report/fixture_shoulder.html"]


@pytest.mark.slow
def test_the_search_box_filters_the_report_list(site, chromium, tmp_path):
    with open_page(chromium, site["index"], width=390, artifacts=tmp_path) as view:
        page = view.page
        box = page.locator("#search")
        assert box.is_visible()
        links = page.locator("#reports a.report")
        total = links.count()
        assert total == 3

        def shown() -> list[str]:
            return [links.nth(i).inner_text() for i in range(total) if links.nth(i).is_visible()]

        box.fill("listed-only")
        assert shown() == []
        names = page.locator("#reports .cname")
        assert names.filter(has_text="Fixture listed-only condition").is_visible()
        assert not names.filter(has_text="Fixture shoulder calcification").is_visible()
        assert "No report matches" in page.inner_text("#search-status")

        box.fill("TENDINITIS")  # a synonym of the shoulder condition, any case
        assert sorted(shown()) == ["Fixture condition_report", "Fixture treatment_comparison"]
        assert "2 of 3 reports match" in page.inner_text("#search-status")

        box.fill("shock wave")  # a treatment with results for the shoulder condition
        assert sorted(shown()) == ["Fixture condition_report", "Fixture treatment_comparison"]

        box.fill("overview")
        assert shown() == ["all"]
        assert not page.locator("ul.tree").first.locator("li:visible").count()

        box.fill("")
        assert len(shown()) == total
        assert view.console_errors == []


@pytest.mark.slow
def test_the_printed_index_has_text_on_every_page(site, chromium, tmp_path):
    with open_page(chromium, site["index"], artifacts=tmp_path) as view:
        view.page.locator("#search").fill("overview")  # filtered on screen, whole in print
        pages = _pdf_pages(view.page)
        assert pages and all(p.strip() for p in pages), [len(p) for p in pages]
        printed = " ".join(pages)
        for words in ("Not medical advice", "Fixture shoulder calcification", "Fixture drug"):
            assert words in printed


def test_the_index_of_the_shipped_tables_holds_the_whole_map_on_a_phone_and_on_paper(
    chromium, tmp_path
):
    """Before any report is rendered: the full map (no links yet) at 390 px and in print."""
    from calcidata import analysis, load

    out = tmp_path / "reports"
    index = write_index(out, REGISTRY)  # the shipped tables; no report rendered here
    expected = analysis.evidence_map(load())
    with open_page(chromium, index, width=390, artifacts=tmp_path) as view:
        assert view.console_errors == []
        assert view.requests == []
        assert view.page.evaluate(NO_SCROLL)
        assert view.page.locator("table.map td span").count() == len(expected)
        assert view.page.locator("table.map td a").count() == 0  # nothing rendered to link
        # every condition is a column, also those with no result (a gap)
        assert view.page.locator("table.map th.col").count() == len(load().conditions)
        pages = _pdf_pages(view.page)
        assert all(p.strip() for p in pages), [len(p) for p in pages]
        assert "No report has been rendered yet" in " ".join(pages)
