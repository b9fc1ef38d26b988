"""Safe text for generated Markdown and for policy bodies on the site.

Policy fields go into generated Markdown escaped, so a title such as `A | B <script>` shows as
written and never becomes table syntax or HTML. Policy bodies keep their Markdown, but raw HTML in
them is shown as text: nothing a policy author writes runs as markup on the staff site.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")
_CODE = re.compile(r"(?P<fence>^(?P<mark>```+|~~~+)[^\n]*\n.*?^(?P=mark)[ \t]*$)|(?P<span>(?P<ticks>`+).+?(?P=ticks))",
                   re.MULTILINE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_AUTOLINK = re.compile(r"<(?:https?|mailto):[^\s<>]+>")


def md_text(value: object) -> str:
    """Plain text for use inside generated Markdown (table cells, link text, list items)."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def neutralise_html(markdown: str) -> str:
    """Drop HTML comments and show any other raw HTML as text, leaving code untouched."""
    out: list[str] = []
    position = 0
    for match in _CODE.finditer(markdown):
        out.append(_escape_prose(markdown[position:match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(_escape_prose(markdown[position:]))
    return "".join(out)


def _escape_prose(text: str) -> str:
    text = _COMMENT.sub("", text)
    pieces: list[str] = []
    position = 0
    for match in _AUTOLINK.finditer(text):
        pieces.append(text[position:match.start()].replace("<", "&lt;"))
        pieces.append(match.group(0))
        position = match.end()
    pieces.append(text[position:].replace("<", "&lt;"))
    return "".join(pieces)
