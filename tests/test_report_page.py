"""The page around a rendered notebook: contents, links, inline figures, the table bundle."""

from __future__ import annotations

import base64
import re

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


def test_finish_adds_skip_link_bar_contents_inline_figures_style_and_script():
    links = [("Treatment comparison", "../treatment_comparison/x.html")]
    plain = page.finish(_page(), "Title <b>", links)
    assert '<a href="../index.html">' in plain and "Title &lt;b&gt;" in plain
    assert 'href="../treatment_comparison/x.html"' in plain
    assert plain.index('<nav class="calcidata-toc"') < plain.index("<main ")
    assert "data:image/svg+xml" not in plain and '<svg role="img"' in plain
    assert "<?xml" not in plain and "a &lt;b&gt;" in plain  # the figure's text stays escaped
    head = plain[: plain.index("</head>")]
    assert '<meta name="viewport"' in head and "@media print" in head
    assert "calcidata-sort" in head and "itables" not in plain.lower()  # the page's own script
    # a skip link first, to the main part
    body = plain[plain.index("<body") :]
    assert body.index('class="calcidata-skip" href="#calcidata-content"') < body.index("<nav")
    assert '<main id="calcidata-content"' in plain


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


def test_related_reports_come_from_the_registry(monkeypatch):
    from dataclasses import replace

    from calcidata.reports.registry import REPORTS

    by_route = replace(
        REPORTS["dosing_ranges"],
        name="doses_by_route",
        title="Doses by route",
        overview_link="All doses by route",
    )
    monkeypatch.setitem(REPORTS, "doses_by_route", by_route)  # one registry line
    cond = dict(page.related("condition_report", {"condition_id": "c1"}))
    assert cond["Doses by route of this condition"] == "../doses_by_route/condition_id-c1.html"
    assert cond["All doses by route"] == "../doses_by_route/all.html"
    assert "All doses by route" not in dict(page.related("doses_by_route", {"modality": None}))
    monkeypatch.setitem(REPORTS, "doses_by_route", replace(by_route, same_condition=False))
    cond = dict(page.related("condition_report", {"condition_id": "c1"}))
    assert "Doses by route of this condition" not in cond and "All doses by route" in cond
    assert dict(page.related("doses_by_route", {"condition_id": "c1"})) == {
        "Evidence and gap map": "../evidence_map/all.html",
        "All dosing ranges": "../dosing_ranges/all.html",
        "Claims check: what the articles say": "../claims_check/all.html",
        "All doses by route": "../doses_by_route/all.html",
    }


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


def _cell(inner: str) -> str:
    return f'<div class="jp-Cell jp-MarkdownCell">{inner}</div>\n'


def test_the_answer_stays_open_and_every_later_section_folds():
    main = (
        '<div class="calcidata-report"><h1>R</h1></div>'
        + _cell('<h2 id="Bottom-line">Bottom line</h2><p>says</p>')
        + _cell('<h2 id="Summary-of-findings">Summary of findings</h2>')
        + '<div class="jp-Cell jp-CodeCell"><div class="jp-Cell-outputWrapper">'
        "<p>the table</p><h3>More outcomes</h3></div></div>"
        + _cell('<h3 id="Studies-pooled">Studies pooled by calcidata</h3>')
        + _cell("<svg>forest</svg>")
        + _cell('<h2 id="Every">Every reported result</h2><p>intro</p>')
        + _cell("<table>rows</table>")
        + _cell('<h2 id="Sources">Sources</h2>')
    )
    out = page.layer(main)
    assert out.count("<details") == out.count("</details>") == 3
    # the opening, the bottom line and the summary of findings are not folded
    first = out.index("<details")
    assert out.index("Bottom line") < first and out.index("the table") < first
    # the forest plot under the answer is a folded part, headed by its h3
    part = '<details class="calcidata-section calcidata-part"><summary><h3 id="Studies-pooled">'
    assert part in out
    assert out.index("forest") < out.index("</details>")
    # each later section: its h2 is the summary, its cells are inside
    every = out.index('<details class="calcidata-section"><summary><h2 id="Every">')
    assert every < out.index("intro") < out.index("rows") < out.index('<h2 id="Sources">')
    assert out.rstrip().endswith("</details>")
    assert page.layer("<p>no cells</p>") == "<p>no cells</p>"
    # a page with no answer section (the evidence map) keeps its first section open
    plain = page.layer(_cell("<h2>The map</h2>") + _cell("<svg></svg>") + _cell("<h2>Gaps</h2>"))
    assert plain.index("The map") < plain.index("<svg") < plain.index("<details")
    assert plain.count("<details") == 1


def _figure_svg() -> str:
    import io

    import matplotlib.pyplot as plt

    from calcidata import display

    fig, ax = plt.subplots()
    ax.plot([0.123456, 1.5, 2.25], [3.14159, 2.71828, 1.41421], marker="o")
    ax.set_title("A title")
    display.describe(ax, "A line through three points")
    buf = io.BytesIO()
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    plt.close(fig)
    return buf.getvalue().decode()


def test_a_slimmed_figure_keeps_every_element_and_its_clip_paths_with_fewer_bytes():
    svg = _figure_svg()
    slim = page.slim_svg(svg)
    assert len(slim) < 0.75 * len(svg)
    # the same drawing: every path, text, marker and clip path, every text's words
    for tag in ("<path", "<text", "<use", "<clipPath"):
        assert slim.count(tag) == svg.count(tag) > 0, tag
    words = re.compile(r"<text\b[^>]*>([^<]*)</text>")
    assert words.findall(slim) == words.findall(svg)
    # what the figure refers to is still there (clip paths, markers), the rest is gone
    for ref in re.findall(r"#([\w-]+)", slim):
        if not re.fullmatch(r"[0-9a-fA-F]{6}", ref):  # not a colour
            assert f'id="{ref}"' in slim, ref
    assert "<metadata" not in slim and "<g>" not in slim
    # coordinates keep two decimals; the font family is stated once, on the <svg>
    assert not re.search(r'\b(d|x|y)="[^"]*\d\.\d{3}', slim)
    root = re.search(r"<svg\b[^>]*>", slim).group(0)
    assert slim.count("font-family") == 1 and ' style="font-family:' in root
    # a style that elements repeat is a class of the figure, its rule in the figure's style
    styles = re.findall(r' style="([^"]*)"', slim)
    assert len(styles) == len(set(styles))
    scope = re.search(r'<svg class="(f[0-9a-f]+)"', slim).group(1)
    for name in set(re.findall(r' class="(s\d+)"', slim)):
        assert f".{scope} .{name}{{" in slim, name
    assert page.slim_svg(slim) == slim


def test_csv_links_lose_their_data_uri_only_in_a_finished_page():
    from calcidata import display

    table = display.table(pd.DataFrame({"a": ["x, y", "z"]}), name="T")
    assert 'href="data:text/csv;charset=utf-8,' in table  # in JupyterLab: a data: URI
    out = page.lazy_csv_links(table)
    assert '<a class="calcidata-csv" download="t.csv" href="#"' in out
    assert "data:text/csv" not in out and out.count("<td>") == table.count("<td>")
    assert 'href="data:text/csv' not in page.finish(_page(table), "T", [])


def test_a_figure_is_named_by_the_text_alternative_its_plot_gave_it():
    import io

    import matplotlib.pyplot as plt

    from calcidata import display

    fig, ax = plt.subplots()
    display.describe(ax, 'Pooled MD -0.5 <lower> "pain"')
    buf = io.BytesIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    img = base64.b64encode(buf.getvalue()).decode()
    out = page.inline_svgs(f'<img src="data:image/svg+xml;base64,{img}">')
    assert 'aria-label="Pooled MD -0.5 &lt;lower&gt; &quot;pain&quot;"' in out
    assert page.ALT_PREFIX not in out


def test_no_heading_level_is_skipped():
    out = page.heading_order("<h1>A</h1><h2>B</h2><h4 id='x'>C</h4><h5>D</h5><h2>E</h2><h3>F</h3>")
    assert out == "<h1>A</h1><h2>B</h2><h3 id='x'>C</h3><h4>D</h4><h2>E</h2><h3>F</h3>"


def test_the_page_assets_are_part_of_the_renderer_fingerprint():
    from calcidata.reports.plan import renderer_files

    names = {f.name for f in renderer_files()}
    assert {"page.css", "page.js", "page.py", "kernels.py"} <= names


def test_a_figure_a_plot_put_inline_itself_is_slimmed_too():
    import matplotlib.pyplot as plt

    from calcidata.display._plotbase import svg_html

    fig, ax = plt.subplots()
    ax.plot([0.123456, 1.5], [1.0, 2.345678], marker="o")
    inline = svg_html(fig)  # as the evidence map and the pooled forests put them
    plt.close(fig)
    out = page.inline_svgs(f"<main>{inline}</main>")
    assert "<metadata" in inline and "<metadata" not in out
    assert len(out) < 0.8 * len(inline) and out.count("<path") == inline.count("<path")
    assert 'role="img"' in out and page.inline_svgs(out) == out
