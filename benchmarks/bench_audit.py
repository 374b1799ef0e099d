"""The dose audit at scale: in memory, against a row-by-row loop, and out of core.

Measurements run in subprocesses with every library held to one thread, so
that CPU time is one core's time and peak memory (Linux ``VmHWM``, reset just
before the measured step) belongs to the measured step. The out-of-core run gets
a hard address-space limit (``RLIMIT_AS``) smaller than the file it audits.

Run alone: ``python -m benchmarks audit``; one measurement:
``python -m benchmarks.bench_audit memory 1000000``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

#: Sizes of the in-memory runs, of the loop sample and of the out-of-core files.
MEMORY_ROWS = (1_000_000, 10_000_000)
LOOP_ROWS = 100_000
OUT_OF_CORE_ROWS = (2_000_000, 8_000_000)
#: Address space the out-of-core process may use (smaller than the larger file).
ALLOWED_BYTES = 1 << 30
NOTE_WIDTH = 120


def _strings(values: list, codes: np.ndarray) -> pd.Series:
    import pyarrow as pa

    return pd.Series(pa.array(values).take(pa.array(codes)).to_pandas())


def synthetic(n: int, seed: int = 0, *, note: bool = False) -> pd.DataFrame:
    """Synthetic prescriptions: text columns as a CSV reader gives them (``str``).

    Treatments are written as calcidata ids, names, synonyms and ATC codes, with
    some unknown or empty; doses, units and frequencies are random and include
    bad values, so that every status occurs. The doses are made up: they are
    test input, not facts.
    """
    import calcidata

    t = calcidata.load()
    rng = np.random.default_rng(seed)
    tr = t.treatments
    dosed = set(t.dosing_ranges["treatment_id"])
    names = sorted(dosed) + [n for n in tr.loc[tr["treatment_id"].isin(dosed), "name"]]
    names += [a for a in tr["atc_code"].dropna()]
    names += [s.split(";")[0] for s in tr["synonyms"].dropna()][:20]
    names += ["physiotherapy", "eswt", "not a drug", "unknownium", None]
    units = ["mg"] * 6 + ["g", "mcg", "mg/kg", "milligrams", "MG", "spoonful", None]
    freqs = [
        "1",
        "2",
        "3",
        "4",
        "BID",
        "TID",
        "QID",
        "QD",
        "Q6H",
        "Q8H",
        "QW",
        "PRN",
        "x",
        "0.5",
        None,
    ]
    routes = [None] * 6 + ["oral"] * 3 + ["intravenous", "topical", "Oral"]
    conds = [None] * 12 + sorted(set(t.dosing_ranges["condition_id"].dropna()))[:8] + ["gout"]
    dose = rng.choice(
        [0.1, 0.5, 1, 2, 5, 10, 20, 25, 50, 75, 100, 200, 250, 400, 500, 800, 1000, 1200], n
    ) * rng.choice([1.0, 1.0, 1.0, 1.5, 3.0], n)
    dose[rng.random(n) < 0.002] = np.nan
    dose[rng.random(n) < 0.001] = -1.0
    frame = pd.DataFrame(
        {
            "treatment": _strings(names, rng.integers(0, len(names), n)),
            "dose": dose,
            "unit": _strings(units, rng.integers(0, len(units), n)),
            "frequency": _strings(freqs, rng.integers(0, len(freqs), n)),
            "route": _strings(routes, rng.integers(0, len(routes), n)),
            "condition": _strings(conds, rng.integers(0, len(conds), n)),
        }
    )
    if note:
        frame["note"] = _strings(
            [f"synthetic free-text note {i:03d} ".ljust(NOTE_WIDTH, "x") for i in range(997)],
            rng.integers(0, 997, n),
        )
    return frame


# -- the straightforward loop, for comparison (and as an oracle in the tests) ---------------


def audit_loop(frame: pd.DataFrame, *, tables) -> pd.DataFrame:
    """The audit written as a plain loop over rows, calling the same building blocks.

    Same rule and same output columns as :func:`calcidata.audit_doses`; used to
    show what vectorizing buys, and by a test as an independent check.
    """
    from calcidata.analysis.units import AMOUNT_UNITS, canonical, factor, normalize_unit
    from calcidata.audit.core import OUTPUT_COLUMNS, TOLERANCE
    from calcidata.audit.inputs import _blank, _parse_frequency
    from calcidata.audit.reference import DoseReference
    from calcidata.schemas.vocabularies import DOSE_UNITS

    ref = DoseReference(tables)
    has_route, has_condition = "route" in frame.columns, "condition" in frame.columns
    out = {c: [] for c in OUTPUT_COLUMNS}
    for row in frame.to_dict("records"):
        treatment = ref.match_treatment(row["treatment"])
        unit = normalize_unit(row["unit"])
        per_day, freq_problem = _parse_frequency(row["frequency"])
        route = ref.match_route(row["route"]) if has_route else None
        cond = (
            ref.match_condition(row["condition"])
            if has_condition and not _blank(row["condition"])
            else None
        )
        problem = None
        if _blank(row["treatment"]):
            problem = "treatment is empty"
        elif unit is None:
            problem = (
                "unit is empty"
                if _blank(row["unit"])
                else f"unit {row['unit']!r} is not a known dose unit; known units: "
                f"{', '.join(DOSE_UNITS)}"
            )
        elif freq_problem:
            problem = freq_problem
        elif route is not None and route.problem:
            problem = route.problem
        elif cond is not None and cond.problem:
            problem = cond.problem
        try:
            dose = float(row["dose"]) if not _blank(row["dose"]) else None
        except (TypeError, ValueError):
            dose = float("nan")
        if problem is None:
            if dose is None:
                problem = "dose is empty"
            elif dose != dose:
                problem = "dose is not a number"
            elif dose in (float("inf"), float("-inf")):
                problem = "dose is not a finite number"
            elif dose < 0:
                problem = "dose is negative"
        rng = None
        if treatment.id is not None:
            rng = ref.range_for(
                treatment.id,
                route.id if route is not None else None,
                cond.id if cond is not None else None,
                canonical(unit) if unit else None,
            )
        comparable = problem is None and treatment.id is not None and rng.status is None
        daily = low = high = float("nan")
        status = reason = None
        if rng is not None and rng.status is None:
            low, high = rng.low, rng.high
        if problem is not None:
            status, reason = "invalid_input", problem
        elif treatment.id is None:
            status, reason = "unknown_treatment", treatment.problem
        elif rng.status is not None:
            status, reason = rng.status, rng.reason
        else:
            mult = factor(unit, canonical(unit)) if unit in AMOUNT_UNITS else float("nan")
            daily = dose * (mult * per_day)
            below, within, above = ref.reasons(rng)
            if daily < low * (1 - TOLERANCE):
                status, reason = "below_range", below
            elif daily > high * (1 + TOLERANCE):
                status, reason = "above_range", above
            else:
                status, reason = "within_range", within
        reason = reason if reason.endswith(".") else reason + "."
        ok = rng is not None and rng.status is None
        out["matched_treatment_id"].append(treatment.id)
        out["daily_dose"].append(daily if comparable else float("nan"))
        out["daily_unit"].append(f"{canonical(unit)}/day" if comparable else None)
        out["range_daily_min"].append(low)
        out["range_daily_max"].append(high)
        out["range_treatment_id"].append(rng.treatment_id if ok else None)
        out["range_scope"].append(rng.scope if ok else None)
        out["range_dosing_ids"].append(rng.dosing_ids if ok else None)
        out["status"].append(status)
        out["reason"].append(reason)
    result = frame.copy()
    for column, values in out.items():
        result[column] = values
    return result


# -- measured steps (each runs in its own process) -----------------------------------------


def _one_core() -> None:
    """Keep every library single-threaded, so CPU time is one core's time."""
    try:
        import pyarrow as pa

        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)
    except ImportError:
        pass


def _timed(action) -> tuple[object, float, float]:
    """Run ``action``; return its result, wall seconds and CPU seconds (all threads)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _reset_peak() -> bool:
    """Reset the peak resident size (Linux); False when not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _step_memory(rows: int) -> dict:
    import calcidata
    from calcidata.audit import audit_doses

    tables = calcidata.load()
    frame = synthetic(rows)
    audit_doses(frame.head(1000), tables=tables)  # warm up imports
    data_mb = frame.memory_usage(deep=True).sum() / 2**20
    before = _rss_mb()
    exact = _reset_peak()
    out, wall, cpu = _timed(lambda: audit_doses(frame, tables=tables))
    peak = _peak_mb()
    statuses = out["status"].value_counts().to_dict()
    del out
    _, again_wall, again_cpu = _timed(lambda: audit_doses(frame, tables=tables))
    return {
        "rows": rows,
        "wall": wall,
        "cpu": cpu,
        "again_wall": again_wall,
        "again_cpu": again_cpu,
        "peak_mb": peak,
        "before_mb": before,
        "data_mb": data_mb,
        "exact_peak": exact,
        "statuses": statuses,
    }


def _step_loop(rows: int) -> dict:
    import calcidata
    from calcidata.audit import audit_doses

    tables = calcidata.load()
    frame = synthetic(rows, seed=1)
    audit_doses(frame.head(1000), tables=tables)
    _, vec_wall, vec_cpu = _timed(lambda: audit_doses(frame, tables=tables))
    _, loop_wall, loop_cpu = _timed(lambda: audit_loop(frame, tables=tables))
    return {
        "rows": rows,
        "vec_wall": vec_wall,
        "vec_cpu": vec_cpu,
        "loop_wall": loop_wall,
        "loop_cpu": loop_cpu,
    }


def _step_file(path: str, out: str) -> dict:
    from calcidata.audit import audit_file

    counts, wall, cpu = _timed(lambda: audit_file(path, out))
    return {"wall": wall, "cpu": cpu, "rows": int(counts.sum()), "peak_mb": _peak_mb()}


def _step_read_whole(path: str) -> dict:
    from calcidata.audit import read_input

    try:
        frame = read_input(path)
    except MemoryError as exc:
        return {"fits": False, "error": type(exc).__name__}
    except Exception as exc:  # pyarrow reports a failed allocation as its own error
        if "memory" in str(exc).lower() or "alloc" in str(exc).lower():
            return {"fits": False, "error": type(exc).__name__}
        raise
    return {"fits": True, "rows": len(frame)}


STEPS = {"memory": _step_memory, "loop": _step_loop, "file": _step_file, "read": _step_read_whole}


def _worker(argv: list[str]) -> None:
    step, *args = argv
    limit = os.environ.get("CALCIDATA_BENCH_LIMIT")
    if limit:
        resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
    _one_core()
    parsed = [int(a) if a.isdigit() else a for a in args]
    print(json.dumps(STEPS[step](*parsed)))


def _measure(*args, limit: int | None = None) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if limit:
        env["CALCIDATA_BENCH_LIMIT"] = str(limit)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_audit", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark step {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write_csv(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.csv as pc

    writer = None
    step = 500_000
    for start in range(0, rows, step):
        frame = synthetic(min(step, rows - start), seed=start, note=True)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pc.CSVWriter(str(path), table.schema)
        writer.write_table(table)
    writer.close()


def run(results: list[str]) -> None:
    """Measure the audit and append the Markdown report to ``results``."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    results += [
        "## Dose audit (`calcidata.audit_doses`, `calcidata audit`)",
        "",
        "Synthetic prescriptions (`benchmarks/bench_audit.py: synthetic`): text columns "
        "as a CSV reader gives them, every status present. One process per measurement, "
        "every library held to one thread: *CPU s* is the process's CPU time (all "
        "threads), so *rows per CPU-second* is the one-core figure; *wall s* also "
        "counts time lost to other work on the machine (load average at the start: "
        f"{load}). Peak RSS is the process's peak resident size during the measured "
        "step.",
        "",
        "### In memory",
        "",
        "| rows | wall s | CPU s | rows per CPU-second | again: rows per CPU-second | "
        "data in memory (MB) | RSS before (MB) | peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rows in MEMORY_ROWS:
        m = _measure("memory", rows)
        results.append(
            f"| {rows:,} | {m['wall']:.2f} | {m['cpu']:.2f} | {rows / m['cpu']:,.0f} | "
            f"{rows / m['again_cpu']:,.0f} | {m['data_mb']:,.0f} | {m['before_mb']:,.0f} | "
            f"{m['peak_mb']:,.0f} |"
        )
    results += [
        "",
        "Target: at least 1,000,000 rows per second on one core. *Again*: the same call "
        "repeated, with the ranges of the frame's keys already chosen. Peak RSS includes "
        "the input frame and the audit's new columns.",
        "",
    ]

    m = _measure("loop", LOOP_ROWS)
    results += [
        "### Against a row-by-row loop",
        "",
        f"The same {LOOP_ROWS:,} rows, same rule and same output (`audit_loop`, checked "
        "equal to the vectorized audit by `tests/test_audit.py`):",
        "",
        "| implementation | wall s | CPU s | rows per CPU-second |",
        "|---|---:|---:|---:|",
        f"| row-by-row Python loop | {m['loop_wall']:.2f} | {m['loop_cpu']:.2f} | "
        f"{LOOP_ROWS / m['loop_cpu']:,.0f} |",
        f"| `audit_doses` (vectorized) | {m['vec_wall']:.3f} | {m['vec_cpu']:.3f} | "
        f"{LOOP_ROWS / m['vec_cpu']:,.0f} |",
        "",
        f"Speed-up: {m['loop_cpu'] / m['vec_cpu']:,.0f}x (CPU time). At this size a "
        "good part of the vectorized time is fixed: choosing the range once for each of "
        "the sample's distinct keys.",
        "",
    ]

    results += [
        "### Out of core (`calcidata audit FILE --out FILE.parquet`)",
        "",
        f"CSV files with a {NOTE_WIDTH}-character free-text column; the process may use "
        f"at most {ALLOWED_BYTES / 2**20:,.0f} MB of address space (`RLIMIT_AS`, a hard "
        "limit: beyond it allocation fails).",
        "",
        "| rows | file size (MB) | wall s | CPU s | rows per CPU-second | peak RSS (MB) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory(prefix="calcidata-bench-") as tmp:
        biggest = None
        for rows in OUT_OF_CORE_ROWS:
            path = Path(tmp) / f"rx_{rows}.csv"
            _write_csv(path, rows)
            size = path.stat().st_size
            m = _measure("file", path, Path(tmp) / "out.parquet", limit=ALLOWED_BYTES)
            assert m["rows"] == rows
            results.append(
                f"| {rows:,} | {size / 2**20:,.0f} | {m['wall']:.1f} | {m['cpu']:.1f} | "
                f"{rows / m['cpu']:,.0f} | {m['peak_mb']:,.0f} |"
            )
            biggest = (path, size)
            (Path(tmp) / "out.parquet").unlink()
            if rows != OUT_OF_CORE_ROWS[-1]:
                path.unlink()
        whole = _measure("read", biggest[0], limit=ALLOWED_BYTES)
        fits = (
            "fits" if whole["fits"] else f"does not fit: reading it whole fails ({whole['error']})"
        )
        results += [
            "",
            f"The largest file is {biggest[1] / ALLOWED_BYTES:.1f}x the allowed memory and "
            f"{fits} under the same limit; the chunked audit's peak stays flat as the file "
            "grows four-fold.",
            "",
        ]


if __name__ == "__main__":
    _worker(sys.argv[1:])
