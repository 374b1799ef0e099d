"""Where calcidata finds its files: the one place file locations are resolved.

The lay articles' text (for the quotes of ``claims.csv``) is found by :func:`seeds_dir`.

Order for the data directory: an explicit argument, then the
``CALCIDATA_DATA_DIR`` environment variable, then ``data/`` shipped inside the
installed package (a wheel), then ``data/`` of the source checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "CALCIDATA_DATA_DIR"
ENV_SEEDS_DIR = "CALCIDATA_SEEDS_DIR"

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[-1]


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the directory holding the table CSV files (not checked for existence)."""
    if override is not None:
        if not isinstance(override, str | os.PathLike):
            from calcidata.errors import ArgumentTypeError

            raise ArgumentTypeError(
                f"data_dir must be a path to a folder of tables, not {type(override).__name__}"
            )
        return Path(override)
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env)
    return _first_existing(_PACKAGE / "data", _CHECKOUT / "data")


def notebooks_dir() -> Path:
    """Return the directory holding the report notebooks."""
    return _first_existing(_PACKAGE / "notebooks", _CHECKOUT / "notebooks")


def table_path(name: str, directory: str | os.PathLike[str] | None = None) -> Path:
    """Path of the CSV file of table ``name``."""
    return data_dir(directory) / f"{name}.csv"


def seeds_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder holding the lay articles' text (not checked for existence).

    An explicit argument, then ``$CALCIDATA_SEEDS_DIR``, then ``shared/seeds`` beside
    the source checkout (as in CI, where a copy of ``shared/`` sits beside the clone).
    """
    if override is not None:
        return Path(override)
    env = os.environ.get(ENV_SEEDS_DIR)
    if env:
        return Path(env)
    return _CHECKOUT.parent / "shared" / "seeds"


def article_text_path(
    source_id: str, directory: str | os.PathLike[str] | None = None
) -> Path | None:
    """The text file of lay article ``source_id`` (``seed_003`` -> ``003_*.txt``), or None."""
    prefix = source_id.removeprefix("seed_")
    if prefix == source_id or not prefix.isalnum():
        return None
    found = sorted(seeds_dir(directory).glob(f"{prefix}_*.txt"))
    return found[0] if found else None
