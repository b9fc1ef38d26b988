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
from conftest import REPO, TODAY, axe_violations, edit, strip_fingerprints
from sitetools import copy_example, policybook, serve

ARTEFACTS = REPO / "tests/artefacts"
EMERGENCIES = "policies/health-safety/medical-emergencies.md"
PHONE = {"width": 375, "height": 812}

pytestmark = needs_browser


SITE_ROOT: dict[str, Path] = {}  # where the module's site was built


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = strip_fingerprints(copy_example(tmp_path_factory.mktemp("site") / "org"))
    # One policy is past its review date on the day of this build.
    edit(root / "policies/governance/duty-of-candour.md", 'next_review: "2027-05-12"', 'next_review: "2026-11-20"')
    # The medical emergencies policy (EMERGENCIES) marks its steps for someone who collapses as the section
    # to read first (urgent: If someone collapses).
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
    page = open_page(browser, site + "/policies/governance/duty-of-candour/")
    assert page.locator(".pb-status .pb-badge").inner_text().startswith("Overdue by 6 days")  # first screen
    page.locator("details.pb-panel > summary").click()
    badge = page.locator('[data-pb="review_status"]')
    assert badge.inner_text().startswith("Overdue by 6 days")
    assert "pb-badge--overdue" in (badge.get_attribute("class") or "")
    register = open_page(browser, site + "/registers/review/")
    _shot(register, "register-review")
    assert "Duty of candour" in register.locator("article").inner_text()
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


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", ["/", "/policies/infection-control/hand-hygiene/", "/registers/",
                                  "/registers/roles/", "/registers/review/", "/registers/recent-changes/",
                                  "/registers/standards/", "/registers/equipment/", "/policies/governance/",
                                  "/policies/health-safety/medical-emergencies/"])
def test_pages_pass_axe_wcag_2_2_aa(browser: object, site: str, path: str, width: int) -> None:
    page = open_page(browser, site + path, width=width, bypass_csp=True)  # axe is injected as an inline script
    violations = axe_violations(page)
    page.close()
    assert violations == []


def test_the_emergency_steps_are_on_the_first_phone_screen(browser: object, site: str) -> None:
    """"Call 999" and the defibrillator are in the first screen of the medical emergencies policy on a phone,
    above the document control and the purpose."""
    page = browser.new_page(viewport=PHONE)  # type: ignore[attr-defined]
    page.goto(site + "/policies/health-safety/medical-emergencies/")
    page.wait_for_load_state("networkidle")
    _shot(page, "urgent-phone")
    bottoms = page.evaluate("""() => {
        const article = document.querySelector('article');
        const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
        const found = {};
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of ['999', 'defibrillator', 'Anyone who collapses']) {
                if (!(word in found) && node.textContent.includes(word)) {
                    const range = document.createRange();
                    range.selectNodeContents(node);
                    found[word] = range.getBoundingClientRect().bottom + window.scrollY;
                }
            }
        }
        found.status = document.querySelector('.pb-status').getBoundingClientRect().top + window.scrollY;
        return found; }""")
    page.close()
    assert bottoms["999"] <= PHONE["height"] and bottoms["defibrillator"] <= PHONE["height"], bottoms
    assert bottoms["999"] < bottoms["status"] < bottoms["Anyone who collapses"], bottoms


def _equipment_aliases(root: Path) -> list[tuple[str, set[str]]]:
    """(alias, the pages of the policies in force that cite its equipment) for every equipment alias."""
    from policybook.corpus import load_corpus
    from policybook.dates import parse_date
    from policybook.evidence.inforce import in_force
    from policybook.views.addresses import page_url, policy_uri

    corpus = load_corpus(root, parse_date(TODAY))
    citing: dict[str, set[str]] = {}
    for policy in in_force(corpus):
        for item in policy.equipment:
            citing.setdefault(item, set()).add(page_url(policy_uri(policy, corpus)))
    return [(alias, citing[item.id]) for item in corpus.registers.equipment.values() for alias in item.aliases
            if item.id in citing]


def test_a_search_for_each_equipment_alias_finds_its_policy(browser: object, site: str) -> None:
    aliases = _equipment_aliases(SITE_ROOT["path"].parent)
    assert any(a == "AED" and "policies/health-safety/medical-emergencies/" in p for a, p in aliases), aliases
    page = open_page(browser, site + "/")
    box = page.locator(".md-search__input").first
    box.click()
    missed = []
    for alias, pages in aliases:
        box.fill("")
        page.wait_for_function("() => !document.querySelector('.md-search-result__item')")
        box.type(alias)
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        page.wait_for_timeout(300)
        found = page.locator(".md-search-result__item > .md-search-result__link").evaluate_all(
            "links => links.map(a => new URL(a.href).pathname.replace(/^\\//, ''))")
        if not pages & set(found[:5]):
            missed.append((alias, sorted(pages), found[:5]))
    page.close()
    assert missed == []


_CLIPPED = """() => {
    const bad = [];
    for (const cell of document.querySelectorAll('article table th, article table td')) {
        cell.scrollIntoView({block: 'nearest', inline: 'nearest'});
        const r = cell.getBoundingClientRect();
        if (r.left < -0.5 || r.right > window.innerWidth + 0.5) bad.push([cell.textContent.trim(), 'off the screen']);
        for (let box = cell.parentElement; box && box !== document.body; box = box.parentElement) {
            if (getComputedStyle(box).overflowX === 'visible') continue;
            const b = box.getBoundingClientRect();
            if (r.left < b.left - 0.5 || r.right > b.right + 0.5) bad.push([cell.textContent.trim(), box.className]);
        }
        if (cell.scrollWidth > cell.clientWidth + 1) bad.push([cell.textContent.trim(), 'wider than its cell']);
    }
    const wide = [...document.querySelectorAll('article .pb-scroll')].filter(b => b.scrollWidth > b.clientWidth + 1);
    return {cells: document.querySelectorAll('article table td').length, bad: bad.slice(0, 10),
            page: document.documentElement.scrollWidth, scrolling: wide.length};
}"""


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("path", ["/registers/", "/registers/recent-changes/", "/registers/standards/",
                                  "/registers/equipment/", "/registers/training/", "/policies/governance/"])
def test_register_tables_clip_no_cell(browser: object, site: str, path: str, width: int) -> None:
    """Every cell can be reached: on a phone by scrolling the table's own box (the page never scrolls
    sideways); at desktop width the registers written as plain tables fit without scrolling at all."""
    page = open_page(browser, site + path, width=width)
    _shot(page, f"register-{path.strip('/').replace('/', '-')}-{width}")
    found = page.evaluate(_CLIPPED)
    page.close()
    assert found["cells"] > 0 and found["bad"] == [] and found["page"] <= width, found
    if width == 1280 and path in ("/registers/", "/registers/recent-changes/", "/policies/governance/"):
        assert found["scrolling"] == 0, found


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
