"""Data tables: a "Download CSV" link and a plain HTML table that report pages make interactive.

A report page (:mod:`calcidata.reports.page`) carries a few KB of its own script
(``reports/assets/page.js``) that makes every plain table sortable (a button in
each header, ``aria-sort``) and filterable (one search box per table). That
replaced itables' 970 KB DataTables bundle and the second (JSON) copy of every
table in each page: ``make bench`` (``benchmarks/bench_pages.py``) weighs both.
The one table is what print, readers without JavaScript, and JupyterLab show.
In JupyterLab, :func:`itable` shows a frame with itables (the explorer,
:mod:`calcidata.display.explorer`).

Every cell is HTML-escaped here, once; the CSV link holds the same cells as text
(a ``data:text/csv`` URI, UTF-8 with a byte-order mark so that Excel reads the
GRADE symbols right).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import pandas as pd

_NBSP = "\u00a0"
#: The UTF-8 byte-order mark every CSV download starts with (Excel reads UTF-8 then).
BOM = "\ufeff"

#: itables options of every interactive table (see itables.org/options).
ITABLES_OPTIONS: dict[str, Any] = {
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
    href = "data:text/csv;charset=utf-8," + quote(BOM + csv_text(frame), safe="")
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
    """The CSV link and the plain table of a frame shown as is.

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
        HTML: ``<p>`` with the CSV link, then ``div.calcidata-plain`` with the table
        (which a report page makes sortable and filterable).
    """
    cells = _cells(frame, links or {})
    plain = cells.to_html(index=False, escape=False, border=0, justify="left")
    plain = plain.replace('class="dataframe"', 'class="dataframe calcidata-plain-table"', 1)
    return (
        f'<p class="calcidata-table-tools">{csv_link(frame, name)}</p>'
        f'<div class="calcidata-plain">{plain}</div>'
    )


def itable(frame: pd.DataFrame, **options: Any) -> None:
    """``frame`` as an itables interactive table in JupyterLab (offline, cells as given)."""
    from itables import show

    show(frame, **{**ITABLES_OPTIONS, "column_filters": False, **options})


__all__ = ["BOM", "ITABLES_OPTIONS", "csv_link", "csv_text", "data_table", "file_name", "itable"]
