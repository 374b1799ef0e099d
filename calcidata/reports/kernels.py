"""Fast kernels and in-process notebook execution for the renderer.

Starting a kernel and importing pandas, seaborn and calcidata in it costs a
few seconds, often more than running the report itself. Two things remove
that cost:

* On Linux each worker has a :class:`Zygote`: a process that imported
  ipykernel, pandas, matplotlib, seaborn and calcidata once and forks a new,
  ready kernel on request (see :mod:`calcidata.reports._forkserver`). Elsewhere kernels
  start as usual.
* A :class:`KernelPool` keeps one spare kernel per worker, started while the
  previous notebook ran, and sends it the imports as a *silent* execution (no
  history, no execution count, no output), so a notebook then runs as in a
  fresh kernel, only sooner.

Every notebook still gets a kernel of its own. Notebooks run through papermill's
own machinery (parameter injection, error cells, cell metadata) with a small
engine, ``calcidata_warm``, that hands papermill a kernel manager whose kernel
is already running; HTML comes from nbconvert's ``HTMLExporter``, created once
per process. Nothing here shells out to the papermill or nbconvert command lines.

This module imports jupyter_client (and, when used, papermill and nbconvert):
import it only where notebooks are executed.
"""

from __future__ import annotations

import ast
import logging
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from jupyter_client import AsyncKernelManager, BlockingKernelClient
from jupyter_core.utils import run_sync

from calcidata.reports._forkserver import (
    REPORT_IMPORTS,
    Zygote,
    ZygoteClient,
    _zygote_provisioner,
)

#: Modules a spare kernel imports before it is used (each one optional).
WARM_IMPORTS = REPORT_IMPORTS

ENGINE = "calcidata_warm"
#: The kernel the zygote can fork: ipykernel in this interpreter.
ZYGOTE_KERNEL = "python3"

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
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class WarmEngine(NBClientEngine):
        """papermill's nbclient engine, accepting an already started kernel manager ``km``.

        The caller owns ``km`` (and shuts its kernel down); this engine only closes
        the client channels it opened.
        """

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            km=None,
            **kwargs,
        ):
            client = PapermillNotebookClient(
                nb_man,
                km=km,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            try:
                return client.execute()
            finally:
                if km is not None and client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE, WarmEngine)
    return ENGINE


class WarmKernel:
    """One started kernel, with the client that sent it the warm-up imports."""

    def __init__(
        self,
        kernel_name: str,
        cwd: str | None,
        env: Mapping[str, str],
        warm_imports: tuple[str, ...],
        zygote: ZygoteClient | None = None,
    ):
        self.kernel_name = kernel_name
        self._dir = tempfile.mkdtemp(prefix="calcidata-kernel-")
        self.km = self._manager()
        if zygote is not None and not zygote.broken:
            provisioner = _zygote_provisioner()(
                kernel_id=self.km.kernel_id, kernel_spec=self.km.kernel_spec, parent=self.km
            )
            provisioner.zygote = zygote
            self.km.provisioner = provisioner
        try:
            run_sync(self.km.start_kernel)(cwd=cwd, env=dict(env))
        except Exception:
            if zygote is None:
                raise
            self.km = self._manager()  # the zygote is gone: start a kernel the usual way
            run_sync(self.km.start_kernel)(cwd=cwd, env=dict(env))
        self._kc = None
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
            if rel.endswith(".py") and not rel.endswith("_forkserver.py"):
                out.append(rel)
        return sorted(out)

    def _manager(self) -> AsyncKernelManager:
        # IPC sockets (no TCP ports, no plain-text warning) under a private directory:
        # jupyter_client's default "kernel-ipc-N" names in the kernel's cwd would collide
        # between concurrent kernels.
        return AsyncKernelManager(
            kernel_name=self.kernel_name,
            transport="ipc",
            ip=os.path.join(self._dir, "ipc"),
            kernel_id=str(uuid.uuid4()),
        )

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
    zygote : bool or str
        Fork ``python3`` kernels from a preloaded zygote (Linux only): ``True``
        starts one for this pool, a string is the socket path of a shared one
        (see :class:`Zygote`), ``False`` starts every kernel as a new interpreter.
    """

    def __init__(
        self,
        cwd: str | os.PathLike | None = None,
        env: Mapping[str, str] | None = None,
        warm_imports: tuple[str, ...] = WARM_IMPORTS,
        zygote: bool | str = True,
    ):
        self.cwd = str(cwd) if cwd is not None else None
        self.env = kernel_env(env)
        self.warm_imports = warm_imports
        self._own_zygote = None
        self.zygote: ZygoteClient | None = None
        if isinstance(zygote, str):
            self.zygote = ZygoteClient(zygote)
        elif zygote and can_fork():
            self._own_zygote = Zygote(self.cwd, self.env)
            self.zygote = ZygoteClient(self._own_zygote.path)
        self._spare: WarmKernel | None = None

    def _start(self, kernel_name: str) -> WarmKernel:
        zygote = self.zygote if kernel_name == ZYGOTE_KERNEL else None
        return WarmKernel(kernel_name, self.cwd, self.env, self.warm_imports, zygote)

    def prestart(self, kernel_name: str = ZYGOTE_KERNEL) -> None:
        """Start a spare kernel (returns at once; it warms up on its own)."""
        if self._spare is None:
            self._spare = self._start(kernel_name)

    def take(self, kernel_name: str = ZYGOTE_KERNEL) -> WarmKernel:
        """A started kernel: the spare if it runs ``kernel_name``, else a new one."""
        spare, self._spare = self._spare, None
        if spare is not None and spare.kernel_name == kernel_name:
            return spare
        if spare is not None:
            spare.shutdown()
        return self._start(kernel_name)

    def close(self) -> None:
        """Shut the spare kernel down, and the zygote if this pool started it."""
        if self._spare is not None:
            self._spare.shutdown()
            self._spare = None
        if self.zygote is not None:
            self.zygote.close()
        if self._own_zygote is not None:
            self._own_zygote.close()
            self._own_zygote = None


def can_fork() -> bool:
    """Whether kernels may be forked from a zygote here.

    Linux only (macOS frameworks are not fork-safe); ``CALCIDATA_FORK_KERNELS=0``
    turns it off (the benchmark measures the build both ways).
    """
    if os.environ.get("CALCIDATA_FORK_KERNELS", "1") == "0":
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def execute(
    notebook: str | os.PathLike,
    output: str | os.PathLike,
    params: dict,
    kernel: WarmKernel,
    *,
    cwd: str | os.PathLike | None = None,
    cell_timeout: int = 600,
):
    """Run ``notebook`` with papermill in ``kernel``; write the executed copy to ``output``.

    Returns the executed notebook; raises papermill's ``PapermillExecutionError``
    when a cell fails (the copy with the error is written first).
    """
    import papermill

    return papermill.execute_notebook(
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


_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

_EXPORTER = None


def to_html(nb, title: str) -> str:
    """The notebook as one self-contained HTML page: outputs and Markdown, no code.

    Uses nbconvert's lab template without its CDN scripts (require.js, MathJax,
    Mermaid), so the page loads nothing from the network; figures are embedded
    as data URIs. ``title`` is escaped by the template.
    """
    body, _ = exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def exporter():
    """The process's one ``HTMLExporter`` (created on first use)."""
    global _EXPORTER
    if _EXPORTER is None:
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter

        # nbconvert's warnings (e.g. images without alt text) are not the reader's business
        quiet = logging.getLogger("calcidata.nbconvert")
        quiet.setLevel(logging.ERROR)
        _EXPORTER = HTMLExporter(
            log=quiet,
            template_name="lab",
            template_file="calcidata_report.html.j2",
            extra_loaders=[DictLoader({"calcidata_report.html.j2": _TEMPLATE})],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            embed_images=True,
        )
    return _EXPORTER
