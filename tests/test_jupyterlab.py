"""JupyterLab anywhere (issue 8): the named kernel, `make lab` as root, the nbstripout filter.

These run the real Makefile (``make``), the real ``jupyter`` and ``git`` commands
and a real JupyterLab server. ``make`` is told the venv running the tests
(``VENV=sys.prefix``) and never to reinstall it (``-o`` its stamp): only the
targets under test run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
VENV = Path(sys.prefix)
BIN = VENV / "bin"


def _make(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    argv = ["make", "--no-print-directory", *args, f"VENV={VENV}"]
    argv += ["-o", str(VENV / ".installed-stamp")]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


# --------------------------------------------------------------------------- the kernel


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_declares_the_calcidata_kernel(path):
    spec = nbformat.read(path, as_version=4).metadata.kernelspec
    assert spec == {"name": "calcidata", "display_name": "Python (calcidata)", "language": "python"}


def test_notebooks_are_stored_as_the_nbstripout_filter_leaves_them():
    done = subprocess.run(
        [str(BIN / "nbstripout"), "--keep-id", "--verify", *map(str, NOTEBOOKS)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_make_install_registered_the_kernel_in_the_venv():
    _make("install", cwd=ROOT)  # idempotent: registers again if it is missing
    listed = subprocess.run(
        [str(BIN / "jupyter"), "kernelspec", "list", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    spec = json.loads(listed.stdout)["kernelspecs"]["calcidata"]
    resource_dir = Path(spec["resource_dir"]).resolve()
    assert resource_dir == (VENV / "share" / "jupyter" / "kernels" / "calcidata").resolve()
    assert resource_dir.is_relative_to(Path(sys.prefix).resolve())
    assert spec["spec"]["display_name"] == "Python (calcidata)"
    assert Path(spec["spec"]["argv"][0]).resolve() == Path(sys.executable).resolve()


# --------------------------------------------------------------------------- git filter


@pytest.fixture
def clone(tmp_path):
    path = tmp_path / "clone"
    _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(path), cwd=tmp_path)
    return path


def test_make_install_sets_nbstripout_as_the_git_filter_in_a_clone(clone):
    before = subprocess.run(["git", "config", "--get", "filter.nbstripout.clean"], cwd=clone)
    assert before.returncode == 1
    _make("install", cwd=clone)
    clean = _git("config", "--get", "filter.nbstripout.clean", cwd=clone)
    assert clean == f'"{BIN}/python" -m nbstripout --keep-id'
    assert _git("config", "--get", "filter.nbstripout.required", cwd=clone) == "true"
    assert "nbstripout" in _git("check-attr", "filter", "notebooks/explore.ipynb", cwd=clone)

    # a second install changes nothing, and the committed notebooks are already clean
    config = (clone / ".git" / "config").read_text()
    _make("install", cwd=clone)
    assert (clone / ".git" / "config").read_text() == config
    _git("add", "--renormalize", "notebooks", cwd=clone)
    assert _git("status", "--porcelain", cwd=clone) == ""

    # outputs and execution counts JupyterLab saved never reach the index ...
    path = clone / "notebooks" / "explore.ipynb"
    nb = nbformat.read(path, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.execution_count = 7
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="saved output\n")]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nbformat.write(nb, path)
    _git("add", "notebooks/explore.ipynb", cwd=clone)
    staged = subprocess.run(["git", "diff", "--cached", "--quiet"], cwd=clone)
    assert staged.returncode == 0, "the filter let outputs through"
    assert "saved output" not in _git("show", ":notebooks/explore.ipynb", cwd=clone)

    # ... while a changed source does
    code.source += "\n# edited"
    nbformat.write(nb, path)
    _git("add", "notebooks/explore.ipynb", cwd=clone)
    assert "# edited" in _git("diff", "--cached", cwd=clone)
    assert "saved output" not in _git("show", ":notebooks/explore.ipynb", cwd=clone)


def test_the_git_filter_step_is_harmless_outside_git_and_in_a_linked_worktree(clone, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    for name in ("Makefile", ".gitattributes"):
        shutil.copy(ROOT / name, plain / name)
    done = _make("git-filter", cwd=plain)
    assert "not a git checkout" in done.stdout
    assert sorted(p.name for p in plain.iterdir()) == [".gitattributes", "Makefile"]

    worktree = tmp_path / "worktree"
    _git("worktree", "add", "--quiet", "--detach", str(worktree), cwd=clone)
    done = _make("git-filter", cwd=worktree)
    assert "linked worktree" in done.stdout
    unset = subprocess.run(["git", "config", "--get", "filter.nbstripout.clean"], cwd=clone)
    assert unset.returncode == 1, "the main checkout's config was written"


# --------------------------------------------------------------------------- make lab


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str):
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_make_lab_as_a_normal_user_does_not_add_allow_root():
    """Root checks the other side too: ``make -n lab`` as uid 65534 (nobody).

    On a copy of the Makefile in a folder nobody can read (the checkout may not be).
    """
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="calcidata-lab-"))
    try:
        folder.chmod(0o755)
        shutil.copy(ROOT / "Makefile", folder / "Makefile")
        (folder / "Makefile").chmod(0o644)
        done = subprocess.run(
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            + ["make", "--no-print-directory", "-n", "lab", "-o", ".venv/.installed-stamp"],
            cwd=folder,
            capture_output=True,
            text=True,
        )
    finally:
        shutil.rmtree(folder)
    assert done.returncode == 0, done.stderr
    command = [ln for ln in done.stdout.splitlines() if " lab" in ln][-1]
    assert "jupyter lab" in command and "--allow-root" not in command, command


@pytest.mark.slow
def test_make_lab_starts_jupyterlab_in_notebooks_with_allow_root_only_as_root(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    args = (
        f"LAB_ARGS=--no-browser --port={port} --ServerApp.port_retries=0 "
        f"--IdentityProvider.token={token}"
    )
    dry = _make("-n", "lab", args, cwd=ROOT)
    command = [ln for ln in dry.stdout.splitlines() if " lab " in ln][-1]
    assert ("--allow-root" in command.split()) == (os.geteuid() == 0), command

    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    log = open(tmp_path / "lab.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", args, f"VENV={VENV}"]
        + ["-o", str(VENV / ".installed-stamp")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api"
    try:
        status, deadline = None, time.monotonic() + 180
        while status is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                status = _get(f"{base}/status", token)
            except OSError:
                time.sleep(0.5)
        assert status is not None, (tmp_path / "lab.log").read_text()[-3000:]
        assert "started" in status
        names = {item["name"] for item in _get(f"{base}/contents", token)["content"]}
        assert {p.name for p in NOTEBOOKS} <= names  # it serves notebooks/
        assert "calcidata" in _get(f"{base}/kernelspecs", token)["kernelspecs"]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
