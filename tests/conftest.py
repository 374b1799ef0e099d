"""Shared fixtures: small valid tables in a temporary directory, and CSV editing helpers."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from .browser_support import chromium  # noqa: F401  (the session's browser, a fixture)

# Hypothesis profiles, as pandera registers them: `ci` (CI=true) is reproducible and a
# little longer, `dev` quick; HYPOTHESIS_PROFILE chooses one explicitly.
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, suppress_health_check=_HEALTH
)
settings.register_profile("dev", max_examples=10, deadline=None, suppress_health_check=_HEALTH)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL = FIXTURES / "minimal"


@pytest.fixture(scope="session")
def fixture_tables():
    """The small fixture dataset, loaded once per test session (never modify it)."""
    import calcidata

    return calcidata.load(MINIMAL)


@pytest.fixture(scope="session")
def shipped():
    """The shipped tables, loaded once per test session (never modify them)."""
    import calcidata

    return calcidata.load()


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (2 cores, UI off) for the tests marked ``spark``.

    Session-scoped: xdist's loadgroup sends every ``spark`` test to one worker, which may
    interleave them with other modules' tests; a module-scoped session would then be
    stopped and started again (tens of seconds each time).
    """
    from calcidata.audit.spark import spark_session

    session = spark_session(
        "local[2]",
        config={"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"},
    )
    yield session
    session.stop()


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A writable copy of the small valid dataset in tests/fixtures/minimal."""
    target = tmp_path / "data"
    shutil.copytree(MINIMAL, target)
    return target


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell (row 0 is the first data row) and rewrite the file."""
    header, rows = read_rows(path)
    rows[row][column] = value
    write_rows(path, header, rows)


def digest(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under ``directory`` (to prove nothing was modified)."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
