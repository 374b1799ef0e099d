"""Render reports to HTML: one (:func:`render`) or all of them (:func:`build`).

:func:`build` plans every parameter set (:mod:`~calcidata.reports.plan`), skips
those that are up to date, and runs the rest in worker processes (``-j``, default
the CPU count) that keep papermill and nbconvert imported and a warm kernel ready
(:mod:`~calcidata.reports.worker`, :mod:`~calcidata.reports.kernels`). A re-run with
nothing changed starts no kernel. A lock file in ``<out>`` makes a second build or
render wait for the first; ``<out>/index.html`` shows the state after the build.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from calcidata import paths
from calcidata._io import output_dir
from calcidata.errors import ArgumentTypeError, ParameterError, RenderError
from calcidata.reports.index import (
    FAILURE_SUFFIX,
    check_owned,
    clear_failed,
    note_outcome,
    read_manifests,
    write_index,
)
from calcidata.reports.plan import (
    FAILED_DIR,
    LOCK_NAME,
    MANIFEST_SUFFIX,
    BuildResult,
    Job,
    Outcome,
    _make_job,
    _manifest,
    data_fingerprint,
    is_up_to_date,
    plan,
)
from calcidata.reports.registry import REPORTS, Catalog, ReportSpec, check_params
from calcidata.reports.worker import (
    _WORKER_PRELOAD,
    Worker,
    _init_worker,
    _prepare,
    _run_in_worker,
)

if TYPE_CHECKING:  # pragma: no cover
    from multiprocessing.context import BaseContext

    from tqdm import tqdm

__all__ = ["render", "build", "BuildResult", "Outcome", "plan"]


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold ``out``'s lock file: one build or render at a time writes there."""
    output_dir(out)
    check_owned(out)
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
    from calcidata.reports.spec import _suggest

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
    out_dir: str | os.PathLike[str] = "reports",
    data_dir: str | os.PathLike[str] | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
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
    version = _data_version(data)  # the tables are read as `validate` reads them, first
    catalog = Catalog.from_data_dir(data)
    if params is not None and not isinstance(params, Mapping):
        raise ArgumentTypeError(
            f"params must be a mapping of parameter names to values, not {type(params).__name__}"
        )
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
    job = replace(job, data_version=version)
    with _locked(Path(out_dir)):
        check_owned(out_dir, [job.html])
        worker = Worker(data, Path(job.notebook).parent, prestart=job.kernel_name)
        try:
            _prepare()  # while the kernel starts
            outcome = worker.run(job)
        finally:
            worker.close()
        note_outcome(out_dir, outcome)
        write_index(out_dir, registry, data)
    if not outcome.ok:
        raise RenderError(outcome.message)
    return job.html


def build(
    out_dir: str | os.PathLike[str] = "reports",
    *,
    jobs: int | None = None,
    force: bool = False,
    data_dir: str | os.PathLike[str] | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
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
    _check_jobs(jobs)
    started = time.perf_counter()
    registry = REPORTS if reports is None else reports
    out = Path(out_dir)
    result = BuildResult()
    with _locked(out):
        planned = plan(out, data_dir=data_dir, notebooks_dir=notebooks_dir, reports=registry)
        result.planned = len(planned)
        todo = [j for j in planned if force or not is_up_to_date(j)]
        check_owned(out, [j.html for j in todo])
        clear_failed(out, registry)  # the index shows the failures of this build only
        if todo:
            _remove_leftovers(out, registry)
            version = _data_version(Path(planned[0].data_dir))
            todo = [replace(j, data_version=version) for j in todo]
            for outcome in _run_all(todo, jobs, progress):
                note_outcome(out, outcome)
                (result.rendered if outcome.ok else result.failed).append(outcome)
        _prune(out, registry, planned)
        write_index(out, registry, data_dir)
    result.seconds = time.perf_counter() - started
    return result


def _check_jobs(jobs: object) -> None:
    """``jobs`` is None (the CPU count) or a whole number >= 1, as the CLI's ``-j``."""
    if jobs is None:
        return
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise ArgumentTypeError(f"jobs must be a whole number or None, not {jobs!r}")
    if jobs < 1:
        raise ParameterError(f"jobs must be at least 1 (or None for the CPU count); got {jobs}")


def _run_all(todo: list[Job], jobs: int | None, progress: bool) -> Iterator[Outcome]:
    """Run jobs across worker processes, longest first.

    A job's length is its last duration if it was rendered before; jobs never
    rendered go first, largest data first (see :attr:`Job.weight`).
    """
    from tqdm import tqdm

    def longest_first(job: Job) -> tuple[int, float]:
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
            worker = Worker(data_dir, cwd, prestart=todo[0].kernel_name)
            try:
                _prepare()  # while the first kernel starts
                for job in todo:
                    outcome = worker.run(job)
                    _report(bar, outcome)
                    yield outcome
            finally:
                worker.close()
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # multiprocessing's "forkserver" start method imports papermill and nbconvert
        # once, for every worker process.
        context: BaseContext
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_WORKER_PRELOAD)
        else:
            context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=workers,
            initializer=_init_worker,
            initargs=(data_dir, cwd, todo[0].kernel_name),
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
        bar.close()


def _report(bar: tqdm, outcome: Outcome) -> None:
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
            (out / FAILED_DIR / name / f"{m['slug']}{FAILURE_SUFFIX}").unlink(missing_ok=True)
