"""Helpers for the tests in headless Chromium: the mark that skips them where the browser or axe-core is
missing (or fails them, with POLICYBOOK_REQUIRE_BROWSER=1 as .ci/run sets), and a page opened and settled."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import AXE, CHROMIUM

_missing = [what for what, ok in (("chromium", Path(CHROMIUM).is_file()), ("axe-core", AXE.is_file())) if not ok]
if _missing and os.environ.get("POLICYBOOK_REQUIRE_BROWSER"):
    raise RuntimeError(f"browser tests need {', '.join(_missing)}: see .ci/run")
needs_browser = pytest.mark.skipif(bool(_missing), reason=f"needs {', '.join(_missing)} (installed by .ci/run)")


def open_page(browser: object, url: str, width: int = 1280, bypass_csp: bool = False) -> object:
    """A new page at ``url``, once the network is idle."""
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=bypass_csp)  # type: ignore[attr-defined]
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page
