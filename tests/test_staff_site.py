"""What staff get, in headless Chromium: on a phone the first screen says what to do; search holds only
what is in force and finds a policy by its id; a printed page stays controlled on every page; every page
passes axe at phone and desktop widths. The library is under git with superseded versions."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsertools import needs_browser, open_page
from conftest import TODAY, axe_violations, edit
from sitetools import copy_example, policybook, serve

pytestmark = needs_browser

HAND = "policies/infection-control/hand-hygiene.md"
PHONE = {"width": 375, "height": 812}


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example under git, with IPC-002 changed and approved once more (1.3 becomes superseded)."""
    root = copy_example(tmp_path_factory.mktemp("staff") / "org")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "policies")
    assert policybook(root, "bump", "IPC-002", "--minor", "--summary", "Gel first.", "--today", TODAY).returncode == 0
    edit(root / HAND, "Clean hands are the most effective way", "Clean hands are the single most effective way")
    result = policybook(root, "approve", "IPC-002", "--by", "ipc-lead", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    _git(root, "commit", "-q", "-am", "IPC-002 1.4")
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture(scope="module")
def site(library: Path) -> Iterator[str]:
    with serve(library / "site") as url:
        yield url


def _pages(library: Path) -> list[str]:
    site = library / "site"
    return sorted("/" + p.parent.relative_to(site).as_posix().removeprefix(".") + "/"
                  for p in site.rglob("index.html") if "/handbook/" not in p.as_posix())


def _policy_pages(library: Path) -> list[str]:
    return [p for p in _pages(library) if re.fullmatch(r"/policies/[^/]+/[^/]+/", p)]


def test_the_first_phone_screen_says_what_you_must_do(browser: object, site: str, library: Path) -> None:
    pages = _policy_pages(library)
    assert len(pages) == 30
    page = browser.new_page(viewport=PHONE)  # type: ignore[attr-defined]
    late = []
    for path in pages:
        page.goto(site + path)
        # What to do: the section the policy marks urgent where it has one (it comes first), else the duties.
        top = page.evaluate("""() => {
            const h = document.querySelector('[data-pb="urgent"]') || document.querySelector('#pb-duties-heading')
                || document.querySelector('.pb-body h2');
            return h.getBoundingClientRect().top + window.scrollY; }""")
        if top >= PHONE["height"]:
            late.append((path, top))
    page.goto(site + "/policies/infection-control/hand-hygiene/")
    page.screenshot(path=str(Path(__file__).parent / "artefacts" / "policy-phone-first-screen.png"))
    status = page.locator(".pb-status").inner_text()
    assert "IPC-002" in status and "Version 1.4" in status and "Next review" in status
    assert not page.locator("details.pb-panel").evaluate("d => d.open")  # one tap away
    page.locator("details.pb-panel > summary").click()
    assert page.locator('[data-pb="owner"]').is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    page.close()
    assert late == [] and width <= 375


def _search(page: object, query: str) -> list[str]:
    """The result links, in order, for ``query``: the box is emptied and the old results gone first."""
    box = page.locator(".md-search__input").first  # type: ignore[attr-defined]
    box.fill("")
    page.wait_for_function("() => !document.querySelector('.md-search-result__item')")  # type: ignore[attr-defined]
    box.type(query)
    page.wait_for_selector(".md-search-result__item", timeout=15000)  # type: ignore[attr-defined]
    page.wait_for_timeout(500)  # type: ignore[attr-defined]
    return page.locator(".md-search-result__item > .md-search-result__link").evaluate_all(  # type: ignore[attr-defined]
        "links => links.map(a => a.getAttribute('href'))")


QUERIES = [
    ("GOV-004", "policies/governance/complaints/"),
    ("IPC-002", "policies/infection-control/hand-hygiene/"),
    ("hs-002", "policies/health-safety/medical-emergencies/"),
    ("Hand hygiene", "policies/infection-control/hand-hygiene/"),
    ("Complaints", "policies/governance/complaints/"),
    ("most effective way", "policies/infection-control/hand-hygiene/"),  # also in the superseded 1.3
    ("liquid soap", "policies/infection-control/hand-hygiene/"),
    ("first aid", "policies/health-safety/first-aid/"),
    ("duty of candour", "policies/governance/duty-of-candour/"),
    ("safeguarding adults", "policies/safeguarding/safeguarding-adults/"),
]


def test_search_puts_the_policy_in_force_first(browser: object, site: str, library: Path) -> None:
    for _query, expected in QUERIES:
        assert (library / "site" / expected / "index.html").is_file(), expected
    page = open_page(browser, site + "/")
    wrong = []
    for query, expected in QUERIES:
        results = _search(page, query)
        if not results or not results[0].split("?")[0].rstrip("/").endswith(expected.rstrip("/")):
            wrong.append((query, results[:3]))
    page.close()
    assert wrong == []


def test_the_search_index_holds_only_what_is_in_force(library: Path) -> None:
    index = json.loads((library / "site/search/search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    assert (library / "site/policies/infection-control/hand-hygiene/versions/1.3/index.html").is_file()
    assert (library / "site/policies/infection-control/hand-hygiene/versions/1.4-changes/index.html").is_file()
    assert not [loc for loc in locations if "/versions/" in loc or loc.startswith("guide/")]
    assert "policies/infection-control/hand-hygiene/" in locations


def test_a_printed_policy_is_controlled_on_every_page(browser: object, site: str, library: Path,
                                                      tmp_path: Path) -> None:
    page = open_page(browser, site + "/policies/infection-control/hand-hygiene/")
    pdf = tmp_path / "printed.pdf"
    page.pdf(path=str(pdf), format="A4")
    page.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    for number, content in enumerate(pages, start=1):
        flat = " ".join(content.split())
        assert "IPC-002" in flat and "Version 1.4" in flat and "Next review 26 November 2028" in flat, number
        assert f"Page {number} of {len(pages)}" in flat and "Uncontrolled when printed" in flat, number
        assert re.search(r"Printed \d{1,2} \w+ \d{4}", flat), number
    assert len(pages[0].split()) > 120  # the first page is not left nearly blank


def _printed_pages(browser: object, url: str, pdf: Path) -> list[str]:
    """Each printed page's words (Chromium's print to PDF, then pdftotext page by page)."""
    page = open_page(browser, url)
    page.pdf(path=str(pdf), format="A4")  # type: ignore[attr-defined]
    page.close()
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(p.split()) for p in text.split("\f") if p.strip()]


def test_every_printed_page_of_a_superseded_version_says_it_is_superseded(browser: object, site: str,
                                                                         tmp_path: Path) -> None:
    pages = _printed_pages(browser, site + "/policies/infection-control/hand-hygiene/versions/1.3/",
                           tmp_path / "superseded.pdf")
    assert len(pages) >= 2
    for number, flat in enumerate(pages, start=1):
        assert "Superseded, not in force · IPC-002 · Version 1.3 · In force 13 October 2025 to 26 November 2026" \
            in flat, number
        assert f"Page {number} of {len(pages)}" in flat and "Uncontrolled when printed" in flat, number


@pytest.mark.parametrize(("path", "head"), [
    ("/registers/", "All policies"),
    ("/registers/recent-changes/", "Recent changes"),
    ("/registers/roles/", "Roles"),
    ("/policies/infection-control/hand-hygiene/versions/1.4-changes/", "Hand hygiene: what changed in version 1.4"),
])
def test_printed_registers_and_changes_carry_the_controlled_running_head(browser: object, site: str, tmp_path: Path,
                                                                        path: str, head: str) -> None:
    pages = _printed_pages(browser, site + path, tmp_path / "printed.pdf")
    for number, flat in enumerate(pages, start=1):
        assert f"· {head} · As on 26 November 2026" in flat, (number, flat[:300])
        assert f"Page {number} of {len(pages)}" in flat and "Uncontrolled when printed" in flat, number
        assert re.search(r"Printed \d{1,2} \w+ \d{4}", flat), number


@pytest.mark.parametrize("width", [375, 1280])
def test_every_page_passes_axe(browser: object, site: str, library: Path, width: int) -> None:
    failures = []
    page = browser.new_page(viewport={"width": width, "height": 900}, bypass_csp=True)  # type: ignore[attr-defined]
    for path in _pages(library):
        page.goto(site + path)
        violations = axe_violations(page)
        if violations:
            failures.append((path, violations))
    page.close()
    assert failures == []
