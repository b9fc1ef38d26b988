"""The web service's defences, each in one place: who the client is (the trusted proxy's headers are
believed only from the proxy's own addresses), CSRF tokens, cookies, redirects and response headers.

- CSRF: every browser gets a random ``client`` cookie (HttpOnly, SameSite=Lax); the token every form
  and API write must carry is an HMAC of it under the service's secret, so a page elsewhere can neither
  read nor forge it. Writes with the manager's API token (no cookies) need none.
- Cookies are HttpOnly and SameSite=Lax, and Secure with the ``__Host-`` prefix when the service's
  address is https.
- Redirects go only to the service's own paths.
- Every response carries a Content-Security-Policy without any script at all, and no framing.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from policybook.config import ConfirmationSettings
from policybook.ids import POLICY_ID

CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}
# The pages a sign-in may lead back to: /my, /report, or a policy (with ?version=X from the staff site).
_OWN_PAGE = re.compile(rf"^/(?:my|report|policies/{POLICY_ID})(?:\?[A-Za-z0-9=&._-]{{0,60}})?$")


class Security:
    def __init__(self, settings: ConfirmationSettings, secret: bytes) -> None:
        self.settings = settings
        self._secret = secret
        self.https = settings.base_url.startswith("https://")
        parts = urlsplit(settings.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        prefix = "__Host-" if self.https else ""
        self.session_cookie = f"{prefix}pb_session"
        self.client_cookie = f"{prefix}pb_client"
        proxy = settings.proxy
        self._trusted = [ipaddress.ip_network(n, strict=False) for n in (proxy.trusted if proxy else ())]

    # -- who is asking -------------------------------------------------------------------------------
    def from_trusted_proxy(self, request: Request) -> bool:
        """Whether the direct peer is one of the listed proxies (uvicorn runs without proxy headers, so
        this is the real TCP peer)."""
        host = request.client.host if request.client else ""
        try:
            peer = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(peer in network for network in self._trusted)

    def client_address(self, request: Request) -> str:
        """The client's address: the peer, or behind a trusted proxy the last address it was given that is
        not one of the proxies (X-Forwarded-For, read from the right)."""
        peer = request.client.host if request.client else "unknown"
        if not self.from_trusted_proxy(request):
            return peer[:64]
        for hop in reversed(request.headers.get("x-forwarded-for", "").split(",")):
            try:
                address = ipaddress.ip_address(hop.strip())
            except ValueError:
                break
            if not any(address in network for network in self._trusted):
                return str(address)
        return peer[:64]

    def proxy_identity(self, request: Request) -> str | None:
        """The address the authenticating proxy vouches for, only if the request came from the proxy."""
        proxy = self.settings.proxy
        if proxy is None or "proxy" not in self.settings.sign_in or not self.from_trusted_proxy(request):
            return None
        value = request.headers.get(proxy.header.lower(), "").strip()
        return value or None

    # -- CSRF ----------------------------------------------------------------------------------------
    def client_token(self, request: Request) -> str | None:
        value = request.cookies.get(self.client_cookie)
        return value if value and 20 <= len(value) <= 100 else None

    def csrf_token(self, client_token: str) -> str:
        return hmac.new(self._secret, f"csrf:{client_token}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, request: Request, submitted: str | None) -> bool:
        client = self.client_token(request)
        if client is None or not submitted:
            return False
        if not self.same_origin(request):
            return False
        # compared as bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500)
        return hmac.compare_digest(self.csrf_token(client).encode(), submitted.encode("utf-8", "replace"))

    def same_origin(self, request: Request) -> bool:
        """A browser's Origin header, when sent, must be this service's own (a second check behind the token)."""
        origin = request.headers.get("origin")
        if origin is None:
            return True
        return origin in (self.origin, f"{request.url.scheme}://{request.headers.get('host', '')}")

    def new_client_token(self) -> str:
        return secrets.token_urlsafe(32)

    # -- cookies, redirects, headers -----------------------------------------------------------------
    def set_cookie(self, response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", secure=self.https, httponly=True,
                            samesite="lax")

    def clear_cookie(self, response: Response, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.https, httponly=True, samesite="lax")

    def headers(self) -> dict[str, str]:
        found = dict(HEADERS)
        if self.https:
            found["Strict-Transport-Security"] = "max-age=31536000"
        return found


def safe_next(value: str | None) -> str:
    """Where to go after signing in: one of the service's own pages, never anywhere else."""
    if not value or len(value) > 200 or not _OWN_PAGE.match(value):
        return "/my"
    return value
