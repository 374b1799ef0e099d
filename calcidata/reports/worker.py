"""Workers: run one job's notebook in a warm kernel and write its outputs atomically.

A notebook that fails leaves its executed copy, with the error, in
``<out>/_failed/<report>/<slug>.ipynb``; the last good HTML is kept. Every file
is written to a temporary name in its folder and swapped in with ``os.replace``.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, cast

from calcidata import paths
from calcidata._io import atomic_write
from calcidata._version import __version__
from calcidata.reports.plan import _PACKAGE, Job, Outcome, all_modules, code_hash

if TYPE_CHECKING:  # pragma: no cover
    from calcidata.tables.container import Tables


class Worker:
    """Renders jobs in this process, with a warm kernel kept ready.

    Parameters
    ----------
    data_dir : path-like
        Table directory, given to the kernels as ``CALCIDATA_DATA_DIR``.
    cwd : path-like, optional
        Working directory of the kernels (the notebooks' folder).
    prestart : str, optional
        Start a kernel of this name now, so it warms up while the caller goes on.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        cwd: str | os.PathLike[str] | None = None,
        prestart: str | None = None,
    ):
        from calcidata.reports.kernels import KernelPool

        self.pool = KernelPool(cwd=cwd, env={paths.ENV_DATA_DIR: str(data_dir)})
        if prestart:
            self.pool.prestart(prestart)

    def run(self, job: Job) -> Outcome:
        """Execute ``job``'s notebook and write its outputs; never raises for a notebook error."""
        from calcidata.reports import html_export, kernels, page

        start = time.perf_counter()
        job.folder.mkdir(parents=True, exist_ok=True)
        tmp = job.folder / f".{job.slug}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp.ipynb"
        try:
            kernel = self.pool.take(job.kernel_name)
            if job.prewarm:
                self.pool.prestart(job.kernel_name)
            try:
                nb = kernels.execute(
                    job.notebook, tmp, job.params, kernel, cwd=Path(job.notebook).parent
                )
                files = kernel.package_files("calcidata", _PACKAGE) or all_modules()
            finally:
                kernel.shutdown()
            html = page.finish(
                html_export.to_html(nb, job.title), job.title, page.related(job.report, job.params)
            )
        except Exception as exc:  # a failed notebook, a dead kernel, a failed export
            return self._failed(job, tmp, exc, start)
        try:  # the page first: a page that cannot be written leaves no executed copy behind
            atomic_write(job.html, html)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            why = exc.strerror or str(exc)
            message = f"{job.report}/{job.slug}: {job.html}: cannot be written: {why}"
            if job.html.is_file():
                message += f"\n  the last good report is kept: {job.html}"
            return Outcome(job.report, job.slug, False, time.perf_counter() - start, message)
        os.replace(tmp, job.ipynb)
        seconds = time.perf_counter() - start
        manifest = {
            "report": job.report,
            "slug": job.slug,
            "title": job.title,
            "label": job.label,
            "summary": job.summary,
            "line": _content_line(job),
            "params": job.params,
            "fingerprint": job.fingerprint,
            "data_version": job.data_version,
            "calcidata_version": __version__,
            "rendered_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "seconds": round(seconds, 2),
            "by": job.by,
            "code": {"files": files, "hash": code_hash(files)},
            "html": job.html.name,
            "notebook": job.ipynb.name,
        }
        atomic_write(job.manifest, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        job.failed_copy.unlink(missing_ok=True)
        return Outcome(job.report, job.slug, True, seconds)

    def _failed(self, job: Job, tmp: Path, exc: Exception, start: float) -> Outcome:
        copy = None
        if tmp.is_file():
            job.failed_copy.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, job.failed_copy)
            copy = str(job.failed_copy)
        message = f"{job.report}/{job.slug}: {_explain(exc)}"
        if copy is None:  # it failed before running (unreadable notebook, no kernel): name it
            message = f"{job.report}/{job.slug}: {job.notebook}: {_explain(exc)}"
        if copy:
            message += f"\n  executed copy with the error: {copy}"
        if job.html.is_file():
            message += f"\n  the last good report is kept: {job.html}"
        return Outcome(job.report, job.slug, False, time.perf_counter() - start, message, copy)

    def close(self) -> None:
        """Shut the spare kernel down."""
        self.pool.close()


_TABLES: dict[tuple[str, str], Tables] = {}


def _content_line(job: Job) -> str:
    """What the rendered report holds, in one line (loads the tables once per worker)."""
    from calcidata.reports.summary import report_summary
    from calcidata.tables import loader as loading

    key = (job.data_dir, job.data_version)
    if key not in _TABLES:
        _TABLES.clear()
        _TABLES[key] = loading.load(job.data_dir)
    return report_summary(_TABLES[key], job.report, job.params, line=job.index_line or None)


class _CellError(Protocol):
    """What ``_explain`` reads of papermill's ``PapermillExecutionError`` (papermill is untyped)."""

    source: str | None
    exec_count: int | None
    cell_index: int
    ename: str
    evalue: str


def _explain(exc: Exception) -> str:
    """Which cell failed and why, in two lines."""
    if type(exc).__name__ == "PapermillExecutionError":  # known by name: papermill not imported
        cell = cast(_CellError, exc)
        lines = [ln for ln in (cell.source or "").splitlines() if ln.strip()]
        first = lines[0].strip() if lines else ""
        where = f"cell In [{cell.exec_count}]" if cell.exec_count else f"cell {cell.cell_index}"
        return f"{where} failed with {cell.ename}: {cell.evalue}" + (
            f"\n  cell starts: {first[:120]}" if first else ""
        )
    return f"{type(exc).__name__}: {exc}"


_WORKER: Worker | None = None

#: Imported once by multiprocessing's forkserver process, so every worker starts with them.
_WORKER_PRELOAD = [
    "calcidata.reports.worker",
    "calcidata.reports.kernels",
    "papermill",
    "nbclient",
    "nbconvert",
]


def _prepare() -> None:
    """Import papermill and build the HTML exporter now rather than on first use."""
    import papermill  # noqa: F401

    from calcidata.reports.html_export import exporter

    exporter()


def _init_worker(data_dir: str, cwd: str | None, kernel_name: str) -> None:
    """Process-pool initializer: this worker's kernel pool and HTML exporter."""
    global _WORKER
    from multiprocessing.util import Finalize

    _WORKER = Worker(data_dir, cwd, prestart=kernel_name)
    Finalize(_WORKER, _WORKER.close, exitpriority=10)
    _prepare()


def _run_in_worker(job: Job) -> Outcome:
    assert _WORKER is not None
    return _WORKER.run(job)
