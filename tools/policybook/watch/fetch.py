"""Fetching a guidance page: the only module of policybook that uses the network.

Only ``policybook guidance check`` imports it. It follows redirects itself, to https addresses only, reads
at most ``max_bytes`` and gives up after ``timeout`` seconds; proxy settings (HTTPS_PROXY, NO_PROXY) and a
certificate bundle in SSL_CERT_FILE are honoured. Every failure is a ``FetchError`` with one line saying why.
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from policybook.errors import PolicybookError

TIMEOUT_SECONDS = 20.0
MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "policybook guidance check (+https://policybook.dev)"


class FetchError(PolicybookError):
    """A page that could not be read, with the reason in one line."""


@dataclass(frozen=True)
class Fetched:
    url: str  # where the page was read, after redirects
    status: int
    body: bytes
    content_type: str
    permanent_redirect: str | None = None  # the first permanent redirect's target, when there was one


def _ssl_context() -> ssl.SSLContext:
    bundle = os.environ.get("SSL_CERT_FILE")
    return ssl.create_default_context(cafile=bundle) if bundle else ssl.create_default_context()


def client(timeout: float = TIMEOUT_SECONDS) -> httpx.Client:
    """An HTTP client that honours the proxy settings and SSL_CERT_FILE."""
    return httpx.Client(verify=_ssl_context(), trust_env=True, follow_redirects=False, timeout=timeout,
                        headers={"User-Agent": USER_AGENT})


def fetch(http: httpx.Client, url: str, max_bytes: int = MAX_BYTES) -> Fetched:
    """The page at ``url``, following at most MAX_REDIRECTS redirects, each to https."""
    moved: str | None = None
    for hop in range(MAX_REDIRECTS + 1):
        if urlsplit(url).scheme != "https":
            raise FetchError(f"refused to follow a redirect to {url}: not https" if hop
                             else "not an https:// address: policybook reads guidance over https only")
        try:
            with http.stream("GET", url) as response:
                if response.is_redirect:
                    target = urljoin(url, response.headers.get("location", ""))
                    if response.status_code in (301, 308) and moved is None:
                        moved = target
                    url = target
                    continue
                if response.status_code == 410:
                    return Fetched(url, 410, b"", "", moved)
                if response.status_code != 200:
                    raise FetchError(f"HTTP {response.status_code} from {url}")
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(f"larger than {max_bytes} bytes ({declared} bytes)")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:
                        raise FetchError(f"larger than {max_bytes} bytes")
                return Fetched(url, 200, bytes(body), response.headers.get("content-type", ""), moved)
        except httpx.TimeoutException:
            raise FetchError(f"no answer within {http.timeout.read or TIMEOUT_SECONDS:g} seconds") from None
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise FetchError(f"could not be read: {error}") from None
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")
