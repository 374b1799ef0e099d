"""Build plans: one job per report and parameter set, with the fingerprint of its inputs.

Each rendered parameter set becomes ``<out>/<report>/<slug>.html`` beside the
executed ``<slug>.ipynb`` and a small ``<slug>.manifest.json``. The manifest
holds a fingerprint of everything the output depends on: the notebook's cells
and the metadata that matter (:func:`notebook_essence`; not the outputs,
execution counts or widget state that JupyterLab's autosave writes), the
parameters, the table files, the calcidata version, and the calcidata modules
the kernel had imported when the notebook finished (their bytes, as ``make``
would track them, so editing a plot module re-renders the reports that use it
and editing the CLI re-renders nothing). A job is up to date when none of these
changed; checking that reads a few small files and imports nothing heavy.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from calcidata import paths
from calcidata._io import content_hash
from calcidata._version import __version__
from calcidata.errors import RenderError
from calcidata.reports.catalog import Params
from calcidata.reports.naming import label, slug
from calcidata.reports.registry import REPORTS, Catalog, ReportSpec

LOCK_NAME = ".calcidata.lock"
MANIFEST_SUFFIX = ".manifest.json"
FAILED_DIR = "_failed"
#: The kernel the report notebooks declare: ``make install`` registers it for
#: JupyterLab, and the renderer runs it as this interpreter's ipykernel.
KERNEL_NAME = "calcidata"
#: Bump when the way outputs are produced changes, to re-render everything.
FORMAT = 1


@dataclass(frozen=True)
class Job:
    """One parameter set of one report to render (picklable, sent to workers)."""

    report: str
    slug: str
    params: Params
    notebook: str
    kernel_name: str
    out_dir: str
    fingerprint: str
    title: str
    label: str
    summary: str
    data_dir: str
    data_version: str = ""
    #: The spec's index line (the workers do not see a registry given to ``build``).
    index_line: str = ""
    by: str = "build"
    prewarm: bool = False
    #: Rows of data the report covers: a guess at its cost before it has a history.
    weight: int = 0

    @property
    def folder(self) -> Path:
        """The report's output folder."""
        return Path(self.out_dir) / self.report

    @property
    def html(self) -> Path:
        """Where the HTML goes."""
        return self.folder / f"{self.slug}.html"

    @property
    def ipynb(self) -> Path:
        """Where the executed notebook goes."""
        return self.folder / f"{self.slug}.ipynb"

    @property
    def manifest(self) -> Path:
        """Where the manifest goes."""
        return self.folder / f"{self.slug}{MANIFEST_SUFFIX}"

    @property
    def failed_copy(self) -> Path:
        """Where the executed copy of a failed render goes."""
        return Path(self.out_dir) / FAILED_DIR / self.report / f"{self.slug}.ipynb"


@dataclass(frozen=True)
class Outcome:
    """What became of one job."""

    report: str
    slug: str
    ok: bool
    seconds: float
    message: str = ""
    failed_copy: str | None = None


@dataclass
class BuildResult:
    """Summary of a :func:`build`."""

    planned: int = 0
    rendered: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def skipped(self) -> int:
        """Parameter sets that were up to date."""
        return self.planned - len(self.rendered) - len(self.failed)

    @property
    def ok(self) -> bool:
        """Whether nothing failed."""
        return not self.failed


def _sha(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(len(chunk).to_bytes(8, "little"))
        h.update(chunk)
    return h.hexdigest()


_PACKAGE = Path(__file__).resolve().parents[1]


#: Files that shape a page beyond the modules a kernel imports: the HTML export, the
#: page around it (contents, links, print) and the HTML templates of the display layer.
_RENDERER_FILES = (
    "reports/kernels.py",
    "reports/html_export.py",
    "reports/page.py",
    "reports/svg.py",
    "display/interactive.py",
)


@cache
def renderer_fingerprint() -> str:
    """Hash of the calcidata and itables versions and of the files that make the HTML page."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        itables = version("itables")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        itables = "missing"
    files = renderer_files()
    return _sha(__version__.encode(), itables.encode(), *(f.read_bytes() for f in files))


def renderer_files() -> list[Path]:
    """The files that make the HTML page: export, page, templates, the page's CSS and JS."""
    files = [_PACKAGE / f for f in _RENDERER_FILES]
    files += sorted((_PACKAGE / "display" / "templates").glob("*.j2"))
    return files + sorted((_PACKAGE / "reports" / "assets").glob("page.*"))


def code_hash(files: list[str]) -> str:
    """Hash of the calcidata modules a report used (paths relative to the package)."""
    chunks = [__version__.encode()]
    for name in sorted(files):
        path = _PACKAGE / name
        chunks += [name.encode(), path.read_bytes() if path.is_file() else b"\0missing"]
    return _sha(*chunks)


def all_modules() -> list[str]:
    """Every module of the package (used when a kernel cannot tell what it imported)."""
    return sorted(p.relative_to(_PACKAGE).as_posix() for p in _PACKAGE.rglob("*.py"))


def data_fingerprint(data_dir: Path) -> str:
    """Hash of the names and bytes of every table file in ``data_dir``.

    A table that cannot be read (a folder, a pipe, a device, an I/O error) is
    reported as ``calcidata validate`` reports it; such a file is never read.
    """
    files = sorted(data_dir.glob("*.csv"))
    regular = [p for p in files if p.is_file()]
    try:
        if len(regular) != len(files):
            raise IsADirectoryError
        return content_hash(regular, length=64)
    except OSError:
        from calcidata.tables.loader import load

        load(data_dir)  # raises the tables' problems, with the messages of `validate`
        return content_hash(regular, length=64)  # only a file that is no table was odd


def notebook_essence(nb: Mapping[str, Any]) -> dict[str, Any]:
    """What of a notebook (its parsed ``.ipynb`` JSON) the rendered report depends on.

    Of each cell its type, id, source, tags (``parameters`` among them) and
    attachments; of the notebook the kernelspec's name and language, and a
    title. Left out: outputs, execution counts, widget state, ``language_info``
    and view state (collapsed, scrolled, timings), which JupyterLab's autosave
    writes and the render does not read (papermill clears outputs and counts,
    the engine drops saved widget state).
    """
    meta = nb.get("metadata") or {}
    spec = meta.get("kernelspec") or {}
    return {
        "kernelspec": [spec.get("name"), spec.get("language")],
        "title": meta.get("title"),
        "cells": [
            [
                cell.get("cell_type"),
                cell.get("id"),
                "".join(cell.get("source") or ""),
                (cell.get("metadata") or {}).get("tags") or [],
                cell.get("attachments") or {},
            ]
            for cell in nb.get("cells") or []
        ],
    }


def notebook_fingerprint(notebook_bytes: bytes) -> tuple[str, str]:
    """Hash of a notebook file's :func:`notebook_essence`, and its kernel's name.

    A file that is not a notebook hashes as its bytes (papermill reports it).
    """
    try:
        nb = json.loads(notebook_bytes)
    except ValueError:
        nb = None
    if not isinstance(nb, dict):
        return _sha(notebook_bytes), KERNEL_NAME
    essence = notebook_essence(nb)
    name = essence["kernelspec"][0] or KERNEL_NAME
    return _sha(json.dumps(essence, sort_keys=True).encode()), name


def _make_job(
    spec: ReportSpec,
    params: Params,
    *,
    out: Path,
    data: Path,
    notebooks: Path,
    catalog: Catalog,
    data_fp: str,
    by: str,
    cache_: dict[Path, tuple[str, str]],
) -> Job:
    notebook = spec.notebook_path(notebooks)
    if notebook not in cache_:
        try:
            cache_[notebook] = notebook_fingerprint(notebook.read_bytes())
        except OSError as exc:
            raise RenderError(f"report {spec.name!r}: cannot read its notebook: {exc}") from exc
    nb_fp, kernel_name = cache_[notebook]
    full = {**spec.defaults(), **params}
    fingerprint = _sha(
        str(FORMAT).encode(),
        nb_fp.encode(),
        json.dumps(full, sort_keys=True).encode(),
        data_fp.encode(),
        renderer_fingerprint().encode(),
    )
    text = label(spec, full, catalog)
    condition_id = full.get("condition_id")  # a str parameter where a report has it
    return Job(
        report=spec.name,
        slug=slug(spec, full),
        params=full,
        notebook=str(notebook),
        kernel_name=kernel_name,
        out_dir=str(out),
        fingerprint=fingerprint,
        title=f"{spec.title} — {text}" if text != "all" else spec.title,
        label=text,
        summary=spec.summary,
        data_dir=str(data),
        index_line=spec.index_line,
        by=by,
        weight=catalog.rows_under(condition_id if isinstance(condition_id, str) else None),
    )


def plan(
    out_dir: str | os.PathLike[str] = "reports",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
    reports: Mapping[str, ReportSpec] | None = None,
) -> list[Job]:
    """Every parameter set :func:`build` renders, as jobs (nothing is executed)."""
    reports = REPORTS if reports is None else reports
    data = paths.data_dir(data_dir).resolve()
    notebooks = Path(notebooks_dir).resolve() if notebooks_dir else paths.notebooks_dir()
    catalog = Catalog.from_data_dir(data)
    data_fp = data_fingerprint(data)
    cache_: dict[Path, tuple[str, str]] = {}
    jobs = []
    for spec in reports.values():
        if not spec.build:
            continue
        for params in spec.build_params(catalog):
            jobs.append(
                _make_job(
                    spec,
                    params,
                    out=Path(out_dir),
                    data=data,
                    notebooks=notebooks,
                    catalog=catalog,
                    data_fp=data_fp,
                    by="build",
                    cache_=cache_,
                )
            )
    return jobs


def _manifest(job: Job) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads(job.manifest.read_text(encoding="utf-8"))
        return manifest
    except (OSError, ValueError):
        return None


def is_up_to_date(job: Job) -> bool:
    """Whether ``job``'s HTML exists and was rendered from the same inputs."""
    m = _manifest(job)
    if not m or m.get("fingerprint") != job.fingerprint or not job.html.is_file():
        return False
    code = m.get("code") or {}
    return isinstance(code.get("files"), list) and code_hash(code["files"]) == code.get("hash")
