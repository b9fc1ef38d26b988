"""Attacks on the confirmations service, over HTTP against the real server, on SQLite and PostgreSQL:
codes used twice or after expiry, guessing, writes without the CSRF token, confirming for someone else,
telling known addresses from unknown ones, the proxy header from elsewhere, open redirects, oversized
bodies, and the cookies and headers every answer carries."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from confirmtools import (
    API_TOKEN,
    PROXY,
    SECRET,
    STAFF_ADDRESSES,
    Service,
    ask_code,
    client,
    csrf,
    sign_in,
    verify_code,
)
from conftest import set_confirmations

from policybook.config import ConfirmationSettings
from policybook.confirm import codes
from policybook.confirm.security import CONTENT_SECURITY_POLICY, Security, safe_next


def _confirmations(service: Service, staff: str) -> list[dict[str, object]]:
    engine = service.engine()
    try:
        with engine.connect() as connection:  # type: ignore[attr-defined]
            return [dict(r) for r in connection.execute(
                sa.text("SELECT * FROM confirmations WHERE staff = :s ORDER BY seq"), {"s": staff}).mappings()]
    finally:
        engine.dispose()  # type: ignore[attr-defined]


def test_a_code_cannot_be_used_twice(service: Service) -> None:
    address = STAFF_ADDRESSES["te"]
    with client(service) as http:
        token = csrf(http)
        sent = len(service.mail.to(address))
        assert ask_code(http, token, address).status_code == 202
        code = service.mail.wait_for_code(address, sent)
        assert verify_code(http, token, address, code).status_code == 200
    with client(service) as other:
        token = csrf(other)
        second = verify_code(other, token, address, code)
        assert second.status_code == 400 and "has been used" in second.json()["error"]
        assert other.get("/api/v1/me").status_code == 401


def test_a_code_stops_working_after_ten_minutes(service: Service) -> None:
    """Codes issued (by the service's own code) 9 and 11 minutes ago: the first works, the second does not."""
    engine = service.engine()
    address = STAFF_ADDRESSES["mf"]
    secret = SECRET
    now = dt.datetime.now(dt.UTC)
    try:
        for minutes, status in ((11, 400), (9, 200)):
            code = codes.issue_code(engine, codes.CodeRequest(address, "mf", "192.0.2.1"), secret,  # type: ignore[arg-type]
                                    now=now - dt.timedelta(minutes=minutes))
            assert code is not None
            with client(service) as http:
                assert verify_code(http, csrf(http), address, code).status_code == status, minutes
    finally:
        engine.dispose()  # type: ignore[attr-defined]


def test_the_sixth_wrong_code_in_a_window_is_refused_even_when_right(service: Service) -> None:
    address = STAFF_ADDRESSES["ho"]
    with client(service) as http:
        token = csrf(http)
        sent = len(service.mail.to(address))
        assert ask_code(http, token, address).status_code == 202
        code = service.mail.wait_for_code(address, sent)
        wrong = str((int(code) + 1) % 10**8).zfill(8)
        for _ in range(5):
            assert verify_code(http, token, address, wrong).status_code == 400
        sixth = verify_code(http, token, address, code)
        assert sixth.status_code == 429 and "too many wrong codes" in sixth.json()["error"]
    with client(service) as elsewhere:  # the limit is per address, wherever the guesses come from
        assert verify_code(elsewhere, csrf(elsewhere), address, code).status_code == 429


def test_the_twenty_first_code_asked_for_by_one_client_in_a_window_is_refused(service: Service) -> None:
    with client(service) as http:
        token = csrf(http)
        statuses = [ask_code(http, token, f"nobody{n}@elsewhere.example").status_code for n in range(21)]
    assert statuses == [202] * 20 + [429]


def test_an_unknown_address_gets_the_same_answer_as_a_known_one(service: Service) -> None:
    """The same page, the same JSON, the same limit; only the known address gets mail."""
    known, unknown = STAFF_ADDRESSES["sk"], "sk.impostor@harbourside-dexa.example"
    answers = []
    for address in (known, unknown):
        with client(service) as http:
            sign_in_page = http.get("/")
            form = http.post("/sign-in", data={"csrf": _form_token(sign_in_page.text), "address": address,
                                               "next": "/my"})
            token = csrf(http)
            api = [ask_code(http, token, address) for _ in range(5)]
            answers.append((form.status_code, _without_tokens(form.text.replace(address, "ADDRESS")),
                            [(r.status_code, r.json()) for r in api]))
    assert answers[0] == answers[1]
    assert answers[0][0] == 200 and [status for status, _ in answers[0][2]] == [202] * 4 + [429]
    assert len(service.mail.to(known)) >= 1 and service.mail.to(unknown) == []


def _without_tokens(page: str) -> str:
    return re.sub(r'name="csrf" value="[0-9a-f]{64}"', 'name="csrf"', page)


def _form_token(page: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert match, page
    return match.group(1)


def test_writes_without_the_csrf_token_are_refused(service: Service) -> None:
    with client(service) as http:
        token = sign_in(http, service, "pl")
        body = {"policy": "IPC-002", "version": "2.0", "answers": {"1": 1}}
        for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": token, "Origin": "https://evil.example"}):
            refused = http.post("/api/v1/confirmations", json=body, headers=headers)
            assert refused.status_code == 403, headers
        for data in ({"version": "2.0", "answer-1": "1"}, {"version": "2.0", "answer-1": "1", "csrf": token[:-1]}):
            page = http.post("/policies/IPC-002/confirm", data=data)
            assert page.status_code == 403 and "did not come from this site" in page.text
        assert http.post("/sign-out", data={}).status_code == 403
        assert _confirmations(service, "pl") == []
        # Another browser's token is no good either: it belongs to that browser's cookie.
        with client(service) as other:
            assert http.post("/api/v1/confirmations", json=body,
                             headers={"X-CSRF-Token": csrf(other)}).status_code == 403
        accepted = http.post("/api/v1/confirmations", json=body, headers={"X-CSRF-Token": token})
        assert accepted.status_code == 201, accepted.text
        assert [row["policy"] for row in _confirmations(service, "pl")] == ["IPC-002"]


def test_a_session_cannot_confirm_for_another_person(service: Service) -> None:
    with client(service) as http:
        token = sign_in(http, service, "ot")
        body = {"staff": "jc", "policy": "IPC-002", "version": "2.0", "answers": {"1": 1}}
        refused = http.post("/api/v1/confirmations", json=body, headers={"X-CSRF-Token": token})
        assert refused.status_code == 403
        page = http.get("/policies/IPC-002")
        form = http.post("/policies/IPC-002/confirm", data={"csrf": _form_token(page.text), "version": "2.0",
                                                            "answer-1": "1", "staff": "jc"})
        assert form.status_code == 403 and "only for yourself" in form.text
        assert _confirmations(service, "jc") == [] and _confirmations(service, "ot") == []
        del body["staff"]
        done = http.post("/api/v1/confirmations", json=body, headers={"X-CSRF-Token": token})
        assert done.status_code == 201 and done.json()["confirmation"]["staff"] == "ot"
    assert _confirmations(service, "jc") == []


def test_the_trusted_header_counts_only_from_a_listed_proxy(service: Service) -> None:
    header = {"X-Forwarded-Email": STAFF_ADDRESSES["pl"], "X-Forwarded-For": "203.0.113.9"}
    with client(service, **header) as direct:
        assert direct.get("/api/v1/me").status_code == 401
        assert direct.get("/my").status_code == 303
    with client(service, PROXY, **header) as proxied:
        me = proxied.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["staff"] == "pl" and me.json()["method"] == "proxy"
        assert proxied.get("/my").status_code == 200
    with client(service, PROXY, **{"X-Forwarded-Email": "someone@elsewhere.example"}) as stranger:
        assert stranger.get("/api/v1/me").status_code == 401


def test_the_proxy_records_the_clients_address_and_a_direct_client_cannot_forge_it(service: Service) -> None:
    with client(service, PROXY, **{"X-Forwarded-Email": STAFF_ADDRESSES["te"],
                                   "X-Forwarded-For": "198.51.100.7, 127.0.0.2"}) as proxied:
        token = csrf(proxied)
        assert proxied.post("/api/v1/confirmations", json={"policy": "IPC-002", "version": "2.0",
                                                           "answers": {"1": 1}},
                            headers={"X-CSRF-Token": token}).status_code == 201
    address = "127.0.1.250"
    with client(service, address, **{"X-Forwarded-For": "198.51.100.8"}) as direct:
        token = sign_in(direct, service, "ra")
        assert direct.post("/api/v1/confirmations", json={"policy": "IPC-002", "version": "2.0",
                                                         "answers": {"1": 1}},
                           headers={"X-CSRF-Token": token}).status_code == 201
    assert [(r["client"], r["method"]) for r in _confirmations(service, "te")] == [("198.51.100.7", "proxy")]
    assert [(r["client"], r["method"]) for r in _confirmations(service, "ra")] == [(address, "code")]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/my", "/\\evil.example", "/my@evil",
                                    "javascript:alert(1)", "/policies/../../etc", "http:/evil.example"])
def test_no_open_redirect_after_signing_in(target: str) -> None:
    assert safe_next(target) == "/my"
    assert safe_next("/policies/IPC-002?version=2.0") == "/policies/IPC-002?version=2.0"


def test_signing_in_never_redirects_away(service: Service) -> None:
    address = STAFF_ADDRESSES["mf"]
    with client(service) as http:
        page = http.get("/", params={"next": "https://evil.example/"})
        assert 'name="next" value="/my"' in page.text
        sent = len(service.mail.to(address))
        http.post("/sign-in", data={"csrf": _form_token(page.text), "address": address,
                                    "next": "//evil.example"})
        code = service.mail.wait_for_code(address, sent)
        signed_in = http.post("/sign-in/code", data={"csrf": _form_token(page.text), "address": address,
                                                     "code": code, "next": "https://evil.example/"})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/my"


def test_cookies_and_headers(service: Service) -> None:
    with client(service) as http:
        page = http.get("/")
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "script-src" not in CONTENT_SECURITY_POLICY and "default-src 'none'" in CONTENT_SECURITY_POLICY
        assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
        cookie = page.headers["set-cookie"].lower()
        assert cookie.startswith("pb_client=") and "httponly" in cookie and "samesite=lax" in cookie
        assert "secure" not in cookie  # the service's address is http here: see the https test below
        missing = http.get("/no-such-page")
        assert missing.status_code == 404 and missing.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_over_https_cookies_are_secure_and_host_only() -> None:
    security = Security(ConfirmationSettings(base_url="https://confirm.example.org"), bytes(32))
    assert security.session_cookie == "__Host-pb_session" and security.client_cookie == "__Host-pb_client"
    from starlette.responses import Response

    response = Response()
    security.set_cookie(response, security.session_cookie, "token")
    cookie = response.headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Domain" not in cookie
    assert security.headers()["Strict-Transport-Security"].startswith("max-age=")


def test_large_and_malformed_bodies_are_refused(service: Service) -> None:
    with client(service) as http:
        token = csrf(http)
        huge = http.post("/api/v1/sign-in/code", content=b"{" + b" " * 70_000 + b"}",
                         headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
        assert huge.status_code == 413

        def chunks() -> Iterator[bytes]:
            for _ in range(100):
                yield b" " * 1024

        streamed = http.post("/api/v1/sign-in/code", content=chunks(),
                             headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
        assert streamed.status_code == 413
        for content in (b"[1, 2]", b"not json", b'{"address": 7}'):
            bad = http.post("/api/v1/sign-in/code", content=content,
                            headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
            assert bad.status_code == 400, content
        assert http.get("/policies/NOT-A-POLICY").status_code in (303, 404)


def test_the_manager_export_needs_the_api_token(service: Service) -> None:
    with client(service) as http:
        assert http.get("/api/v1/confirmations").status_code == 401
        assert http.get("/api/v1/confirmations", headers={"Authorization": "Bearer wrong"}).status_code == 401
        exported = http.get("/api/v1/confirmations", params={"since": 0},
                            headers={"Authorization": f"Bearer {API_TOKEN}"})
        assert exported.status_code == 200
        rows = exported.json()["confirmations"]
        assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
        report = http.get("/api/v1/report", headers={"Authorization": f"Bearer {API_TOKEN}"})
        assert report.status_code == 200 and report.json()["policies"]


def test_the_database_keeps_no_code_or_session_as_it_was_sent(service: Service) -> None:
    address = STAFF_ADDRESSES["jc"]
    with client(service) as http:
        token = csrf(http)
        sent = len(service.mail.to(address))
        ask_code(http, token, address)
        code = service.mail.wait_for_code(address, sent)
        signed_in = verify_code(http, token, address, code)
        assert signed_in.status_code == 200
        cookie = signed_in.headers["set-cookie"].lower()
        assert cookie.startswith("pb_session=") and "httponly" in cookie and "samesite=lax" in cookie
        session = http.cookies["pb_session"]
    engine = service.engine()
    try:
        with engine.connect() as connection:  # type: ignore[attr-defined]
            stored = " ".join(str(v) for table in ("codes", "code_requests", "sessions")
                              for row in connection.execute(sa.text(f"SELECT * FROM {table}")) for v in row)
    finally:
        engine.dispose()  # type: ignore[attr-defined]
    assert code not in stored and session not in stored and address not in stored


@pytest.mark.parametrize(("line", "message"), [
    ("  database: postgresql://policybook:hunter2@db.internal/confirmations\n", "holds a password"),
    ("  base_url: https://confirm.example.org/policies\n", "base_url"),
    ("  base_url: javascript:alert(1)\n", "base_url"),
])
def test_settings_refuse_a_password_in_the_file_and_a_base_url_that_is_not_an_origin(
        example: Path, line: str, message: str) -> None:
    from policybook.config import load_config
    from policybook.errors import PolicybookError

    section = "confirmations:\n  base_url: https://confirm.example.org\n  sign_in: [proxy]\n" \
              "  proxy:\n    header: X-Forwarded-Email\n    trusted: [127.0.0.1]\n"
    key = line.split(":", 1)[0]
    kept = "".join(row + "\n" for row in section.splitlines() if not row.startswith(key + ":"))
    set_confirmations(example, kept + line)
    with pytest.raises(PolicybookError, match=message):
        load_config(example)
