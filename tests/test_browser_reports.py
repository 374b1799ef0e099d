"""Rendered reports in a real browser: contents, links, phones, tables, sorting, print.

Three real reports of one condition are rendered on the shipped data (a condition
report, its treatment comparison and its dosing view) and opened in Debian's Chromium
(:mod:`tests.browser_support`).
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import os
import re
import statistics
import unicodedata
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from calcidata.reports import REPORTS, slug
from calcidata.reports.build import build

from .browser_support import open_page
from .conftest import ROOT, read_rows
from .render_support import registry_of, visible_text

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.xdist_group("browser_reports"),
]

CONDITION = "calcific_tendinopathy_shoulder"
SETS = {
    "condition_report": {"condition_id": CONDITION},
    "treatment_comparison": {"condition_id": CONDITION},
    "dosing_ranges": {"condition_id": CONDITION},
}
PAGES = sorted(SETS)


def _path(out, name):
    spec = REPORTS[name]
    return out / name / f"{slug(spec, {**spec.defaults(), **SETS[name]})}.html"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    # CALCIDATA_BROWSER_OUT: a folder kept between runs (the build skips what is up to date)
    kept = os.environ.get("CALCIDATA_BROWSER_OUT")
    out = Path(kept) if kept else tmp_path_factory.mktemp("browser_reports")
    sets = {k: [v] for k, v in SETS.items()}
    result = build(out, jobs=2, reports=registry_of(sets), progress=False)
    assert not result.failed, [o.message for o in result.failed]
    return out


def _squash(text: str) -> str:
    """Text with every kind of white space removed (PDF and DOM break lines differently)."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", PAGES)
def test_report_loads_without_errors_or_requests_and_never_scrolls_sideways(
    chromium, rendered, tmp_path, name, width
):
    with open_page(chromium, _path(rendered, name), width=width, artifacts=tmp_path) as view:
        page = view.page
        page.wait_for_selector(".calcidata-plain th > button.calcidata-sort", state="attached")
        assert view.console_errors == []
        assert view.requests == []
        # the page itself never scrolls sideways (and does not hide what overflows)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        for element in ("documentElement", "body"):
            overflow = page.evaluate(f"getComputedStyle(document.{element}).overflowX")
            assert overflow not in ("hidden", "clip"), element
        # a wide table scrolls inside its own box
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('main table')].filter(t => t.offsetParent)
              .filter(t => t.getBoundingClientRect().right > window.innerWidth + 1)
              .map(t => { let p = t.parentElement;
                while (p && !['auto', 'scroll'].includes(getComputedStyle(p).overflowX))
                  p = p.parentElement;
                return p ? p.getBoundingClientRect().right <= window.innerWidth + 1 : false; })"""
        )
        assert all(boxes), boxes
        if width == 390:  # figure text is at least 9 px high on a phone
            heights = page.evaluate(
                """() => [...document.querySelectorAll('main svg text')]
                  .filter(t => t.textContent.trim() && t.getClientRects().length)
                  .map(t => { const m = t.getScreenCTM();
                    return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); })"""
            )
            assert heights and min(heights) >= 9, min(heights)


@pytest.mark.parametrize("name", PAGES)
def test_every_heading_is_in_the_contents_and_the_reports_link_each_other(
    chromium, rendered, tmp_path, name
):
    path = _path(rendered, name)
    with open_page(chromium, path, artifacts=tmp_path) as view:
        page = view.page
        headings = page.evaluate(
            """() => [...document.querySelectorAll('main h2, main h3')]
              .map(h => [h.id, h.textContent.replace('\u00b6', '').trim()])"""
        )
        toc = page.evaluate(
            """() => [...document.querySelectorAll('nav.calcidata-toc a')]
              .map(a => [decodeURIComponent(a.hash.slice(1)), a.textContent.trim()])"""
        )
        assert len(headings) >= 3
        assert toc == headings
        # the contents stay at the side on a wide screen
        assert page.evaluate(
            "getComputedStyle(document.querySelector('nav.calcidata-toc')).position"
        ) == ("sticky")
        links = page.evaluate(
            "() => [...document.querySelectorAll('nav.calcidata-bar a')].map(a => a.href)"
        )
    assert links[0].endswith("/index.html")
    for other in PAGES:
        if other != name:  # the same condition's other reports, which exist
            target = _path(rendered, other).resolve().as_uri()
            assert target in links, (other, links)
    assert (rendered / "index.html").is_file()


def test_treatment_rows_link_where_the_treatment_is_compared(chromium, rendered, tmp_path):
    with open_page(chromium, _path(rendered, "condition_report"), artifacts=tmp_path) as view:
        hrefs = view.page.evaluate(
            """() => [...document.querySelectorAll('.calcidata-plain td a')].map(a => a.href)"""
        )
    target = _path(rendered, "treatment_comparison").resolve().as_uri() + "#Side-by-side"
    assert hrefs and target in hrefs


#: Each "Download CSV" link clicked with its download held back: the page's script writes
#: the link's CSV (a data: URI) from the table when the link is clicked.
_WRITE_CSV = """() => document.querySelectorAll('main a.calcidata-csv').forEach(a => {
  const hold = e => e.preventDefault();
  a.addEventListener('click', hold); a.click(); a.removeEventListener('click', hold); })"""

_TABLES = """() => [...document.querySelectorAll('main a.calcidata-csv')].map(a => {
  const next = a.closest('p').nextElementSibling;
  const table = next.tagName === 'TABLE' ? next : next.querySelector('table');
  const head = [...table.querySelectorAll('thead th')]
    .filter(th => th.colSpan === 1).map(th => th.textContent.trim());
  const rows = [...table.querySelectorAll('tbody tr')]
    .map(tr => [...tr.children].map(c => c.textContent).join(''));
  return {name: a.getAttribute('download'), href: a.getAttribute('href'), head, rows};
})"""


@pytest.mark.parametrize("name", PAGES)
def test_every_table_has_a_working_csv_download_of_its_rows(chromium, rendered, tmp_path, name):
    with open_page(chromium, _path(rendered, name), artifacts=tmp_path) as view:
        page = view.page
        assert page.evaluate(  # the page carries no copy of its tables as CSV
            "[...document.querySelectorAll('a.calcidata-csv')]"
            ".every(a => a.getAttribute('href') === '#')"
        )
        page.evaluate(_WRITE_CSV)
        tables = page.evaluate(_TABLES)
        n_tables = page.evaluate(
            "document.querySelectorAll('main .calcidata-plain table, main .calcidata-sof,"
            " main .calcidata-record table, main .calcidata-overlap table').length"
        )
        assert len(tables) == n_tables >= 1
        _open_every_section(page)
        with page.expect_download() as download:
            page.locator("main a.calcidata-csv").first.click()
        saved = download.value.path().read_text(encoding="utf-8")
    assert download.value.suggested_filename == tables[0]["name"]
    for table in tables:
        prefix = "data:text/csv;charset=utf-8,"
        assert table["href"].startswith(prefix) and table["name"].endswith(".csv")
        text = unquote(table["href"][len(prefix) :])
        assert text.startswith("\ufeff"), table["name"]  # Excel reads it as UTF-8
        rows = list(csv.reader(io.StringIO(text[1:])))
        assert set(table["head"]) <= set(rows[0]), (table["name"], table["head"], rows[0])
        assert len(rows) - 1 == len(table["rows"]), table["name"]
        for got, shown in zip(rows[1:], table["rows"], strict=True):
            assert _squash("".join(got)) == _squash(shown), table["name"]
    assert saved == unquote(tables[0]["href"].split(",", 1)[1])


_LONGEST = """() => [...document.querySelectorAll('.calcidata-plain table')]
  .reduce((best, t, i, all) => t.tBodies[0].rows.length >
    all[best].tBodies[0].rows.length ? i : best, 0)"""


def _open_every_section(page):
    page.evaluate("() => document.querySelectorAll('main details').forEach(d => d.open = true)")


def _column(page, table, index):
    return page.evaluate(
        f"""() => [...document.querySelectorAll('.calcidata-plain table')[{table}].tBodies[0].rows]
          .filter(tr => !tr.hidden).map(tr => tr.children[{index}].textContent.trim())"""
    )


@pytest.mark.parametrize("name", ["condition_report", "dosing_ranges"])
def test_clicking_a_column_header_sorts_its_rows_and_the_filter_box_keeps_matching_rows(
    chromium, rendered, tmp_path, name
):
    with open_page(chromium, _path(rendered, name), artifacts=tmp_path) as view:
        page = view.page
        page.wait_for_selector(".calcidata-plain th > button.calcidata-sort", state="attached")
        _open_every_section(page)
        table = page.evaluate(_LONGEST)
        before = _column(page, table, 0)
        assert len(before) > 3
        box = page.locator(".calcidata-plain table").nth(table)
        header = box.locator("thead th").first
        header.locator("button").click()
        assert header.get_attribute("aria-sort") == "ascending"
        ascending = _column(page, table, 0)
        header.locator("button").click()
        assert header.get_attribute("aria-sort") == "descending"
        descending = _column(page, table, 0)
        # the filter box above the table: only the rows with the words typed stay
        word = before[0].split()[0]
        tools = box.locator("xpath=../preceding-sibling::p[1]")
        tools.locator("input.calcidata-filter").fill(word)
        kept = _column(page, table, 0)
        order = "(a) => a.every((v, i) => i === 0 || a[i - 1].localeCompare(v) {} 0)"
        assert page.evaluate(order.format("<="), ascending)
        assert page.evaluate(order.format(">="), descending)
        count = tools.locator(".calcidata-count").text_content()
    assert sorted(before) == sorted(ascending) == sorted(descending)
    assert ascending != descending
    assert 1 <= len(kept) <= len(before) and count == f"{len(kept)} of {len(before)} rows"


@pytest.mark.parametrize("name", PAGES)
def test_printed_a4_pdf_keeps_every_column_and_has_no_blank_page(
    chromium, rendered, tmp_path, name
):
    from pypdf import PdfReader

    with open_page(chromium, _path(rendered, name), artifacts=tmp_path) as view:
        page = view.page
        page.emulate_media(media="print")
        heads = page.evaluate(
            """() => [...document.querySelectorAll(
                'main table.calcidata-sof thead th, main .calcidata-plain thead th')]
              .map(th => th.textContent.trim())"""
        )
        sticky = page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => e.offsetParent &&
              ['sticky', 'fixed'].includes(getComputedStyle(e).position)).length"""
        )
        # laid out on the printed width (A4 landscape less the margins), nothing is cut
        page.set_viewport_size({"width": 1047, "height": 740})
        cut = page.evaluate(
            """() => [...document.querySelectorAll('main table')].filter(t => t.offsetParent)
              .filter(t => t.getBoundingClientRect().right > window.innerWidth + 1)
              .map(t => t.querySelector('th') && t.querySelector('th').textContent)"""
        )
        pdf = tmp_path / f"{name}.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    assert heads and sticky == 0 and cut == []
    reader = PdfReader(str(pdf))
    box = reader.pages[0].mediabox  # A4 (in points), landscape
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    texts = [p.extract_text() or "" for p in reader.pages]
    blank = [i + 1 for i, t in enumerate(texts) if not t.strip()]
    assert not blank, f"blank pages {blank} of {len(texts)}"
    if name != "dosing_ranges":  # the summary of findings keeps every column
        heads += [
            "Outcome",
            "Relative effect (95% CI)",
            "Risk with the comparator",
            "Risk difference with the treatment",
            "Participants (studies)",
            "Certainty of the evidence (GRADE)",
        ]
    # a header on two lines prints as two pieces (and cells meet without a space):
    # each of its words is printed, whole
    printed = _squash(unicodedata.normalize("NFKC", "".join(texts)))  # no ligatures
    missing = sorted({w for h in heads for w in h.split() if w not in printed})
    assert not missing, missing


@pytest.mark.parametrize("name", PAGES)
def test_readers_see_names_not_ids_and_no_curation_remarks(rendered, name):
    text = visible_text(_path(rendered, name).read_text(encoding="utf-8"))
    assert "re-check" not in text.lower() and "dossier" not in text.lower()
    _, sources = read_rows(ROOT / "data" / "sources.csv")
    shown = [
        s["source_id"] for s in sources if re.search(rf"\b{re.escape(s['source_id'])}\b", text)
    ]
    assert not shown, shown
    assert "Not reported" in text


# --- reader first (issue 19): the answer on top, phones, weight, accessibility ---

#: Largest self-contained report page, and the most the median one may weigh.
MAX_BYTES, MEDIAN_BYTES = 1_000_000, 500_000


def test_report_pages_are_light(rendered):
    sizes = {name: _path(rendered, name).stat().st_size for name in PAGES}
    assert max(sizes.values()) <= MAX_BYTES, sizes


def test_the_median_report_page_is_at_most_500_kb(rendered):
    sizes = {name: _path(rendered, name).stat().st_size for name in PAGES}
    assert sorted(sizes.values())[len(sizes) // 2] <= MEDIAN_BYTES, sizes


@pytest.mark.parametrize("name", ["condition_report", "treatment_comparison"])
def test_the_answer_comes_first_and_the_detail_is_folded_until_printed(
    chromium, rendered, tmp_path, name
):
    from pypdf import PdfReader

    with open_page(chromium, _path(rendered, name), artifacts=tmp_path) as view:
        page = view.page
        layers = page.evaluate(
            """() => [...document.querySelectorAll('main > details.calcidata-section')]
              .map(d => [d.querySelector('summary').textContent.trim(), d.open])"""
        )
        sof = page.evaluate(
            """() => { const s = document.querySelector('main table.calcidata-sof');
              const d = document.querySelector('main > details.calcidata-section');
              return !!s && !s.closest('details.calcidata-section') &&
                !!(s.compareDocumentPosition(d) & Node.DOCUMENT_POSITION_FOLLOWING); }"""
        )
        folded = page.locator("main > details.calcidata-section").last
        hidden = folded.locator("p").first.is_visible()
        # a contents link into a folded section opens it
        ident = folded.locator("h2").get_attribute("id")
        page.locator(f'nav.calcidata-toc a[href="#{ident}"]').evaluate("a => a.click()")
        opened = folded.evaluate("d => d.open")
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = false)")
        page.emulate_media(media="print")
        pdf = tmp_path / f"{name}.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
        last_words = folded.locator("p").last.text_content().split()[:6]
    assert sof and len(layers) >= 3 and not any(is_open for _, is_open in layers)
    assert not hidden and opened
    printed = _squash(
        unicodedata.normalize(
            "NFKC", "".join(p.extract_text() or "" for p in PdfReader(str(pdf)).pages)
        )
    )
    assert _squash(" ".join(last_words)) in printed  # every folded section prints


#: Comparisons of the made-up summary of findings: (treatment, comparator, outcomes).
SOF_COMPARISONS = [
    ("nsaid_x", "placebo", 7),
    ("eswt_focused", "sham", 9),
    ("lavage", "eswt_focused", 3),
]


@pytest.fixture(scope="module")
def sof_page(tmp_path_factory):
    """A report page of made-up comparisons in the per-comparison layout (display.sof_tables).

    Seven outcomes with long names, instruments and comments in one comparison (a full
    table), nine in another (seven and "More outcomes"), finished like every report.
    """
    from calcidata import display
    from calcidata.display.html import _render
    from calcidata.reports.page import finish

    from .test_sof_display import TABLES, _frame, _row

    rows = [
        _row(
            treatment_id=t,
            comparator_id=c,
            outcome_id=f"o{i}",
            outcome_name=f"Outcome {i}: pain at rest, night pain or shoulder function",
            instrument="Constant-Murley score (0-100)",
            importance="critical" if i < 4 else "important",
            footnotes="rob_not_assessed;imprecision_crosses_both:0.75:1.25;indirect_population",
            statement=(
                f"{TABLES.treatments.set_index('treatment_id').name[t]} may result in little "
                "to no difference in this outcome, but the evidence is very uncertain"
            ),
        )
        for t, c, n in SOF_COMPARISONS
        for i in range(1, n + 1)
    ]
    frame = _frame(rows)

    def cell(kind: str, inner: str) -> str:
        output = f'<div class="jp-OutputArea-output">{inner}</div>'
        return f'<div class="jp-Cell jp-{kind}Cell">{output}</div>'

    body = (
        cell("Markdown", "<h2>Bottom line</h2>")
        + cell("Code", str(_render("style.html.j2")) + str(display.bottom_lines(frame, TABLES)))
        + cell("Markdown", "<h2>Summary of findings</h2>")
        + cell("Code", str(display.sof_tables(frame, TABLES)))
        + cell("Markdown", "<h2>Sources</h2><p>None: made-up comparisons.</p>")
        + cell("Code", str(display.table(TRICKY, name="tricky cells")))
    )
    page = finish(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>SoF</title></head>'
        f"<body><main>{body}</main></body></html>",
        "Summary of findings",
        [],
    )
    path = tmp_path_factory.mktemp("sof_page") / "sof.html"
    path.write_text(page, encoding="utf-8")
    # the same cells before the page was finished: each CSV link holds calcidata's CSV
    path.with_suffix(".unfinished.html").write_text(body, encoding="utf-8")
    return path


#: Cells that CSV quotes or that a page shows otherwise (made-up): commas, quotes,
#: no-break spaces, GRADE symbols, empty and missing cells.
TRICKY = pd.DataFrame(
    {
        "treatment": ["A, B", 'say "no"', "no-break\u00a0space", "x"],
        "certainty": ["\u2295\u2295\u25ef\u25ef Low", "", None, "a\u00b2 1,2"],
    }
)


def test_the_script_writes_each_csv_as_calcidata_wrote_it(chromium, sof_page, tmp_path):
    unfinished = sof_page.with_suffix(".unfinished.html").read_text(encoding="utf-8")
    wrote = [
        unquote(html.unescape(h))
        for h in re.findall(
            r'class="calcidata-csv"[^>]*href="data:text/csv;[^,]*,([^"]*)"', unfinished
        )
    ]
    with open_page(chromium, sof_page, artifacts=tmp_path) as view:
        view.page.evaluate(_WRITE_CSV)
        hrefs = view.page.evaluate(
            "[...document.querySelectorAll('main a.calcidata-csv')].map(a => a.href)"
        )
        assert view.console_errors == []
    # every summary-of-findings table, its "More outcomes" part, and the tricky table
    assert len(wrote) == len(hrefs) == 1 + sum(1 + (n > 7) for _, _, n in SOF_COMPARISONS)
    written = [unquote(h.split(",", 1)[1]) for h in hrefs]
    for python, script in zip(wrote, written, strict=True):
        assert script == python


@pytest.mark.parametrize("name", ["made_up", "condition_report", "treatment_comparison"])
def test_printed_each_comparisons_summary_of_findings_of_up_to_seven_rows_is_on_one_page(
    chromium, rendered, sof_page, tmp_path, name
):
    from pypdf import PdfReader

    path = sof_page if name == "made_up" else _path(rendered, name)
    with open_page(chromium, path, artifacts=tmp_path) as view:
        page = view.page
        page.emulate_media(media="print")
        # a mark (a few letters) at the start of each comparison's title and in the last
        # cell of its table, to find on which printed page each one lands
        marked = page.evaluate(
            """() => [...document.querySelectorAll('main section.calcidata-sof-comparison')]
              .map((s, i) => {
                const table = s.querySelector('table.calcidata-sof');
                const rows = table ? table.querySelectorAll('tbody tr').length : 0;
                if (!table || rows > 7) return null;
                const tag = (where, text) => { const m = document.createElement('span');
                  m.textContent = text; where.prepend(m); };
                tag(s.querySelector('h3'), `Qs${i}q `);
                tag(table.querySelector('tbody tr:last-child td:last-child'), `Qe${i}q `);
                return [i, rows]; }).filter(i => i !== null)"""
        )
        pdf = tmp_path / f"{name}.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    if name == "made_up":
        assert [rows for _, rows in marked] == [min(n, 7) for _, _, n in SOF_COMPARISONS]
    elif not marked:
        pytest.skip("the shipped data's summary of findings has no comparisons yet")
    texts = [_squash(p.extract_text() or "") for p in PdfReader(str(pdf)).pages]

    def on(mark: str) -> list[int]:
        return [n for n, t in enumerate(texts, start=1) if mark in t]

    split = {i: (on(f"Qs{i}q"), on(f"Qe{i}q")) for i, _ in marked}
    assert all(len(a) == 1 and a == b for a, b in split.values()), split


@pytest.mark.parametrize("width", [390, 1280])
def test_the_per_comparison_summary_of_findings_reads_without_sideways_scroll(
    chromium, sof_page, tmp_path, width
):
    with open_page(chromium, sof_page, width=width, artifacts=tmp_path) as view:
        page = view.page
        assert view.console_errors == [] and view.requests == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        cards = page.evaluate(
            """() => [...document.querySelectorAll('main table.calcidata-sof tbody tr')]
              .map(tr => { const r = tr.getBoundingClientRect();
                const box = tr.closest('.calcidata-table');
                return {left: r.left, right: r.right, display: getComputedStyle(tr).display,
                  scrolls: box.scrollWidth > box.clientWidth + 1,
                  labels: [...tr.children].slice(1)
                    .map(c => getComputedStyle(c, '::before').content)}; })"""
        )
        assert _axe(page) == []
    assert len(cards) == sum(n for _, _, n in SOF_COMPARISONS)
    if width == 390:  # the first table (Drug X vs Placebo): each column's own name
        assert cards[0]["labels"] == [
            f'"{label}"'
            for label in (
                "Relative effect (95% CI)",
                "Risk or mean with Placebo",
                "Difference with Drug X",
                "Participants (studies)",
                "Certainty of the evidence (GRADE)",
                "Comments",
            )
        ]
    for card in cards:
        assert card["left"] >= 0 and card["right"] <= width and not card["scrolls"], card
        if width == 390:  # a card per outcome, each cell under its column's name
            assert card["display"] == "block", card
            assert all(label.startswith('"') and len(label) > 2 for label in card["labels"])


@pytest.mark.parametrize("name", ["condition_report", "treatment_comparison"])
def test_on_a_phone_every_summary_of_findings_row_is_a_card_that_fits(
    chromium, rendered, tmp_path, name
):
    with open_page(chromium, _path(rendered, name), width=390, artifacts=tmp_path) as view:
        cards = view.page.evaluate(
            """() => [...document.querySelectorAll('main table.calcidata-sof tbody tr')]
              .filter(tr => tr.offsetParent).map(tr => {
                const r = tr.getBoundingClientRect();
                const cells = [...tr.children];
                return {left: r.left, right: r.right,
                  wide: cells.filter(c => c.scrollWidth > c.clientWidth + 1).length,
                  labels: cells.slice(1).map(c => getComputedStyle(c, '::before').content)};
              })"""
        )
        # other tables scroll in their own box with a sticky header and first column
        sticky = view.page.evaluate(
            """() => [...document.querySelectorAll(
                '.calcidata-plain table, .calcidata-overlap table')].map(t => [
              getComputedStyle(t.querySelector('thead th')).position,
              getComputedStyle(t.tBodies[0].rows[0].cells[0]).position])"""
        )
    assert sticky and all(s == ["sticky", "sticky"] for s in sticky), sticky
    assert cards
    for card in cards:
        assert card["left"] >= 0 and card["right"] <= 390 and card["wide"] == 0, card
        assert all(label not in ("none", "normal", '""') for label in card["labels"]), card


def _axe(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("name", [*PAGES, "index"])
def test_axe_finds_no_serious_or_critical_violation(chromium, rendered, tmp_path, name, width):
    path = rendered / "index.html" if name == "index" else _path(rendered, name)
    with open_page(chromium, path, width=width, artifacts=tmp_path) as view:
        assert _axe(view.page) == []


@pytest.mark.parametrize("name", ["condition_report", "treatment_comparison"])
def test_keyboard_reaches_the_report_first_and_figures_and_links_say_what_they_are(
    chromium, rendered, tmp_path, name
):
    with open_page(chromium, _path(rendered, name), artifacts=tmp_path) as view:
        page = view.page
        page.keyboard.press("Tab")
        first = page.evaluate("document.activeElement.textContent.trim()")
        page.keyboard.press("Enter")
        focused = page.evaluate("document.activeElement.id")
        levels = page.evaluate(
            "() => [...document.querySelectorAll('main h1, main h2, main h3')]"
            ".map(h => +h.tagName[1])"
        )
        names = page.evaluate(
            "() => [...document.querySelectorAll('main svg[role=img]')]"
            ".map(s => s.getAttribute('aria-label'))"
        )
        plain_links = page.evaluate(
            """() => [...document.querySelectorAll('main p a, main li a, main td a')]
              .filter(a => !getComputedStyle(a).textDecorationLine.includes('underline'))
              .map(a => a.textContent)"""
        )
    assert first == "Skip to the report" and focused == "calcidata-content"
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert names and all(n and n != "Figure" for n in names), names
    assert plain_links == []


@pytest.mark.parametrize("name", PAGES)
def test_reader_links_go_only_to_pubmed_pmc_doi_publisher_and_official_pages(rendered, name):
    _, sources = read_rows(ROOT / "data" / "sources.csv")
    elsewhere = {
        url.strip()
        for s in sources
        for url, kind in zip(s["urls"].split(" | "), s["url_kinds"].split(" | "), strict=False)
        if kind.strip() in ("secondary_mirror", "lay_page")
    }
    page = _path(rendered, name).read_text(encoding="utf-8")
    hrefs = {html.unescape(h) for h in re.findall(r'href="(https?://[^"]+)"', page)}
    assert hrefs and not hrefs & elsewhere, sorted(hrefs & elsewhere)


@pytest.mark.parametrize("name", PAGES)
def test_printed_figures_each_fit_one_page_and_page_one_is_full(chromium, rendered, tmp_path, name):
    from pypdf import PdfReader

    with open_page(chromium, _path(rendered, name), artifacts=tmp_path) as view:
        page = view.page
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 1047, "height": 740})  # A4 landscape less margins
        heights = page.evaluate(
            """() => [...document.querySelectorAll('main svg[role=img]')]
              .map(s => s.getBoundingClientRect().height)"""
        )
        pdf = tmp_path / f"{name}.pdf"
        page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    assert heights and max(heights) <= 190 / 25.4 * 96, heights  # 190 mm: the page less margins
    reader = PdfReader(str(pdf))
    texts = [p.extract_text() or "" for p in reader.pages]
    if len(texts) > 1:  # the first page is not left half empty
        assert len(texts[0]) >= 0.5 * statistics.median(len(t) for t in texts[1:]), texts[0]


#: Each shown figure at the viewport's width: its right edge, whether its box scrolls
#: sideways, its smallest text (CSS px), which drawing of a twin it is and whether it
#: is a pooled forest.
_FIGURES = """() => [...document.querySelectorAll('main svg[role=img]')]
  .filter(s => s.getClientRects().length)
  .map(s => { const box = s.parentElement, sizes = [...s.querySelectorAll('text')]
      .filter(t => t.textContent.trim() && t.getClientRects().length)
      .map(t => { const m = t.getScreenCTM();
        return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b); });
    return {name: s.getAttribute('aria-label').slice(0, 50),
      right: s.getBoundingClientRect().right, scrolls: box.scrollWidth > box.clientWidth + 1,
      text: Math.min(...sizes), forest: !!s.closest('.calcidata-forest'),
      drawing: s.closest('.calcidata-twin-narrow') ? 'narrow'
        : s.closest('.calcidata-twin-wide') ? 'wide' : 'one'}; })"""


@pytest.mark.parametrize("name", PAGES)
def test_on_a_phone_the_grids_show_a_drawing_that_fits_and_the_wide_one_elsewhere(
    chromium, rendered, tmp_path, name
):
    with open_page(chromium, _path(rendered, name), width=390, artifacts=tmp_path) as view:
        page = view.page
        phone = page.evaluate(_FIGURES)
        page.set_viewport_size({"width": 1400, "height": 900})
        laptop = page.evaluate(_FIGURES)
        page.emulate_media(media="print")
        printed = page.evaluate(_FIGURES)
    # each figure is shown once (one accessible name); every one is as wide as the
    # screen at most, does not scroll in its box and keeps text of at least 9 px: the
    # grids, pooled forests and per-treatment bar charts in their drawing for a phone
    narrow = [f for f in phone if f["drawing"] == "narrow"]
    assert narrow and len(phone) == len(laptop) == len(printed), (phone, laptop)
    assert all(f["right"] <= 390 and not f["scrolls"] for f in phone), phone
    assert all(f["drawing"] != "wide" and f["text"] >= 9 for f in phone), phone
    if name != "dosing_ranges":  # the shoulder pools ESWT vs sham: its forest is drawn narrow
        assert any(f["forest"] for f in narrow), narrow
    if name == "treatment_comparison":  # and so are both bar charts of the side by side
        for start in ("Participants per treatment", "Number of results per treatment"):
            assert any(f["name"].startswith(start) for f in narrow), (start, narrow)
    for shown in (laptop, printed):  # on a laptop and on paper: the wide drawing
        assert [f["drawing"] for f in shown].count("wide") == len(narrow), shown
        assert all(f["drawing"] != "narrow" for f in shown), shown
