"""How long a client may take and how many may be connected: uvicorn's HTTP/1.1 protocol (h11) with a
deadline for each request to arrive, a cap on open connections, and a cap on requests per connection.

- A request's headers must all arrive within HEADER_TIMEOUT seconds of the connection opening (or of
  the previous answer on a kept-alive connection), and its body within BODY_TIMEOUT seconds of the
  headers; otherwise the connection is closed. A client that sends a byte a minute holds nothing for long.
- At most ``cap`` connections are open at once (below the process's open-file limit, so accepting never
  runs out of files). A connection over the cap makes room by closing the connection that has waited
  longest for a request still not sent; when every open connection is being answered, the new one is
  closed as soon as it is accepted. So slow clients, however many, cannot shut out one that sends its
  request at once.
- Each refusal and each close for slowness is counted, and the counts are logged at most once a minute,
  so an attacker's thousands of connections make a line a minute, not a line each.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections.abc import Callable
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from policybook.confirm.quietlog import QuietLog

HEADER_TIMEOUT = 10.0  # seconds for a request's headers
BODY_TIMEOUT = 10.0  # seconds for its body (at most 64 KiB), once the headers are in
KEEP_ALIVE_TIMEOUT = 5  # seconds an idle kept-alive connection stays open (uvicorn closes it)
MAX_REQUESTS_PER_CONNECTION = 100  # then the connection is closed after the answer
MAX_CONNECTIONS = 1000  # open at once, unless the open-file limit is lower
FILES_KEPT_FREE = 256  # for the database, the mail server, the library's files and a burst of accepts
MAX_HEADER_BYTES = 16 * 1024  # h11's limit on a request's headers (a larger one gets 400 and a close)

log = logging.getLogger("policybook.confirm")


def connection_cap(wanted: int = MAX_CONNECTIONS) -> int:
    """``wanted``, or fewer when the process's open-file limit leaves less room."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft - FILES_KEPT_FREE))


def guarded_protocol(cap: int, header_timeout: float = HEADER_TIMEOUT,
                     body_timeout: float = BODY_TIMEOUT) -> type[H11Protocol]:
    """The protocol class for uvicorn's ``http`` setting, sharing one cap and one pair of log tallies."""
    refused = QuietLog(log, lambda n: f"policybook confirmations: {n} connection(s) refused: {cap} were already "
                                      "open and busy (the cap); see docs/guide/confirmations.md, 'Slow clients'")
    evicted = QuietLog(log, lambda n: f"policybook confirmations: {n} waiting connection(s) closed to make room: "
                                      f"{cap} were open (the cap); see docs/guide/confirmations.md, 'Slow clients'")
    waiting: dict[H11Protocol, Callable[[], None]] = {}  # owing a request, longest first: how to close each
    too_slow = QuietLog(log, lambda n: f"policybook confirmations: {n} connection(s) closed for sending a request "
                                       f"too slowly (headers within {header_timeout:g} s, body within "
                                       f"{body_timeout:g} s)")

    class GuardedH11Protocol(H11Protocol):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._refused = False
            self._deadline: asyncio.TimerHandle | None = None
            self._waiting_for: str | None = None
            self._requests = 0
            self._counted: object = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's
            if len(self.connections) >= cap:
                close_oldest = next(iter(waiting.values()), None)
                if close_oldest is None:
                    self._refused = True
                    refused.note()
                    transport.abort()
                    return
                evicted.note()
                close_oldest()
            super().connection_made(transport)
            self._watch()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._refused:
                return
            self._stop_watch()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._watch()

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not self._counted:  # a new request has begun
                self._counted = self.cycle
                self._requests += 1
                if self._requests >= MAX_REQUESTS_PER_CONNECTION:
                    self.cycle.keep_alive = False

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._watch()

        def _watch(self) -> None:
            """Arm the deadline for what the client owes now: headers, a body, or nothing."""
            if self.transport.is_closing():
                self._stop_watch()
                return
            state = self.conn.their_state
            wanted = "headers" if state is h11.IDLE else "body" if state is h11.SEND_BODY else None
            if wanted == self._waiting_for:
                return
            self._stop_watch()
            self._waiting_for = wanted
            if wanted is not None:
                seconds = header_timeout if wanted == "headers" else body_timeout
                self._deadline = self.loop.call_later(seconds, self._too_slow)
                waiting[self] = self._close_waiting

        def _stop_watch(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline, self._waiting_for = None, None
            waiting.pop(self, None)

        def _too_slow(self) -> None:
            if not self.transport.is_closing():
                too_slow.note()
            self._close_waiting()

        def _close_waiting(self) -> None:
            self._stop_watch()
            if not self.transport.is_closing():
                self.transport.abort()

    return GuardedH11Protocol
