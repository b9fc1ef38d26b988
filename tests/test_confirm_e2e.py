"""End to end, on SQLite and on a real PostgreSQL: the service under uvicorn on a free port, a real SMTP
sink (aiosmtpd) and Chromium. A member of staff follows the link for a new version, asks for a code,
reads it from the captured mail, signs in, sees what changed since the version they confirmed, answers
the question wrongly (an attempt, shown the section again), then rightly, and confirms. ``ack pull``
writes the row, ``ack report`` no longer lists it, ``ack verify`` passes, and fails once one byte of an
old row is changed. The pages pass an axe-core scan (WCAG 2.2 AA).
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from browsertools import needs_browser
from confirmtools import BACKENDS, NEW_WORDS, STAFF_ADDRESSES, Service, client, policybook, running_service, sign_in
from conftest import axe_violations

pytestmark = needs_browser


@pytest.fixture(scope="module", params=BACKENDS)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(tmp_path_factory.mktemp(request.param), request.param,
                         request.getfixturevalue("postgresql"), request.getfixturevalue("mail")) as running:
        yield running


def _counts(service: Service, staff: str) -> tuple[int, int]:
    """(attempts, confirmations) of ``staff`` in the database."""
    engine = service.engine()
    try:
        with engine.connect() as connection:  # type: ignore[attr-defined]
            attempts = connection.execute(sa.text("SELECT count(*) FROM attempts WHERE staff = :s"), {"s": staff})
            confirmations = connection.execute(sa.text("SELECT count(*) FROM confirmations WHERE staff = :s"),
                                               {"s": staff})
            return int(attempts.scalar()), int(confirmations.scalar())
    finally:
        engine.dispose()  # type: ignore[attr-defined]


def _axe(browser: object, url: str, context: object) -> list[str]:
    page = context.new_page()  # type: ignore[attr-defined]
    page.goto(url)
    violations = axe_violations(page)
    page.close()
    return violations


def test_a_member_of_staff_signs_in_reads_the_changes_answers_and_confirms(browser: object, service: Service,
                                                                          tmp_path: Path) -> None:
    address = STAFF_ADDRESSES["jc"]
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    # The link on the staff site's policy page, followed before signing in.
    page.goto(f"{service.url}/policies/IPC-002?version=2.0")
    assert page.locator("h1").inner_text() == "Sign in"
    page.fill("#address", address)
    sent = len(service.mail.to(address))
    page.click("button:has-text('E-mail me a code')")
    assert page.locator("h1").inner_text() == "Check your e-mail"
    code = service.mail.wait_for_code(address, sent)
    page.fill("#code", code)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{service.url}/policies/IPC-002?version=2.0")

    # What changed since 1.3, which jc confirmed on paper: the new words marked as inserted.
    changes = page.locator("[data-pc=changes]")
    assert "What changed since version 1.3, which you confirmed" in changes.inner_text()
    assert any(NEW_WORDS in text for text in page.locator(".pc-redline ins").all_inner_texts())

    # A wrong answer: an attempt, not a confirmation, and the section that holds the answer shown.
    page.check("label:has-text('5 seconds')")
    page.click("button:has-text('I have read and understood version 2.0')")
    wrong = page.locator("[data-pc=wrong-1]")
    assert wrong.is_visible()
    assert "Hand rub takes 20 to 30 seconds" in wrong.locator(".pc-section").inner_text()
    assert "Nothing has been confirmed" in page.locator(".pc-problem").first.inner_text()
    assert _counts(service, "jc") == (1, 0)

    # The right answer: confirmed.
    page.check("label:has-text('20 to 30 seconds')")
    page.click("button:has-text('I have read and understood version 2.0')")
    page.wait_for_url(f"{service.url}/my?confirmed=IPC-002")
    assert "your confirmation of IPC-002 is recorded" in page.locator("[role=status]").inner_text()
    assert "IPC-002 Hand hygiene: version 2.0" in page.locator("[data-pc=confirmed]").inner_text()
    assert "IPC-002" not in page.locator("[data-pc=outstanding]").inner_text()
    assert _counts(service, "jc") == (1, 1)
    for path in ("/my", "/policies/IPC-002", "/policies/IPC-005"):
        assert _axe(browser, service.url + path, browser.new_context(bypass_csp=True,  # type: ignore[attr-defined]
                                                                      storage_state=context.storage_state())) == []
    context.close()

    # ack pull writes the row to the records, in the chained format; ack report no longer lists jc.
    root = service.root
    before = policybook(root, "ack", "report", "--format", "json")
    assert any(i["staff"] == "jc" and i["policy"] == "IPC-002" for i in json.loads(before.stdout)["outstanding"])
    pulled = policybook(root, "ack", "pull")
    assert pulled.returncode == 0, pulled.stderr
    assert "pulled 1 confirmation (to row 1): 1 new line" in pulled.stdout
    with open(root / "records/acknowledgements.csv", encoding="utf-8", newline="") as stream:
        last = list(csv.reader(stream))[-1]
    assert last[:3] == ["jc", "IPC-002", "2.0"] and len(last) == 5
    after = policybook(root, "ack", "report", "--format", "json")
    assert not any(i["staff"] == "jc" and i["policy"] == "IPC-002" for i in json.loads(after.stdout)["outstanding"])
    again = policybook(root, "ack", "pull")
    assert "pulled 0 confirmations" in again.stdout
    verified = policybook(root, "ack", "verify")
    assert verified.returncode == 0 and "the hash chain is unbroken" in verified.stdout
    assert policybook(root, "confirmations", "verify").returncode == 0

    # One byte of an old row changed: ack verify fails at that line.
    copy = tmp_path / "tampered"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".git"))
    records = copy / "records/acknowledgements.csv"
    lines = records.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",1.0,", ",1.1,", 1)  # one byte: 0 -> 1
    assert sum(a != b for a, b in zip("".join(lines), records.read_text(encoding="utf-8"), strict=True)) == 1
    records.write_text("".join(lines), encoding="utf-8")
    tampered = policybook(copy, "ack", "verify")
    assert tampered.returncode == 1 and "acknowledgements.csv:2:" in tampered.stderr


def test_policy_text_with_script_cannot_run_on_the_services_pages(browser: object, service: Service) -> None:
    """IPC-001 carries a script element, an event handler and a javascript: link in its text and its
    question: they are shown as text, nothing runs, even with the page's CSP switched off (escaping),
    and the CSP itself has no script source at all."""
    with client(service) as http:
        sign_in(http, service, "ot")
        session = http.cookies["pb_session"]
    for bypass in (False, True):
        context = browser.new_context(bypass_csp=bypass)  # type: ignore[attr-defined]
        context.add_cookies([{"name": "pb_session", "value": session, "url": service.url}])
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()))
        page.goto(f"{service.url}/policies/IPC-001")
        assert page.locator("h1").inner_text().startswith("IPC-001")
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.querySelectorAll('script, [onerror], a[href^=javascript]').length") == 0
        text = page.locator("main").inner_text()
        assert "<script>window.__pwned = 1</script>" in text
        assert "<img src=x onerror=window.__pwned=1>" in text
        assert "<script>window.__pwned=1</script>" in page.locator("label").first.inner_text()
        assert dialogs == []
        context.close()


def test_the_trusted_proxy_header_signs_in_only_through_the_proxy(browser: object, service: Service) -> None:
    """A browser sending the header itself (from 127.0.0.1, not the listed proxy) is not signed in."""
    context = browser.new_context(extra_http_headers={"X-Forwarded-Email": STAFF_ADDRESSES["pl"]})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{service.url}/my")
    assert page.locator("h1").inner_text() == "Sign in"
    context.close()
