"""HTML for the report notebooks: tables, records, source lists, the header and the notice.

Every helper returns an :class:`HTML` string that Jupyter displays as HTML
(it has ``_repr_html_``), so a report rendered without its code still shows
every table. Frames from :mod:`calcidata.analysis` are worded first
(:func:`calcidata.display.words`). Every text that comes from the tables is
HTML-escaped: ``DataFrame.to_html(escape=True)`` for tables, autoescaped jinja2
templates (``templates/*.j2``) for the page-level header and notice, and
:func:`html.escape` for the few lists formatted here.

Missing values are shown as "Not reported"; caveat codes (see
:data:`calcidata.analysis.CAVEATS`) are numbered and listed under the table.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Hashable, Iterable, Mapping
from functools import cache
from urllib.parse import quote

import jinja2
import pandas as pd

from calcidata._version import __version__
from calcidata.analysis.caveats import CAVEATS
from calcidata.display.interactive import csv_link, data_table
from calcidata.display.labels import NOTICE, humanize
from calcidata.display.wording import worded
from calcidata.tables.container import Tables

NOT_REPORTED = "Not reported"

#: Column name -> header shown to the reader (default: underscores to spaces, capitalised).
HEADERS = {
    "participants_studies": "Participants (studies)",
    "best_certainty": "Best GRADE certainty (as stated)",
    "certainty": "GRADE certainty (as stated)",
    "strength": "Evidence strength",
    "best_evidence": "Best evidence",
    "key_findings": "Key findings (results by direction)",
    "dosing_reported": "Dosing reported",
    "daily_dose": "Daily dose (canonical unit)",
    "outcome_domain": "Outcome domain",
    "icd10": "ICD-10",
}

#: Columns never shown (identifiers kept for joins, not for readers).
HIDDEN = ("treatment_id", "condition_id", "source_id")

#: Short columns whose words are kept together (a line break only before "(").
NOWRAP = ("effect", "participants_studies", "dose", "daily_dose", "frequency", "duration")

_NBSP = "\u00a0"


def _keep_together(text: object) -> object:
    if not isinstance(text, str):
        return text
    return text.replace(" ", _NBSP).replace(_NBSP + "(", " (")


class HTML(str):
    """HTML that Jupyter displays (MathJax never typesets it); ``print`` shows the source."""

    def _repr_html_(self) -> str:
        # MathJax 2 and 3 (JupyterLab typesets HTML outputs) skip these: $...$ stays text
        return f'<div class="tex2jax_ignore mathjax_ignore">{self}</div>' if self else ""


def _e(value: object) -> str:
    """Escape any value for HTML text or attributes; missing -> "Not reported"."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return NOT_REPORTED
    return html.escape(str(value), quote=True)


def header_name(column: str) -> str:
    """The header a reader sees for a column name."""
    if column in HEADERS:
        return HEADERS[column]
    text = str(column).replace("_", " ")
    return text[:1].upper() + text[1:]


def _reported(value: object) -> object:
    """The template filter for a value that may be missing: "Not reported" when it is."""
    return NOT_REPORTED if _e(value) == NOT_REPORTED else value


@cache
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("calcidata.display", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["reported"] = _reported
    return env


def _render(template: str, **context: object) -> HTML:
    return HTML(_templates().get_template(template).render(**context))


def notice() -> HTML:
    """The plain "not medical advice" notice (:data:`calcidata.display.labels.NOTICE`)."""
    head, _, rest = NOTICE.partition(". ")
    return _render("notice.html.j2", head=head, rest=rest)


def _param_items(name: str, value: object, tables: Tables | None) -> list[dict[str, object]] | None:
    """The items of one parameter value for the header template (None: not set)."""
    if value is None:
        return None
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    names = None
    if tables is not None and "condition" in name:
        names = dict(zip(tables.conditions["condition_id"], tables.conditions["name"], strict=True))
    elif tables is not None and "treatment" in name:
        names = dict(zip(tables.treatments["treatment_id"], tables.treatments["name"], strict=True))
    return [
        {
            "text": v,
            "named": names is not None,
            "name": names.get(v) if names is not None and isinstance(v, Hashable) else None,
        }
        for v in values
    ]


def _as_mapping(params: object) -> Mapping[str, object]:
    if params is None:
        return {}
    if isinstance(params, Mapping):
        return params
    if hasattr(params, "_asdict"):
        return dict(params._asdict())  # a named tuple
    return dict(vars(params))


def header(
    title: str,
    params: object,
    tables: Tables | None,
    *,
    subject: str | None = None,
    date: _dt.date | str | None = None,
    subtitle: str | None = None,
) -> HTML:
    """Report header: title, parameters, data and calcidata versions, date, notice.

    Rendered from the autoescaped template ``templates/header.html.j2``.

    Parameters
    ----------
    title : str
        Report title (escaped).
    params : mapping or object with attributes
        The parameters the report was run with; ids are shown with their names.
    tables : Tables
        The loaded tables (for the data version and id names).
    subject : str, optional
        What the report is about (e.g. a condition name), appended to the title.
    date : date or str, optional
        Date shown; default today.
    subtitle : str, optional
        A line under the title (escaped).

    Returns
    -------
    HTML
    """
    head, _, rest = NOTICE.partition(". ")
    return _render(
        "header.html.j2",
        heading=f"{title}: {subject}" if subject else title,
        subtitle=subtitle,
        head=head,
        rest=rest,
        params=[(str(k), _param_items(str(k), v, tables)) for k, v in _as_mapping(params).items()],
        version=getattr(tables, "version", None),
        calcidata_version=__version__,
        date=str(date or _dt.date.today().isoformat()),
    )


def _caveat_numbers(cells: pd.Series) -> dict[str, int]:
    present: list[str] = []
    for cell in cells:
        if isinstance(cell, str):
            present.extend(c for c in cell.split(";") if c)
    known = [c for c in CAVEATS if c in present]
    unknown = list(dict.fromkeys(c for c in present if c not in CAVEATS))
    return {c: i + 1 for i, c in enumerate(known + unknown)}


def caveat_list(numbers: Mapping[str, int]) -> HTML:
    """Numbered remarks for caveat codes (unknown codes are shown as their own text)."""
    if not numbers:
        return HTML("")
    items = "".join(
        f'<li value="{n}">{_e(CAVEATS.get(code, code))}</li>'
        for code, n in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    return HTML(
        '<p class="calcidata-caveats-title">Caveats (numbered in the table)</p>'
        f'<ol class="calcidata-caveats">{items}</ol>'
    )


def display_frame(
    frame: pd.DataFrame,
    *,
    caveats: str | None = "caveats",
    numbers: Mapping[str, int] | None = None,
    hide: Iterable[str] = HIDDEN,
) -> pd.DataFrame:
    """The frame as shown: hidden columns dropped, caveats numbered, "Not reported" filled."""
    out = frame.drop(columns=[c for c in hide if c in frame.columns])
    if caveats and caveats in out.columns:
        numbers = numbers if numbers is not None else _caveat_numbers(out[caveats])
        out[caveats] = out[caveats].map(
            lambda cell: (
                ", ".join(str(numbers[c]) for c in cell.split(";") if c in numbers)
                if isinstance(cell, str) and cell
                else ""
            )
        )
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype):  # vocabulary values
            out[col] = out[col].astype(object).map(humanize)
    out = out.astype(object).where(out.notna(), NOT_REPORTED)
    for col in NOWRAP:
        if col in out.columns:
            out[col] = out[col].map(_keep_together)
    out.columns = [header_name(c) for c in out.columns]
    return out


def table(
    frame: pd.DataFrame,
    *,
    caveats: str | None = "caveats",
    group_by: str | None = None,
    max_rows: int | None = None,
    caption: str | None = None,
    empty: str = "Nothing is recorded for this selection.",
    hide: Iterable[str] = HIDDEN,
    name: str | None = None,
    links: Mapping[str, Mapping[str, str]] | None = None,
) -> HTML:
    """A table as escaped HTML (CSV link, interactive and plain copies), caveats beneath.

    See :func:`calcidata.display.interactive.data_table` for the three parts.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table from :mod:`calcidata.analysis` (worded with
        :func:`~calcidata.display.words`) or any frame.
    caveats : str or None
        Column of ``;``-separated caveat codes; shown as numbers, listed under the table.
    group_by : str, optional
        Show one sub-table per value of this column (in order of appearance), with
        one shared caveat numbering.
    max_rows : int, optional
        Show at most this many rows and say how many were left out.
    caption : str, optional
        A line above the table (escaped).
    empty : str
        Message shown when the frame has no rows.
    hide : iterable of str
        Columns not shown.
    name : str, optional
        What the table is, for the name of its CSV file (default: the caption, or
        "table"); a grouped table adds the group to it.
    links : mapping, optional
        Column (as named in ``frame``) -> {cell text -> URL}: those cells become links.

    Returns
    -------
    HTML
    """
    frame = worded(frame)
    name = name or caption or "table"
    links = {header_name(k): v for k, v in (links or {}).items()}
    parts = ['<div class="calcidata-table">']
    if caption:
        parts.append(f"<p><strong>{_e(caption)}</strong></p>")
    if frame.empty:
        parts.append(f'<p class="calcidata-muted">{_e(empty)}</p></div>')
        return HTML("".join(parts))
    shown = frame if max_rows is None else frame.head(max_rows)
    numbers = _caveat_numbers(shown[caveats]) if caveats and caveats in shown else {}
    if group_by is not None and group_by in shown.columns:
        keys = shown[group_by].astype(object).where(shown[group_by].notna(), NOT_REPORTED)
        for key in dict.fromkeys(keys):
            part = shown.loc[keys == key].drop(columns=[group_by])
            parts.append(f"<h4>{_e(key)}</h4>")
            shown_part = display_frame(part, caveats=caveats, numbers=numbers, hide=hide)
            parts.append(data_table(shown_part, f"{name} {key}", links=links))
    else:
        shown_all = display_frame(shown, caveats=caveats, numbers=numbers, hide=hide)
        parts.append(data_table(shown_all, name, links=links))
    if max_rows is not None and len(frame) > max_rows:
        parts.append(
            f'<p class="calcidata-muted">Showing the first {max_rows} of {len(frame)} rows.</p>'
        )
    parts += [caveat_list(numbers), "</div>"]
    return HTML("".join(parts))


def record(
    frame: pd.DataFrame, *, field: str = "field", value: str = "value", name: str = "record"
) -> HTML:
    """A two-column field/value frame (e.g. a condition profile) as a vertical table.

    A frame from :func:`calcidata.analysis.condition_profile` is worded first. A
    "Download CSV" link (file named after ``name``) holds the same two columns.
    """
    frame = worded(frame)
    rows = "".join(
        f"<tr><th>{_e(f)}</th><td>{_e(v)}</td></tr>"
        for f, v in zip(frame[field], frame[value], strict=True)
    )
    shown = frame[[field, value]].astype(object).set_axis(["Field", "Value"], axis=1)
    shown = shown.where(shown.notna(), NOT_REPORTED)
    return HTML(
        f'<div class="calcidata-table calcidata-record">'
        f'<p class="calcidata-table-tools">{csv_link(shown, name)}</p>'
        f'<table class="dataframe"><thead class="calcidata-sr-only"><tr><th>Field</th>'
        f"<th>Value</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def definitions(terms: Mapping[str, str], *, title: str | None = None) -> HTML:
    """A definition list (e.g. the gap kinds), escaped."""
    head = f"<p><strong>{_e(title)}</strong></p>" if title else ""
    items = "".join(f"<dt>{_e(humanize(k))}</dt><dd>{_e(v)}</dd>" for k, v in terms.items())
    return HTML(f"{head}<dl>{items}</dl>")


def source_links(row: Mapping[Hashable, object]) -> list[tuple[str, str]]:
    """(text, URL) links of one source: PubMed and DOI when known, else the stored URL."""
    links = []
    pmid, doi, url = row.get("pmid"), row.get("doi"), row.get("url")
    if isinstance(pmid, str) and pmid.isdigit():
        links.append((f"PubMed {pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"))
    if isinstance(doi, str) and doi:
        links.append((f"doi:{doi}", "https://doi.org/" + quote(doi, safe="/:;()._-")))
    if not links and isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        links.append(("stored page", url))
    return links


def sources(frame: pd.DataFrame, *, title: str | None = None) -> HTML:
    """The sources as a list of links (PubMed, DOI, else the stored URL), escaped.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`calcidata.analysis.cited_sources`.
    title : str, optional
        Heading above the list (none by default: the notebook's Markdown has one).
    """
    frame = worded(frame)
    head = f"<h3>{_e(title)}</h3>" if title else ""
    if frame.empty:
        return HTML(f"{head}<p class='calcidata-muted'>No source is cited.</p>")
    items = []
    for row in frame.to_dict("records"):
        bits = [f"<strong>{_e(row['citation'])}</strong>"]
        if isinstance(row.get("title"), str):
            bits.append(_e(row["title"]))
        year = row.get("year")
        if year is not None and not pd.isna(year) and str(year) in str(row["citation"]):
            year = None  # already in the label
        where = ", ".join(
            _e(v) for v in (row.get("journal"), year) if v is not None and not pd.isna(v)
        )
        if where:
            bits.append(where)
        if isinstance(row.get("kind"), str):
            bits.append(f'<span class="calcidata-muted">({_e(row["kind"])})</span>')
        links = source_links(row)
        if links:
            bits.append(
                " · ".join(
                    f'<a href="{_e(url)}" rel="noopener noreferrer">{_e(text)}</a>'
                    for text, url in links
                )
            )
        else:
            bits.append('<span class="calcidata-muted">no link recorded</span>')
        items.append("<li>" + ". ".join(bits) + "</li>")
    return HTML(f'{head}<ol class="calcidata-sources">{"".join(items)}</ol>')
