"""The ASGI application: the pages, the JSON API, the stylesheet and a health check, behind a guard
that puts the security headers on every response and refuses request bodies over 64 KiB. The mail
queue's worker is stopped (after up to five seconds for what is queued) when the application stops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policybook.config import ConfirmationSettings
from policybook.confirm.api import Api
from policybook.confirm.pages import Pages
from policybook.confirm.service import Service
from policybook.confirm.web import STATIC, Web

MAX_BODY = 64 * 1024


class Guard:
    """Pure ASGI middleware: headers on every response (errors included), and a cap on request bodies
    whether or not they say their length."""

    def __init__(self, app: ASGIApp, headers: dict[str, str], max_body: int = MAX_BODY) -> None:
        self.app = app
        self.headers = headers
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        declared = dict(scope.get("headers") or []).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_body:
            await PlainTextResponse("request too large", status_code=413)(scope, receive, send_with_headers)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise HTTPException(413, "request too large")  # answered by Starlette's exception handler
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except ClientDisconnect:
            return  # the client went (or was closed for sending too slowly): nobody to answer, nothing to log


def health(_request: Request) -> Response:
    return PlainTextResponse("ok")


def build_app(root: Path, settings: ConfirmationSettings, service: Service | None = None) -> ASGIApp:
    """The whole service for the library at ``root``: migrates the database on start."""
    web = Web(service or Service(root, settings))
    web.service.corpus  # noqa: B018 - load the library now, not on the first request
    routes = [Route("/health", health, methods=["GET"]),
              Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
              *Api(web).routes(), *Pages(web).routes()]
    outbox = web.service.outbox

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if outbox is not None:
            await run_in_threadpool(outbox.close)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = web.service
    return Guard(app, web.security.headers())
