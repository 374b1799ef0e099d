"""The report page around nbconvert's HTML: contents, links, interactive tables, print.

:func:`finish` takes the page nbconvert made of an executed notebook and adds,
still as one self-contained file that loads nothing from the network:

* a bar with a link back to ``index.html`` and to the related reports (a
  condition report links the treatment comparison and the dosing view of the
  same condition, and back);
* a table of contents of every ``h2``/``h3`` heading (sticky at the side on
  wide screens, at the top on phones);
* the DataTables bundle of itables, once, when the page holds interactive tables
  (:mod:`calcidata.display.interactive`);
* a stylesheet for phones (nothing wider than the screen) and for print (A4 in
  landscape, small type, every column, repeated table headers, no sticky bars,
  no blank pages).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Mapping
from urllib.parse import quote

from calcidata.display.interactive import bundle_html

#: Page-level style: layout with the contents, phones, print.
PAGE_CSS = """
body.jp-Notebook {padding: 0; margin: 0}
.calcidata-bar, .calcidata-toc {font-family: var(--jp-ui-font-family, system-ui, sans-serif)}
.calcidata-bar {display: flex; flex-wrap: wrap; gap: 0.3em 1.2em; align-items: baseline;
  padding: 0.5em 1rem; border-bottom: 1px solid #ddd; background: #f7f7f7; font-size: 0.92em}
.calcidata-bar a {white-space: nowrap}
.calcidata-bar .calcidata-bar-title {font-weight: bold}
.calcidata-layout {display: block; padding: 0 1rem}
.calcidata-layout > main {min-width: 0; max-width: 75rem}
.calcidata-toc {font-size: 0.9em; border: 1px solid #ddd; border-radius: 4px;
  padding: 0.4em 0.8em; margin: 1em 0; background: #fafafa}
.calcidata-toc ul {margin: 0.2em 0; padding-left: 0; list-style: none}
.calcidata-toc li {margin: 0.2em 0}
.calcidata-toc li.calcidata-toc-h3 {margin-left: 1.1em; font-size: 0.95em}
.calcidata-toc-title {font-weight: bold; margin: 0.2em 0}
html.calcidata-js .calcidata-interactive {display: block !important}
html.calcidata-js .calcidata-plain {display: none}
main img, main svg {max-width: 100%; height: auto}
.jp-Notebook, .jp-Cell, .jp-Cell-outputWrapper, .jp-OutputArea, .jp-OutputArea-child,
.jp-OutputArea-output, .jp-RenderedHTMLCommon {min-width: 0; max-width: 100%}
.jp-OutputArea-output {overflow-x: auto}
.jp-Cell {padding: 0 !important}
.jp-RenderedHTMLCommon {padding-right: 0 !important}
.jp-OutputPrompt, .jp-InputPrompt {display: none !important}
h2, h3 {scroll-margin-top: 0.5em}
@media (min-width: 1000px) {
  .calcidata-layout {display: grid; grid-template-columns: 16rem minmax(0, 1fr); gap: 1.5rem}
  .calcidata-toc {position: sticky; top: 0.5em; align-self: start; max-height: calc(100vh - 1em);
    overflow-y: auto}
}
@media (max-width: 700px) {
  .calcidata-layout {padding: 0 0.5rem}
  .jp-RenderedHTMLCommon table {font-size: 0.85em}
  /* figures keep their size (text of 9 px and more) and scroll inside their own box */
  main .jp-RenderedSVG svg {max-width: none}
  main .jp-RenderedSVG, main .jp-RenderedImage {overflow-x: auto}
}
@page {size: A4 landscape; margin: 10mm}
@media print {
  html, body {overflow: visible}
  .calcidata-bar, .calcidata-toc, .calcidata-interactive,
  html.calcidata-js .calcidata-interactive {display: none !important}
  html.calcidata-js .calcidata-plain {display: block !important}
  .calcidata-layout {display: block; padding: 0}
  .calcidata-layout > main {max-width: none}
  .jp-OutputArea-output, .jp-RenderedHTMLCommon {overflow: visible !important}
  h2, h3, h4 {break-after: avoid}
  img, svg {break-inside: avoid}
  a {color: inherit}
}
"""

_SVG_IMG = re.compile(r'<img\b[^>]*\bsrc="data:image/svg\+xml;base64,([A-Za-z0-9+/=\s]+)"[^>]*>')
_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)


def inline_svgs(page: str) -> str:
    """Figures nbconvert embedded as ``<img src="data:image/svg+xml...">`` put inline.

    Inline, their words are text of the page: sharp at any zoom, found by the
    browser's search, kept in a printed PDF. The SVGs are matplotlib's, whose text
    is XML-escaped.
    """

    def inline(m: re.Match) -> str:
        try:
            svg = base64.b64decode(m.group(1)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return m.group(0)
        svg = _SVG_PROLOGUE.sub("", svg, count=1)
        return svg.replace("<svg ", '<svg role="img" aria-label="Figure" ', 1)

    return _SVG_IMG.sub(inline, page)


_JS_FLAG = "<script>document.documentElement.classList.add('calcidata-js');</script>"
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

    def visit(m: re.Match) -> str:
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
        f'<p class="calcidata-toc-title">Contents</p><ul>{lines}</ul></nav>'
    )


def bar_html(title: str, links: list[tuple[str, str]]) -> str:
    """The bar at the top: back to the index, the page's title, the related reports."""
    parts = ['<a href="../index.html">\u2190 All reports</a>']
    parts.append(f'<span class="calcidata-bar-title">{html.escape(title)}</span>')
    parts += [f'<a href="{html.escape(href)}">{html.escape(text)}</a>' for text, href in links]
    return f'<nav class="calcidata-bar" aria-label="Reports">{"".join(parts)}</nav>'


def related(report: str, params: Mapping[str, object]) -> list[tuple[str, str]]:
    """(text, relative URL) of the reports related to one rendered parameter set."""
    from calcidata.reports.naming import report_href

    condition = params.get("condition_id")
    out = []
    if condition and report in ("condition_report", "treatment_comparison", "dosing_ranges"):
        same = {"condition_id": condition}
        for name, text in (
            ("condition_report", "Condition report"),
            ("treatment_comparison", "Treatment comparison"),
            ("dosing_ranges", "Dosing ranges"),
        ):
            if name != report:
                out.append((f"{text} of this condition", report_href(name, same)))
    if report != "claims_check" or params.get("source_id"):
        out.append(("Claims check: what the articles say", report_href("claims_check", {})))
    if report != "evidence_map":
        out.append(("Evidence and gap map", report_href("evidence_map", {})))
    if report != "dosing_ranges" or any(params.values()):
        out.append(("All dosing ranges", report_href("dosing_ranges", {})))
    return out


def finish(page: str, title: str, links: list[tuple[str, str]]) -> str:
    """The report page with its bar, contents, interactive-table bundle and stylesheet.

    Parameters
    ----------
    page : str
        A whole page from nbconvert (``<head>``, ``<body>`` with one ``<main>``).
    title : str
        The report's title, shown in the bar.
    links : list of (text, URL)
        Related reports, shown in the bar (see :func:`related`).
    """
    page, items = headings(inline_svgs(page))
    head = [
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<style>{PAGE_CSS}</style>",
    ]
    if "calcidata-interactive" in page:
        head += [_JS_FLAG, bundle_html()]
    page = page.replace("</head>", "\n".join(head) + "\n</head>", 1)
    start = page.find("<main>")
    end = page.rfind("</main>")
    if start < 0 or end < 0:
        return page
    before, main, after = page[:start], page[start : end + len("</main>")], page[end + 7 :]
    return (
        f'{before}{bar_html(title, links)}\n<div class="calcidata-layout">{toc_html(items)}\n'
        f"{main}</div>{after}"
    )


__all__ = ["PAGE_CSS", "bar_html", "finish", "headings", "inline_svgs", "related", "toc_html"]
