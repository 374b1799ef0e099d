"""Benchmarks, run by ``make bench`` (``python -m benchmarks``).

Each ``benchmarks/bench_*.py`` module defines ``run(results: list[str]) -> None``,
which measures something and appends Markdown lines (a heading, a table, notes)
to ``results``. The runner writes them to ``benchmarks/results.md``, one marked
section per module (``python -m benchmarks audit`` reruns one module and keeps
the other sections).
Benchmarks are never part of the test suite: speed is measured here, not asserted.
"""
