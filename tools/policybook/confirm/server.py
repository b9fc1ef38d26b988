"""``policybook confirmations serve``: the service under uvicorn.

uvicorn reads no forwarded headers (``proxy_headers=False``): the service decides itself, from the
listed proxy addresses, whether to believe X-Forwarded-For and the sign-in header, so a client that
reaches it directly cannot pretend to be the proxy.
"""

from __future__ import annotations

from pathlib import Path

from policybook.config import ConfirmationSettings
from policybook.errors import PolicybookError


def serve(root: Path, settings: ConfirmationSettings, host: str, port: int) -> None:
    import uvicorn

    from policybook.confirm.app import build_app

    if "code" in settings.sign_in and settings.mail is None:
        raise PolicybookError("confirmations: sign-in by code needs mail settings (confirmations.mail)")
    app = build_app(root, settings)
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False, date_header=True,
                access_log=False, log_level="info", timeout_graceful_shutdown=10)
