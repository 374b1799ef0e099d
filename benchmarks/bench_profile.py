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
"""

from __future__ import annotations

import dataclasses
import os
import time

import numpy as np
import pandas as pd

N_EVIDENCE, N_ARMS, N_STUDIES = 60_000, 40_000, 20_000


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
