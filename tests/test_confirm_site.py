"""The staff site's link to the confirmations service: "Confirm you have read version X" on each policy page
that asks readers to confirm, only when policybook.yml configures the service (the example does); the page
keeps passing the axe-core scan and its Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from browsertools import needs_browser
from conftest import TODAY, axe_violations, edit, without_confirmations
from sitetools import copy_example, policybook, serve

BASE = "https://confirm.harbourside-dexa.example"
PAGE = "site/policies/infection-control/hand-hygiene/index.html"


def _build(root: Path, configured: bool) -> Path:
    edit(root / "mkdocs.yml", "  - policybook\n", "  - policybook:\n      handbook: false\n")  # faster; not tested here
    if not configured:
        config = root / "policybook.yml"
        config.write_text(without_confirmations(config.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        rating = root / "policies/governance/display-of-rating.md"  # a policy readers need not confirm
        edit(rating, "audience:", "acknowledge: false\naudience:")
        rating.write_text("".join(line for line in rating.read_text(encoding="utf-8").splitlines(keepends=True)
                                  if not line.startswith("fingerprint:")), encoding="utf-8")
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(copy_example(tmp_path_factory.mktemp("confirm-site") / "org"), configured=True)


def test_each_policy_page_links_to_confirm_its_version(site: Path) -> None:
    page = (site.parent / PAGE).read_text(encoding="utf-8")
    link = f'<p class="pb-confirm"><a href="{BASE}/policies/IPC-002?version=1.3">Confirm you have read version 1.3</a>'
    assert link in page
    assert page.index(link) > page.index('id="pb-duties-heading"')  # after what each role must do


def test_no_link_where_readers_need_not_confirm(site: Path) -> None:
    page = (site / "policies/governance/display-of-rating/index.html").read_text(encoding="utf-8")
    assert "pb-confirm" not in page


def test_no_link_without_a_confirmations_service(tmp_path: Path) -> None:
    site = _build(copy_example(tmp_path / "org"), configured=False)
    assert "pb-confirm" not in (site / "policies/infection-control/hand-hygiene/index.html").read_text(encoding="utf-8")


@needs_browser
def test_the_page_with_the_link_passes_axe_and_its_csp(site: Path, browser: object) -> None:
    policy = (site / "content-security-policy.txt").read_text(encoding="utf-8").strip()
    with serve(site, {"Content-Security-Policy": policy}) as url:
        page = browser.new_page()  # type: ignore[attr-defined]
        messages: list[str] = []
        page.on("console", lambda message: messages.append(message.text))
        page.goto(url + "/policies/infection-control/hand-hygiene/")
        page.wait_for_load_state("networkidle")
        link = page.get_by_role("link", name="Confirm you have read version 1.3")
        assert link.get_attribute("href") == f"{BASE}/policies/IPC-002?version=1.3"
        assert [m for m in messages if "Content Security Policy" in m] == []
        page.close()
        scan = browser.new_page(bypass_csp=True)  # type: ignore[attr-defined]
        scan.goto(url + "/policies/infection-control/hand-hygiene/")
        violations = axe_violations(scan)
        scan.close()
    assert violations == []
