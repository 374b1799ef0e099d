"""Render reports to HTML: one (:func:`render`) or all of them (:func:`build`).

Each rendered parameter set becomes ``<out>/<report>/<slug>.html`` beside the
executed ``<slug>.ipynb`` and a small ``<slug>.manifest.json``. The manifest
holds a fingerprint of everything the output depends on: the notebook file,
the parameters, the table files, the calcidata version, and the calcidata
modules the kernel had imported when the notebook finished (their bytes, as
``make`` would track them, so editing ``plots.py`` re-renders the reports that
use it and editing the CLI re-renders nothing). :func:`build` re-renders a
parameter set only when one of these changed, so a re-run with nothing changed
reads a few small files and starts no kernel; it imports nothing heavy on that
path.

Work is done by worker processes (``-j``, default the CPU count) that keep
papermill and nbconvert imported and keep a warm kernel ready (see
:mod:`calcidata.kernels`).

Faults: a notebook that fails leaves its executed copy, with the error, in
``<out>/_failed/<report>/<slug>.ipynb``; the last good HTML is kept. Every file
is written to a temporary name in its folder and swapped in with ``os.replace``;
a lock file in ``<out>`` makes a second build or render wait for the first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from calcidata import paths
from calcidata._io import atomic_write, content_hash
from calcidata._version import __version__
from calcidata.errors import ParameterError, RenderError
from calcidata.reports.index import FAILED_DIR, MANIFEST_SUFFIX, read_manifests, write_index
from calcidata.reports.registry import REPORTS, Catalog, ReportSpec, check_params, label, slug

__all__ = ["render", "build", "BuildResult", "Outcome", "plan"]

LOCK_NAME = ".calcidata.lock"
#: Bump when the way outputs are produced changes, to re-render everything.
FORMAT = 1


# --------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class Job:
    """One parameter set of one report to render (picklable, sent to workers)."""

    report: str
    slug: str
    params: dict
    notebook: str
    kernel_name: str
    out_dir: str
    fingerprint: str
    title: str
    label: str
    summary: str
    data_dir: str
    data_version: str = ""
    by: str = "build"
    prewarm: bool = False
    #: Rows of data the report covers: a guess at its cost before it has a history.
    weight: int = 0

    @property
    def folder(self) -> Path:
        return Path(self.out_dir) / self.report

    @property
    def html(self) -> Path:
        return self.folder / f"{self.slug}.html"

    @property
    def ipynb(self) -> Path:
        return self.folder / f"{self.slug}.ipynb"

    @property
    def manifest(self) -> Path:
        return self.folder / f"{self.slug}{MANIFEST_SUFFIX}"

    @property
    def failed_copy(self) -> Path:
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
        return not self.failed


def _sha(*chunks: bytes) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(len(chunk).to_bytes(8, "little"))
        h.update(chunk)
    return h.hexdigest()


_PACKAGE = Path(__file__).resolve().parents[1]


@cache
def renderer_fingerprint() -> str:
    """Hash of the calcidata version and of the module that turns notebooks into HTML."""
    return _sha(__version__.encode(), (_PACKAGE / "reports" / "kernels.py").read_bytes())


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
    """Hash of the names and bytes of every table file in ``data_dir``."""
    return content_hash(sorted(data_dir.glob("*.csv")), length=64)


def _kernel_name(notebook_bytes: bytes) -> str:
    try:
        meta = json.loads(notebook_bytes).get("metadata", {})
    except ValueError:
        return "python3"  # papermill will report the broken file
    return (meta.get("kernelspec") or {}).get("name") or "python3"


def _make_job(
    spec: ReportSpec,
    params: dict,
    *,
    out: Path,
    data: Path,
    notebooks: Path,
    catalog: Catalog,
    data_fp: str,
    by: str,
    cache_: dict,
) -> Job:
    notebook = spec.notebook_path(notebooks)
    if notebook not in cache_:
        try:
            cache_[notebook] = notebook.read_bytes()
        except OSError as exc:
            raise RenderError(f"report {spec.name!r}: cannot read its notebook: {exc}") from exc
    nb_bytes = cache_[notebook]
    full = {**spec.defaults(), **params}
    fingerprint = _sha(
        str(FORMAT).encode(),
        nb_bytes,
        json.dumps(full, sort_keys=True).encode(),
        data_fp.encode(),
        renderer_fingerprint().encode(),
    )
    text = label(spec, full, catalog)
    return Job(
        report=spec.name,
        slug=slug(spec, full),
        params=full,
        notebook=str(notebook),
        kernel_name=_kernel_name(nb_bytes),
        out_dir=str(out),
        fingerprint=fingerprint,
        title=f"{spec.title} — {text}" if text != "all" else spec.title,
        label=text,
        summary=spec.summary,
        data_dir=str(data),
        by=by,
        weight=catalog.rows_under(full.get("condition_id")),
    )


def plan(
    out_dir: str | os.PathLike = "reports",
    *,
    data_dir=None,
    notebooks_dir=None,
    reports: Mapping[str, ReportSpec] | None = None,
) -> list[Job]:
    """Every parameter set :func:`build` renders, as jobs (nothing is executed)."""
    reports = REPORTS if reports is None else reports
    data = paths.data_dir(data_dir).resolve()
    notebooks = Path(notebooks_dir).resolve() if notebooks_dir else paths.notebooks_dir()
    catalog = Catalog.from_data_dir(data)
    data_fp = data_fingerprint(data)
    cache_: dict = {}
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


def _manifest(job: Job) -> dict | None:
    try:
        return json.loads(job.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_up_to_date(job: Job) -> bool:
    """Whether ``job``'s HTML exists and was rendered from the same inputs."""
    m = _manifest(job)
    if not m or m.get("fingerprint") != job.fingerprint or not job.html.is_file():
        return False
    code = m.get("code") or {}
    return isinstance(code.get("files"), list) and code_hash(code["files"]) == code.get("hash")


# --------------------------------------------------------------------------- workers


class Worker:
    """Renders jobs in this process, with a warm kernel kept ready.

    Parameters
    ----------
    data_dir : path-like
        Table directory, given to the kernels as ``CALCIDATA_DATA_DIR``.
    cwd : path-like, optional
        Working directory of the kernels (the notebooks' folder).
    prestart : bool
        Start the first kernel now, so it warms up while the caller goes on.
    zygote : bool or str
        Fork kernels from a zygote of this worker's own (``True``), from the
        shared zygote listening at this socket path, or not at all (``False``).
    """

    def __init__(
        self,
        data_dir: str | os.PathLike,
        cwd: str | os.PathLike | None = None,
        prestart: bool = True,
        zygote: bool | str = True,
    ):
        from calcidata.reports.kernels import KernelPool

        self.pool = KernelPool(cwd=cwd, env=_kernel_extra_env(data_dir), zygote=zygote)
        if prestart and self.pool.zygote is None:
            self.pool.prestart()  # (a zygote preloads on its own; kernels fork in a moment)

    def run(self, job: Job) -> Outcome:
        """Execute ``job``'s notebook and write its outputs; never raises for a notebook error."""
        from calcidata.reports import kernels

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
            html = kernels.to_html(nb, job.title)
        except Exception as exc:  # a failed notebook, a dead kernel, a failed export
            return self._failed(job, tmp, exc, start)
        os.replace(tmp, job.ipynb)
        atomic_write(job.html, html)
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
        if copy:
            message += f"\n  executed copy with the error: {copy}"
        if job.html.is_file():
            message += f"\n  the last good report is kept: {job.html}"
        return Outcome(job.report, job.slug, False, time.perf_counter() - start, message, copy)

    def close(self) -> None:
        """Shut the spare kernel down."""
        self.pool.close()


_TABLES: dict[tuple[str, str], object] = {}


def _content_line(job: Job) -> str:
    """What the rendered report holds, in one line (loads the tables once per worker)."""
    from calcidata.reports.summary import report_summary
    from calcidata.tables import loader as loading

    key = (job.data_dir, job.data_version)
    if key not in _TABLES:
        _TABLES.clear()
        _TABLES[key] = loading.load(job.data_dir)
    return report_summary(_TABLES[key], job.report, job.params)


def _explain(exc: Exception) -> str:
    """Which cell failed and why, in two lines."""
    if type(exc).__name__ == "PapermillExecutionError":
        lines = [ln for ln in (exc.source or "").splitlines() if ln.strip()]
        first = lines[0].strip() if lines else ""
        where = f"cell In [{exc.exec_count}]" if exc.exec_count else f"cell {exc.cell_index}"
        return f"{where} failed with {exc.ename}: {exc.evalue}" + (
            f"\n  cell starts: {first[:120]}" if first else ""
        )
    return f"{type(exc).__name__}: {exc}"


def _kernel_extra_env(data_dir) -> dict[str, str]:
    return {paths.ENV_DATA_DIR: str(data_dir)}


_WORKER: Worker | None = None

#: Imported once by the process-pool's fork server, so every worker starts with them.
_WORKER_PRELOAD = [
    "calcidata.reports.build",
    "calcidata.reports.kernels",
    "papermill",
    "nbclient",
    "nbconvert",
]


def _prepare() -> None:
    """Import papermill and build the HTML exporter now rather than on first use."""
    import papermill  # noqa: F401

    from calcidata.reports.kernels import exporter

    exporter()


def _init_worker(data_dir: str, cwd: str | None, zygote: bool | str) -> None:
    """Process-pool initializer: this worker's kernel pool and HTML exporter."""
    global _WORKER
    from multiprocessing.util import Finalize

    _WORKER = Worker(data_dir, cwd, zygote=zygote)
    Finalize(_WORKER, _WORKER.close, exitpriority=10)
    _prepare()


def _run_in_worker(job: Job) -> Outcome:
    assert _WORKER is not None
    return _WORKER.run(job)


# --------------------------------------------------------------------------- public API


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold ``out``'s lock file: one build or render at a time writes there."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK_NAME, "a+") as f:
        try:
            import fcntl
        except ImportError:  # no flock (Windows): atomic writes still keep files whole
            yield
            return
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"calcidata: waiting for another build or render in {out} to finish",
                file=sys.stderr,
            )
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _lookup(registry: Mapping[str, ReportSpec], name: str) -> ReportSpec:
    if name in registry:
        return registry[name]
    from calcidata.reports.registry import _suggest

    raise ParameterError(
        f"unknown report {name!r}"
        + _suggest(str(name), list(registry))
        + f"; the reports are: {', '.join(registry)}"
    )


def _data_version(data: Path) -> str:
    """Validate the tables (DataValidationError if bad) and return their data version."""
    from calcidata.tables.loader import load

    return load(data).version


def render(
    report: str,
    params: Mapping[str, object] | None = None,
    *,
    out_dir: str | os.PathLike = "reports",
    data_dir=None,
    notebooks_dir=None,
    reports: Mapping[str, ReportSpec] | None = None,
) -> Path:
    """Render one report with one parameter set; return the path of its HTML.

    Parameters
    ----------
    report : str
        Report name (see :data:`calcidata.reports.REPORTS`).
    params : mapping, optional
        Parameter values (strings are coerced as for ``-p NAME VALUE``).
    out_dir : path-like
        Output root; the report goes to ``<out_dir>/<report>/<slug>.html``.
    data_dir, notebooks_dir : path-like, optional
        Table and notebook directories (defaults: the shipped ones).
    reports : mapping, optional
        Registry to use instead of :data:`~calcidata.reports.REPORTS`.

    Raises
    ------
    ParameterError
        Bad parameters; raised before anything is written or any kernel starts.
    DataValidationError
        The tables are invalid (checked before any kernel starts).
    RenderError
        The notebook failed; its executed copy is in ``<out_dir>/_failed/``.
    """
    registry = REPORTS if reports is None else reports
    spec = _lookup(registry, report)
    data = paths.data_dir(data_dir).resolve()
    catalog = Catalog.from_data_dir(data)
    values = check_params(spec, dict(params or {}), catalog)
    notebooks = Path(notebooks_dir).resolve() if notebooks_dir else paths.notebooks_dir()
    job = _make_job(
        spec,
        values,
        out=Path(out_dir),
        data=data,
        notebooks=notebooks,
        catalog=catalog,
        data_fp=data_fingerprint(data),
        by="render",
        cache_={},
    )
    job = replace(job, data_version=_data_version(data))
    with _locked(Path(out_dir)):
        worker = Worker(data, Path(job.notebook).parent, prestart=False)
        try:
            _prepare()  # while the zygote preloads
            outcome = worker.run(job)
        finally:
            worker.close()
        write_index(out_dir, registry)
    if not outcome.ok:
        raise RenderError(outcome.message)
    return job.html


def build(
    out_dir: str | os.PathLike = "reports",
    *,
    jobs: int | None = None,
    force: bool = False,
    data_dir=None,
    notebooks_dir=None,
    reports: Mapping[str, ReportSpec] | None = None,
    progress: bool = True,
) -> BuildResult:
    """Render every report for every meaningful parameter set, in parallel and incrementally.

    Parameters
    ----------
    out_dir : path-like
        Output root (``reports/``); ``index.html`` is written there.
    jobs : int, optional
        Worker processes (default: the CPU count).
    force : bool
        Render everything, even what is up to date.
    data_dir, notebooks_dir : path-like, optional
        Table and notebook directories (defaults: the shipped ones).
    reports : mapping, optional
        Registry to use instead of :data:`~calcidata.reports.REPORTS`.
    progress : bool
        Show a progress bar on standard error.

    Returns
    -------
    BuildResult
        What was rendered, skipped and failed. Failures do not raise.

    Notes
    -----
    With ``jobs > 1`` the workers are started by :mod:`multiprocessing` (fork
    server), which imports the calling script's main module in each worker: in
    a script, call ``build`` under ``if __name__ == "__main__":``.
    """
    started = time.perf_counter()
    registry = REPORTS if reports is None else reports
    out = Path(out_dir)
    result = BuildResult()
    with _locked(out):
        planned = plan(out, data_dir=data_dir, notebooks_dir=notebooks_dir, reports=registry)
        result.planned = len(planned)
        todo = [j for j in planned if force or not is_up_to_date(j)]
        if todo:
            _remove_leftovers(out, registry)
            version = _data_version(Path(planned[0].data_dir))
            todo = [replace(j, data_version=version) for j in todo]
            for outcome in _run_all(todo, jobs, progress):
                (result.rendered if outcome.ok else result.failed).append(outcome)
        _prune(out, registry, planned)
        write_index(out, registry)
    result.seconds = time.perf_counter() - started
    return result


def _run_all(todo: list[Job], jobs: int | None, progress: bool) -> Iterator[Outcome]:
    """Run jobs across worker processes, longest first.

    A job's length is its last duration if it was rendered before; jobs never
    rendered go first, largest data first (see :attr:`Job.weight`).
    """
    from tqdm import tqdm

    def longest_first(job: Job) -> tuple:
        m = _manifest(job)
        if m and "seconds" in m:
            return (1, -float(m["seconds"]))
        return (0, -job.weight)

    todo = sorted(todo, key=longest_first)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    # a worker warms a spare kernel only while more jobs than workers remain
    todo = [replace(j, prewarm=i < len(todo) - workers) for i, j in enumerate(todo)]
    data_dir, cwd = todo[0].data_dir, str(Path(todo[0].notebook).parent)
    bar = tqdm(
        total=len(todo),
        desc="rendering",
        unit="report",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )
    try:
        if workers == 1:
            worker = Worker(data_dir, cwd)
            try:
                _prepare()  # while the zygote preloads
                for job in todo:
                    outcome = worker.run(job)
                    _report(bar, outcome)
                    yield outcome
            finally:
                worker.close()
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from calcidata.reports import kernels

        # One zygote for all workers starts preloading now, while the fork server
        # imports papermill and nbconvert once for every worker.
        zygote = (
            kernels.Zygote(cwd, kernels.kernel_env(_kernel_extra_env(data_dir)))
            if kernels.can_fork()
            else None
        )
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_WORKER_PRELOAD)
        else:
            context = multiprocessing.get_context("spawn")
        try:
            with ProcessPoolExecutor(
                max_workers=workers,
                initializer=_init_worker,
                initargs=(data_dir, cwd, zygote.path if zygote else True),
                mp_context=context,
            ) as pool:
                futures = {pool.submit(_run_in_worker, job): job for job in todo}
                try:
                    for future in as_completed(futures):
                        try:
                            outcome = future.result()
                        except Exception as exc:  # e.g. a worker process was killed
                            job = futures[future]
                            outcome = Outcome(
                                job.report,
                                job.slug,
                                False,
                                0.0,
                                f"{job.report}/{job.slug}: the worker process "
                                f"failed: {type(exc).__name__}: {exc}",
                            )
                        _report(bar, outcome)
                        yield outcome
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
        finally:
            if zygote is not None:
                zygote.close()
    finally:
        bar.close()


def _report(bar, outcome: Outcome) -> None:
    bar.update(1)
    if not outcome.ok:
        bar.write(f"FAILED {outcome.message}", file=sys.stderr)


def _remove_leftovers(out: Path, registry: Mapping[str, ReportSpec]) -> None:
    """Delete temporary files of interrupted renders (safe: we hold the lock)."""
    for name in registry:
        for tmp in (out / name).glob(".*.tmp*"):
            tmp.unlink(missing_ok=True)


def _prune(out: Path, registry: Mapping[str, ReportSpec], planned: list[Job]) -> None:
    """Remove build outputs whose parameter set is no longer built (e.g. data changed)."""
    wanted = {(j.report, j.slug) for j in planned}
    for name in registry:
        for m in read_manifests(out, name):
            if m.get("by") != "build" or (name, m.get("slug")) in wanted:
                continue
            for file_name in (m.get("html"), m.get("notebook"), f"{m['slug']}{MANIFEST_SUFFIX}"):
                if file_name:
                    (out / name / file_name).unlink(missing_ok=True)
            (out / FAILED_DIR / name / f"{m['slug']}.ipynb").unlink(missing_ok=True)
