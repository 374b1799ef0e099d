"""From an executed notebook to one self-contained HTML page (nbconvert, no code shown)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{#- the page brings its own stylesheet (calcidata/reports/assets/page.css) -#}
{%- block notebook_css -%}{%- endblock notebook_css -%}
"""

_EXPORTER: HTMLExporter | None = None


def to_html(nb: NotebookNode, title: str) -> str:
    """The notebook as one self-contained HTML page: outputs and Markdown, no code.

    Uses nbconvert's lab template without its CDN scripts (require.js, MathJax,
    Mermaid), so the page loads nothing from the network; figures are embedded
    as data URIs. ``title`` is escaped by the template.
    """
    body, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def exporter() -> HTMLExporter:
    """The process's one ``HTMLExporter`` (created on first use)."""
    global _EXPORTER
    if _EXPORTER is None:
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        # nbconvert's warnings (e.g. images without alt text) are not the reader's business
        quiet = logging.getLogger("calcidata.nbconvert")
        quiet.setLevel(logging.ERROR)
        # nbconvert's TemplateExporter.__init__(config=None, **kw) has no annotations
        _EXPORTER = HTMLExporter(  # type: ignore[no-untyped-call]
            log=quiet,
            template_name="lab",
            template_file="calcidata_report.html.j2",
            extra_loaders=[DictLoader({"calcidata_report.html.j2": _TEMPLATE})],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
            # no code is shown, so no code colours (pygments' stylesheet) either
            config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),
        )
    return _EXPORTER
