"""The HTML pages: sign in, my policies, a policy to confirm, the manager's report.

They are forms without script (the service's pages carry none at all), each with its CSRF token, and
each does its work through the same Service operations as the JSON API. After a write they redirect
(303) to one of the service's own pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from policybook.confirm.security import safe_next
from policybook.confirm.service import Confirmed, Refusal
from policybook.confirm.web import Person, Web
from policybook.ids import is_policy_id

MAX_FORM_FIELDS = 60


def _field(form: FormData, name: str, limit: int = 300) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _answers(form: FormData) -> dict[int, int | None]:
    """``answer-N`` fields (N counts from 1) as question index -> chosen option's position."""
    found: dict[int, int | None] = {}
    for key, value in form.multi_items():
        number = key[7:]
        if key.startswith("answer-") and _small_number(number, 3) and isinstance(value, str):
            found[int(number) - 1] = int(value) if _small_number(value, 2) else None
    return found


def _small_number(text: str, digits: int) -> bool:
    """ASCII digits only: other scripts' digits and superscripts pass ``str.isdigit`` but are no answer."""
    return 0 < len(text) <= digits and text.isascii() and text.isdigit()


class Pages:
    def __init__(self, web: Web) -> None:
        self.web = web
        self.service = web.service

    def routes(self) -> list[Route]:
        return [Route("/", self.home, methods=["GET"]),
                Route("/sign-in", self.sign_in, methods=["POST"]),
                Route("/sign-in/code", self.sign_in_code, methods=["POST"]),
                Route("/sign-out", self.sign_out, methods=["POST"]),
                Route("/my", self.my, methods=["GET"]),
                Route("/policies/{policy}", self.policy, methods=["GET"]),
                Route("/policies/{policy}/confirm", self.confirm, methods=["POST"]),
                Route("/report", self.report, methods=["GET"])]

    # -- helpers -------------------------------------------------------------------------------------
    def _checked(self, request: Request, form: FormData) -> FormData:
        """The posted form, refused (403) without its CSRF token."""
        if not self.web.security.csrf_ok(request, _field(form, "csrf", 100)):
            raise Refusal(403, "this form has expired or did not come from this site: go back, reload the page "
                               "and try again")
        return form

    @staticmethod
    def posted(handler: Callable[[Pages, Request, FormData], Response]) -> Callable[[Pages, Request], Any]:
        """An endpoint that reads the form on the event loop, then does its work (database, mail, files)
        in a worker thread, so one slow request never holds up the others."""

        async def endpoint(self: Pages, request: Request) -> Response:
            try:
                form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
            except (MultiPartException, ValueError):
                form = FormData()
            return await run_in_threadpool(handler, self, request, form)

        return endpoint

    def _sign_in_first(self, request: Request) -> Response:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/?next={quote(safe_next(path), safe='')}", status_code=303)

    def _refused(self, request: Request, refusal: Refusal, person: Person | None = None) -> Response:
        return self.web.page(request, "error.html", status=refusal.status, heading="That could not be done",
                             problem=refusal.message, person=person)

    # -- sign-in -------------------------------------------------------------------------------------
    def home(self, request: Request) -> Response:
        next_page = safe_next(request.query_params.get("next"))
        if self.web.person(request) is not None:
            return RedirectResponse(next_page, status_code=303)
        return self.web.page(request, "sign_in.html", heading="Sign in", next=next_page, address="",
                             code_sign_in="code" in self.service.settings.sign_in)

    @posted
    def sign_in(self, request: Request, form: FormData) -> Response:
        try:
            self._checked(request, form)
            address = _field(form, "address", 300)
            next_page = safe_next(_field(form, "next"))
            deliver = self.service.request_code(address, self.web.security.client_address(request))
        except Refusal as refusal:
            if refusal.status == 400:
                return self.web.page(request, "sign_in.html", status=400, heading="Sign in", next="/my",
                                     address="", code_sign_in=True, problem=refusal.message)
            return self._refused(request, refusal)
        response = self.web.page(request, "code.html", heading="Check your e-mail", address=address.strip(),
                                 next=next_page)
        response.background = BackgroundTask(deliver) if deliver else None
        return response

    @posted
    def sign_in_code(self, request: Request, form: FormData) -> Response:
        address, next_page = "", "/my"
        try:
            self._checked(request, form)
            address = _field(form, "address", 300)
            next_page = safe_next(_field(form, "next"))
            token, _member = self.service.check_code(address, _field(form, "code", 40),
                                                     self.web.security.client_address(request))
        except Refusal as refusal:
            if refusal.status == 400:
                return self.web.page(request, "code.html", status=400, heading="Check your e-mail",
                                     address=address.strip(), next=next_page, problem=refusal.message)
            return self._refused(request, refusal)
        response = RedirectResponse(next_page, status_code=303)
        self.web.security.set_cookie(response, self.web.security.session_cookie, token, max_age=12 * 3600)
        return response

    @posted
    def sign_out(self, request: Request, form: FormData) -> Response:
        try:
            self._checked(request, form)
        except Refusal as refusal:
            return self._refused(request, refusal)
        self.service.end_session(request.cookies.get(self.web.security.session_cookie))
        response = RedirectResponse("/", status_code=303)
        self.web.security.clear_cookie(response, self.web.security.session_cookie)
        return response

    # -- reading and confirming ----------------------------------------------------------------------
    def my(self, request: Request) -> Response:
        person = self.web.person(request)
        if person is None:
            return self._sign_in_first(request)
        confirmed = request.query_params.get("confirmed", "")
        notice = f"Thank you: your confirmation of {confirmed} is recorded." if is_policy_id(confirmed) else None
        return self.web.page(request, "my.html", heading="My policies", person=person, notice=notice,
                             readings=self.service.readings(person.staff))

    def policy(self, request: Request) -> Response:
        person = self.web.person(request)
        if person is None:
            return self._sign_in_first(request)
        policy_id = request.path_params["policy"]
        asked = request.query_params.get("version", "")[:16]
        try:
            if not is_policy_id(policy_id):
                raise Refusal(404, "there is no such policy")
            view = self.service.view(person.staff, policy_id)
        except Refusal as refusal:
            return self._refused(request, refusal, person)
        return self.web.page(request, "policy.html", heading=f"{view.policy.id} {view.policy.title}", person=person,
                             view=view, asked=asked, wrong=set(), sections={})

    @posted
    def confirm(self, request: Request, form: FormData) -> Response:
        person = self.web.person(request)
        if person is None:
            return self._sign_in_first(request)
        policy_id = request.path_params["policy"]
        try:
            self._checked(request, form)
            if not is_policy_id(policy_id):
                raise Refusal(404, "there is no such policy")
            named = _field(form, "staff", 100)
            if named and named != person.staff:
                raise Refusal(403, "you can confirm only for yourself")
            outcome = self.service.confirm(person.staff, person.method, policy_id, _field(form, "version", 16),
                                           _answers(form), self.web.security.client_address(request),
                                           request.headers.get("user-agent", ""))
            if isinstance(outcome, Confirmed):
                return RedirectResponse(f"/my?confirmed={policy_id}", status_code=303)
            view = self.service.view(person.staff, policy_id)
        except Refusal as refusal:
            return self._refused(request, refusal, person)
        count = len(outcome.questions)
        problem = (f"{count} answer{'s are' if count != 1 else ' is'} not right yet. Read the part of the policy "
                   "shown under each, then answer again. Nothing has been confirmed.")
        return self.web.page(request, "policy.html", heading=f"{view.policy.id} {view.policy.title}", person=person,
                             view=view, asked="", wrong={q.index for q in outcome.questions},
                             sections=outcome.sections, problem=problem)

    def report(self, request: Request) -> Response:
        person = self.web.person(request)
        if person is None:
            return self._sign_in_first(request)
        if not self.service.is_manager(person.staff):
            return self._refused(request, Refusal(403, "the report is for managers"), person)
        policies, roles = self.service.report()
        return self.web.page(request, "report.html", heading="Read and understood: completion", person=person,
                             policies=policies, roles=roles)
