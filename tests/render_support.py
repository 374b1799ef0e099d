"""Helpers shared by the renderer's tests: a registry of tiny fixture notebooks."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

from calcidata.reports.registry import CONDITIONS_WITH_EVIDENCE, REPORTS, Param, ReportSpec

FIXTURE_NOTEBOOKS = Path(__file__).resolve().parent / "fixtures" / "notebooks"

_CONDITION = Param("condition_id", str, "fixture_shoulder", CONDITIONS_WITH_EVIDENCE)


def _per_condition(catalog):
    return [{"condition_id": c} for c in catalog.conditions_with_evidence]


def fixture_registry(*names: str) -> dict[str, ReportSpec]:
    """A registry whose reports run the fixture notebook ``<name>.ipynb`` each.

    A report named as a shipped one is linked as that one is (the index's map cells).
    """
    return {
        name: ReportSpec(
            name,
            f"{name}.ipynb",
            f"Fixture {name}",
            f"Fixture report {name}",
            (_CONDITION,),
            build_params=_per_condition,
            map_cell=name in REPORTS and REPORTS[name].map_cell,
        )
        for name in names
    }


def registry_of(sets: dict[str, list[dict]]) -> dict[str, ReportSpec]:
    """The shipped reports named in ``sets``, each built for exactly the given parameter sets."""
    from dataclasses import replace

    from calcidata.reports.registry import REPORTS

    return {
        name: replace(REPORTS[name], build=True, build_params=lambda c, s=tuple(p): list(s))
        for name, p in sets.items()
    }


def copy_notebooks(target: Path, **names: str) -> Path:
    """Copy fixture notebooks into ``target``: ``report_name="fixture_stem"``."""
    target.mkdir(parents=True, exist_ok=True)
    for report, stem in names.items():
        shutil.copyfile(FIXTURE_NOTEBOOKS / f"{stem}.ipynb", target / f"{report}.ipynb")
    return target


def visible_text(html: str) -> str:
    """The text a reader sees: no style or script blocks, no tags, spaces collapsed."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def source_links(data_dir: Path, condition_id: str | None) -> list[str]:
    """PubMed and DOI links of the sources cited by a condition's evidence rows.

    Empty when they have neither (some cite only a web page); for ``None`` the
    links of every source that has one.
    """
    from urllib.parse import quote

    with open(data_dir / "evidence.csv", encoding="utf-8", newline="") as f:
        cited = {
            r["source_id"]
            for r in csv.DictReader(f)
            if condition_id is None or r["condition_id"] == condition_id
        }
    links = []
    with open(data_dir / "sources.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if condition_id is not None and r["source_id"] not in cited:
                continue
            if r["pmid"]:
                links.append(f"https://pubmed.ncbi.nlm.nih.gov/{r['pmid']}/")
            if r["doi"]:
                links.append("https://doi.org/" + quote(r["doi"], safe="/:;()._-"))
    return links


def check_report_html(
    html: str, *, title: str, values: list[str], data_version: str, links: list[str] | None = None
) -> None:
    """Assert what every rendered report must show: its header, no code, figures inline.

    ``links``: ``None`` needs some PubMed/DOI link; a list needs one of its links.
    """
    from calcidata import __version__

    text = visible_text(html)
    assert title in text
    for value in values:
        assert value in text, value
    assert data_version in text
    assert f"calcidata version {__version__}" in text or __version__ in text
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", text)  # the date
    assert "not medical advice" in text.lower()
    if links is None:  # some PubMed or DOI link
        assert re.search(r'href="https://(pubmed\.ncbi\.nlm\.nih\.gov/\d+/|doi\.org/10\.)', html)
    elif links:  # at least one of these sources is linked
        assert any(f'href="{link}"' in html for link in links), links[:3]
    assert "<svg" in html  # figures inline, as SVG
    for code in ("validate_params(", "calcidata.load()", "display.header(", "import "):
        assert code not in text, code
    body = html[html.index("<body") :]
    assert all(
        "jp-mod-noInput" in c for c in re.findall(r'class="(jp-Cell jp-CodeCell[^"]*)"', body)
    )
    assert not re.findall(r"<script[^>]*\bsrc=", html)


def executed_problems(path: Path) -> list[str]:
    """Errors and warnings (stderr) left in an executed notebook's outputs."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                found.append(f"{out['ename']}: {out['evalue']}")
            elif out["output_type"] == "stream" and out.get("name") == "stderr":
                found.append("stderr: " + "".join(out["text"])[:300])
    return found


def link_target(page_file: Path, href: str) -> Path:
    """The local file a link of the page ``page_file`` points to (never the network)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc, href  # relative, never to the network
    return (page_file.parent / unquote(parts.path)).resolve()


def check_index_page(view, index: Path, produced: list[Path], failed: list[Path] = ()) -> list:
    """Assert what the index shows in the browser (a ``browser_support.open_page`` view).

    No console error, no network request; every report in ``produced`` and every failed
    notebook in ``failed`` linked; every link to a file that exists and every link to the
    page itself to an element of it. Returns the map's links as ``(target, number)``.
    """
    assert view.console_errors == []
    assert view.requests == []
    hrefs = view.page.eval_on_selector_all("a[href]", "els => els.map(a => a.getAttribute('href'))")
    targets = {link_target(index, h) for h in hrefs if not h.startswith("#")}
    assert [p for p in produced if p.resolve() not in targets] == []
    assert [p for p in failed if p.resolve() not in targets] == []
    assert [t for t in targets if not t.is_file()] == []
    for anchor in (h for h in hrefs if h.startswith("#")):
        assert view.page.locator(anchor).count() == 1, anchor
    cells = view.page.eval_on_selector_all(
        "table.map td a", "els => els.map(a => [a.getAttribute('href'), a.textContent])"
    )
    return [(link_target(index, h), int(n)) for h, n in cells]
