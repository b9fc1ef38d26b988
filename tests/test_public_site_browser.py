"""End to end: the public site for patients in headless Chromium, served on 127.0.0.1, at phone (375 px) and
desktop (1280 px) widths: the rating banner, the language switcher, right-to-left layout and an axe-core scan
(WCAG 2.2 A and AA) of every page, the right-to-left ones included. Screenshots go to tests/artefacts/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsertools import needs_browser, open_page
from conftest import REPO, TODAY, axe_violations
from sitetools import serve

from policybook.public_site.build import build_public_site

ARTEFACTS = REPO / "tests/artefacts"
PAGES = ["index.html", "documents/pub-001/index.html", "documents/pub-001/ar.html", "documents/pub-001/bn.html",
         "documents/pub-001/easy-read.html", "documents/pub-004/index.html", "documents/gov-004/index.html"]

pytestmark = needs_browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("public") / "site-public"
    assert build_public_site(REPO, dt.date.fromisoformat(TODAY), out) == 0
    with serve(out) as url:
        yield url


def _shot(page: object, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"public-{name}.png"), full_page=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_no_accessibility_violations(browser: object, site: str, path: str, width: int) -> None:
    page = open_page(browser, f"{site}/{path}", width=width, bypass_csp=True)
    assert axe_violations(page) == [], path
    page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_arabic_page_is_laid_out_right_to_left(browser: object, site: str, width: int) -> None:
    page = open_page(browser, f"{site}/documents/pub-001/ar.html", width=width)
    _shot(page, f"arabic-{width}")
    assert page.evaluate("document.documentElement.dir") == "rtl"  # type: ignore[attr-defined]
    heading = page.locator(".pb-public-body h2").first  # type: ignore[attr-defined]
    assert page.evaluate("e => getComputedStyle(e).direction", heading.element_handle()) == "rtl"  # type: ignore[attr-defined]
    box = heading.bounding_box()
    article = page.locator("article").bounding_box()  # type: ignore[attr-defined]
    # Right-aligned: the heading's text ends at the article's right edge, far from its left edge.
    width_used = page.evaluate("""e => { const r = document.createRange(); r.selectNodeContents(e);
                                         const b = r.getBoundingClientRect(); return [b.left, b.right]; }""",
                               heading.element_handle())  # type: ignore[attr-defined]
    assert abs(width_used[1] - (article["x"] + article["width"])) < 40, (width_used, article, box)
    assert width_used[0] - article["x"] > 40
    # The English banner stays left to right within the right-to-left page.
    banner = page.locator('[data-pb="rating"]')  # type: ignore[attr-defined]
    assert page.evaluate("e => getComputedStyle(e).direction", banner.element_handle()) == "ltr"  # type: ignore[attr-defined]
    page.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_banner_and_the_language_switcher_are_on_a_document_page(browser: object, site: str, width: int) -> None:
    page = open_page(browser, f"{site}/documents/pub-001/index.html", width=width)
    _shot(page, f"leaflet-{width}")
    assert "Care Quality Commission overall rating" in page.locator(".md-banner").inner_text()  # type: ignore[attr-defined]
    page.locator(".pb-versions a", has_text="العربية").click()  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert page.url.endswith("/documents/pub-001/ar.html")  # type: ignore[attr-defined]
    assert page.locator("html").get_attribute("lang") == "ar"  # type: ignore[attr-defined]
    # No horizontal scrolling at phone width.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # type: ignore[attr-defined]
    page.close()


SITE_NAME = "Harbourside Mobile DEXA information for patients"  # public.mkdocs.yml's site_name


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", ["documents/pub-001/index.html", "documents/pub-001/ar.html"])
def test_the_site_name_in_the_header_is_shown_whole(browser: object, site: str, path: str, width: int) -> None:
    """Left to right and right to left, on a phone and a desktop: the header shows the whole site name (it may
    wrap), not a name cut off with an ellipsis."""
    page = open_page(browser, f"{site}/{path}", width=width)
    _shot(page, f"header-{path.rsplit('/', 1)[-1].removesuffix('.html')}-{width}")
    name = page.locator(".md-header__topic:first-child .md-ellipsis")  # type: ignore[attr-defined]
    assert name.inner_text().strip() == SITE_NAME
    sizes = page.evaluate("e => [e.scrollWidth, e.clientWidth, e.scrollHeight, e.clientHeight]",  # type: ignore[attr-defined]
                          name.element_handle())
    assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], sizes  # nothing of it hidden by overflow
    box, header = name.bounding_box(), page.locator(".md-header").bounding_box()  # type: ignore[attr-defined]
    assert header["y"] <= box["y"] and box["y"] + box["height"] <= header["y"] + header["height"] + 0.5, (box, header)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    page.close()


def test_search_finds_a_leaflet_and_no_staff_policy(browser: object, site: str) -> None:
    page = open_page(browser, f"{site}/index.html")
    page.locator(".md-search__input").first.click()  # type: ignore[attr-defined]
    page.keyboard.type("chaperone")  # type: ignore[attr-defined]
    page.wait_for_selector(".md-search-result__item", timeout=15000)  # type: ignore[attr-defined]
    results = page.locator(".md-search-result__item").all_inner_texts()  # type: ignore[attr-defined]
    assert any("Having a chaperone" in r for r in results), results
    page.locator(".md-search__input").fill("")  # type: ignore[attr-defined]
    page.keyboard.type("hygiene")  # type: ignore[attr-defined]
    page.wait_for_selector(".md-search-result__meta", timeout=15000)  # type: ignore[attr-defined]
    assert "No matching documents" in page.locator(".md-search-result__meta").inner_text()  # type: ignore[attr-defined]
    page.close()


def test_the_screenshots_are_kept(site: str) -> None:
    assert Path(ARTEFACTS).is_dir()
