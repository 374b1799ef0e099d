"""The optional extras: the modules each one installs, and the one error when one is missing.

``pip install calcidata`` installs what loading, validating and analysing the tables,
rendering the reports, and the data package, SQLite and JSON Schema exports need.
Each extra of ``pyproject.toml`` adds one feature (:data:`EXTRAS`; a test keeps the
two equal). A function that needs one calls :func:`require` before importing its
modules, so a missing extra is a :class:`~calcidata.errors.MissingExtraError` that
says what to install, never a bare ``ModuleNotFoundError`` from deep inside.

>>> from calcidata._extras import require
>>> require("parquet", "the Parquet export")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from calcidata.errors import MissingExtraError

#: Extra -> the modules it installs (each module is also its distribution's name).
EXTRAS: Mapping[str, tuple[str, ...]] = {
    "parquet": ("pyarrow",),
    "duckdb": ("duckdb",),
    "excel": ("openpyxl",),
    "audit": ("pyarrow",),
    "lab": ("jupyterlab",),
    "spark": ("pyspark", "pyarrow"),
    "app": ("ipywidgets", "anywidget", "voila"),
}


def install_hint(extra: str) -> str:
    """The command that installs ``extra``."""
    return f'pip install "calcidata[{extra}]"'


def require(extra: str, feature: str, modules: tuple[str, ...] | None = None) -> None:
    """Check that the modules of ``extra`` import; else raise naming the extra.

    Parameters
    ----------
    extra : str
        A key of :data:`EXTRAS`.
    feature : str
        What needs it, in words ("the Parquet export"), for the message.
    modules : tuple of str, optional
        The modules of ``extra`` the feature needs (default: all of them).

    Raises
    ------
    MissingExtraError
        A module of ``extra`` is not installed (or fails to import).
    """
    wanted = EXTRAS[extra] if modules is None else modules
    if not set(wanted) <= set(EXTRAS[extra]):
        raise ValueError(f"{wanted} are not all modules of the extra {extra!r}")  # a bug
    for module in wanted:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise MissingExtraError(
                f"{feature} needs {module}, which is not installed: {install_hint(extra)}"
            ) from exc
