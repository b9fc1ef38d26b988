"""``policybook confirmations serve``: the service under uvicorn.

uvicorn reads no forwarded headers (``proxy_headers=False``): the service decides itself, from the
listed proxy addresses, whether to believe X-Forwarded-For and the sign-in header, so a client that
reaches it directly cannot pretend to be the proxy. Slow and numerous clients are held to the limits in
connections.py (documented in docs/guide/confirmations.md with the proxy settings that match them).
"""

from __future__ import annotations

import logging
from pathlib import Path

from policybook.config import ConfirmationSettings
from policybook.confirm.quietlog import RepeatFilter
from policybook.errors import PolicybookError

# uvicorn's lines that any client can cause, one a request: at most one a minute each
CLIENT_CAUSED_LINES = frozenset({"Invalid HTTP request received.", "Exceeded concurrency limit.",
                                 "Unsupported upgrade request."})
ACCEPT_BATCH = 128  # the listen backlog, and so how many connections one wake-up accepts before any is checked


def serve(root: Path, settings: ConfirmationSettings, host: str, port: int) -> None:
    import uvicorn

    from policybook.confirm.app import build_app
    from policybook.confirm.connections import (
        KEEP_ALIVE_TIMEOUT,
        MAX_HEADER_BYTES,
        connection_cap,
        guarded_protocol,
    )

    if "code" in settings.sign_in and settings.mail is None:
        raise PolicybookError("confirmations: sign-in by code needs mail settings (confirmations.mail)")
    app = build_app(root, settings)
    logging.getLogger("uvicorn.error").addFilter(RepeatFilter(CLIENT_CAUSED_LINES))
    cap = connection_cap()
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False, date_header=True,
                access_log=False, log_level="info", timeout_graceful_shutdown=10,
                http=guarded_protocol(cap), timeout_keep_alive=KEEP_ALIVE_TIMEOUT, backlog=ACCEPT_BATCH,
                h11_max_incomplete_event_size=MAX_HEADER_BYTES)
