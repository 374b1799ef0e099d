"""``reports/index.html``: one page linking every rendered report, with a line on each.

The page is made from the manifests written next to each report (see
:mod:`calcidata.render`), so it never needs a kernel or the tables. Every text
on it is HTML-escaped: labels can hold names that come from the tables.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping
from html import escape
from pathlib import Path
from urllib.parse import quote

from calcidata import NOTICE
from calcidata._io import atomic_write
from calcidata._version import __version__
from calcidata.errors import FileAccessError

MANIFEST_SUFFIX = ".manifest.json"
FAILED_DIR = "_failed"
#: Written in the head of every index calcidata writes: only such a page is replaced.
MARKER = '<meta name="generator" content="calcidata">'
#: What marked the index before :data:`MARKER` existed.
_LEGACY_MARKER = "<title>calcidata reports</title>"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;
margin:2rem auto;padding:0 1rem;line-height:1.45;color:#222}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
.notice{background:#fff4e5;border-left:4px solid #f0a030;padding:.6rem 1rem}
ul{padding-left:1.2rem}li{margin:.35rem 0}.meta{color:#666;font-size:.9em}
.failed{color:#a00}
"""


def read_manifests(out_dir: str | os.PathLike, report: str) -> list[dict]:
    """Manifests of the rendered parameter sets of ``report`` under ``out_dir``, by slug."""
    folder = Path(out_dir) / report
    found = []
    for path in sorted(folder.glob(f"*{MANIFEST_SUFFIX}")):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # unreadable manifest: that report is simply re-rendered
        if (folder / manifest.get("html", "")).is_file():
            found.append(manifest)
    return found


def render_index(out_dir: str | os.PathLike, reports: Mapping) -> str:
    """The HTML text of the index for the reports in ``out_dir`` (registry order)."""
    out = Path(out_dir)
    sections, versions, dates = [], set(), []
    for name, spec in reports.items():
        manifests = read_manifests(out, name)
        if not manifests:
            continue
        items = []
        for m in sorted(manifests, key=lambda m: (m.get("label") != "all", m.get("label", ""))):
            versions.add(m.get("data_version", ""))
            dates.append(m.get("rendered_at", ""))
            href = quote(f"{name}/{m['html']}")
            line = f": {escape(m['line'])}" if m.get("line") else ""
            items.append(
                f'<li><a href="{escape(href)}">{escape(m.get("label", m["slug"]))}</a>{line}'
                f' <span class="meta">(data {escape(m.get("data_version", "?"))}, '
                f"rendered {escape(m.get('rendered_at', '?'))})</span></li>"
            )
        sections.append(
            f"<h2>{escape(spec.title)}</h2>\n<p>{escape(spec.summary)}.</p>\n<ul>\n"
            + "\n".join(items)
            + "\n</ul>"
        )
    failed = sorted((out / FAILED_DIR).glob("*/*.ipynb")) if (out / FAILED_DIR).is_dir() else []
    if failed:
        items = "\n".join(
            f'<li><a class="failed" href="{escape(quote(p.relative_to(out).as_posix()))}">'
            f"{escape(p.parent.name)}/{escape(p.stem)}</a></li>"
            for p in failed
        )
        sections.append(
            "<h2>Failed in the last render</h2>\n<p>The executed notebooks below stopped "
            "with an error; the links above still show the last good version.</p>\n"
            f"<ul>\n{items}\n</ul>"
        )
    if not sections:
        sections.append("<p>No report has been rendered yet: run <code>calcidata build</code>.</p>")
    version = ", ".join(sorted(v for v in versions if v)) or "?"
    latest = max((d for d in dates if d), default="?")
    head, _, rest = NOTICE.partition(". ")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{MARKER}\n"
        f"<title>calcidata reports</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        "<h1>calcidata reports</h1>\n"
        f'<p class="meta">Data version {escape(version)} &middot; calcidata '
        f"{escape(__version__)} &middot; last rendered {escape(latest)}</p>\n"
        f'<p class="notice"><strong>{escape(head)}.</strong> {escape(rest)}</p>\n'
        + "\n".join(sections)
        + "\n</body>\n</html>\n"
    )


def _written_by_calcidata(path: Path) -> bool:
    """Whether ``path`` is missing, or is a file calcidata wrote (it holds a marker)."""
    if not path.exists() and not path.is_symlink():
        return True
    if not path.is_file():
        return False
    with open(path, "rb") as f:
        head = f.read(4096).decode("utf-8", errors="replace")
    return MARKER in head or _LEGACY_MARKER in head


def check_owned(out_dir: str | os.PathLike, pages: Iterable[Path] = ()) -> None:
    """Refuse to go on when ``out_dir`` holds an index or a page calcidata did not write.

    ``pages`` are the report pages about to be written: each may exist only beside
    its manifest (calcidata writes both). Raises
    :class:`~calcidata.errors.FileAccessError` naming the file; nothing is written.
    """
    index = Path(out_dir) / "index.html"
    if not _written_by_calcidata(index):
        raise FileAccessError(
            f"{index}: exists and was not written by calcidata, which would replace it; "
            "choose another --out folder or move that file"
        )
    for page in pages:
        if page.parent.exists() and not page.parent.is_dir():
            raise FileAccessError(
                f"{page.parent}: is a file where calcidata writes a folder of report pages; "
                "choose another --out folder or move that file"
            )
        manifest = page.with_name(page.stem + MANIFEST_SUFFIX)
        if (page.exists() or page.is_symlink()) and not manifest.is_file():
            raise FileAccessError(
                f"{page}: exists and was not written by calcidata (no {manifest.name} "
                "beside it); choose another --out folder or move that file"
            )


def clear_failed(out_dir: str | os.PathLike, reports: Iterable[str]) -> None:
    """Remove the executed copies of failed renders: a build shows its own failures only."""
    failed = Path(out_dir) / FAILED_DIR
    for name in reports:
        folder = failed / name
        if not folder.is_dir():
            continue
        for copy in folder.glob("*.ipynb"):
            copy.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only when empty
    with contextlib.suppress(OSError):
        failed.rmdir()


def write_index(out_dir: str | os.PathLike, reports: Mapping) -> Path:
    """Write ``index.html`` in ``out_dir`` (atomically, and only when it changed).

    An ``index.html`` that calcidata did not write is never replaced
    (:class:`~calcidata.errors.FileAccessError`).
    """
    path = Path(out_dir) / "index.html"
    check_owned(out_dir)
    text = render_index(out_dir, reports)
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except OSError:
        pass
    return atomic_write(path, text)
