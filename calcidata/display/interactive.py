"""Data tables three ways: a "Download CSV" link, an interactive table, a plain table.

The interactive table is `itables <https://mwouts.github.io/itables/>`_ in its
offline mode (DataTables, sortable, searchable, one filter box per column); the
DataTables bundle itself is put once into each report page by
:mod:`calcidata.reports.page` (:func:`bundle_html`). The plain HTML table under
it is what print, readers without JavaScript, and JupyterLab show: the report
stylesheet (``templates/style.html.j2``) hides the interactive copy unless the
page has loaded the bundle (class ``calcidata-js`` on ``<html>``) and hides the
plain copy on screen when it has.

Every cell is HTML-escaped here, once, before either copy is made; the CSV link
holds the same cells as text (a ``data:text/csv`` URI, UTF-8).
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from urllib.parse import quote

import pandas as pd

_NBSP = "\u00a0"

#: itables options of every interactive table (see itables.org/options).
ITABLES_OPTIONS = {
    "connected": False,
    "showIndex": False,
    "maxBytes": 0,
    "maxColumns": 0,
    "classes": "display compact",
    "style": "table-layout:auto;width:100%;margin:0;caption-side:bottom",
    "layout": {"topStart": "search", "topEnd": "pageLength", "bottomStart": "info"},
    "pageLength": 25,
    "lengthMenu": [10, 25, 50, 100, -1],
    "order": [],
    "column_filters": "footer",
    "text_in_header_can_be_selected": False,
    "display_logo_when_loading": False,
    "allow_html": True,  # the cells are escaped here, before itables sees them
    "warn_on_unexpected_types": False,
}


def file_name(text: str) -> str:
    """A file stem made of ``text``: lower case, words joined by ``-`` (``table`` if empty)."""
    stem = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return stem[:60].rstrip("-") or "table"


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV text, as a reader sees it (no-break spaces as plain spaces)."""
    out = frame.astype(object).map(lambda v: v.replace(_NBSP, " ") if isinstance(v, str) else v)
    out.columns = [str(c).replace(_NBSP, " ") for c in out.columns]
    return out.to_csv(index=False, lineterminator="\n")


def csv_link(frame: pd.DataFrame, name: str) -> str:
    """``<a download="name.csv" href="data:text/csv...">Download CSV</a>`` for ``frame``."""
    href = "data:text/csv;charset=utf-8," + quote(csv_text(frame), safe="")
    stem = file_name(name)
    return (
        f'<a class="calcidata-csv" download="{stem}.csv" href="{href}" '
        f'title="The rows of this table as a CSV file">Download CSV</a>'
    )


def _cells(frame: pd.DataFrame, links: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """Every cell escaped; cells of a column in ``links`` that have a target become links."""
    out = frame.astype(object).map(lambda v: html.escape(str(v), quote=True))
    for column, targets in links.items():
        if column not in frame.columns:
            continue
        out[column] = [
            f'<a href="{html.escape(targets[raw], quote=True)}">{cell}</a>'
            if isinstance(raw, str) and raw.replace(_NBSP, " ") in targets
            else cell
            for raw, cell in zip(frame[column].map(_plain), out[column], strict=True)
        ]
    out.columns = [html.escape(str(c), quote=True) for c in frame.columns]
    return out


def _plain(value: object) -> object:
    return value.replace(_NBSP, " ") if isinstance(value, str) else value


def data_table(
    frame: pd.DataFrame,
    name: str,
    *,
    links: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The CSV link, the interactive table and the plain table of a frame shown as is.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as the reader sees it (headers worded, missing values filled).
    name : str
        What the table is; the CSV file is named after it.
    links : mapping, optional
        Column -> {cell text -> URL}: those cells become links.

    Returns
    -------
    str
        HTML: ``<p>`` with the CSV link, ``div.calcidata-interactive``,
        ``div.calcidata-plain``.
    """
    from itables import to_html_datatable

    cells = _cells(frame, links or {})
    digest = hashlib.sha256((name + csv_text(frame)).encode()).hexdigest()[:10]
    interactive = to_html_datatable(cells, table_id=f"calcidata_{digest}", **ITABLES_OPTIONS)
    plain = cells.to_html(index=False, escape=False, border=0, justify="left")
    plain = plain.replace('class="dataframe"', 'class="dataframe calcidata-plain-table"', 1)
    return (
        f'<p class="calcidata-table-tools">{csv_link(frame, name)}</p>'
        # hidden until the page has the DataTables bundle (see the stylesheets)
        f'<div class="calcidata-interactive" style="display:none">{interactive}</div>'
        f'<div class="calcidata-plain">{plain}</div>'
    )


def bundle_html() -> str:
    """The DataTables bundle of itables, to put once in a page that holds interactive tables."""
    from itables import options
    from itables.javascript import generate_init_offline_itables_html

    return generate_init_offline_itables_html(options.dt_bundle)


__all__ = ["ITABLES_OPTIONS", "bundle_html", "csv_link", "csv_text", "data_table", "file_name"]
