"""Safe text for the Markdown of generated pages (registers, indexes, notices), and which addresses may
become links at all.

Policy and register fields go into generated Markdown escaped, so a title such as `A | B <script>`
shows as written and never becomes table syntax or HTML; web addresses are percent-encoded. Policy
bodies are not Markdown here: render.py renders them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def md_text(value: object) -> str:
    """Plain text for use inside generated Markdown (table cells, link text, list items)."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_path(path: str) -> str:
    """A relative path as a Markdown link destination: every character but letters, digits and ``/._-~``
    percent-encoded, so a file named ``a%20b.md`` or ``a (b).md`` is linked as the file it is."""
    return quote(path, safe="/._-~")


def md_url(url: str) -> str:
    """A register's web address as a Markdown link destination: only http(s) addresses, with every
    character that could end the destination or start markup percent-encoded. Anything else becomes
    an in-page link to nothing, so a bad register entry can never produce a live link."""
    if not url.lower().startswith(("https://", "http://")):
        return "#"
    return quote(url, safe="/:?#[]@!$&*+,;=%~.-_")


def web(url: str | None) -> str:
    """``url`` when it is a web address, else "": anything else in a register stays text in every output."""
    return url if url and url.lower().startswith(("https://", "http://")) else ""
