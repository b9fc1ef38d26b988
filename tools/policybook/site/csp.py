"""The Content-Security-Policy of every page: no inline script except the theme's own.

Policy text never carries script (it is sanitised), so the inline scripts left in a page are
Material's. Each is allowed by its sha256 hash, page by page; any other inline script, event handler
or javascript: URL is blocked by the browser. The same policy is documented for web servers in
docs/guide/publishing.md.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from typing import Any

BASE_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-src 'none'")
_EXECUTABLE = {"", "text/javascript", "application/javascript", "module"}


# A script element's text runs to the first `</script` (HTML's "script data" state), so locating them
# needs no full parse of the page; each start tag's attributes are read with the standard HTML parser.
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


class _StartTag(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = dict(attrs)


def _attributes(start_tag: str) -> dict[str, str | None]:
    parser = _StartTag()
    parser.feed(start_tag)
    parser.close()
    return parser.attrs


def inline_scripts(page_html: str) -> list[str]:
    """The text of every inline, executable <script> element of ``page_html``."""
    found = []
    for match in _SCRIPT.finditer(page_html):
        attrs = _attributes(f"<script{match.group(1)}>")
        if "src" not in attrs and (attrs.get("type") or "").strip().lower() in _EXECUTABLE:
            found.append(match.group(2))
    return found


HEADER_FILE = "content-security-policy.txt"  # the site-wide policy, for the web server's header


def theme_script_hashes(page_html: str, content: str) -> set[str]:
    """The sha256 of each inline script of a page, except any that stands in the page's own content."""
    from_content = set(inline_scripts(content))
    return {base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
            for script in inline_scripts(page_html) if script not in from_content}


def policy_for(hashes: set[str], nonce: str | None = None) -> str:
    """The CSP allowing the site's own scripts, these inline scripts by hash and, in a preview, the
    live-reload script by its nonce."""
    sources = " ".join(["'self'", *(f"'sha256-{h}'" for h in sorted(hashes)), *([f"'nonce-{nonce}'"] if nonce else [])])
    return f"{BASE_POLICY}; script-src {sources}"


def header_policy(hashes: set[str], nonce: str | None = None) -> str:
    """The policy for the whole site as an HTTP header: every page's theme scripts, and no framing."""
    return f"{policy_for(hashes, nonce)}; frame-ancestors 'none'"


def with_content_security_policy(page_html: str, hashes: set[str], nonce: str | None = None) -> str:
    """``page_html`` with a CSP <meta> as the first element of its <head>."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy_for(hashes, nonce)}">'
    head = page_html.find("<head>")
    if head < 0:
        return page_html
    at = head + len("<head>")
    return page_html[:at] + "\n    " + meta + page_html[at:]


def allow_live_reload(server: Any, nonce: str, hashes: set[str]) -> None:
    """Keep the published site's policy in the preview: give the live-reload script that `mkdocs serve`
    adds to each page a nonce, and send the policy as a header on every response (``hashes`` fills
    up as pages are built). MkDocs offers no hook for either, so this wraps the server's injector and
    its WSGI application; with another MkDocs it does nothing and the preview simply does not reload."""
    inject = getattr(server, "_inject_js_into_html", None)
    serve_request = getattr(server, "serve_request", None)
    if inject is None or serve_request is None or not hasattr(server, "set_app"):
        return

    def with_header(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            return start_response(status, [*headers, ("Content-Security-Policy", header_policy(hashes, nonce))],
                                  *exc_info)

        return serve_request(environ, start)

    server.set_app(with_header)

    def inject_with_nonce(content: bytes, epoch: int) -> bytes:
        marked: bytes = inject(content, epoch)
        at = marked.rfind(b"<script>")
        if at < 0:
            return marked
        return marked[:at] + f'<script nonce="{nonce}">'.encode() + marked[at + len(b"<script>"):]

    server._inject_js_into_html = inject_with_nonce
