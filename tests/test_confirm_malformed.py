"""Malformed requests to the confirmations service, over HTTP against the real server, on SQLite and
PostgreSQL: codes in other scripts' digits, JSON nested past any sensible depth, non-ASCII keys and
values in answers, values of the wrong type. Each gets a 4xx, the same for a member of staff's address
(with a live code) as for an unknown one, and each sign-in attempt counts against the limits."""

from __future__ import annotations

import json

import httpx
import pytest
from confirmtools import STAFF_ADDRESSES, Service, client, csrf, live_code, sign_in

ARABIC_INDIC = "١٢٣٤٥٦٧٨"
FULLWIDTH = "１２３４５６７８"
UNKNOWN = "nobody.here@harbourside-dexa.example"


def _post(http: httpx.Client, path: str, token: str, body: object | bytes) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http.post(path, content=content, headers={"X-CSRF-Token": token, "Content-Type": "application/json"})


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULLWIDTH, "١٢٣٤ ٥٦٧٨", "²³⁴⁵⁶⁷⁸⁹"])
def test_a_code_in_other_digits_is_a_wrong_code_for_any_address(service: Service, digits: str) -> None:
    """The same 400 for an address with a live code as for an unknown one, and the attempt is counted:
    five of them, and the right code is refused too."""
    staff = {ARABIC_INDIC: "te", FULLWIDTH: "mf", "١٢٣٤ ٥٦٧٨": "ho", "²³⁴⁵⁶⁷⁸⁹": "ra"}[digits]
    known = STAFF_ADDRESSES[staff]
    with client(service) as http:
        token = csrf(http)
        code = live_code(service, http, token, known)
        answers = {address: [_post(http, "/api/v1/sign-in/verify", token, {"address": address, "code": digits})
                             for _ in range(5)] for address in (known, UNKNOWN + staff)}
        seen = {address: [(r.status_code, r.json()) for r in responses] for address, responses in answers.items()}
        assert seen[known] == seen[UNKNOWN + staff]
        assert [status for status, _ in seen[known]] == [400] * 5
        right = _post(http, "/api/v1/sign-in/verify", token, {"address": known, "code": code})
        assert right.status_code == 429, right.text


WRONG_TYPES: list[object] = [12345678, None, ["12345678"], {"code": "12345678"}, True, 1.5e300, "9" * 41]


def test_a_code_of_the_wrong_type_is_counted_and_answered_alike(service: Service) -> None:
    """Each is a wrong code, for a member of staff's address as for an unknown one: five are answered
    400, the rest 429, at the same point for both."""
    seen: dict[str, list[tuple[int, object]]] = {}
    for address in (STAFF_ADDRESSES["pl"], UNKNOWN):
        with client(service) as http:
            token = csrf(http)
            seen[address] = [(r.status_code, r.json()) for r in (
                _post(http, "/api/v1/sign-in/verify", token, {"address": address, "code": value})
                for value in WRONG_TYPES)]
    assert seen[STAFF_ADDRESSES["pl"]] == seen[UNKNOWN]
    assert [status for status, _ in seen[UNKNOWN]] == [400] * 5 + [429] * 2


def test_malformed_sign_in_bodies_count_against_the_client(service: Service) -> None:
    """A sign-in with no usable address or body counts as a wrong code from the client (in a bucket of
    its own, which has the limit of one address): five in the window, then 429."""
    bodies: list[object | bytes] = [b"not json", b"[1, 2]", b"[" * 30_000 + b"]" * 30_000, {"address": 7},
                                    {"address": ["a@b.example"]}, {"address": "no at sign", "code": "12345678"}]
    with client(service) as http:
        token = csrf(http)
        statuses = [_post(http, "/api/v1/sign-in/verify", token, bodies[n % len(bodies)]).status_code
                    for n in range(21)]
    assert statuses == [400] * 5 + [429] * 16


@pytest.mark.parametrize("path", ["/api/v1/sign-in/code", "/api/v1/sign-in/verify", "/api/v1/confirmations",
                                  "/api/v1/sign-out"])
def test_json_nested_past_any_depth_is_refused(service: Service, path: str) -> None:
    with client(service) as http:
        token = sign_in(http, service, "ot")
        for depth in (100, 2_000, 30_000):
            for opening, closing in ((b"[", b"]"), (b'{"a":', b"}")):
                body = opening * depth + b"1" + closing * depth
                if len(body) > 64 * 1024:
                    continue
                response = _post(http, path, token, body)
                if depth >= 2_000 or opening == b"[":  # past the parser's depth, or not an object
                    assert response.status_code == 400, (path, depth, response.status_code)
                assert response.status_code < 500, (path, depth, response.status_code)


def test_non_ascii_keys_and_values_in_answers_are_refused_or_wrong(service: Service) -> None:
    """In the JSON API and the form: an answer numbered in other digits, or choosing an option by them,
    counts as no answer (422 or the page again), never a 500."""
    with client(service) as http:
        token = sign_in(http, service, "jc")
        version = http.get("/api/v1/policies/IPC-002").json()["version"]
        for answers in ({"١": 1}, {"²": 1}, {"1": "²"}, {"1": "١"}, {"𝟙": 1}, {"1": [1]}, {"1": 10**30},
                        {"١٢٣٤": {"x": 1}}):
            response = _post(http, "/api/v1/confirmations", token,
                             {"policy": "IPC-002", "version": version, "answers": answers})
            assert response.status_code == 422, (answers, response.text)
        page = http.get("/policies/IPC-002")
        form_token = page.text.split('name="csrf" value="')[1].split('"')[0]
        for key, value in (("answer-²", "1"), ("answer-١", "1"), ("answer-1", "²"), ("answer-1", "١"),
                           ("answer-１", "１"), ("ünïcödé", "ünïcödé")):
            response = http.post("/policies/IPC-002/confirm",
                                 data={"csrf": form_token, "version": version, key: value})
            assert response.status_code == 200 and "not right yet" in response.text, (key, value)


def test_form_sign_in_with_other_digits_is_the_same_for_any_address(service: Service) -> None:
    pages = []
    for address in (STAFF_ADDRESSES["lb"], "lb.impostor@harbourside-dexa.example"):
        with client(service) as http:
            token = csrf(http)
            if address in STAFF_ADDRESSES.values():
                live_code(service, http, token, address)
            page = http.get("/")
            form_token = page.text.split('name="csrf" value="')[1].split('"')[0]
            response = http.post("/sign-in/code", data={"csrf": form_token, "address": address, "code": FULLWIDTH,
                                                        "next": "/my"})
            pages.append((response.status_code, response.text.replace(address, "ADDRESS")
                          .replace(form_token, "TOKEN")))
    assert pages[0] == pages[1] and pages[0][0] == 400
