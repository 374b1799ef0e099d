"""File helpers shared by every stage: atomic writes, one content hash, the size limit.

Readers of a file calcidata writes see the old file or the new one, never half
of one: everything is written to a temporary file in the same directory and
swapped in with ``os.replace``. The temporary file is removed on any failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeAlias

from calcidata.errors import FileAccessError

#: A file or folder as a caller gives it: a string or a path-like object.
StrPath: TypeAlias = "str | os.PathLike[str]"

#: The largest table file calcidata reads (bytes). A table is read whole to be
#: validated (about eight times its size in memory at the peak), so a larger file
#: is refused, before it is read, with a message naming it (docs/errors.md).
MAX_TABLE_BYTES = 64 * 1024 * 1024


def oversize(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is too large to be read as a table, or None when it is not."""
    size = os.stat(path).st_size
    if size <= MAX_TABLE_BYTES:
        return None
    return (
        f"file is {size / 2**20:.1f} MiB; calcidata reads table files of at most "
        f"{MAX_TABLE_BYTES // 2**20} MiB (split the table or remove what is not data)"
    )


def output_dir(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Check that ``path`` is, or can become, a folder calcidata can write into; create it.

    Raises :class:`~calcidata.errors.FileAccessError` (naming the path) when it is
    a file, cannot be created, or is not writable.
    """
    if "\x00" in os.fspath(path):
        from calcidata.errors import ParameterError

        raise ParameterError(f"{option}: a path cannot hold a NUL character: {path!r}")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileAccessError(f"{path}: is a file, and {option} needs a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileAccessError(
            f"{path}: cannot create the folder for {option}: {exc.strerror or exc}"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise FileAccessError(f"{path}: the folder for {option} is not writable")
    return path


def output_file(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """Check that ``path`` names a file calcidata can write (atomically, beside it)."""
    path = Path(path)
    if path.is_dir():
        raise FileAccessError(f"{path}: is a folder, and {option} needs a file name")
    output_dir(path.parent, f"the folder of {option}")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: Permissions of written files: as ``open()`` would create them (mkstemp makes 0600).
_MODE = 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary path next to ``target``; move it onto ``target`` on success.

    The temporary name is unique per call, so concurrent writers never share it.
    The path does not exist when yielded (writers such as DuckDB refuse to open
    an existing file). If the block raises, or writes nothing, the temporary file
    (and a DuckDB ``.wal`` beside it) is removed and ``target`` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()
    try:
        yield tmp_path
        if tmp_path.exists():  # a block that wrote nothing leaves ``target`` as it was
            os.chmod(tmp_path, _MODE)
            os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)
        for extra in tmp_path.parent.glob(tmp_path.name + ".wal"):
            extra.unlink(missing_ok=True)


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write ``data`` (text is encoded as UTF-8, newlines as given) to ``path`` atomically."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        tmp.write_bytes(raw)
    return Path(path)


def content_hash(paths: Iterable[str | os.PathLike[str]], *, length: int = 12) -> str:
    """SHA-256 over the names and bytes of ``paths`` (order matters), as hex.

    The data version shown in reports is this hash over the table files, and a
    report's build fingerprint includes it, so one function serves both.
    """
    h = hashlib.sha256()
    for p in map(Path, paths):
        h.update(p.name.encode())
        h.update(b"\0")
        with open(p, "rb") as f:  # a block at a time: memory stays flat for any size
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        h.update(b"\0")
    return h.hexdigest()[:length]


#: Temporary files younger than this (seconds) are never swept: their writer may be
#: between creating the file and locking it.
_SWEEP_AFTER = 5.0


@contextlib.contextmanager
def held(path: str | os.PathLike[str]) -> Iterator[None]:
    """Hold a shared lock on the file ``path`` (just created by a writer) while it is written.

    :func:`sweep_orphans` removes only the temporary files nobody holds: those of
    a writer killed before its cleanup ran (SIGKILL, a power cut).
    """
    try:
        import fcntl
    except ImportError:  # no flock (Windows): nothing is swept there either
        yield
        return
    with open(path, "rb") as f:
        fcntl.flock(f, fcntl.LOCK_SH)
        yield


def sweep_orphans(target: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files :func:`atomic_path` left beside ``target`` in a killed run.

    A file is removed only when no live writer holds it (:func:`held`) and it is
    older than a few seconds. Returns the files removed.
    """
    import glob
    import time

    try:
        import fcntl
    except ImportError:
        return []
    target = Path(target)
    removed = []
    for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        try:
            if time.time() - tmp.stat().st_mtime < _SWEEP_AFTER:
                continue
            with open(tmp, "rb") as f:
                try:
                    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live writer holds it
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue
    return removed
