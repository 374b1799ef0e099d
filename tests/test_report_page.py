"""The page around a rendered notebook: contents, links, inline figures, the table bundle."""

from __future__ import annotations

import base64

import pandas as pd

from calcidata.display._plotbase import tell_apart
from calcidata.reports import page

_PAGE = """<!DOCTYPE html><html><head><title>t</title></head><body class="jp-Notebook"><main>
<h2 id="Summary-of-findings">Summary of findings<a class="anchor-link" href="#x">\u00b6</a></h2>
<h3>From an output &amp; more</h3><h4>not listed</h4>
<h3>From an output &amp; more</h3>
<div class="jp-RenderedSVG"><img alt="No description" src="data:image/svg+xml;base64,{svg}"></div>
{table}</main></body></html>"""

_SVG = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg>\n'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>a &lt;b&gt;</text></svg>'
)


def _page(table: str = "") -> str:
    svg = base64.b64encode(_SVG.encode()).decode()
    return _PAGE.replace("{svg}", svg).replace("{table}", table)


def test_every_h2_and_h3_gets_an_id_and_a_contents_entry():
    text, items = page.headings(_page())
    assert items == [
        (2, "Summary-of-findings", "Summary of findings"),
        (3, "From-an-output-more", "From an output & more"),
        (3, "From-an-output-more-2", "From an output & more"),
    ]
    assert 'id="From-an-output-more-2"' in text
    toc = page.toc_html(items)
    assert toc.count("<li") == 3 and 'href="#Summary-of-findings"' in toc
    assert "From an output &amp; more" in toc


def test_finish_adds_bar_contents_and_inline_figures_and_the_bundle_only_when_needed():
    links = [("Treatment comparison", "../treatment_comparison/x.html")]
    plain = page.finish(_page(), "Title <b>", links)
    assert '<a href="../index.html">' in plain and "Title &lt;b&gt;" in plain
    assert 'href="../treatment_comparison/x.html"' in plain
    assert plain.index('<nav class="calcidata-toc"') < plain.index("<main>")
    assert "data:image/svg+xml" not in plain and '<svg role="img"' in plain
    assert "<?xml" not in plain and "a &lt;b&gt;" in plain  # the figure's text stays escaped
    assert "classList.add" not in plain and "_itables" not in plain  # no table: no bundle
    with_table = page.finish(_page('<div class="calcidata-interactive"></div>'), "T", [])
    head = with_table[: with_table.index("</head>")]
    assert "classList.add('calcidata-js')" in head and "itables" in head
    assert '<meta name="viewport"' in head and "@media print" in head


def test_related_reports_of_a_condition_and_of_the_whole_set():
    cond = dict(page.related("condition_report", {"condition_id": "c1"}))
    assert cond["Treatment comparison of this condition"] == "../treatment_comparison/c1.html"
    assert cond["Dosing ranges of this condition"] == "../dosing_ranges/condition_id-c1.html"
    dosing = dict(page.related("dosing_ranges", {"condition_id": "c1", "modality": None}))
    assert dosing["Condition report of this condition"] == "../condition_report/c1.html"
    assert "All dosing ranges" in dosing
    assert "All dosing ranges" not in dict(page.related("dosing_ranges", {"modality": None}))
    claims = "Claims check: what the articles say"
    assert cond[claims] == "../claims_check/all.html"
    assert claims not in dict(page.related("claims_check", {"source_id": None}))
    assert claims in dict(page.related("claims_check", {"source_id": "seed_004"}))


def test_rows_that_share_a_label_say_what_differs():
    rows = pd.DataFrame(
        {
            "label": ["A [S 2020]", "A [S 2020]", "B [S 2020]", "C", "C"],
            "outcome": ["pain", "pain", "pain", "x", "x"],
            "population": ["adults", "children", "adults", None, None],
        }
    )
    assert tell_apart(rows, "label") == [
        "A [S 2020] (adults)",
        "A [S 2020] (children)",
        "B [S 2020]",
        "C #1",
        "C #2",
    ]
