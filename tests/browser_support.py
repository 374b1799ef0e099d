"""Browser tests: Playwright driving Debian's Chromium, and one page opened per check.

Playwright's own browser downloads cannot work on the project's machines, so the browser
is Debian's ``chromium`` package at :data:`CHROMIUM` (``make install`` / ``make test``
install it when it is missing). A test that needs it takes the ``chromium`` fixture
(registered in ``tests/conftest.py``), carries the ``browser`` marker and opens a file with
:func:`open_page`::

    @pytest.mark.browser
    def test_x(chromium, tmp_path):
        with open_page(chromium, report, width=390, artifacts=tmp_path) as view:
            assert not view.console_errors
            assert not view.requests

Playwright is imported only inside the functions below, so collecting the rest of the
suite never needs it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"

#: Requests that stay inside the page: its own inline data.
_INLINE = ("data:", "blob:", "about:")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium (a Playwright ``Browser``) for the whole test session.

    Fails, never skips, when Chromium is missing: CI installs it (``make test``).
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
            "Install it with `make chromium` (apt-get install -y chromium).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageView:
    """An opened page and what it did while loading and since."""

    page: Any
    #: Console messages of type ``error`` and uncaught page errors, as text.
    console_errors: list[str] = field(default_factory=list)
    #: URLs of every request other than the file itself and inline ``data:``/``blob:``.
    requests: list[str] = field(default_factory=list)


@contextlib.contextmanager
def open_page(
    browser: Any,
    path: str | os.PathLike,
    *,
    width: int = 1280,
    height: int = 900,
    artifacts: str | os.PathLike | None = None,
) -> Iterator[PageView]:
    """Open the HTML file ``path`` in a fresh browser context of ``width`` x ``height`` px.

    Yields a :class:`PageView`. Requests to the network are recorded in ``.requests`` and
    aborted (a self-contained page makes none). When the ``with`` body raises, a full-page
    screenshot is saved in the folder ``artifacts`` (when given) before the error goes on.
    """
    target = Path(path).resolve()
    url = target.as_uri()
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        view = PageView(page)

        def on_console(msg: Any) -> None:
            if msg.type == "error":
                view.console_errors.append(msg.text)

        def on_request(request: Any) -> None:
            if request.url != url and not request.url.startswith(_INLINE):
                view.requests.append(request.url)

        page.on("console", on_console)
        page.on("pageerror", lambda err: view.console_errors.append(f"page error: {err}"))
        page.on("request", on_request)
        page.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
        page.goto(url, wait_until="load")
        try:
            yield view
        except BaseException:
            if artifacts is not None:
                _screenshot(page, Path(artifacts) / f"{target.stem}-{width}px.png")
            raise
    finally:
        context.close()


def _screenshot(page: Any, shot: Path) -> None:
    """Save a full-page screenshot; a failure to do so must not hide the test's error."""
    try:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
    except Exception as exc:  # the browser may be what failed
        print(f"no screenshot saved at {shot}: {exc}")
    else:
        print(f"screenshot of the failing page: {shot}")
