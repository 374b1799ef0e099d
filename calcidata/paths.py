"""Where calcidata finds its files: the one place file locations are resolved.

Order for the data directory: an explicit argument, then the
``CALCIDATA_DATA_DIR`` environment variable, then ``data/`` shipped inside the
installed package (a wheel), then ``data/`` of the source checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_DATA_DIR = "CALCIDATA_DATA_DIR"

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _first_existing(*candidates: Path) -> Path:
    for c in candidates:
        if c.is_dir():
            return c
    return candidates[-1]


def data_dir(override: str | os.PathLike | None = None) -> Path:
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


def table_path(name: str, directory: str | os.PathLike | None = None) -> Path:
    """Path of the CSV file of table ``name``."""
    return data_dir(directory) / f"{name}.csv"
