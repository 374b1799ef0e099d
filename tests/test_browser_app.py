"""The explorer as a web app: Voila serves notebooks/explore.ipynb, Chromium drives its widgets.

The same command as ``make app`` (Voila on localhost, sources stripped), started on a free
port; the page must load nothing from outside localhost, show no code, and update its
outputs when a dropdown changes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser_app")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    voila = Path(sys.executable).with_name("voila")
    command = [
        str(voila),
        "explore.ipynb",
        "--template=calcidata",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--ServerApp.allow_root=True",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JUPYTER_PATH": str(ROOT / "app")}
    with open(log, "w") as out:
        server = subprocess.Popen(command, cwd=ROOT / "notebooks", env=env, stdout=out,
                                  stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url + "api", timeout=2)  # noqa: S310 (localhost)
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(f"voila exited: {log.read_text()[-2000:]}")
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


_FINDINGS = """() => { const h = [...document.querySelectorAll('h2')]
  .find(e => e.textContent.startsWith('Summary of findings and every'));
  const box = h && h.closest('.widget-html').nextElementSibling;
  return box ? box.innerText : null; }"""


def test_the_explorer_app_shows_no_code_and_its_outputs_follow_the_dropdowns(
    chromium, app, tmp_path
):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    page = context.new_page()
    page.on("request", lambda r: None if r.url.startswith((app, "data:", "blob:", "ws://127.0.0.1"))
            else outside.append(r.url))  # fmt: skip
    try:
        page.goto(app, timeout=240_000)
        page.wait_for_selector(".widget-dropdown select", timeout=240_000)
        selects = page.locator(".widget-dropdown select")
        assert selects.count() == 3
        page.wait_for_function(f"({_FINDINGS})()", timeout=120_000)
        before = page.evaluate(_FINDINGS)
        assert "Download CSV" in before
        text = page.inner_text("body")
        assert "import calcidata" not in text and "display.explorer(" not in text
        treatment = selects.nth(1)
        options = treatment.locator("option").all_text_contents()
        assert len(options) >= 2
        treatment.select_option(label=options[1])
        page.wait_for_function(
            f"(before) => {{ const now = ({_FINDINGS})(); return now && now !== before "
            "&& now.includes('Download CSV'); }",
            arg=before,
            timeout=120_000,
        )
        after = page.evaluate(_FINDINGS)
        outcomes = selects.nth(2).locator("option").all_text_contents()
    except BaseException:
        page.screenshot(path=str(tmp_path / "voila.png"), full_page=True)
        raise
    finally:
        context.close()
    assert after != before
    assert outcomes[0].replace("\xa0", " ") == "All outcomes"  # ipywidgets: no-break spaces
    assert outside == []
