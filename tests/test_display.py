"""The display layer: wording, HTML escaping, "Not reported", numbered caveats, source links."""

from __future__ import annotations

import csv
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

import calcidata
from calcidata import analysis, display, synthesis
from calcidata.display import html as present
from calcidata.errors import ParameterError

HERE = Path(__file__).resolve().parent
MINIMAL = HERE / "fixtures" / "minimal"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_NOTE = '<img src=x onerror="alert(2)"> & "quoted"'


def _edit(path: Path, row: int, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    rows[row][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile_tables(tmp_path_factory):
    """The fixture tables with script and markup in every kind of free text."""
    data = tmp_path_factory.mktemp("hostile") / "data"
    shutil.copytree(MINIMAL, data)
    _edit(data / "treatments.csv", 2, "name", HOSTILE)  # fixture_shock
    _edit(data / "treatments.csv", 1, "name", "Fixture $drug$ <b>bold</b>")
    _edit(data / "evidence.csv", 0, "note", HOSTILE_NOTE)
    _edit(data / "evidence.csv", 0, "comparator", "<i>sham</i>")
    _edit(data / "dosing_ranges.csv", 1, "note", HOSTILE)
    _edit(data / "conditions.csv", 1, "summary", HOSTILE)
    _edit(data / "sources.csv", 0, "title", HOSTILE)
    return calcidata.load(data)


class _Collector(HTMLParser):
    """Collects tags and the text of each element, as a browser would parse them."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.links.extend(v for k, v in attrs if k == "href")

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


def _all_html(t) -> str:
    cid = "fixture_root"
    parts = [
        display.header(
            "Report",
            {"condition_id": "fixture_shoulder", "treatment_ids": ["fixture_shock"]},
            t,
            subject=analysis.condition_name(t, condition_id="fixture_shoulder"),
        ),
        display.record(analysis.condition_profile(t, condition_id="fixture_shoulder")),
        display.table(analysis.treatment_ranking(t, condition_id=cid)),
        display.table(analysis.summary_of_findings(t, condition_id=cid), group_by="outcome_domain"),
        display.table(analysis.side_by_side(t, condition_id=cid)),
        display.table(analysis.dosing_table(t, condition_id=cid)),
        display.table(analysis.evidence_map(t)),
        display.table(analysis.evidence_gaps(t)),
        display.sources(analysis.cited_sources(t, condition_id=cid)),
    ]
    return "".join(parts)


def test_hostile_text_from_the_tables_is_shown_as_text_never_as_markup(hostile_tables):
    html = _all_html(hostile_tables)
    # no script at all: the report page's own script makes the plain tables interactive
    assert "<script" not in html
    parsed = _parse(re.sub(r"<script\b.*?</script>", "", html, flags=re.S))
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    assert "b" not in parsed.tags and "i" not in parsed.tags
    text = "".join(parsed.text)
    assert HOSTILE in text  # the reader sees it, as text
    assert '<img src=x onerror="alert(2)"> & "quoted"' in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE not in html


def test_hostile_parameter_values_are_escaped_in_the_header(fixture_tables_hostile_params):
    html = fixture_tables_hostile_params
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.fixture
def fixture_tables_hostile_params():
    t = calcidata.load(MINIMAL)
    return display.header(
        HOSTILE,
        {"condition_id": HOSTILE, "treatment_ids": [HOSTILE]},
        t,
        subject=HOSTILE,
        subtitle=HOSTILE,
    )


def test_missing_values_are_shown_as_not_reported():
    frame = pd.DataFrame(
        {
            "treatment": ["A", None],
            "participants": pd.array([10, None], dtype="Int64"),
            "estimate": [1.5, float("nan")],
            "caveats": ["", ""],
        }
    )
    html = display.table(frame)
    cells = re.findall(r"<td>(.*?)</td>", html)
    assert cells.count(present.NOT_REPORTED) == 3
    assert "nan" not in html.lower().replace("not reported", "")
    assert "&lt;NA&gt;" not in html


def _plain(html: str) -> str:
    """The plain copies of the tables in ``html`` (what print and no-JS readers see)."""
    return "".join(re.findall(r'<div class="calcidata-plain">(.*?)</div>', html, flags=re.S))


def test_table_never_drops_a_row_and_hides_id_columns():
    frame = pd.DataFrame(
        {
            "treatment": [f"T{i}" for i in range(7)],
            "treatment_id": list("abcdefg"),
            "caveats": [""] * 7,
        }
    )
    html = display.table(frame)
    assert _plain(html).count("<tr") == 8  # header + 7 rows
    assert "Treatment id" not in html and "treatment_id" not in html


def test_max_rows_says_how_many_rows_were_left_out():
    frame = pd.DataFrame({"x": range(10)})
    html = display.table(frame, caveats=None, max_rows=4)
    assert _plain(html).count("<tr") == 5
    assert "Showing the first 4 of 10 rows" in html


def test_caveats_are_numbered_in_the_table_and_listed_beneath():
    frame = pd.DataFrame({"treatment": ["A", "B", "C"], "caveats": ["indirect;no_ci", "", "no_ci"]})
    html = display.table(frame)
    numbers = present._caveat_numbers(frame["caveats"])
    assert numbers == {"indirect": 1, "no_ci": 2}  # in the order of analysis.CAVEATS
    assert re.findall(r"<td>([\d, ]*)</td>", html) == ["1, 2", "", "2"]
    items = re.findall(r'<li value="(\d+)">(.*?)</li>', html)
    assert items == [
        ("1", present._e(analysis.CAVEATS["indirect"])),
        ("2", present._e(analysis.CAVEATS["no_ci"])),
    ]


def test_grouped_table_shares_one_caveat_numbering():
    frame = pd.DataFrame(
        {
            "domain": ["pain", "pain", "function"],
            "treatment": ["A", "B", "C"],
            "caveats": ["no_ci", "", "indirect"],
        }
    )
    html = display.table(frame, group_by="domain")
    assert re.findall(r"<h4>(.*?)</h4>", html) == ["pain", "function"]
    assert _plain(html).count("<table") == 2
    assert html.count("Download CSV") == 2  # one per sub-table
    assert html.count('<li value="') == 2
    assert html.count("Caveats (numbered in the table)") == 1


def test_empty_table_says_so():
    html = display.table(pd.DataFrame(columns=["treatment", "caveats"]), empty="Nothing here.")
    assert "Nothing here." in html and "<table" not in html


def test_header_shows_title_parameters_versions_date_and_notice():
    t = calcidata.load(MINIMAL)
    html = display.header(
        "Condition report",
        {"condition_id": "fixture_shoulder", "outcome": None},
        t,
        date="2024-05-01",
        subject="Fixture shoulder calcification",
    )
    text = "".join(_parse(html).text)
    assert "Condition report: Fixture shoulder calcification" in text
    assert "fixture_shoulder" in text and "(Fixture shoulder calcification)" in text
    assert "not set (all)" in text
    assert t.version in text and calcidata.__version__ in text and "2024-05-01" in text
    assert "Not medical advice." in text


def test_sources_link_to_pubmed_and_doi_else_the_stored_url():
    t = calcidata.load(MINIMAL)
    html = display.sources(analysis.cited_sources(t, condition_id="fixture_root"))
    links = _parse(html).links
    assert "https://pubmed.ncbi.nlm.nih.gov/1/" in links
    assert "https://doi.org/10.0000/fixture.review" in links
    assert "https://example.org/trial" in links  # no PMID or DOI: first stored URL
    assert "https://example.org/review" not in links  # has PMID/DOI: no need
    assert "no link recorded" in html  # the lay article has none


def test_source_links_never_link_a_non_http_url_and_encode_the_doi():
    row = {"pmid": None, "doi": '10.1000/a"b<c>', "url": "javascript:alert(1)"}
    links = present.source_links(row)
    assert links == [('doi:10.1000/a"b<c>', "https://doi.org/10.1000/a%22b%3Cc%3E")]
    assert present.source_links({"pmid": None, "doi": None, "url": "javascript:alert(1)"}) == []


def test_definitions_and_record_escape_their_text():
    html = display.definitions({"a_b": HOSTILE}) + display.record(
        pd.DataFrame({"field": [HOSTILE], "value": [None]})
    )
    assert "<script>" not in html and "a b" in html and present.NOT_REPORTED in html


def test_html_objects_display_as_html_in_jupyter():
    html = display.notice()
    assert html._repr_html_() == f'<div class="tex2jax_ignore mathjax_ignore">{html}</div>'
    assert "Not medical advice" in html


def test_table_text_with_dollars_is_never_typeset_as_latex():
    """JupyterLab and Notebook run MathJax on HTML outputs: every output opts out of it."""
    shown = display.table(pd.DataFrame({"treatment": ["$\\frac{1}{0}$ drug", "cost $5 and $6"]}))
    wrapped = shown._repr_html_()
    assert wrapped.startswith('<div class="tex2jax_ignore mathjax_ignore">')
    assert "$\\frac{1}{0}$ drug" in wrapped and wrapped.endswith("</div>")


def test_the_notice_text_exists_once_and_the_html_uses_it():
    assert display.NOTICE.startswith("Not medical advice.")
    text = "".join(_parse(display.notice()).text)
    assert text == display.NOTICE
    header = display.header("R", {}, None, date="2024-01-01")
    assert display.NOTICE.partition(". ")[2] in "".join(_parse(header).text)
    for module in ("html", "wording"):
        source = (Path(present.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
        assert "Not medical advice" not in source


def test_header_is_rendered_from_an_autoescaping_template():
    env = present._templates()
    assert env.autoescape is True
    assert {"header.html.j2", "notice.html.j2"} <= set(env.list_templates())
    assert "<em>none</em>" in display.header("R", {}, None)


def test_words_combine_column_groups_into_one_text_column(fixture_tables):
    sof = analysis.summary_of_findings(fixture_tables, condition_id="fixture_root")
    shown = display.words(sof)
    for gone in ("effect_measure", "estimate", "ci_low", "ci_high", "participants", "studies"):
        assert gone not in shown
    row = shown.loc[shown["treatment"] == "Fixture shock wave"].iloc[0]
    assert row["effect"] == "MD -1.00 (95% CI -1.50 to -0.50)"
    assert row["participants_studies"] == "120 (3)"
    assert row["design"] == "systematic review with meta-analysis"
    assert list(shown.columns).index("effect") == list(sof.columns).index("effect_measure")


def test_words_refuse_a_frame_whose_view_is_unknown_and_take_view_explicitly(fixture_tables):
    sof = analysis.summary_of_findings(fixture_tables, condition_id="fixture_root")
    key = sof.columns[0]
    merged = sof.merge(sof[[key]].drop_duplicates(), how="left", on=key)
    merged.attrs.clear()  # what a merge can do: the view's mark is gone
    with pytest.raises(ParameterError, match="cannot tell which view"):
        display.words(merged)
    with pytest.raises(ValueError, match="is not a view"):
        display.words(sof, view="no_such_view")
    again = display.words(merged, view="summary_of_findings")
    assert again["effect"].tolist() == display.words(sof)["effect"].tolist()
    # display.table shows any frame: a user's own frame is shown as it is.
    assert "x_y" in str(display.table(pd.DataFrame({"a": ["x_y"]})))


def test_words_keep_the_order_of_categorical_vocabularies(fixture_tables):
    shown = display.words(analysis.outcome_map(fixture_tables, condition_id="fixture_root"))
    assert list(shown["outcome_domain"].cat.categories) == [
        "pain",
        "deposit resolution",
        "clinical response",
    ]


def test_formatters_write_ranges_and_counts_in_plain_words():
    assert display.format_range(1, 2, "mg") == "1–2 mg"
    assert display.format_range(None, 8.0) == "up to 8"
    assert display.format_range(2.0, None, "weeks") == "at least 2 weeks"
    assert display.format_range(1200.0, 1200.0, "mg/day") == "1,200 mg/day"
    assert pd.isna(display.format_range(None, None))
    assert display.participants_studies(608, 9) == "608 (9)"
    assert display.participants_studies(None, 2) == "Not reported (2)"
    assert display.humanize("meta_analysis_rcts") == "meta-analysis of RCTs"


def test_doc_components_fill_placeholders_indented_like_them():
    from calcidata._api import DocComponents

    docs = DocComponents(x="x : int\n    The x.")

    @docs
    def f():
        """Do.

        Parameters
        ----------
        {x}
            More about x.
        """

    assert "\n        x : int\n            The x.\n            More about x.\n" in f.__doc__
    with pytest.raises(KeyError):
        docs.fill("    {unknown}")


@pytest.mark.parametrize(
    "fn",
    [
        analysis.evidence_rows,
        analysis.summary_of_findings,
        analysis.evidence_map,
        analysis.side_by_side,
        analysis.dosing_table,
        analysis.cited_sources,
        display.plot_results,
        display.plot_participants,
        display.plot_dose_range_grid,
        display.plot_evidence_map,
    ],
)
def test_shared_parameter_words_are_filled_into_docstrings(fn):
    doc = fn.__doc__
    assert "{" + "parameters}" not in doc and "{" + "ax}" not in doc
    assert "label_width : int" in doc or "tables : Tables" in doc


def _csv_of(html: str) -> list[list[str]]:
    from urllib.parse import unquote

    hrefs = re.findall(r'download="[^"]+\.csv" href="data:text/csv;charset=utf-8,([^"]*)"', html)
    assert len(hrefs) == 1
    text = unquote(hrefs[0])
    assert text.startswith("\ufeff")  # a UTF-8 byte-order mark: Excel reads the symbols right
    return list(csv.reader(text[1:].splitlines()))


def test_every_table_has_a_csv_download_of_its_shown_rows_and_one_plain_copy():
    frame = pd.DataFrame(
        {
            "treatment": ["A & B", "C"],
            "participants_studies": ["608 (9)", None],
            "caveats": ["no_ci", ""],
        }
    )
    html = display.table(frame, name="My table")
    assert 'download="my-table.csv"' in html
    rows = _csv_of(html)
    assert rows[0] == ["Treatment", "Participants (studies)", "Caveats"]
    assert rows[1:] == [["A & B", "608 (9)", "1"], ["C", present.NOT_REPORTED, ""]]
    assert html.count("<table") == 1 and "calcidata-interactive" not in html
    assert "A &amp; B" in _plain(html)


def test_table_links_cells_to_other_reports_escaping_the_url():
    frame = pd.DataFrame({"treatment": ["A", "B"], "caveats": ["", ""]})
    html = display.table(frame, links={"treatment": {"A": "../x/a b.html#Side-by-side&x"}})
    plain = _plain(html)
    assert '<a href="../x/a b.html#Side-by-side&amp;x">A</a>' in plain
    assert "<td>B</td>" in plain


def test_record_and_summary_of_findings_have_csv_downloads(fixture_tables):
    record = display.record(analysis.condition_profile(fixture_tables, condition_id="fixture_root"))
    rows = _csv_of(record)
    assert rows[0] == ["Field", "Value"] and len(rows) > 2
    sof = display.sof_table(synthesis.sof_rows(fixture_tables, "fixture_root"))
    assert 'download="summary-of-findings.csv"' in sof
