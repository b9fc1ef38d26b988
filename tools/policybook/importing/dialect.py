"""The cleaned tree written as policy Markdown, and checked as policybook will read it.

pandoc writes CommonMark with pipe tables. Two things it cannot know about are done here: admonitions
carried through from a Markdown source are written back as ``!!! kind "Title"`` blocks, and any other
line that the policy dialect would read as an admonition (a Word paragraph starting ``!!!``) is
escaped so that it stays text. The result is parsed with the dialect, and any HTML left (other than
the empty comment between two lists) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policybook.errors import PolicybookError
from policybook.importing.body import LIST_BREAK, admonition_placeholder
from policybook.importing.pandoc import blocks_tree, write_markdown
from policybook.markdown import dialect

INDENT = "    "


@dataclass(frozen=True)
class Admonition:
    kind: str
    title: str | None


def to_markdown(tree: dict[str, Any], blocks: list[Any], admonitions: dict[int, list[Any]],
                kinds: dict[int, Admonition], name: str) -> str:
    text = _write(tree, blocks, admonitions, kinds)
    _refuse_html(text, name)
    return text.rstrip("\n") + "\n"


def _write(tree: dict[str, Any], blocks: list[Any], admonitions: dict[int, list[Any]],
           kinds: dict[int, Admonition]) -> str:
    """pandoc's Markdown for ``blocks`` with stray markers escaped, then each admonition written in."""
    text = _escape_stray_admonitions(write_markdown(blocks_tree(tree, blocks)))
    placeholders = {admonition_placeholder(number): number for number in admonitions}
    out: list[str] = []
    for line in text.split("\n"):
        number = placeholders.get(line.strip())
        if number is None:
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        kind = kinds[number]
        inner = _write(tree, admonitions[number], admonitions, kinds).rstrip("\n")
        title = f' "{kind.title}"' if kind.title is not None else ""
        out.append(f"{indent}!!! {kind.kind}{title}")
        out.extend(f"{indent}{INDENT}{row}" if row.strip() else "" for row in inner.split("\n"))
    return "\n".join(out)


def _escape_stray_admonitions(text: str) -> str:
    lines = text.split("\n")
    for token in dialect().parse(text):
        if token.type == "admonition_open" and token.map:
            line = lines[token.map[0]]
            at = line.find(token.markup)
            if at >= 0:
                lines[token.map[0]] = line[:at] + "\\" + line[at:]
    return "\n".join(lines)


def _refuse_html(text: str, name: str) -> None:
    """A safety net: cleaning turns all HTML into text, so HTML here is a fault, never written. The one
    exception is the empty comment that keeps two lists apart (``body.LIST_BREAK``)."""
    for token in dialect().parse(text):
        if token.type == "html_block" and token.content.strip() == LIST_BREAK:
            continue
        found = [token, *(token.children or [])]
        if any(t.type in ("html_block", "html_inline") for t in found):
            raise PolicybookError(f"{name}: the converted text still holds HTML ({token.content[:60]!r}); "
                                  "nothing was written")
