"""Every registered report renders on the shipped data in a real kernel (one set each)."""

from __future__ import annotations

import re

import papermill
import pytest

from calcidata.errors import ParameterError
from calcidata.reports import REPORTS, Catalog, label, slug, validate_params
from calcidata.reports.build import build
from calcidata.tables.loader import data_version

from .conftest import ROOT, read_rows, write_rows
from .render_support import check_report_html, executed_problems, registry_of, source_links

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("render_shipped_notebooks")]

#: One parameter set per report (small ones, to keep the suite quick).
ONE = {
    "condition_report": {"condition_id": "calcific_tendinopathy_shoulder"},
    "treatment_comparison": {"condition_id": "calcinosis_ctd"},
    "evidence_map": {"condition_id": "calcific_tendinopathy_shoulder"},
    "dosing_ranges": {"modality": "injection"},
    "claims_check": {"source_id": "seed_001"},
    "condition_gap": {"condition_id": "calcific_myopathy"},
    "explore": {},
}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    out = tmp_path_factory.mktemp("shipped")
    result = build(
        out, jobs=2, reports=registry_of({k: [v] for k, v in ONE.items()}), progress=False
    )
    return out, result


def test_registry_covers_every_report():
    assert set(ONE) == set(REPORTS)


@pytest.mark.parametrize("name", sorted(ONE))
def test_report_renders_on_shipped_data_with_header_and_no_problems(shipped, name):
    out, result = shipped
    assert not result.failed, [o.message for o in result.failed]
    params = {**REPORTS[name].defaults(), **ONE[name]}
    stem = slug(name, params)
    assert executed_problems(out / name / f"{stem}.ipynb") == []
    html = (out / name / f"{stem}.html").read_text(encoding="utf-8")
    if name == "explore":  # a JupyterLab starting point: no report header required
        assert (
            "data:image/png;base64," in html or "<svg" in html
        ) and "calcidata.load()" not in html
        return
    catalog = Catalog.from_data_dir()
    shown = [catalog.conditions.get(v, v) for v in params.values() if isinstance(v, str)]
    links = source_links(ROOT / "data", params.get("condition_id"))
    check_report_html(
        html, title=REPORTS[name].title, values=shown, data_version=data_version(), links=links
    )


def test_index_links_every_rendered_report(shipped):
    out, _ = shipped
    index = (out / "index.html").read_text(encoding="utf-8")
    catalog = Catalog.from_data_dir()
    for name, params in ONE.items():
        full = {**REPORTS[name].defaults(), **params}
        assert f'href="{name}/{slug(name, full)}.html"' in index
        assert label(name, full, catalog) in index


def test_hostile_text_from_the_tables_is_escaped_everywhere(tmp_path):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    hostile = "<script>alert(1)</script>"
    header, rows = read_rows(data / "treatments.csv")
    for row in rows:
        if row["treatment_id"] == "eswt":
            row["name"] = hostile
    write_rows(data / "treatments.csv", header, rows)
    sets = {
        "condition_report": [{"condition_id": "calcific_tendinopathy_shoulder"}],
        "treatment_comparison": [
            {
                "condition_id": "calcific_tendinopathy_shoulder",
                "treatment_ids": ["eswt", "us_guided_needling"],
            }
        ],
        "dosing_ranges": [{"modality": "device"}],
    }
    out = tmp_path / "out"
    result = build(out, jobs=2, reports=registry_of(sets), data_dir=data, progress=False)
    assert not result.failed, [o.message for o in result.failed]
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    pages = [p for p in out.rglob("*.html")]
    assert len(pages) == 4  # three reports and the index
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert hostile not in text, page
        # wherever the text shows up (a phone drawing wraps it across lines), its
        # opening tag is escaped just before it
        assert "alert(1)" not in re.sub(r"&lt;script&gt;alert\(1\)", "", text), page
        assert escaped in text, page


def test_bad_id_under_plain_papermill_fails_in_the_first_cell_with_the_same_message(tmp_path):
    bad = "calcific_tendinopathy_shouldr"
    with pytest.raises(ParameterError) as expected:
        validate_params("condition_report", condition_id=bad)
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(
            str(REPORTS["condition_report"].notebook_path()),
            str(tmp_path / "out.ipynb"),
            parameters={"condition_id": bad},
            progress_bar=False,
        )
    assert err.value.ename == "ParameterError"
    assert err.value.evalue == str(expected.value)
    assert err.value.exec_count == 3  # parameters, injected parameters, then this check
    assert "validate_params" in err.value.source
