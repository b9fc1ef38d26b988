"""Small helpers for pandoc's JSON document tree, which the import reads and rewrites.

A node is ``{"t": type, "c": content}``; blocks hold blocks or inlines, inlines hold inlines. Only
what the import needs is here: plain text of a node, the rows of a table, and node constructors.
"""

from __future__ import annotations

import re
from typing import Any

Node = dict[str, Any]

# Control characters (C0 but tab and line breaks, DEL, C1): not text. They break the handbook's PDF/UA
# build, and in a terminal an escape sequence can rewrite what is shown.
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TEXT_INLINES = {"Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps"}


def node(kind: str, content: Any = None) -> Node:
    return {"t": kind} if content is None else {"t": kind, "c": content}


def text_inlines(text: str) -> list[Node]:
    """Inlines that say ``text``, words separated by spaces."""
    out: list[Node] = []
    for word in text.split():
        if out:
            out.append(node("Space"))
        out.append(node("Str", word))
    return out


def para(text: str) -> Node:
    return node("Para", text_inlines(text))


def plain_text(item: Any) -> str:
    """The words a node, or a list of nodes, says: no markup, spaces collapsed."""
    parts: list[str] = []
    _collect(item, parts)
    return " ".join("".join(parts).split())


def _collect(item: Any, parts: list[str]) -> None:
    if isinstance(item, list):
        for child in item:
            _collect(child, parts)
        return
    if not isinstance(item, dict) or "t" not in item:
        return
    kind = item["t"]
    content: Any = item.get("c")  # pandoc's JSON: its shape depends on the kind
    if kind == "Str":
        parts.append(content)
    elif kind in ("Space", "SoftBreak", "LineBreak"):
        parts.append(" ")
    elif kind in ("Code", "Math", "RawInline"):
        parts.append(content[1])
    elif kind in ("CodeBlock", "RawBlock"):
        parts.append(" " + content[1] + " ")
    elif kind in _TEXT_INLINES:
        _collect(content, parts)
    elif kind in ("Link", "Image", "Span", "Cite", "Quoted", "Div", "Header"):
        _collect(content[-2] if kind in ("Link", "Image") else content[-1], parts)
    elif kind in ("Para", "Plain", "BlockQuote", "BulletList", "LineBlock", "Note", "Figure"):
        _collect(content if kind != "Figure" else content[1:], parts)
        parts.append(" ")
    elif kind == "OrderedList":
        _collect(content[1], parts)
    elif kind == "DefinitionList":
        for term, definitions in content:
            _collect(term, parts)
            parts.append(" ")
            _collect(definitions, parts)
    elif kind == "Table":
        for row in table_rows(item):
            for cell in row:
                _collect(cell, parts)
                parts.append(" ")


def table_rows(table: Node) -> list[list[list[Node]]]:
    """Every row of a table, head, bodies and foot in order, as lists of cells (each a list of blocks)."""
    _attr, _caption, _colspecs, head, bodies, foot = table["c"]
    rows: list[list[list[Node]]] = []

    def add(row_list: list[Any]) -> None:
        for _row_attr, cells in row_list:
            rows.append([cell[4] for cell in cells])

    add(head[1])
    for body in bodies:
        add(body[2])
        add(body[3])
    add(foot[1])
    return rows


def table_text_rows(table: Node) -> list[list[str]]:
    return [[plain_text(cell) for cell in row] for row in table_rows(table)]


def has_head(table: Node) -> bool:
    return bool(table["c"][3][1])


def caption_blocks(table: Node) -> list[Node]:
    return list(table["c"][1][1])


def without_controls(text: str) -> tuple[str, int]:
    """``text`` without control characters, and how many there were."""
    return CONTROLS.subn("", text)


def strip_controls(value: Any) -> int:
    """Remove control characters from every string (keys too) in ``value``, a tree of dicts and lists
    changed in place, walked without recursion; how many were removed."""
    removed = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            pairs = []
            for key, child in item.items():
                if isinstance(key, str):
                    key, count = without_controls(key)
                    removed += count
                if isinstance(child, str):
                    child, count = without_controls(child)
                    removed += count
                pairs.append((key, child))
            item.clear()
            item.update(pairs)
            stack.extend(child for _key, child in pairs if isinstance(child, dict | list))
        elif isinstance(item, list):
            for position, child in enumerate(item):
                if isinstance(child, str):
                    item[position], count = without_controls(child)
                    removed += count
                elif isinstance(child, dict | list):
                    stack.append(child)
    return removed
