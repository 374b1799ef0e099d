"""The dose audit on Spark (``local[2]``) beside the pandas paths, on the same Parquet files.

Each measurement runs in its own process. Spark's share is split into the
session's start-up (JVM, context) and the job (read Parquet, audit, write
Parquet); the job is run twice, the second time with the JVM warm and the
Python workers started. The pandas paths are the in-memory ``audit_doses`` on
the frame read from the file (audit only) and the chunked ``audit_file``
(Parquet in, Parquet out), each on one core.

Run alone: ``python -m benchmarks spark``; one measurement:
``python -m benchmarks.bench_spark spark FILE OUT``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Rows of the Parquet files audited.
ROWS = (1_000_000, 10_000_000)
MASTER = "local[2]"
#: Input splits of about one 250,000-row group (compressed, the files are small), so that
#: both cores get work.
CONFIG = {
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.files.maxPartitionBytes": "1m",
    "spark.sql.files.openCostInBytes": "0",
}
GROUP_ROWS = 250_000


def _write_parquet(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from benchmarks.bench_audit import synthetic

    step, writer = 1_000_000, None
    for start in range(0, rows, step):
        frame = synthetic(min(step, rows - start), seed=start // step)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table.cast(writer.schema), row_group_size=GROUP_ROWS)
    writer.close()


def _step_spark(path: str, out: str) -> dict:
    from calcidata.audit.spark import audit_spark, spark_session

    start = time.perf_counter()
    spark = spark_session(MASTER, config=CONFIG)
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter() - start
    jobs = []
    for _ in range(2):
        begin = time.perf_counter()
        audit_spark(spark.read.parquet(path)).write.mode("overwrite").parquet(out)
        jobs.append(time.perf_counter() - begin)
    rows = spark.read.parquet(out).count()
    partitions = spark.read.parquet(path).rdd.getNumPartitions()
    spark.stop()
    return {"start": started, "first": jobs[0], "again": jobs[1], "rows": rows, "parts": partitions}


def _step_memory(path: str) -> dict:
    from benchmarks.bench_audit import _one_core
    from calcidata.audit import audit_doses, read_input

    _one_core()
    frame = read_input(path)
    audit_doses(frame.head(1000))  # load the tables, warm up
    begin = time.perf_counter()
    out = audit_doses(frame)
    return {"wall": time.perf_counter() - begin, "rows": len(out)}


def _step_chunked(path: str, out: str) -> dict:
    from benchmarks.bench_audit import _one_core
    from calcidata.audit import audit_file

    _one_core()
    begin = time.perf_counter()
    counts = audit_file(path, out)
    return {"wall": time.perf_counter() - begin, "rows": int(counts.sum())}


STEPS = {"spark": _step_spark, "memory": _step_memory, "chunked": _step_chunked}


def _measure(*args) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_spark", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(results: list[str]) -> None:
    """Measure and append the Markdown section to ``results``."""
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    results += [
        "## Dose audit on Spark (`calcidata.audit_spark`, `calcidata audit --engine spark`)",
        "",
        f"Synthetic prescriptions (`bench_audit.synthetic`) in one Parquet file of "
        f"{GROUP_ROWS:,}-row groups. Spark: a `{MASTER}` session (2 cores, about one row "
        "group per input partition, 100,000-row Arrow batches), reading the file, auditing and "
        "writing Parquet; *start-up* is creating the session, *first job* includes starting "
        "the Python workers and loading the tables, *again* is the same job repeated. "
        "pandas: one core, `audit_doses` on the frame already in memory (audit only), and "
        "`audit_file` Parquet to Parquet in 100,000-row chunks. Wall-clock seconds, one "
        f"process per measurement; load average at the start: {load} (other work on the "
        "machine inflates every figure).",
        "",
        "| rows | path | wall s | rows per second | start-up share |",
        "|---:|---|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory(prefix="calcidata-bench-spark-") as tmp:
        for rows in ROWS:
            path = Path(tmp) / f"rx_{rows}.parquet"
            _write_parquet(path, rows)
            s = _measure("spark", path, Path(tmp) / "spark_out")
            assert s["rows"] == rows
            shutil.rmtree(Path(tmp) / "spark_out")
            total = s["start"] + s["first"]
            m = _measure("memory", path)
            c = _measure("chunked", path, Path(tmp) / "chunked.parquet")
            assert m["rows"] == c["rows"] == rows
            results += [
                f"| {rows:,} | Spark: start-up + first job ({s['parts']} input partitions) | "
                f"{s['start']:.1f} + {s['first']:.1f} | {rows / total:,.0f} | "
                f"{s['start'] / total:.0%} |",
                f"| {rows:,} | Spark: the same job again | {s['again']:.1f} | "
                f"{rows / s['again']:,.0f} | |",
                f"| {rows:,} | pandas in memory (`audit_doses`) | {m['wall']:.1f} | "
                f"{rows / m['wall']:,.0f} | |",
                f"| {rows:,} | pandas chunked (`audit_file`) | {c['wall']:.1f} | "
                f"{rows / c['wall']:,.0f} | |",
            ]
            (Path(tmp) / "chunked.parquet").unlink()
            path.unlink()
    results.append("")


if __name__ == "__main__":
    step, *args = sys.argv[1:]
    print(json.dumps(STEPS[step](*args)))
