"""End to end: the built example site in headless Chromium (Debian's), served on 127.0.0.1.

Checks what staff see: categories on the home page, the control panel, the overdue badge, search,
the version selector after two publishes, a phone-width layout, the print view and an axe-core
accessibility scan (WCAG 2.2 A and AA). Screenshots are kept in tests/artefacts/.
"""

from __future__ import annotations

import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsertools import needs_browser, open_page
from conftest import REPO, TODAY, axe_violations, edit
from sitetools import copy_example, policybook, serve

ARTEFACTS = REPO / "tests/artefacts"

pytestmark = needs_browser


SITE_ROOT: dict[str, Path] = {}  # where the module's site was built


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = copy_example(tmp_path_factory.mktemp("site") / "org")
    # One policy is past its review date on the day of this build.
    edit(root / "policies/clinical/irmer-procedures.md", 'next_review: "2027-04-13"', 'next_review: "2026-11-20"')
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    SITE_ROOT["path"] = root / "site"
    with serve(root / "site") as url:
        yield url


def _shot(page: object, name: str) -> None:
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_home_page_lists_the_categories(browser: object, site: str) -> None:
    page = open_page(browser, site + "/")
    _shot(page, "home")
    links = page.locator("article a").all_inner_texts()
    for title in ("Governance and quality", "Safeguarding and consent", "Clinical practice and radiation",
                  "Infection prevention and control", "Health, safety and emergencies",
                  "Information governance", "Workforce"):
        assert title in links
    assert "Care Quality Commission overall rating" in page.locator(".md-banner").inner_text()
    page.close()


def test_policy_page_shows_its_frontmatter_in_the_panel(browser: object, site: str) -> None:
    page = open_page(browser, site + "/policies/infection-control/hand-hygiene/")
    page.locator("details.pb-panel > summary").click()  # the panel is one tap away
    _shot(page, "policy")
    value = lambda key: page.locator(f'[data-pb="{key}"]').inner_text().strip()  # noqa: E731
    assert value("id") == "IPC-002"
    assert value("version") == "1.3"
    assert value("owner") == "Infection Prevention and Control Lead"
    assert value("approved_on") == "13 October 2025"
    assert value("next_review").startswith("13 October 2027")
    assert value("review_status") == "Current"
    assert page.locator("h1").inner_text() == "Hand hygiene"
    assert page.locator(".pb-guidance a").first.inner_text() == "WHO Guidelines on Hand Hygiene in Health Care"
    page.close()


def test_overdue_badge_for_a_policy_past_its_review(browser: object, site: str) -> None:
    page = open_page(browser, site + "/policies/clinical/irmer-procedures/")
    assert page.locator(".pb-status .pb-badge").inner_text().startswith("Overdue by 6 days")  # first screen
    page.locator("details.pb-panel > summary").click()
    badge = page.locator('[data-pb="review_status"]')
    assert badge.inner_text().startswith("Overdue by 6 days")
    assert "pb-badge--overdue" in (badge.get_attribute("class") or "")
    register = open_page(browser, site + "/registers/review/")
    _shot(register, "register-review")
    assert "IR(ME)R employer" in register.locator("article").inner_text()
    page.close()
    register.close()


def test_search_finds_a_policy_by_a_word_in_its_body(browser: object, site: str) -> None:
    page = open_page(browser, site + "/")
    page.locator(".md-search__input").first.click()
    page.keyboard.type("diarrhoea")
    page.wait_for_selector(".md-search-result__item", timeout=15000)
    results = page.locator(".md-search-result__item").all_inner_texts()
    assert any("Hand hygiene" in r for r in results), results
    page.close()


def test_all_policies_register_sorts_by_column(browser: object, site: str) -> None:
    page = open_page(browser, site + "/registers/")
    _shot(page, "register-all")
    ids = lambda: page.locator(".pb-sortable tbody tr td:first-child").all_inner_texts()  # noqa: E731
    assert ids() == sorted(ids())
    page.locator(".pb-sortable th button", has_text="Id").click()
    page.locator(".pb-sortable th button", has_text="Id").click()
    assert ids() == sorted(ids(), reverse=True)
    assert page.locator(".pb-sortable th").first.get_attribute("aria-sort") == "descending"
    page.close()


def test_policy_page_fits_a_phone_screen(browser: object, site: str) -> None:
    page = open_page(browser, site + "/policies/infection-control/hand-hygiene/", width=375)
    _shot(page, "policy-phone")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    page.close()


def test_print_view_hides_navigation_and_marks_the_copy_uncontrolled(browser: object, site: str) -> None:
    page = open_page(browser, site + "/policies/infection-control/hand-hygiene/")
    page.emulate_media(media="print")
    assert not page.locator(".md-sidebar--primary").is_visible()
    assert not page.locator(".md-header").is_visible()
    note = page.locator(".pb-print-note")
    assert note.is_visible() and "Uncontrolled when printed" in note.inner_text()
    page.close()


@pytest.mark.parametrize("path", ["/", "/policies/infection-control/hand-hygiene/", "/registers/",
                                  "/registers/roles/", "/registers/review/"])
def test_pages_pass_axe_wcag_2_2_aa(browser: object, site: str, path: str) -> None:
    page = open_page(browser, site + path, bypass_csp=True)  # axe is injected as an inline script
    violations = axe_violations(page)
    page.close()
    assert violations == []


def test_version_selector_lists_versions_after_two_publishes(browser: object,
                                                            tmp_path_factory: pytest.TempPathFactory) -> None:
    root = copy_example(tmp_path_factory.mktemp("publish") / "org")
    git = lambda *args: subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)  # noqa: E731
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=Test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m", "policies")
    env = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}
    for version in ("2026.10", "2026.11"):
        result = policybook(root, "publish", version, "--alias", "latest", "--today", TODAY, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    out = root.parent / "pages"
    out.mkdir()
    archive = subprocess.run(["git", "archive", "gh-pages"], cwd=root, check=True, capture_output=True).stdout
    (root.parent / "pages.tar").write_bytes(archive)
    with tarfile.open(root.parent / "pages.tar") as bundle:
        bundle.extractall(out, filter="data")
    assert (out / "versions.json").is_file()
    with serve(out) as url:
        page = open_page(browser, url + "/2026.11/")
        page.wait_for_selector(".md-version__current", timeout=15000)
        _shot(page, "versions")
        assert page.locator(".md-version__current").inner_text().startswith("2026.11")
        items = page.locator(".md-version__item").all_inner_texts()
        assert any("2026.10" in i for i in items) and any("2026.11" in i for i in items), items
        page.close()


def test_the_header_policy_lets_every_page_work_and_blocks_injected_script(site: str, browser: object) -> None:
    """Served with content-security-policy.txt as the HTTP header (as the hosting guide says), the
    theme's scripts run (search opens) with no violation, and a script added to a page is refused."""
    root = SITE_ROOT["path"]
    policy = (root / "content-security-policy.txt").read_text(encoding="utf-8").strip()
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1]
    with serve(root, {"Content-Security-Policy": policy}) as url:
        for path in ("/", "/policies/infection-control/hand-hygiene/", "/registers/roles/", "/registers/review/"):
            page = browser.new_page()  # type: ignore[attr-defined]
            messages: list[str] = []
            page.on("console", lambda message, found=messages: found.append(message.text))
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            assert page.evaluate("typeof __md_get") == "function"  # Material's inline script ran
            assert [m for m in messages if "Content Security Policy" in m] == []
            injected = page.evaluate("""() => { const s = document.createElement('script');
                s.textContent = 'window.__injected = 1'; document.head.appendChild(s); return window.__injected }""")
            assert injected is None
            violations = [m for m in messages if "Content Security Policy" in m]
            assert violations and all("inline script" in m for m in violations)  # the header's and the meta's
            page.close()
