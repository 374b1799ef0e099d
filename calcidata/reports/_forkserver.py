"""A kernel "zygote": a process that imports the heavy modules once, then forks kernels.

Started by :class:`calcidata.kernels.Zygote` as ``python -c "from
calcidata.reports._forkserver import main; main()" SOCKET``. It listens on the Unix socket
``SOCKET`` at once, imports ipykernel, pandas, matplotlib, seaborn and
calcidata *without starting anything* (no kernel, no event loop, no ZeroMQ
context, no threads of its own), then serves any number of clients (the build's
worker processes). Each request is one JSON line::

    {"connection_file": "...", "cwd": "...", "env": {...}}

answered by one line with the process id of a forked child, which becomes an
ordinary IPython kernel (``ipykernel``'s ``IPKernelApp``, as ``python -m
ipykernel_launcher -f CONNECTION_FILE`` would start it) in a session of its
own. Such a kernel skips the interpreter start and the imports, which cost
more than running a typical report notebook.

What would differ from a fresh kernel is reset in the child: environment,
working directory, ``sys.argv``, signal handlers, open sockets, and the random
seeds of ``random`` and ``numpy``. The zygote exits when its standard input
closes (its owner ended); its kernels exit when the zygote does (ipykernel's
parent poller).
"""

from __future__ import annotations

import importlib
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from functools import cache

#: What a report notebook imports: loaded ahead of time in a zygote or a spare kernel
#: (each one optional). The one list; calcidata.kernels uses it too.
REPORT_IMPORTS = (
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

#: Imported once in the zygote; each is optional.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython.core.interactiveshell",
    *REPORT_IMPORTS,
)


def _reap(*_args) -> None:
    """Collect every exited kernel, so that it disappears from the process table."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _become_kernel(request: dict, inherited: list[socket.socket]) -> None:
    """In the forked child: turn this process into an IPython kernel (never returns)."""
    code = 1
    try:
        os.setsid()  # as jupyter_client starts kernels: own session and process group
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)  # standard output is the zygote's reply pipe: never write there
        os.close(null)
        for sock in inherited:  # the zygote's listening and client sockets
            sock.close()
        os.environ.clear()
        os.environ.update(request.get("env") or {})
        if request.get("cwd"):
            os.chdir(request["cwd"])
        import random

        random.seed()
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        connection_file = request["connection_file"]
        sys.argv = ["ipykernel_launcher", "-f", connection_file]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(
            argv=[
                "-f",
                connection_file,
                f"--IPKernelApp.parent_handle={os.getppid()}",
                "--HistoryManager.hist_file=:memory:",
            ]
        )
        code = 0
    finally:
        os._exit(code)


def main() -> None:
    """Listen, preload, then serve fork requests until standard input closes."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sys.argv[1])
    listener.listen(64)  # clients may connect while we preload; they wait in the backlog
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel adds the cwd back
    # as ipykernel sets it before any user import (matplotlib reads it when imported)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a missing optional module only costs its import later
            pass
    signal.signal(signal.SIGCHLD, _reap)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin.fileno(), selectors.EVENT_READ)
    pending: dict[socket.socket, bytes] = {}
    while True:
        for key, _ in selector.select():
            if key.fileobj is listener:
                conn, _ = listener.accept()
                selector.register(conn, selectors.EVENT_READ)
                pending[conn] = b""
            elif key.fileobj == sys.stdin.fileno():
                if not os.read(sys.stdin.fileno(), 4096):
                    _reap()
                    return  # our owner is gone
            else:
                conn = key.fileobj
                data = conn.recv(1 << 16)
                if not data:
                    selector.unregister(conn)
                    del pending[conn]
                    conn.close()
                    continue
                pending[conn] += data
                while b"\n" in pending[conn]:
                    line, pending[conn] = pending[conn].split(b"\n", 1)
                    pid = os.fork()
                    if pid == 0:
                        _become_kernel(json.loads(line), [listener, *pending])
                    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")


if __name__ == "__main__":
    main()


# --------------------------------------------------------------------------- client side


class Zygote:
    """A :mod:`calcidata.reports._forkserver` process: one per build, shared by its workers.

    It starts preloading at once; :meth:`client` objects (one per worker, made
    from :attr:`path` alone) ask it to fork ready kernels.
    """

    def __init__(self, cwd: str | None, env: Mapping[str, str]):
        self._dir = tempfile.mkdtemp(prefix="calcidata-zygote-")
        self.path = os.path.join(self._dir, "zygote.sock")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from calcidata.reports._forkserver import main; main()",
                self.path,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            cwd=cwd,
            env=dict(env),
        )

    def close(self) -> None:
        """End the zygote (its kernels end with it)."""
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self._dir, ignore_errors=True)


class ZygoteClient:
    """Asks the zygote listening on ``path`` to fork kernels."""

    def __init__(self, path: str):
        self.path = path
        self._sock: socket.socket | None = None
        self._buffer = b""
        self.broken = False

    def _connect(self) -> socket.socket:
        deadline = time.monotonic() + 30
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.path)
                return sock
            except (FileNotFoundError, ConnectionRefusedError):
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)  # the zygote has not bound its socket yet

    def spawn(self, connection_file: str, cwd: str | None, env: Mapping[str, str]) -> int:
        """Fork a kernel for ``connection_file``; return its process id."""
        try:
            if self._sock is None:
                self._sock = self._connect()
            request = {"connection_file": connection_file, "cwd": cwd, "env": dict(env)}
            self._sock.sendall(json.dumps(request).encode() + b"\n")
            while b"\n" not in self._buffer:
                data = self._sock.recv(4096)
                if not data:
                    raise ConnectionError("the kernel zygote exited")
                self._buffer += data
            line, self._buffer = self._buffer.split(b"\n", 1)
            return int(json.loads(line)["pid"])
        except Exception:
            self.broken = True
            raise

    def close(self) -> None:
        """Close the connection to the zygote."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class _ForkedProcess:
    """The Popen-like handle jupyter_client's provisioner needs, for a zygote's child."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:
                pass
            else:
                try:  # exited but not yet collected by the zygote: ended too
                    with open(f"/proc/{self.pid}/stat", encoding="ascii") as f:
                        if f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X"):
                            self.returncode = 0
                except (OSError, IndexError):
                    pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


@cache
def _zygote_provisioner():
    from jupyter_client.provisioning import LocalProvisioner

    class ZygoteProvisioner(LocalProvisioner):
        """jupyter_client's local provisioner, launching by fork from a zygote."""

        zygote: ZygoteClient | None = None

        async def launch_kernel(self, cmd, **kwargs):
            pid = self.zygote.spawn(
                self.parent.connection_file, kwargs.get("cwd"), kwargs.get("env") or os.environ
            )
            self.process = _ForkedProcess(pid)
            self.pid = self.pgid = pid
            return self.connection_info

    return ZygoteProvisioner
