"""The report page around nbconvert's HTML: the answer first, contents, links, tables, print.

:func:`finish` takes the page nbconvert made of an executed notebook and adds,
still as one self-contained file that loads nothing from the network:

* a skip link and a bar with a link back to ``index.html`` and to the related
  reports (a condition report links the treatment comparison and the dosing view
  of the same condition, and back);
* a table of contents of every ``h2``/``h3`` heading (sticky at the side on
  wide screens, folded at the top on phones);
* layers (:func:`layer`): the page's opening and its answer (the bottom line and
  the summary of findings) stay open; every later ``h2`` section is a
  ``<details>`` the reader opens, and every one is open when printed;
* every figure inline, named by its text alternative, and slimmed
  (:func:`inline_svgs`, :func:`slim_svg`);
* "Download CSV" links without their ``data:`` copy of the table: the script
  writes the CSV from the table when the link is clicked (:func:`lazy_csv_links`);
* the page's own stylesheet and script (``assets/page.css``, ``assets/page.js``):
  the styles the pages use (in place of JupyterLab's whole stylesheet, which the
  export template leaves out), tables that sort and filter, CSV downloads, each
  summary-of-findings cell labelled with its column so that a phone shows one
  card per outcome, phones, and print (A4
  in landscape, every column, repeated table headers, no sticky bars, no figure
  split across pages).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from urllib.parse import quote

from calcidata.display._plotbase import ALT_PREFIX
from calcidata.reports.svg import slim_svg


@cache
def asset(name: str) -> str:
    """The text of one of the page's assets (``calcidata/reports/assets/<name>``)."""
    return files("calcidata.reports").joinpath("assets", name).read_text(encoding="utf-8")


_SVG_IMG = re.compile(r'<img\b[^>]*\bsrc="data:image/svg\+xml;base64,([A-Za-z0-9+/=\s]+)"[^>]*>')
_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)


_ALT = re.compile(r"""<g id=(["'])""" + re.escape(ALT_PREFIX) + r"""(.*?)\1>""", re.S)


def inline_svgs(page: str) -> str:
    """Figures nbconvert embedded as ``<img src="data:image/svg+xml...">`` put inline, slimmed.

    Inline, their words are text of the page: sharp at any zoom, found by the
    browser's search, kept in a printed PDF. The SVGs are matplotlib's, whose text
    is XML-escaped. Each is an image named by its text alternative, which the plot
    put in the figure's group id (``display.describe``), or else "Figure".
    """

    def inline(m: re.Match[str]) -> str:
        try:
            svg = base64.b64decode(m.group(1)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return str(m.group(0))
        svg = _SVG_PROLOGUE.sub("", svg, count=1)
        alt = _ALT.search(svg)
        label = html.escape(html.unescape(alt.group(2)), quote=True) if alt else "Figure"
        if alt:
            svg = svg[: alt.start()] + "<g>" + svg[alt.end() :]
        svg = slim_svg(svg)
        return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)

    page = _SVG_IMG.sub(inline, page)
    # figures a plot put inline itself (display's svg_html: evidence maps, pooled forests)
    # (not slimmed yet while they hold matplotlib's metadata)
    return _INLINE_SVG.sub(
        lambda m: slim_svg(m.group(0)) if "<metadata>" in m.group(0) else m.group(0), page
    )


_INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.S)


_HEADING = re.compile(r"<h([23])\b([^>]*)>(.*?)</h\1>", re.S | re.I)
_ID = re.compile(r"""\bid\s*=\s*["']([^"']+)["']""", re.I)


def _text(fragment: str) -> str:
    text = re.sub(r"<a class=\"anchor-link\".*?</a>", "", fragment, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(text.replace("\u00b6", "").split())


def headings(page: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The page with an id on every ``h2``/``h3``, and those headings (level, id, text)."""
    found: list[tuple[int, str, str]] = []
    used: set[str] = set(_ID.findall(page))

    def visit(m: re.Match[str]) -> str:
        level, attrs, inner = int(m.group(1)), m.group(2), m.group(3)
        text = _text(inner)
        have = _ID.search(attrs)
        if have:
            ident = have.group(1)
        else:
            base = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or "section"
            ident, n = base, 2
            while ident in used:
                ident, n = f"{base}-{n}", n + 1
            used.add(ident)
            attrs = f'{attrs} id="{ident}"'
        if text:
            found.append((level, ident, text))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    return _HEADING.sub(visit, page), found


def toc_html(items: list[tuple[int, str, str]]) -> str:
    """The table of contents: a list of links to the headings."""
    lines = "".join(
        f'<li class="calcidata-toc-h{level}"><a href="#{html.escape(quote(ident, safe=""))}">'
        f"{html.escape(text)}</a></li>"
        for level, ident, text in items
    )
    return (
        '<nav class="calcidata-toc" aria-label="Contents">'
        f"<details open><summary>Contents</summary><ul>{lines}</ul></details></nav>"
    )


def bar_html(title: str, links: list[tuple[str, str]]) -> str:
    """The bar at the top: back to the index, the page's title, the related reports."""
    parts = ['<a href="../index.html">\u2190 All reports</a>']
    parts.append(f'<span class="calcidata-bar-title">{html.escape(title)}</span>')
    parts += [f'<a href="{html.escape(href)}">{html.escape(text)}</a>' for text, href in links]
    return f'<nav class="calcidata-bar" aria-label="Reports">{"".join(parts)}</nav>'


def related(report: str, params: Mapping[str, object]) -> list[tuple[str, str]]:
    """(text, relative URL) of the reports related to one rendered parameter set.

    From the registry (:class:`~calcidata.reports.registry.ReportSpec`): a page of one
    condition of a ``same_condition`` report links to that condition's pages of the
    others; every page links to the whole-set page of each report with an
    ``overview_link``, except that page itself.
    """
    from calcidata.reports.naming import report_href
    from calcidata.reports.registry import REPORTS

    condition = params.get("condition_id")
    own = REPORTS.get(report)
    out: list[tuple[str, str]] = []
    if condition and own is not None and own.same_condition:
        same = {"condition_id": condition}
        out += [
            (f"{spec.title} of this condition", report_href(name, same))
            for name, spec in REPORTS.items()
            if spec.same_condition and name != report
        ]
    whole = not any(params.values())
    out += [
        (spec.overview_link, report_href(name, {}))
        for name, spec in REPORTS.items()
        if spec.overview_link and not (name == report and whole)
    ]
    return out


_CELL = re.compile(r'<div\b[^>]*\bclass="jp-Cell[ "]')
_MARKDOWN = re.compile(r'^<div\b[^>]*\bclass="[^"]*\bjp-MarkdownCell\b')
_H2 = re.compile(r"<h2\b[^>]*>.*?</h2>", re.S | re.I)
_H3 = re.compile(r"<h3\b[^>]*>.*?</h3>", re.S | re.I)
#: Sections that are the answer, kept open above the detail.
ANSWER = re.compile(r"^(bottom line|the answer|summary of findings)", re.I)


def layer(main: str) -> str:
    """The inside of ``<main>`` with every section after the answer folded.

    A section runs from a Markdown cell with an ``h2`` to the next. The opening
    (before the first ``h2``) and the sections whose heading is the answer
    (:data:`ANSWER`: the bottom line, the summary of findings; on a page with
    neither, such as the evidence map, its first section) stay open; the
    others become ``<details class="calcidata-section">`` whose ``<summary>``
    holds the ``h2``. Inside an answer, an ``h3`` part that is not itself an
    answer (a forest plot, the reviews' overlap) is folded the same way. The
    page's script and stylesheet open them all for print.
    """
    starts = [m.start() for m in _CELL.finditer(main)]
    if not starts:
        return main
    cells = [main[i:j] for i, j in zip(starts, [*starts[1:], len(main)], strict=True)]
    out: list[str] = [main[: starts[0]]]
    titles = [_text(m.group(0)) for c in cells if _MARKDOWN.match(c) for m in [_H2.search(c)] if m]
    first = None if any(ANSWER.match(t) for t in titles) else next(iter(titles), None)
    depth = 0  # <details> open now: 0 or 1 (an h2 section or an h3 part)
    in_answer = False
    for cell in cells:
        markdown = _MARKDOWN.match(cell) is not None  # only the narrative starts a section
        h2 = _H2.search(cell) if markdown else None
        h3 = _H3.search(cell) if markdown else None
        heading = h2 or (h3 if in_answer else None)
        if heading is not None and (h2 is None or h3 is None or h2.start() < h3.start()):
            out.append("</details>" * depth)
            depth = 0
            title = _text(heading.group(0))
            answer = bool(ANSWER.match(title)) or (h2 is not None and title == first)
            if h2 is not None:
                in_answer = answer
            if not answer:
                cell = cell[: heading.start()] + cell[heading.end() :]
                kind = "calcidata-section" + ("" if h2 is not None else " calcidata-part")
                out.append(f'<details class="{kind}"><summary>{heading.group(0)}</summary>')
                depth = 1
        out.append(cell)
    out.append("</details>" * depth)
    return "".join(out)


_CSV_HREF = re.compile(r'(<a class="calcidata-csv" download="[^"]*") href="data:text/csv[^"]*"')


def lazy_csv_links(page: str) -> str:
    """Every "Download CSV" link without its copy of the table: the script makes it on click.

    The page's script (``assets/page.js``) writes the CSV of the table after the
    link from its cells, as :func:`calcidata.display.interactive.csv_text` does
    (a UTF-8 byte-order mark, the headers, a column whose header names several
    CSV columns in ``data-csv`` split into its cell's parts). In JupyterLab,
    without the script, the links keep their ``data:`` URI.
    """
    return _CSV_HREF.sub(r'\1 href="#"', page)


_ANY_HEADING = re.compile(r"<(/?)h([1-6])\b", re.I)


def heading_order(main: str) -> str:
    """``main`` with no heading level skipped, as screen readers and axe expect.

    A heading deeper than one below the last is raised to it (an ``h4`` right
    after an ``h2`` becomes an ``h3``).
    """
    last = 0
    stack: list[int] = []

    def visit(m: re.Match[str]) -> str:
        nonlocal last
        closing, level = m.group(1), int(m.group(2))
        if closing:
            return f"</h{stack.pop() if stack else level}"
        level = min(level, last + 1) if last else level
        last = level
        stack.append(level)
        return f"<h{level}"

    return _ANY_HEADING.sub(visit, main)


_SKIP = '<a class="calcidata-skip" href="#calcidata-content">Skip to the report</a>'


def finish(page: str, title: str, links: list[tuple[str, str]]) -> str:
    """The report page with its bar, contents, layers, stylesheet and script.

    Parameters
    ----------
    page : str
        A whole page from nbconvert (``<head>``, ``<body>`` with one ``<main>``).
    title : str
        The report's title, shown in the bar.
    links : list of (text, URL)
        Related reports, shown in the bar (see :func:`related`).
    """
    page, items = headings(heading_order(lazy_csv_links(inline_svgs(page))))
    head = [
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<style>{asset('page.css')}</style>",
        f"<script>{asset('page.js')}</script>",
    ]
    page = page.replace("</head>", "\n".join(head) + "\n</head>", 1)
    start = page.find("<main>")
    end = page.rfind("</main>")
    if start < 0 or end < 0:
        return page
    before, main, after = page[:start], page[start + 6 : end], page[end + 7 :]
    body = re.search(r"<body\b[^>]*>", before)
    if body:
        before = before[: body.end()] + _SKIP + before[body.end() :]
    return (
        f'{before}{bar_html(title, links)}\n<div class="calcidata-layout">{toc_html(items)}\n'
        f'<main id="calcidata-content" tabindex="-1">{layer(main)}</main></div>{after}'
    )


__all__ = [
    "ALT_PREFIX",
    "ANSWER",
    "asset",
    "bar_html",
    "finish",
    "heading_order",
    "headings",
    "inline_svgs",
    "slim_svg",
    "lazy_csv_links",
    "layer",
    "related",
    "toc_html",
]
