"""Benchmarks, run by ``make bench`` (``python -m benchmarks``).

Each ``benchmarks/bench_*.py`` module defines ``run(results: list[str]) -> None``,
which measures something and appends Markdown lines (a heading, a table, notes)
to ``results``. The runner writes them all to ``benchmarks/results.md``.
Benchmarks are never part of the test suite: speed is measured here, not asserted.
"""
