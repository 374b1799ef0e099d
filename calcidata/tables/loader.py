"""The one loader: read every table, validate it, return :class:`~calcidata.tables.Tables`."""

from __future__ import annotations

import os

import pandas as pd

from calcidata import paths
from calcidata._io import content_hash
from calcidata.errors import (
    DataValidationError,
    FileAccessError,
    ParameterError,
    Problem,
    describe_os_error,
)
from calcidata.schemas import SCHEMAS
from calcidata.tables.checks import validate_table
from calcidata.tables.container import Tables
from calcidata.tables.dataset import check_dataset
from calcidata.tables.reader import read_raw


def collect_problems(
    data_dir: str | os.PathLike[str] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Read and check every table; return typed frames and all problems found.

    Never raises for bad data and never writes to any file.
    """
    directory = paths.data_dir(data_dir)
    raws, frames, problems = {}, {}, []
    for name, model in SCHEMAS.items():
        columns = list(model.to_schema().columns)
        raw = read_raw(name, directory / f"{name}.csv", columns)
        raws[name] = raw
        frame, found = validate_table(raw)
        problems.extend(found)
        if frame is not None:
            frames[name] = frame
    problems.extend(check_dataset(frames, raws))
    return frames, problems


def load(data_dir: str | os.PathLike[str] | None = None) -> Tables:
    """Load and validate every calcidata table.

    Parameters
    ----------
    data_dir : path-like, optional
        Directory with the CSV files. Defaults to ``$CALCIDATA_DATA_DIR``, else the
        data shipped with the package.

    Returns
    -------
    Tables
        The validated, typed tables.

    Raises
    ------
    DataValidationError
        When any table breaks any rule; ``.problems`` lists every problem with its
        file, CSV line, column, value and rule.
    """
    directory = paths.data_dir(data_dir)
    frames, problems = collect_problems(directory)
    if problems:
        raise DataValidationError(problems)
    files = [directory / f"{name}.csv" for name in SCHEMAS]
    return Tables(**frames, data_dir=directory, version=content_hash(files))


def load_table(name: str, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load one validated table by name (the whole dataset is checked, keys included)."""
    if name not in SCHEMAS:
        raise ParameterError(f"no table {name!r}; tables are: {', '.join(SCHEMAS)}")
    return load(data_dir)[name]


def data_version(data_dir: str | os.PathLike[str] | None = None) -> str:
    """Content hash of the table files, without validating them."""
    directory = paths.data_dir(data_dir)
    try:
        return content_hash([directory / f"{name}.csv" for name in SCHEMAS])
    except OSError as exc:
        raise FileAccessError(describe_os_error(exc)) from None
