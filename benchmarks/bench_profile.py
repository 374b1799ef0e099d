"""The evidence profile of every condition on synthetic data of 100,000 results.

The synthetic tables are the shipped tables with their ``evidence`` and
``study_outcomes`` rows resampled (with replacement) to 60,000 evidence rows and
40,000 arm-level rows: each copy gets a new id and a synthetic study (one of
20,000 synthetic sources, randomised trials or reviews of them), its numbers
jittered so that pools differ. Texts (comparators, timepoints) keep the shipped
vocabulary, as real data repeats them; each outcome text gets one of N / 5
question numbers, so a body holds about five results. The profile is computed once
to warm up, then timed with :func:`calcidata.synthesis.profile.compute` (the
work ``calcidata.evidence_profile`` does on a cache miss), on one core.

Run alone: ``python -m benchmarks profile``.

With ``CALCIDATA_BENCH_BASELINE`` naming the root of another checkout (an older
commit, e.g. from ``git worktree add /tmp/base <commit>``; named in the table by
``CALCIDATA_BENCH_BASELINE_LABEL``, else its commit), the same synthetic tables are
also timed with that checkout's code: two worker processes, one per checkout, take
turns (baseline, current, current, baseline, ...) so that both meet the same machine
load, and the medians and their ratio are recorded.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_EVIDENCE, N_ARMS, N_STUDIES = 60_000, 40_000, 20_000
#: Turns each checkout takes when compared with a baseline checkout.
ROUNDS = 6


def synthetic_tables(seed: int = 0):
    """The shipped tables with 100,000 synthetic results (see the module docstring)."""
    import calcidata

    rng = np.random.default_rng(seed)
    t = calcidata.load()
    studies = [f"synthetic_study_{i}" for i in range(N_STUDIES)]
    designs = np.where(rng.random(N_STUDIES) < 0.2, "systematic_review_meta_analysis", "rct")
    sources = pd.DataFrame({"source_id": studies, "design": designs,
                            "year": rng.integers(1990, 2025, N_STUDIES)})  # fmt: skip
    sources = pd.concat([t.sources, sources], ignore_index=True)
    ev = t.evidence.sample(N_EVIDENCE, replace=True, random_state=seed).reset_index(drop=True)
    pick = rng.integers(0, N_STUDIES, N_EVIDENCE)
    ev["evidence_id"] = [f"synthetic_ev_{i}" for i in range(N_EVIDENCE)]
    ev["source_id"] = np.asarray(studies)[pick]
    ev["study_design"] = designs[pick]
    ev["pooled_design"] = np.where(designs[pick] == "rct", None, "rct")
    jitter = np.exp(rng.normal(0, 0.1, N_EVIDENCE))
    ratio = ev["effect_measure"].isin(["RR", "OR", "HR"])
    for c in ("estimate", "ci_low", "ci_high"):
        ev[c] = np.where(ratio, ev[c] * jitter, ev[c] + np.log(jitter))
    # about 5 results per question: the outcome text carries one of N / 5 question numbers
    ev["outcome"] = (
        ev["outcome"] + " #" + (rng.integers(0, N_EVIDENCE // 5, N_EVIDENCE)).astype(str)
    )
    so = t.study_outcomes.sample(N_ARMS, replace=True, random_state=seed).reset_index(drop=True)
    so["study_outcome_id"] = [f"synthetic_so_{i}" for i in range(N_ARMS)]
    so["study_id"] = np.asarray(studies)[rng.integers(0, N_STUDIES, N_ARMS)]
    so["study_design"] = "rct"
    so["outcome"] = so["outcome"] + " #" + (rng.integers(0, N_ARMS // 5, N_ARMS)).astype(str)
    for arm in ("n_treatment", "n_comparator"):
        so[arm] = so[arm] + rng.integers(0, 20, N_ARMS)
    links = pd.DataFrame({"review_id": np.asarray(studies)[designs != "rct"][:2000]})
    links["study_id"] = np.asarray(studies)[rng.integers(0, N_STUDIES, len(links))]
    links["review_study_id"] = [f"synthetic_link_{i}" for i in range(len(links))]
    links["risk_of_bias"] = rng.choice(["low", "high", None], len(links))
    links["source_id"] = links["review_id"]
    review_studies = pd.concat([t.review_studies, links], ignore_index=True)
    return dataclasses.replace(t, evidence=ev, study_outcomes=so, sources=sources,
                               review_studies=review_studies)  # fmt: skip


def run(results: list[str]) -> None:
    """Time the profile of every condition on the synthetic tables; append Markdown."""
    from calcidata.synthesis.profile import compute

    tables = synthetic_tables()
    n = len(tables.evidence) + len(tables.study_outcomes)
    compute(tables)  # warm up imports and caches
    wall, cpu = time.perf_counter(), time.process_time()
    profile, _, _ = compute(tables)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    import calcidata

    shipped = calcidata.load()
    compute(shipped)
    s_wall = time.perf_counter()
    shipped_profile, _, _ = compute(shipped)
    s_wall = time.perf_counter() - s_wall
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    results += [
        "## The evidence profile of every condition (`calcidata.evidence_profile`)",
        "",
        f"Synthetic tables of {n:,} results (`benchmarks/bench_profile.py: synthetic_tables`), "
        f"one process, load average at the start: {load}.",
        "",
        "| data | results | bodies | wall s | CPU s | results per CPU-second |",
        "|---|---:|---:|---:|---:|---:|",
        f"| synthetic | {n:,} | {len(profile):,} | {wall:.2f} | {cpu:.2f} | {n / cpu:,.0f} |",
        f"| shipped | {len(shipped.evidence) + len(shipped.study_outcomes):,} | "
        f"{len(shipped_profile):,} | {s_wall:.3f} | | |",
    ]
    baseline = os.environ.get("CALCIDATA_BENCH_BASELINE")
    if baseline:
        results += ["", *_compared(Path(baseline).resolve(), n)]


def _worker() -> None:
    """Time ``compute`` on the synthetic tables once per line read (the CPU seconds printed)."""
    from calcidata.synthesis.profile import compute

    tables = synthetic_tables()
    compute(tables)  # warm up
    print("ready", flush=True)
    for _ in sys.stdin:
        cpu = time.process_time()
        compute(tables)
        print(time.process_time() - cpu, flush=True)


def _compared(baseline: Path, n: int) -> list[str]:
    """The current and a baseline checkout timed in turn on the same synthetic tables."""
    roots = {"baseline": baseline, "current": Path(__file__).resolve().parent.parent}
    workers = {
        name: subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )  # fmt: skip
        for name, root in roots.items()
    }
    times: dict[str, list[float]] = {name: [] for name in workers}
    try:
        for w in workers.values():
            assert w.stdout is not None and w.stdout.readline().strip() == "ready"
        for turn in range(ROUNDS):
            for name in ("baseline", "current") if turn % 2 == 0 else ("current", "baseline"):
                w = workers[name]
                assert w.stdin is not None and w.stdout is not None
                w.stdin.write("go\n")
                w.stdin.flush()
                times[name].append(float(w.stdout.readline()))
    finally:
        for w in workers.values():
            if w.stdin is not None:
                w.stdin.close()
            w.wait()
    base, cur = statistics.median(times["baseline"]), statistics.median(times["current"])
    git = ["git", "-C", str(baseline), "rev-parse", "--short", "HEAD"]
    commit = os.environ.get("CALCIDATA_BENCH_BASELINE_LABEL") or (
        subprocess.run(git, capture_output=True, text=True).stdout.strip() or str(baseline)
    )  # a label, else the checkout's commit, else its path
    return [
        f"Against the code of `{commit}` (`CALCIDATA_BENCH_BASELINE`), same synthetic tables, "
        f"{ROUNDS} turns each in two processes taking turns; medians:",
        "",
        "| code | CPU s (median) | results per CPU-second | speed-up |",
        "|---|---:|---:|---:|",
        f"| baseline `{commit}` | {base:.2f} | {n / base:,.0f} | 1.00 |",
        f"| current | {cur:.2f} | {n / cur:,.0f} | {base / cur:.2f} |",
    ]


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    _worker()
