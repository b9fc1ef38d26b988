"""What every request handler needs: the service, the defences, the templates, and who is signed in.

Who is signed in comes from the session cookie, or from the authenticating proxy's header when (and only
when) the request came from a listed proxy address. Nothing else in a request can name a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from policybook.confirm.security import Security
from policybook.confirm.service import Service
from policybook.registers import StaffMember

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class Person:
    member: StaffMember
    method: str  # code or proxy

    @property
    def staff(self) -> str:
        return self.member.id

    @property
    def name(self) -> str:
        return self.member.name


class Web:
    def __init__(self, service: Service) -> None:
        self.service = service
        self.security = Security(service.settings, service.secret)
        self.templates = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                                     autoescape=select_autoescape(default=True, default_for_string=True),
                                     auto_reload=False)

    def person(self, request: Request) -> Person | None:
        """The signed-in person: the trusted proxy's word first, then the session cookie."""
        vouched = self.security.proxy_identity(request)
        if vouched is not None:
            member = self.service.member_by_address(vouched)
            return Person(member, "proxy") if member else None
        session = self.service.session(request.cookies.get(self.security.session_cookie))
        if session is None:
            return None
        member = self.service.corpus.registers.staff.get(session.staff)
        return Person(member, session.method) if member else None

    def client_token(self, request: Request) -> tuple[str, bool]:
        """(the browser's client token, whether it is new and must be set as a cookie)."""
        existing = self.security.client_token(request)
        return (existing, False) if existing else (self.security.new_client_token(), True)

    def page(self, request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        token, new = self.client_token(request)
        person = values.pop("person", None) or self.person(request)
        context = {"organisation": self.service.corpus.config.name, "csrf": self.security.csrf_token(token),
                   "me": person, "manager": bool(person and self.service.is_manager(person.staff)),
                   "notice": None, "problem": None, **values}
        response = HTMLResponse(self.templates.get_template(template).render(**context), status_code=status)
        if new:
            self.security.set_cookie(response, self.security.client_cookie, token)
        return response

    def with_client_cookie(self, request: Request, response: Response) -> Response:
        token, new = self.client_token(request)
        if new:
            self.security.set_cookie(response, self.security.client_cookie, token)
        return response
