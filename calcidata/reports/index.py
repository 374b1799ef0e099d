"""``reports/index.html``: the landing page of the rendered reports.

What calcidata is, the notice, a search box, the conditions in their hierarchy with
the reports of each, the evidence-and-gap map (treatments x conditions, each cell
linking to the report that covers it), every other report, and the state of the last
build (its failures).

The links come from the manifests written next to each report (see
:mod:`calcidata.reports.plan`). The condition tree and the map come from the tables,
worded by :func:`calcidata.display.landing.landing_data`, and are kept in
``<out>/_index.json`` with the fingerprint of the tables and of the code: a build that
renders nothing never loads the tables. The page is an autoescaped jinja2 template
(``templates/index.html.j2``) with inline CSS and JS: self-contained, no network.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias
from urllib.parse import quote

import jinja2

from calcidata import NOTICE, paths
from calcidata._io import StrPath, atomic_write, content_hash
from calcidata._version import __version__
from calcidata.errors import CalcidataError, FileAccessError
from calcidata.reports.plan import FAILED_DIR, MANIFEST_SUFFIX, Outcome
from calcidata.reports.registry import ReportSpec

#: A JSON object: a manifest, a failure record, a piece of the landing data.
Record: TypeAlias = dict[str, Any]
#: Beside a failed job's executed copy (or alone, when none was written): why it failed.
FAILURE_SUFFIX = ".failure.json"
#: The condition tree and the map, worded, with the fingerprint they were made from.
INDEX_DATA = "_index.json"
#: Written in the head of every index calcidata writes: only such a page is replaced.
MARKER = '<meta name="generator" content="calcidata">'
#: What marked the index before :data:`MARKER` existed.
_LEGACY_MARKER = "<title>calcidata reports</title>"

_PACKAGE = Path(__file__).resolve().parents[1]
ABOUT = (
    "calcidata gathers published evidence on treating soft-tissue calcification "
    "(calcific tendinopathy, calcinosis, calciphylaxis, heterotopic ossification and "
    "related conditions) into validated tables of conditions, treatments, dosing ranges, "
    "results and their sources, and renders them into the reports below, each result "
    "with the source it comes from."
)


def read_manifests(out_dir: StrPath, report: str) -> list[Record]:
    """Manifests of the rendered parameter sets of ``report`` under ``out_dir``, by slug."""
    folder = Path(out_dir) / report
    found = []
    for path in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # unreadable manifest: that report is simply re-rendered
        if (folder / manifest.get("html", "")).is_file():
            found.append(manifest)
    return found


def _fingerprint(data_dir: Path) -> str:
    """Hash of the table files and of calcidata's code (what the landing data is made of)."""
    code = sorted(_PACKAGE.rglob("*.py")) + sorted(_PACKAGE.rglob("*.j2"))
    return content_hash(sorted(data_dir.glob("*.csv")), length=64) + content_hash(code, length=64)


def index_data(out_dir: StrPath, data_dir: StrPath | None = None) -> Record:
    """The landing data (condition tree and map) for the tables in ``data_dir``.

    Read from ``<out_dir>/_index.json`` when the tables and the code are unchanged,
    else computed (this loads the tables) and saved there. When the tables do not
    load, ``{"error": message}``: the page then shows the reports without the map.
    """
    data = paths.data_dir(data_dir).resolve()
    cache_file = Path(out_dir) / INDEX_DATA
    key = _fingerprint(data)
    try:
        kept = json.loads(cache_file.read_text(encoding="utf-8"))
        if kept.get("key") == key:
            kept_data: Record = kept["data"]
            return kept_data
    except (OSError, ValueError, AttributeError, KeyError):
        pass
    from calcidata.display.landing import landing_data
    from calcidata.tables.loader import load

    try:
        found = landing_data(load(data))
    except CalcidataError as exc:
        return {"error": f"the tables in {data} did not load: {exc}".splitlines()[0]}
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    atomic_write(cache_file, json.dumps({"key": key, "data": found}, sort_keys=True) + "\n")
    return found


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("index.html.j2")


def _link(name: str, m: Record, text: str | None = None) -> Record:
    """A link to one rendered report, with its one-line summary and its versions."""
    return {
        "href": quote(f"{name}/{m['html']}"),
        "text": text or m.get("label") or m["slug"],
        "line": m.get("line") or "",
        "meta": f"data {m.get('data_version') or '?'}, rendered {m.get('rendered_at') or '?'}",
    }


def _only_condition(m: Record) -> str | None:
    """The condition of a manifest whose only parameter set is its condition, else None."""
    params = m.get("params") or {}
    cid = params.get("condition_id")
    others = [v for k, v in params.items() if k != "condition_id" and v is not None]
    return cid if isinstance(cid, str) and not others else None


def _tree(
    conditions: list[Record], links: Mapping[str, list[Record]], treated: Mapping[str, list[str]]
) -> list[Record]:
    """Nested nodes (``children``) from the flat hierarchy-ordered list with depths.

    A node's ``search`` text holds its names, its reports' lines and the names of the
    treatments with results for it (``treated``), so a search for a treatment finds it.
    """
    roots: list[Record] = []
    stack: list[Record] = []
    for c in conditions:
        node = dict(c, links=links.get(c["id"], []), children=[])
        node["search"] = " ".join(
            [c["name"], *c["synonyms"], *treated.get(c["id"], [])]
            + [f"{x['text']} {x['line']}" for x in node["links"]]
        ).lower()
        lines = {x["line"] for x in node["links"] if x["line"]}
        node["line"] = lines.pop() if len(lines) == 1 else ""  # said once when all agree
        if node["line"]:
            node["links"] = [dict(x, line="") for x in node["links"]]
        while stack and stack[-1]["depth"] >= c["depth"]:
            stack.pop()
        (stack[-1]["children"] if stack else roots).append(node)
        stack.append(node)
    return roots


def _treated(data: Record) -> dict[str, list[str]]:
    """Condition id -> names of the treatments with results for it (from the map)."""
    names = {t["id"]: t["name"] for g in data.get("groups", []) for t in g["treatments"]}
    out: dict[str, list[str]] = {}
    for cell in data.get("cells", []):
        out.setdefault(cell["condition_id"], []).append(names.get(cell["treatment_id"], ""))
    return out


def _map(data: Record, cell_href: Mapping[str, str], names: Mapping[str, str]) -> Record | None:
    if not data.get("cells"):
        return None
    cells = {(c["treatment_id"], c["condition_id"]): c for c in data["cells"]}
    columns = [
        {"id": cid, "name": names.get(cid, cid), "href": cell_href.get(cid)}
        for cid in data["columns"]
    ]
    groups = [
        {
            "modality": g["modality"],
            "rows": [
                {
                    "name": t["name"],
                    "cells": [
                        dict(cells[t["id"], col["id"]], href=col["href"])
                        if (t["id"], col["id"]) in cells
                        else None
                        for col in columns
                    ],
                }
                for t in g["treatments"]
            ],
        }
        for g in data["groups"]
    ]
    return {
        "columns": columns,
        "groups": groups,
        "legend": data["legend"],
        "gaps": data.get("gaps"),
    }


def render_index(
    out_dir: StrPath, reports: Mapping[str, ReportSpec], data: Record | None = None
) -> str:
    """The HTML text of the index for the reports in ``out_dir`` (registry order).

    ``data`` is the landing data of :func:`index_data`; without it (or when it holds an
    ``error``) the page lists the reports by kind, with no condition tree and no map.
    """
    out = Path(out_dir)
    data = data or {}
    conditions = data.get("conditions") or []
    known: set[str] = {c["id"] for c in conditions}
    names = {c["id"]: c["name"] for c in conditions}
    by_condition: dict[str, list[Record]] = {}
    cell_href: dict[str, tuple[str, str]] = {}
    # the reports a map cell (or a condition in the map's header) links to, first found first
    cell_reports = [name for name, spec in reports.items() if spec.map_cell]
    sections, versions, dates, count = [], set(), [], 0
    for name, spec in reports.items():
        items = []
        order = read_manifests(out, name)
        order.sort(key=lambda m: (m.get("label") != "all", m.get("label", "")))
        for m in order:
            count += 1
            versions.add(m.get("data_version") or "")
            dates.append(m.get("rendered_at") or "")
            cid: str | None = (m.get("params") or {}).get("condition_id")
            if cid in known:
                own = _only_condition(m) == cid
                text = spec.title if own else f"{spec.title} ({m.get('label', m['slug'])})"
                by_condition.setdefault(cid, []).append(_link(name, m, text))
                if own and name in cell_reports:
                    best = cell_href.get(cid)
                    if best is None or cell_reports.index(name) < cell_reports.index(best[0]):
                        cell_href[cid] = (name, quote(f"{name}/{m['html']}"))
            else:
                items.append(_link(name, m))
        if items:
            sections.append({"title": spec.title, "summary": spec.summary, "links": items})
    failed = last_failures(out)
    head, _, rest = NOTICE.partition(". ")
    return _template().render(
        about=ABOUT,
        notice_head=head,
        notice_rest=rest,
        data_version=", ".join(sorted(v for v in versions if v)) or "?",
        mixed=len(versions) > 1,  # reports of several data versions: each says its own
        calcidata_version=__version__,
        latest=max((d for d in dates if d), default="?"),
        count=count,
        tree=_tree(conditions, by_condition, _treated(data)),
        map=_map(data, {k: v[1] for k, v in cell_href.items()}, names),
        map_error=data.get("error"),
        sections=sections,
        failed=[
            {
                "href": quote(f["executed"]) if f["executed"] else None,
                "text": f"{f['report']}/{f['slug']}",
                "why": f["why"],
            }
            for f in failed
        ],
    )


def _written_by_calcidata(path: Path) -> bool:
    """Whether ``path`` is missing, or is a file calcidata wrote (it holds a marker)."""
    if not path.exists() and not path.is_symlink():
        return True
    if not path.is_file():
        return False
    with open(path, "rb") as f:
        head = f.read(4096).decode("utf-8", errors="replace")
    return MARKER in head or _LEGACY_MARKER in head


def check_owned(out_dir: StrPath, pages: Iterable[Path] = ()) -> None:
    """Refuse to go on when ``out_dir`` holds an index or a page calcidata did not write.

    ``pages`` are the report pages about to be written: each may exist only beside
    its manifest (calcidata writes both). Raises
    :class:`~calcidata.errors.FileAccessError` naming the file; nothing is written.
    """
    index = Path(out_dir) / "index.html"
    if not _written_by_calcidata(index):
        raise FileAccessError(
            f"{index}: exists and was not written by calcidata, which would replace it; "
            "choose another --out folder or move that file"
        )
    for page in pages:
        if page.parent.exists() and not page.parent.is_dir():
            raise FileAccessError(
                f"{page.parent}: is a file where calcidata writes a folder of report pages; "
                "choose another --out folder or move that file"
            )
        manifest = page.with_name(page.stem + MANIFEST_SUFFIX)
        if (page.exists() or page.is_symlink()) and not manifest.is_file():
            raise FileAccessError(
                f"{page}: exists and was not written by calcidata (no {manifest.name} "
                "beside it); choose another --out folder or move that file"
            )


def note_outcome(out_dir: StrPath, outcome: Outcome) -> None:
    """Record what became of one job: the one place a failure is written down.

    A failed job (whatever failed: the notebook, its JSON, the kernel, the worker
    process, the export) gets ``<out>/_failed/<report>/<slug>.failure.json`` with
    its message and the path of its executed copy, if one was written; a job that
    succeeded has its record and copy removed. :func:`last_failures` reads them.
    """
    folder = Path(out_dir) / FAILED_DIR / outcome.report
    record = folder / f"{outcome.slug}{FAILURE_SUFFIX}"
    if outcome.ok:
        record.unlink(missing_ok=True)
        (folder / f"{outcome.slug}.ipynb").unlink(missing_ok=True)
        return
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / f"{outcome.slug}.ipynb"
    text = {
        "report": outcome.report,
        "slug": outcome.slug,
        "message": outcome.message,
        "executed": copy.relative_to(out_dir).as_posix() if copy.is_file() else None,
    }
    atomic_write(record, json.dumps(text, indent=1, sort_keys=True) + "\n")


def last_failures(out_dir: StrPath) -> list[Record]:
    """The jobs that failed in the last build or render, sorted: the one definition.

    Every failure record (:func:`note_outcome`) and every executed copy under
    ``_failed/`` (a copy without a record is a failure too), as dicts with
    ``report``, ``slug``, ``why`` (the first line of the message) and ``executed``
    (the copy's path relative to ``out_dir``, or None).
    """
    out = Path(out_dir)
    failed_dir = out / FAILED_DIR
    if not failed_dir.is_dir():
        return []
    found: dict[tuple[str, str], Record] = {}
    for copy in failed_dir.glob("*/*.ipynb"):
        key = (copy.parent.name, copy.stem)
        found[key] = {"report": key[0], "slug": key[1], "why": "", "executed": None}
        found[key]["executed"] = copy.relative_to(out).as_posix()
    for path in failed_dir.glob(f"*/*{FAILURE_SUFFIX}"):
        key = (path.parent.name, path.name.removesuffix(FAILURE_SUFFIX))
        entry = found.setdefault(
            key, {"report": key[0], "slug": key[1], "why": "", "executed": None}
        )
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            record = {}
        message = record.get("message") if isinstance(record, dict) else None
        lines = str(message or "the job failed").splitlines()
        why = lines[0] if lines else "the job failed"
        entry["why"] = why.removeprefix(f"{key[0]}/{key[1]}: ")
    return [found[k] for k in sorted(found)]


def clear_failed(out_dir: StrPath, reports: Iterable[str]) -> None:
    """Remove the records of failed renders: a build shows its own failures only."""
    failed = Path(out_dir) / FAILED_DIR
    for name in reports:
        folder = failed / name
        if not folder.is_dir():
            continue
        for copy in [*folder.glob("*.ipynb"), *folder.glob(f"*{FAILURE_SUFFIX}")]:
            copy.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty
    with contextlib.suppress(OSError):
        failed.rmdir()


def write_index(
    out_dir: StrPath, reports: Mapping[str, ReportSpec], data_dir: StrPath | None = None
) -> Path:
    """Write ``index.html`` in ``out_dir`` (atomically, and only when it changed).

    ``data_dir``: the tables the reports were rendered from (default: the shipped ones,
    or ``$CALCIDATA_DATA_DIR``), for the condition tree and the map. An ``index.html``
    that calcidata did not write is never replaced
    (:class:`~calcidata.errors.FileAccessError`).
    """
    path = Path(out_dir) / "index.html"
    check_owned(out_dir)
    text = render_index(out_dir, reports, index_data(out_dir, data_dir))
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except OSError:
        pass
    return atomic_write(path, text)
