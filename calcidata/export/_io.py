"""Atomic file writing and the version stamp every export carries."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .._version import __version__


def stamp(version: str) -> dict[str, str]:
    """The provenance recorded in every export: data version and calcidata version."""
    return {"data_version": version, "calcidata_version": __version__}


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; move it onto ``target`` on success.

    The temporary file is removed if the block raises, so a failed export never
    leaves a half-written file under the final name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers that refuse to open an existing file (DuckDB) need it gone
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
        for extra in tmp_path.parent.glob(tmp_path.name + ".wal"):
            extra.unlink()


def write_text(target: Path, text: str) -> Path:
    """Write ``text`` to ``target`` atomically (UTF-8, ``\\n`` line ends)."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return target
