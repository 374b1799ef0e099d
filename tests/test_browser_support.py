"""The browser-test helpers see what they promise: errors, requests, sideways scroll, shots."""

from __future__ import annotations

import pytest

from .browser_support import open_page

pytestmark = pytest.mark.browser

_CLEAN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>clean</title>
</head><body><p id="p">hello</p>
<img alt="dot" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<script>document.getElementById("p").textContent = "scripted";</script></body></html>"""

_DIRTY = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>dirty</title>
<link rel="stylesheet" href="https://cdn.example.invalid/style.css"></head>
<body><div style="width:2000px">wide</div>
<script>console.error("boom"); undefinedFunction();</script></body></html>"""


def test_a_self_contained_page_has_no_errors_and_no_requests(chromium, tmp_path):
    page = tmp_path / "clean.html"
    page.write_text(_CLEAN, encoding="utf-8")
    with open_page(chromium, page, width=390, artifacts=tmp_path) as view:
        assert view.page.inner_text("#p") == "scripted"  # scripts run
        assert view.console_errors == []
        assert view.requests == []
        assert view.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_errors_requests_and_a_screenshot_of_the_failure_are_kept(chromium, tmp_path):
    page = tmp_path / "dirty.html"
    page.write_text(_DIRTY, encoding="utf-8")
    shots = tmp_path / "shots"
    with pytest.raises(AssertionError, match="too wide"):
        with open_page(chromium, page, width=390, artifacts=shots) as view:
            assert any("boom" in e for e in view.console_errors)
            assert any("undefinedFunction" in e for e in view.console_errors)
            assert view.requests == ["https://cdn.example.invalid/style.css"]
            wide = view.page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 390, "too wide"
    shot = shots / "dirty-390px.png"
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
