"""Fuzzing the confirmations service's JSON API and forms with hypothesis, in process (the real
application, database and SMTP sink; Starlette's test client), on SQLite and PostgreSQL.

Each generated request is sent twice, once naming a member of staff's address (which has a live code)
and once an unknown address of the same length. Nothing may answer 500, and a sign-in request must get
the same status and body either way. The limits are raised for the run, so that the requests reach the
code behind them instead of all being answered 429 (the limits have tests of their own).

POLICYBOOK_FUZZ_EXAMPLES sets the examples per backend (default 1,000: 2,000 generated requests a run,
each sent for both addresses); a nightly or manual run raises it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from confirmtools import BACKENDS, RECORD_KEY, SECRET, MailSink, database_for, make_library
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from policybook.config import load_config
from policybook.confirm import codes
from policybook.confirm.app import build_app
from policybook.confirm.database import DATABASE_VARIABLE
from policybook.confirm.keys import Keys
from policybook.confirm.service import Service

EXAMPLES = int(os.environ.get("POLICYBOOK_FUZZ_EXAMPLES", "1000"))
KNOWN = "ho@harbourside-dexa.example"
UNKNOWN = "hx@harbourside-dexa.example"  # the same length: nothing may depend on which it is
BASE = "http://testserver"
SIGN_IN = {"/api/v1/sign-in/code", "/api/v1/sign-in/verify", "/sign-in", "/sign-in/code"}


class Mark:
    """Where the address goes: as it is, in capitals, or with spaces round it."""

    def __init__(self, form: str) -> None:
        self.form = form

    def render(self, address: str) -> str:
        return {"plain": address, "upper": address.upper(), "spaced": f"  {address} "}[self.form]


def _render(value: Any, address: str) -> Any:
    if isinstance(value, Mark):
        return value.render(address)
    if isinstance(value, list):
        return [_render(v, address) for v in value]
    if isinstance(value, dict):
        return {k: _render(v, address) for k, v in value.items()}
    return value


marks = st.sampled_from(["plain", "plain", "upper", "spaced"]).map(Mark)
leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=3) |
                           st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
digits = st.characters(categories=["Nd"])
code_values = st.one_of(st.text(alphabet=digits, min_size=8, max_size=8),
                        st.text(alphabet=st.one_of(digits, st.sampled_from(" -\u00a0\u2009")), max_size=14),
                        st.from_regex(r"[0-9]{4}[ -]?[0-9]{4}", fullmatch=True),
                        st.sampled_from(["²³⁴⁵⁶⁷⁸⁹", "１２３４５６７８", "١٢٣٤٥٦٧٨", "12345678\x00"]),
                        st.text(max_size=60), json_values)
address_values = st.one_of(marks, marks, marks, json_values)
form_keys = st.one_of(st.sampled_from(["address", "code", "next", "version", "staff", "answer-1", "answer-2",
                                       "answer-²", "answer-١", "answer-01", "csrf"]), st.text(max_size=10))
form_values = st.one_of(marks, st.text(max_size=40), code_values.filter(lambda v: isinstance(v, str)))


@dataclass
class Call:
    method: str
    path: str
    body: Any  # bytes, or a structure holding Marks: dict (JSON), list of pairs (form)
    kind: str  # json, form, raw or none
    content_type: str | None
    csrf: str  # right, missing or wrong

    def render(self, address: str, token: str) -> dict[str, Any]:
        headers = {}
        if self.content_type:
            headers["content-type"] = self.content_type
        csrf = {"right": token, "wrong": "0" * 64, "missing": None}[self.csrf]
        if self.kind == "json":
            body = json.dumps(_render(self.body, address), ensure_ascii=False).encode("utf-8", "surrogatepass")
            if csrf:
                headers["x-csrf-token"] = csrf
        elif self.kind == "form":
            pairs = [(k, _render(v, address)) for k, v in self.body]
            if csrf:
                pairs.insert(0, ("csrf", csrf))
            body = urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode()
        elif self.kind == "raw":
            body = self.body
            if csrf:
                headers["x-csrf-token"] = csrf
        else:
            body = b""
        return {"method": self.method, "url": self.path, "content": body or None, "headers": headers}


@st.composite
def calls(draw: st.DrawFn) -> Call:
    kind = draw(st.sampled_from(["sign-in-json", "sign-in-json", "confirm-json", "nested", "raw", "form", "form",
                                 "get"]))
    csrf = draw(st.sampled_from(["right"] * 8 + ["wrong", "missing"]))
    json_type = draw(st.sampled_from(["application/json"] * 8 + ["application/json; charset=latin-1", "text/plain"]))
    if kind == "sign-in-json":
        body = {"address": draw(address_values), "code": draw(code_values)}
        body.update(draw(st.dictionaries(st.text(max_size=8), json_values, max_size=2)))
        path = draw(st.sampled_from(["/api/v1/sign-in/code", "/api/v1/sign-in/verify"]))
        return Call("POST", path, body, "json", json_type, csrf)
    if kind == "confirm-json":
        body = {"policy": draw(st.sampled_from(["IPC-002", "IPC-001"]) | st.text(max_size=12)),
                "version": draw(st.sampled_from(["2.0", "1.3"]) | st.text(max_size=8)),
                "answers": draw(st.dictionaries(st.text(max_size=4) | st.sampled_from(["1", "2", "١", "²"]),
                                                json_values, max_size=4) | json_values)}
        if draw(st.booleans()):
            body["staff"] = draw(address_values)
        return Call("POST", "/api/v1/confirmations", body, "json", json_type, csrf)
    if kind == "nested":
        depth = draw(st.integers(1, 30_000))
        opening, closing = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'{"address":[', b"]}")]))
        path = draw(st.sampled_from([*sorted(SIGN_IN - {"/sign-in", "/sign-in/code"}), "/api/v1/confirmations"]))
        return Call("POST", path, opening * depth + b"1" + closing * depth, "raw", "application/json", csrf)
    if kind == "raw":
        path = draw(st.sampled_from([*sorted(SIGN_IN), "/api/v1/confirmations", "/policies/IPC-002/confirm"]))
        content_type = draw(st.sampled_from(["application/json", "application/x-www-form-urlencoded",
                                             "multipart/form-data; boundary=xyz", "multipart/form-data", None]))
        return Call("POST", path, draw(st.binary(max_size=300)), "raw", content_type, csrf)
    if kind == "form":
        path = draw(st.sampled_from(["/sign-in", "/sign-in/code", "/sign-in/code", "/policies/IPC-002/confirm"]))
        pairs = draw(st.lists(st.tuples(form_keys, form_values), max_size=8))
        pairs.insert(0, ("address", draw(marks)))
        return Call("POST", path, pairs, "form", "application/x-www-form-urlencoded", csrf)
    segment = quote(draw(st.text(max_size=20) | st.sampled_from(["IPC-002", "IPC-001", "../../etc"])), safe="")
    query = urlencode({"version": draw(st.text(max_size=10)), "next": draw(st.text(max_size=30)),
                       "confirmed": draw(st.text(max_size=10))}, errors="surrogatepass")
    path = draw(st.sampled_from([f"/api/v1/policies/{segment}", f"/policies/{segment}", "/", "/my"]))
    return Call("GET", f"{path}?{query}", None, "none", None, "right")


@dataclass
class Target:
    http: TestClient
    token: str
    backend: str
    sent: int = 0
    statuses: dict[int, int] | None = None


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, mail: MailSink) -> Path:
    """One library for both backends (the database address is given by POLICYBOOK_CONFIRM_DATABASE)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    return make_library(tmp / "org", BASE, f"sqlite:///{tmp / 'unused.sqlite3'}", mail.port, hostile=False)


@pytest.fixture(scope="module", params=BACKENDS)
def target(request: pytest.FixtureRequest, library: Path) -> Iterator[Target]:
    backend = request.param
    # SQLite's file in memory-backed storage where there is one: every commit is synced to disk, and
    # thousands of them on a shared CI disk would take the run's whole time budget
    shm = Path("/dev/shm")
    folder = Path(tempfile.mkdtemp(prefix="policybook-fuzz-", dir=shm if shm.is_dir() else None))
    request.addfinalizer(lambda: shutil.rmtree(folder, ignore_errors=True))
    database = database_for(backend, request.getfixturevalue("postgresql"), folder)
    confirmations = load_config(library).confirmations
    assert confirmations is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATABASE_VARIABLE, database)
        for limit in ("MAX_REQUESTS_PER_ADDRESS", "MAX_REQUESTS_PER_CLIENT", "MAX_FAILURES_PER_ADDRESS",
                      "MAX_FAILURES_PER_CLIENT"):
            patch.setattr(codes, limit, 10**9)
        service = Service(library, confirmations, keys=Keys(SECRET, RECORD_KEY))
        deliver = service.request_code(KNOWN, "192.0.2.9")  # a live code for the known address
        assert deliver is not None
        deliver()
        with TestClient(build_app(library, confirmations, service), base_url=BASE, raise_server_exceptions=False,
                        follow_redirects=False) as http:
            token = http.get("/api/v1/csrf").json()["csrf"]
            http.cookies.set("pb_session", service.start_session("te", "code"))
            found = Target(http, token, backend, statuses={})
            yield found
            assert found.sent >= 2 * EXAMPLES  # every example was sent, for both addresses
    service.engine.dispose()


def _answer(target: Target, call: Call, address: str) -> tuple[int, str]:
    response = target.http.request(**call.render(address, target.token))
    target.sent += 1
    assert target.statuses is not None
    target.statuses[response.status_code] = target.statuses.get(response.status_code, 0) + 1
    body = response.text.replace(address, "ADDRESS").replace(address.upper(), "ADDRESS")
    return response.status_code, body


def test_no_request_gets_a_500_or_tells_addresses_apart(target: Target) -> None:
    started = time.monotonic()

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(call=calls())
    def check(call: Call) -> None:
        known = _answer(target, call, KNOWN)
        unknown = _answer(target, call, UNKNOWN)
        assert known[0] < 500 and unknown[0] < 500, (known, unknown)
        if call.path.split("?")[0] in SIGN_IN:
            assert known == unknown

    check()
    print(f"\nfuzz ({target.backend}): {target.sent} requests ({target.sent // 2} generated, each for a known and "
          f"an unknown address) in {time.monotonic() - started:.1f} s; statuses {dict(sorted(target.statuses.items()))}"
          if target.statuses is not None else "")
