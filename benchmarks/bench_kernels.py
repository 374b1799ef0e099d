"""The cost of rendering: the full build against its floor.

Measured in one run, on the shipped data:

* **full build**: ``calcidata build --force`` from scratch in its own process,
  ``-j`` = the CPU count (every kernel a new interpreter, one spare kept warm
  per worker);
* **floor**: each report's notebook code run as one plain Python script (no
  kernel, no papermill, no nbconvert), its displayed values rendered the way a
  kernel renders them (``_repr_html_`` for tables, PNG for figures), one process
  per report, as many at once as there are CPUs. The summed CPU time of those
  scripts is the floor the full build's CPU time is held against.

(Issue 10 measured a kernel fork server against this plain path here; it did not
cut the full build's wall time by 25% and was removed: see results.md.)
Run alone: ``python -m benchmarks kernels``.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROUNDS = 2
ROOT = Path(__file__).resolve().parents[1]


def _tree_cpu(root: int, seen: dict[int, float]) -> None:
    """Record the CPU seconds (user + system) of ``root`` and all its descendants now."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        stats[pid] = (int(fields[11]) + int(fields[12])) / tick
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            seen[pid] = max(seen.get(pid, 0.0), stats[pid])
        todo += children.get(pid, [])


def _timed(argv: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of a command and every process under it.

    Worker processes (started by multiprocessing's forkserver) and kernels are not
    children the command waits for, so ``RUSAGE_CHILDREN`` misses them: the process
    tree is sampled from ``/proc`` every 0.1 s instead (a process's last 0.1 s may be
    missed).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    seen: dict[int, float] = {}
    while proc.poll() is None:
        _tree_cpu(proc.pid, seen)
        time.sleep(0.1)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise RuntimeError(f"{argv} failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, sum(seen.values())


def _full_build(out: Path) -> tuple[float, float]:
    cli = str(Path(sys.executable).parent / "calcidata")
    return _timed([cli, "build", "--out", str(out), "--force", "--no-progress"])


_PRELUDE = """\
import io as _io
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as _plt


def _show(value):
    # what a kernel does with a cell's value and its open figures
    if value is not None and hasattr(value, "_repr_html_"):
        value._repr_html_()
    elif value is not None and not hasattr(value, "figure"):
        repr(value)
    for number in _plt.get_fignums():
        _plt.figure(number).savefig(_io.BytesIO(), format="png", bbox_inches="tight")
    _plt.close("all")

"""


def script(notebook: Path, params: dict) -> str:
    """The notebook's code as one plain script, with ``params`` set as papermill would."""
    import ast

    nb = json.loads(notebook.read_text(encoding="utf-8"))
    lines = [_PRELUDE]
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        source = "\n".join(ln for ln in source.splitlines() if not ln.lstrip().startswith("%"))
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            lines.append(source)
            lines += [f"{k} = {v!r}" for k, v in params.items()]
            continue
        tree = ast.parse(source)
        last = tree.body[-1] if tree.body else None
        if isinstance(last, ast.Expr):
            head = ast.unparse(ast.Module(body=tree.body[:-1], type_ignores=[]))
            lines += [head, f"_show({ast.unparse(last.value)})"]
        else:
            lines += [source, "_show(None)"]
    return "\n".join(lines) + "\n"


def _floor(jobs, work: Path) -> tuple[float, float]:
    """Each job's script in its own process, as many at once as there are CPUs."""
    from concurrent.futures import ThreadPoolExecutor

    from calcidata import paths

    env = {**os.environ, paths.ENV_DATA_DIR: str(paths.data_dir().resolve())}
    scripts = []
    for i, job in enumerate(jobs):
        path = work / f"floor_{i}.py"
        path.write_text(script(Path(job.notebook), job.params), encoding="utf-8")
        scripts.append(path)
    start = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        cpu = sum(c for _, c in pool.map(lambda p: _timed([sys.executable, str(p)], env), scripts))
    return time.perf_counter() - start, cpu


def run(results: list[str]) -> None:
    """Measure, and append the Markdown section to ``results``."""
    from calcidata.reports.build import plan

    cpus = os.cpu_count() or 1
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    work = Path(tempfile.mkdtemp(prefix="calcidata-bench-kernels-"))
    jobs = plan(work / "plan")
    try:
        builds = [_full_build(work / f"build{r}") for r in range(ROUNDS)]
        floor_w, floor_c = _floor(jobs, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    wall = statistics.median(w for w, _ in builds)
    cpu = statistics.median(c for _, c in builds)
    n = len(jobs)
    results += [
        "## The floor of a build",
        "",
        f"{cpus} CPU(s); load average {load} at the start, {load_after} at the end. Full "
        f"builds of all {n} reports from scratch, `-j {cpus}`, {ROUNDS} rounds (medians); "
        "CPU s counts the build process and all its descendants.",
        "",
        "| how | wall s | CPU s | CPU s per report |",
        "|---|---:|---:|---:|",
        f"| full build (a warm spare kernel per worker) | {wall:.1f} | {cpu:.1f} | {cpu / n:.2f} |",
        f"| floor: each report's code as a plain script | {floor_w:.1f} | "
        f"{floor_c:.1f} | {floor_c / n:.2f} |",
        "",
        f"Full build CPU time over the summed floor: {cpu / floor_c:.2f}x (target: at most 1.3x).",
        "",
        "Rounds (wall s, CPU s): " + "; ".join(f"{w:.0f}, {c:.0f}" for w, c in builds) + ".",
    ]
