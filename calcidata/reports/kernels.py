"""Warm kernels and in-process notebook execution for the renderer.

Starting a kernel and importing pandas, seaborn and calcidata in it costs a
few seconds, often more than running the report itself. A :class:`KernelPool`
hides most of that cost: it keeps one spare kernel per worker, started while the
previous notebook ran, and sends it the imports as a *silent* execution (no
history, no execution count, no output), so a notebook then runs as in a fresh
kernel, only sooner.

Every notebook still gets a kernel of its own. Notebooks run through papermill's
own machinery (parameter injection, error cells, cell metadata) with a small
engine, ``calcidata_warm``, that hands papermill a kernel manager whose kernel
is already running; HTML comes from nbconvert's ``HTMLExporter``, created once
per process. Nothing here shells out to the papermill or nbconvert command lines.

The notebooks declare the kernel ``calcidata`` (:data:`~calcidata.reports.plan.KERNEL_NAME`),
which ``make install`` registers for JupyterLab. The renderer does not look that
registration up: it runs ``calcidata`` as ipykernel in the interpreter running the
build (:func:`kernel_specs`), so a build renders with the code it fingerprints,
whether the kernelspec is registered in ``sys.prefix``, elsewhere, or not at all.

This module imports jupyter_client (and, when used, papermill and nbconvert):
import it only where notebooks are executed.
"""

from __future__ import annotations

import ast
import contextlib
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync

from calcidata.errors import RenderError
from calcidata.reports.catalog import Params
from calcidata.reports.plan import KERNEL_NAME

if TYPE_CHECKING:  # pragma: no cover
    from nbformat import NotebookNode


class _QuietDeadKernels(logging.Filter):
    """Drop asyncio's "Task exception was never retrieved" for a kernel that died.

    When a render is interrupted (Ctrl-C, SIGTERM) its kernel is shut down while
    nbclient's cell task still waits on it; the task then ends with
    ``DeadKernelError`` after the command has already said "interrupted", and
    asyncio would print that error's traceback when the task is collected.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from asyncio import CancelledError

        from nbclient.exceptions import DeadKernelError

        error = record.exc_info[1] if record.exc_info else None
        unretrieved = str(record.msg).startswith("Task exception was never retrieved")
        return not (unretrieved and isinstance(error, DeadKernelError | CancelledError))


logging.getLogger("asyncio").addFilter(_QuietDeadKernels())

#: What a report notebook imports: a spare kernel imports them while it waits
#: (each one optional).
WARM_IMPORTS = (
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "IPython.display",
    "pandera",
    "calcidata",
    "calcidata.tables.loader",
    "calcidata.analysis.strength",
    "calcidata.analysis.units",
    "calcidata.reports.registry",
    "calcidata.analysis",
    "calcidata.analysis.selection",
    "calcidata.analysis.caveats",
    "calcidata.analysis.conditions",
    "calcidata.analysis.evidence",
    "calcidata.analysis.treatments",
    "calcidata.analysis.dosing",
    "calcidata.analysis.maps",
    "calcidata.analysis.sources",
    "calcidata.display",
    "calcidata.display.labels",
    "calcidata.display.wording",
    "calcidata.display.html",
    "calcidata.display._plotbase",
    "calcidata.display.plots",
    "calcidata.display.plot_doses",
    "calcidata.display.plot_maps",
)

ENGINE = "calcidata_warm"

_WARM_CODE = """\
def _calcidata_warm_up():
    import importlib
    for name in {modules!r}:
        try:
            importlib.import_module(name)
        except Exception:
            pass
_calcidata_warm_up()
del _calcidata_warm_up
"""


@cache
def _register_engine() -> str:
    """Register the ``calcidata_warm`` papermill engine (once) and return its name."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
    from papermill.log import logger

    class WarmEngine(NBClientEngine):  # type: ignore[misc]  # papermill ships no types
        """papermill's nbclient engine, accepting an already started kernel manager ``km``.

        The caller owns ``km`` (and shuts its kernel down); this engine only closes
        the client channels it opened.
        """

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: NotebookExecutionManager,
            kernel_name: str,
            km: AsyncKernelManager | None = None,
            **options: Any,
        ) -> NotebookNode:
            """Run ``nb_man``'s notebook in ``km``'s kernel, as papermill's own engine would."""
            options.pop("input_path", None)  # as papermill's engine: unused downstream
            options["timeout"] = options.pop("execution_timeout", None)
            options["startup_timeout"] = options.pop("start_timeout", 60)
            # widget state saved by JupyterLab is not this run's (nbclient stores the
            # run's own), and the page would fetch widget scripts for it
            nb_man.nb.metadata.pop("widgets", None)
            client = PapermillNotebookClient(
                nb_man, km=km, kernel_name=kernel_name, log=logger, **options
            )
            try:
                executed: NotebookNode = client.execute()
                return executed
            finally:
                if km is not None and client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, WarmEngine)
    return ENGINE


@cache
def kernel_specs() -> KernelSpecManager:
    """jupyter_client's kernel specs, with ``calcidata`` always this interpreter's ipykernel.

    Other names (``python3``, a fixture's ``ir``) are looked up as usual.
    """
    from ipykernel.kernelspec import get_kernel_dict

    spec = {k: v for k, v in get_kernel_dict().items() if KernelSpec.class_traits().get(k)}
    own = KernelSpec(**{**spec, "display_name": f"Python ({KERNEL_NAME})", "name": KERNEL_NAME})

    class Specs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            if kernel_name == KERNEL_NAME:
                return own
            return super().get_kernel_spec(kernel_name)

    return Specs()


class WarmKernel:
    """One started kernel, with the client that sent it the warm-up imports."""

    def __init__(
        self,
        kernel_name: str,
        cwd: str | None,
        env: Mapping[str, str],
        warm_imports: tuple[str, ...],
    ):
        self.kernel_name = kernel_name
        self._dir = tempfile.mkdtemp(prefix="calcidata-kernel-")
        self.km: AsyncKernelManager | None = AsyncKernelManager(
            # IPC sockets (no TCP ports, no plain-text warning) under a private directory:
            # jupyter_client's default "kernel-ipc-N" names in the kernel's cwd would
            # collide between concurrent kernels.
            kernel_name=kernel_name,
            kernel_spec_manager=kernel_specs(),
            transport="ipc",
            ip=os.path.join(self._dir, "ipc"),
            kernel_id=str(uuid.uuid4()),
        )
        try:
            run_sync(self.km.start_kernel)(cwd=cwd, env=dict(env))
        except NoSuchKernel:
            shutil.rmtree(self._dir, ignore_errors=True)
            known = ", ".join(sorted({KERNEL_NAME, *kernel_specs().find_kernel_specs()}))
            raise RenderError(
                f"no Jupyter kernel named {kernel_name!r} (the notebook's kernelspec names "
                f"it); kernels here: {known}"
            ) from None
        self._kc: BlockingKernelClient | None = None
        if warm_imports:
            kc = BlockingKernelClient(connection_file=self.km.connection_file)
            kc.load_connection_file()
            kc.start_channels()
            kc.execute(
                _WARM_CODE.format(modules=tuple(warm_imports)), silent=True, store_history=False
            )
            self._kc = kc

    def package_files(self, package: str, root: Path) -> list[str]:
        """Files of ``package``'s modules imported in the kernel, relative to ``root``.

        Asked with a silent execution's ``user_expressions``; an empty list if the
        kernel does not answer.
        """
        expression = (
            "sorted({getattr(m, '__file__', None) or '' for n, m in "
            f"list(__import__('sys').modules.items()) if n.split('.')[0] == {package!r}}})"
        )
        kc = self._kc
        try:
            if kc is None:
                if self.km is None:  # shut down: no kernel to ask
                    return []
                kc = self._kc = BlockingKernelClient(connection_file=self.km.connection_file)
                kc.load_connection_file()
                kc.start_channels()
            msg_id = kc.execute(
                "", silent=True, store_history=False, user_expressions={"files": expression}
            )
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                reply = kc.get_shell_msg(timeout=30)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            else:
                return []
            value = reply["content"]["user_expressions"]["files"]["data"]["text/plain"]
            files = ast.literal_eval(value)
        except Exception:
            return []
        out = []
        for name in files:
            try:
                rel = Path(name).resolve().relative_to(root).as_posix()
            except ValueError:
                continue
            if rel.endswith(".py"):
                out.append(rel)
        return sorted(out)

    def shutdown(self) -> None:
        """Stop the kernel process and close every channel; safe to call twice."""
        if self._kc is not None:
            self._kc.stop_channels()
            self._kc = None
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # already dead: nothing to stop
                pass
            self.km = None
            shutil.rmtree(self._dir, ignore_errors=True)


def kernel_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment of the kernels: this process's, plus ``extra``."""
    return {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", **(extra or {})}


class KernelPool:
    """A worker's kernels: hands out started kernels, keeps at most one spare warming.

    Parameters
    ----------
    cwd : path-like, optional
        Working directory of the kernels.
    env : mapping, optional
        Extra environment variables for the kernels (added to ``os.environ``).
    warm_imports : tuple of str
        Modules each kernel imports while it waits.
    """

    def __init__(
        self,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        warm_imports: tuple[str, ...] = WARM_IMPORTS,
    ):
        self.cwd = str(cwd) if cwd is not None else None
        self.env = kernel_env(env)
        self.warm_imports = warm_imports
        self._spare: WarmKernel | None = None

    def _start(self, kernel_name: str) -> WarmKernel:
        return WarmKernel(kernel_name, self.cwd, self.env, self.warm_imports)

    def prestart(self, kernel_name: str = KERNEL_NAME) -> None:
        """Start a spare kernel (returns at once; it warms up on its own).

        A kernel that cannot start leaves no spare: :meth:`take` then raises the
        error for the job that needs it, which fails alone.
        """
        if self._spare is None:
            with contextlib.suppress(RenderError):
                self._spare = self._start(kernel_name)

    def take(self, kernel_name: str = KERNEL_NAME) -> WarmKernel:
        """A started kernel: the spare if it runs ``kernel_name``, else a new one."""
        spare, self._spare = self._spare, None
        if spare is not None and spare.kernel_name == kernel_name:
            return spare
        if spare is not None:
            spare.shutdown()
        return self._start(kernel_name)

    def close(self) -> None:
        """Shut the spare kernel down."""
        if self._spare is not None:
            self._spare.shutdown()
            self._spare = None


def execute(
    notebook: str | os.PathLike[str],
    output: str | os.PathLike[str],
    params: Params,
    kernel: WarmKernel,
    *,
    cwd: str | os.PathLike[str] | None = None,
    cell_timeout: int = 600,
) -> NotebookNode:
    """Run ``notebook`` with papermill in ``kernel``; write the executed copy to ``output``.

    Returns the executed notebook; raises papermill's ``PapermillExecutionError``
    when a cell fails (the copy with the error is written first).
    """
    import papermill

    executed: NotebookNode = papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters=params,
        engine_name=_register_engine(),
        request_save_on_cell_execute=False,
        progress_bar=False,
        kernel_name=kernel.kernel_name,
        start_timeout=180,
        execution_timeout=cell_timeout,
        km=kernel.km,
        cwd=str(cwd) if cwd is not None else None,
    )
    return executed
