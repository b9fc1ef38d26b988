"""The JSON API, version 1, under /api/v1 (documented in docs/guide/confirmations.md).

Staff: ask for a code, check it (which sets the session cookie), see what is outstanding, see a policy
and its questions, confirm. Every write carries the CSRF token from GET /api/v1/csrf in an
``X-CSRF-Token`` header. The manager: export confirmations since a row, and the completion report, with
``Authorization: Bearer`` and the token in POLICYBOOK_CONFIRM_API_TOKEN (no cookies, so no CSRF token).
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Callable
from typing import Any

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from policybook.confirm.service import Confirmed, Refusal
from policybook.confirm.web import Person, Web
from policybook.ids import is_policy_id

API_TOKEN_VARIABLE = "POLICYBOOK_CONFIRM_API_TOKEN"
MIN_API_TOKEN = 32
MAX_EXPORT = 1000
PREFIX = "/api/v1"
ENDPOINTS = [
    ("GET", "/api/v1", "this list"),
    ("GET", "/api/v1/csrf", "the CSRF token for writes (sets the client cookie)"),
    ("POST", "/api/v1/sign-in/code", "{address}: e-mail a sign-in code (the same answer for any address)"),
    ("POST", "/api/v1/sign-in/verify", "{address, code}: sign in (sets the session cookie)"),
    ("POST", "/api/v1/sign-out", "end the session"),
    ("GET", "/api/v1/me", "who is signed in"),
    ("GET", "/api/v1/me/policies", "what your roles must read: outstanding and confirmed"),
    ("GET", "/api/v1/policies/{id}", "the version in force, what changed since yours, and its questions"),
    ("POST", "/api/v1/confirmations", "{policy, version, answers}: confirm (answers: question number -> option)"),
    ("GET", "/api/v1/confirmations?since=N&limit=M", "manager: confirmations after row N, with their hashes"),
    ("GET", "/api/v1/report", "manager: completion per policy and per role"),
]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class Api:
    def __init__(self, web: Web) -> None:
        self.web = web
        self.service = web.service

    def routes(self) -> list[Route]:
        return [Route(PREFIX, self.index, methods=["GET"]),
                Route(f"{PREFIX}/csrf", self.csrf, methods=["GET"]),
                Route(f"{PREFIX}/sign-in/code", self.request_code, methods=["POST"]),
                Route(f"{PREFIX}/sign-in/verify", self.verify_code, methods=["POST"]),
                Route(f"{PREFIX}/sign-out", self.sign_out, methods=["POST"]),
                Route(f"{PREFIX}/me", self.me, methods=["GET"]),
                Route(f"{PREFIX}/me/policies", self.my_policies, methods=["GET"]),
                Route(f"{PREFIX}/policies/{{policy}}", self.policy, methods=["GET"]),
                Route(f"{PREFIX}/confirmations", self.confirm, methods=["POST"]),
                Route(f"{PREFIX}/confirmations", self.export, methods=["GET"]),
                Route(f"{PREFIX}/report", self.report, methods=["GET"])]

    # -- helpers -------------------------------------------------------------------------------------
    def _object(self, request: Request, raw: bytes) -> dict[str, Any]:
        """The JSON object of a write, refused without its CSRF token or as anything but a JSON object."""
        if not self.web.security.csrf_ok(request, request.headers.get("x-csrf-token")):
            raise Refusal(403, "missing or wrong CSRF token: GET /api/v1/csrf and send it as X-CSRF-Token")
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise Refusal(415, "send application/json")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError; nesting past Python's limit
            raise Refusal(400, "the body is not JSON") from None
        if not isinstance(body, dict):
            raise Refusal(400, "the body must be a JSON object")
        return body

    def _person(self, request: Request) -> Person:
        person = self.web.person(request)
        if person is None:
            raise Refusal(401, "sign in first")
        return person

    def _manager(self, request: Request) -> None:
        """The API token (Authorization: Bearer)."""
        expected = os.environ.get(API_TOKEN_VARIABLE, "")
        given = request.headers.get("authorization", "")
        if given.startswith("Bearer ") and len(expected) >= MIN_API_TOKEN and \
                hmac.compare_digest(given[7:].strip().encode(), expected.encode()):
            return
        if given:
            raise Refusal(401, "wrong API token")
        raise Refusal(401, f"send Authorization: Bearer with the token in {API_TOKEN_VARIABLE}")

    @staticmethod
    def _text(body: dict[str, Any], name: str, limit: int = 300) -> str:
        value = body.get(name, "")
        if not isinstance(value, str):
            raise Refusal(400, f"'{name}' must be text")
        return value[:limit]

    # -- endpoints: reads run in worker threads (sync), writes read their body first, then do the same ------
    @staticmethod
    def guarded(handler: Callable[[Api, Request], Response]) -> Callable[[Api, Request], Response]:
        def endpoint(self: Api, request: Request) -> Response:
            try:
                return handler(self, request)
            except Refusal as refusal:
                return _error(refusal.status, refusal.message)

        return endpoint

    @staticmethod
    def write(handler: Callable[[Api, Request, dict[str, Any]], Response]) -> Callable[[Api, Request], Any]:
        async def endpoint(self: Api, request: Request) -> Response:
            raw = await request.body()

            def work() -> Response:
                try:
                    return handler(self, request, self._object(request, raw))
                except Refusal as refusal:
                    return _error(refusal.status, refusal.message)

            return await run_in_threadpool(work)

        return endpoint

    @staticmethod
    def sign_in_write(handler: Callable[[Api, Request, dict[str, Any]], Response]) -> Callable[[Api, Request], Any]:
        """A write that is a sign-in attempt: a body that is not a JSON object, or not sent as JSON, still
        counts against the client's limit once the CSRF token is right, so no malformed attempt is free.
        (One without the token is not counted: a page elsewhere could send it from a victim's browser.)"""

        async def endpoint(self: Api, request: Request) -> Response:
            raw = await request.body()

            def work() -> Response:
                try:
                    try:
                        body = self._object(request, raw)
                    except Refusal as refusal:
                        if refusal.status in (400, 415):
                            self.service.count_malformed_sign_in(self.web.security.client_address(request))
                        raise
                    return handler(self, request, body)
                except Refusal as refusal:
                    return _error(refusal.status, refusal.message)

            return await run_in_threadpool(work)

        return endpoint

    def index(self, request: Request) -> Response:
        return JSONResponse({"api": "policybook confirmations", "version": 1,
                             "endpoints": [{"method": m, "path": p, "does": d} for m, p, d in ENDPOINTS]})

    def csrf(self, request: Request) -> Response:
        token, new = self.web.client_token(request)
        response = JSONResponse({"csrf": self.web.security.csrf_token(token)})
        if new:
            self.web.security.set_cookie(response, self.web.security.client_cookie, token)
        return response

    @sign_in_write
    def request_code(self, request: Request, body: dict[str, Any]) -> Response:
        deliver = self.service.request_code(body.get("address"), self.web.security.client_address(request))
        return JSONResponse({"status": "sent-if-known",
                             "message": "If this address belongs to a member of staff, a code is on its way."},
                            status_code=202, background=BackgroundTask(deliver) if deliver else None)

    @sign_in_write
    def verify_code(self, request: Request, body: dict[str, Any]) -> Response:
        token, member = self.service.check_code(body.get("address"), body.get("code"),
                                                self.web.security.client_address(request))
        response = JSONResponse({"staff": member.id, "name": member.name})
        self.web.security.set_cookie(response, self.web.security.session_cookie, token, max_age=12 * 3600)
        return response

    @write
    def sign_out(self, request: Request, body: dict[str, Any]) -> Response:
        self.service.end_session(request.cookies.get(self.web.security.session_cookie))
        response = Response(status_code=204)
        self.web.security.clear_cookie(response, self.web.security.session_cookie)
        return response

    @guarded
    def me(self, request: Request) -> Response:
        person = self._person(request)
        return JSONResponse({"staff": person.staff, "name": person.name, "method": person.method,
                             "manager": self.service.is_manager(person.staff)})

    @guarded
    def my_policies(self, request: Request) -> Response:
        person = self._person(request)
        items = [{"policy": r.policy.id, "title": r.policy.title, "version": r.policy.version_text,
                  "confirmed": r.done, "last_confirmed": r.last_version}
                 for r in self.service.readings(person.staff)]
        return JSONResponse({"outstanding": [i for i in items if not i["confirmed"]],
                             "confirmed": [i for i in items if i["confirmed"]]})

    @guarded
    def policy(self, request: Request) -> Response:
        person = self._person(request)
        policy_id = request.path_params["policy"]
        if not is_policy_id(policy_id):
            raise Refusal(404, "there is no such policy")
        view = self.service.view(person.staff, policy_id)
        changes = view.changes
        return JSONResponse({
            "policy": view.policy.id, "title": view.policy.title, "version": view.version,
            "fingerprint": view.fingerprint, "confirmed": view.done, "last_confirmed": view.last_version,
            "site_url": view.site_url,
            "changes": {"since": changes.since, "blocks_changed": changes.changed_blocks,
                        "duties": changes.duties, "html": changes.text_html} if changes else None,
            "questions": [{"number": q.index + 1, "question": q.text, "options": list(q.options)}
                          for q in view.questions]})

    @write
    def confirm(self, request: Request, body: dict[str, Any]) -> Response:
        person = self._person(request)
        if "staff" in body and body["staff"] != person.staff:
            raise Refusal(403, "you can confirm only for yourself")
        policy_id = self._text(body, "policy", 16)
        if not is_policy_id(policy_id):
            raise Refusal(404, "there is no such policy")
        given = body.get("answers", {})
        if not isinstance(given, dict) or len(given) > 50:
            raise Refusal(400, "'answers' must map question numbers to option positions")
        answers: dict[int, int | None] = {}
        for number, choice in given.items():
            if number.isascii() and number.isdigit() and len(number) < 4:
                valid = isinstance(choice, int) and not isinstance(choice, bool)
                answers[int(number) - 1] = choice if valid else None
        outcome = self.service.confirm(person.staff, person.method, policy_id, self._text(body, "version", 16),
                                       answers, self.web.security.client_address(request),
                                       request.headers.get("user-agent", ""))
        if isinstance(outcome, Confirmed):
            return JSONResponse({"confirmation": outcome.row.as_dict(), "new": outcome.new},
                                status_code=201 if outcome.new else 200)
        return JSONResponse({"error": "not every answer is right: nothing was confirmed",
                             "wrong": [q.index + 1 for q in outcome.questions],
                             "sections": {str(i + 1): html for i, html in outcome.sections.items()}},
                            status_code=422)

    @guarded
    def export(self, request: Request) -> Response:
        self._manager(request)
        since_text = request.query_params.get("since", "0")
        limit_text = request.query_params.get("limit", str(MAX_EXPORT))
        if not since_text.isdigit() or not limit_text.isdigit() or len(since_text) > 12 or len(limit_text) > 6:
            raise Refusal(400, "since and limit are whole numbers")
        rows = self.service.export(int(since_text), max(1, min(MAX_EXPORT, int(limit_text))))
        return JSONResponse({"confirmations": [r.as_dict() for r in rows],
                             "next": rows[-1].seq if rows else int(since_text)})

    @guarded
    def report(self, request: Request) -> Response:
        person = self.web.person(request)
        if person is None or not self.service.is_manager(person.staff):
            self._manager(request)
        policies, roles = self.service.report()
        return JSONResponse({"policies": [p.as_dict() for p in policies], "roles": [r.as_dict() for r in roles]})
