"""Bold and italic that would arrive as literal ``*`` and ``_``, repaired in the document tree.

Word lets bold or italic run over a line break or a trailing space; Markdown cannot close emphasis
after a space or a break, so pandoc writes ``***Purpose\\***`` for a bold-italic heading that ends
with a line break, and readers see a stray asterisk. The intent is clear in the tree, before any
Markdown is written: the break or space belongs outside the emphasis (a heading keeps no line break
at all), and emphasis around nothing is no emphasis. Each repair is listed for the migration report.
What is still left over after writing is found by the ``emphasis-debris`` lint rule's own reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from policybook.importing.blocks import Node, node, plain_text

EMPHASIS = {"Emph": "italic", "Strong": "bold", "Underline": "underlined", "Strikeout": "struck-out",
            "Superscript": "superscript", "Subscript": "subscript"}
_GAPS = {"Space", "SoftBreak", "LineBreak"}


def repair_emphasis(blocks: list[Node], markdown_source: bool = False) -> list[str]:
    """Repair ``blocks`` in place; what was repaired, one line each. In a Markdown source, markers that
    pair with nothing beside emphasis are rebalanced too (see ``_rebalance``)."""
    repairs: list[str] = []
    _walk(blocks, repairs, in_heading=False)
    if markdown_source:
        _map_inline_lists(blocks, lambda inlines: _rebalance(inlines, repairs))
    return _merged(repairs)


def literal_markers(blocks: list[Node]) -> list[str]:
    """The words of a Markdown source that still hold a marker pandoc read as a literal character
    (``**lone``): the intent is not clear, so they are kept as written and listed for a person."""
    found: list[str] = []

    def collect(inlines: list[Node]) -> list[Node]:
        for inline in inlines:
            if inline.get("t") == "Str" and _LOOSE_MARKER.search(inline["c"]):
                found.append(inline["c"])
        return inlines

    _map_inline_lists(blocks, collect)
    return found


_LOOSE_MARKER = re.compile(r"^[*_]+(?=\w)|(?<=\w)[*_]+$|\*\*")  # a lone * between spaces is 2 * 3
_STRONGER = {("Emph", 1): "Strong", ("Strong", 1): "EmphStrong", ("Emph", 2): "EmphStrong"}


def _rebalance(inlines: list[Node], repairs: list[str]) -> list[Node]:
    """``**Purpose*`` reads as a literal ``*`` then italic: the writer meant the larger emphasis, so the
    stray marker is taken into it (bold here; italic and one more marker, bold italic)."""
    out = list(inlines)
    position = 0
    while position < len(out):
        inline = out[position]
        if inline.get("t") in ("Emph", "Strong"):
            for side in (-1, 1):
                where = position + side
                if not 0 <= where < len(out) or out[where].get("t") != "Str":
                    continue
                text = out[where]["c"]
                run = len(text) - len(text.rstrip("*_") if side == -1 else text.lstrip("*_"))
                markers = text[-run:] if side == -1 else text[:run]
                stronger = _STRONGER.get((inline["t"], run))
                if not run or stronger is None or len(set(markers)) != 1:
                    continue
                rest = text[:-run] if side == -1 else text[run:]
                words = plain_text(inline["c"])
                inline = node("Strong", inline["c"]) if stronger == "Strong" else node(
                    "Emph", [node("Strong", inline["c"])])
                out[position] = inline
                if rest:
                    out[where] = node("Str", rest)
                else:
                    del out[where]
                    position -= 1 if side == -1 else 0
                repairs.append(f"emphasis markers around '{words[:80]}' did not match (one side had more): "
                               f"rebalanced as {'bold' if stronger == 'Strong' else 'bold italic'}")
                break
        position += 1
    return out


def _map_inline_lists(item: Any, function: Callable[[list[Node]], list[Node]]) -> None:
    """Replace, in place, every list of inlines under ``item`` (a paragraph's, a heading's, a cell's) by
    ``function`` of it."""
    stack = [item]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(reversed(current))  # in document order
        elif isinstance(current, dict) and isinstance(current.get("c"), list):
            content = current["c"]
            kind = current.get("t")
            if kind in ("Para", "Plain") or kind in EMPHASIS:
                current["c"] = function(content)
                stack.append(current["c"])
            elif kind == "Header":
                content[2] = function(content[2])
                stack.append(content[2])
            else:
                stack.append(content)


def _merged(repairs: list[str]) -> list[str]:
    """Bold inside italic, repaired twice, is one repair of bold italic text."""
    out: list[str] = []
    for repair in repairs:
        kind, _, rest = repair.partition(" text ")
        if out and rest and out[-1].endswith(" text " + rest):
            out[-1] = f"{out[-1][: -len(' text ' + rest)]} {kind} text {rest}"
        else:
            out.append(repair)
    return [repair[:1].upper() + repair[1:] for repair in out]


def _walk(item: Any, repairs: list[str], in_heading: bool) -> None:
    if isinstance(item, list):
        for child in item:
            _walk(child, repairs, in_heading)
        return
    if not isinstance(item, dict) or "c" not in item:
        return
    kind = item.get("t")
    content: Any = item["c"]
    if kind == "Header":
        content[2] = _heading(content[2], repairs)
        return
    if kind in ("Para", "Plain"):
        item["c"] = _inlines(content, repairs, in_heading)
        return
    _walk(content, repairs, in_heading)


def _heading(inlines: list[Node], repairs: list[str]) -> list[Node]:
    """A heading's inlines with no line break in them: a break inside becomes a space, one at the end goes."""
    breaks = _count(inlines, "LineBreak") + _count(inlines, "SoftBreak")
    fixed = _trim(_inlines(_no_breaks(inlines), repairs, in_heading=True))
    if breaks:
        styled = " in bold or italic" if any(i.get("t") in EMPHASIS for i in fixed) else ""
        repairs.append(f"heading '{plain_text(fixed)[:80]}'{styled} ended with or held a line break: removed, as a "
                       "heading is one line")
    return fixed


def _no_breaks(inlines: list[Node]) -> list[Node]:
    out: list[Node] = []
    for inline in inlines:
        if inline.get("t") in ("LineBreak", "SoftBreak"):
            out.append(node("Space"))
        elif inline.get("t") in EMPHASIS:
            out.append({**inline, "c": _no_breaks(inline["c"])})
        else:
            out.append(inline)
    return out


def _inlines(inlines: list[Node], repairs: list[str], in_heading: bool) -> list[Node]:
    """Emphasis with its leading and trailing spaces and breaks moved outside it, and emphasis around
    nothing unwrapped; innermost first."""
    out: list[Node] = []
    for inline in inlines:
        kind = inline.get("t")
        if kind not in EMPHASIS:
            _walk(inline.get("c"), repairs, in_heading)  # notes, links and quotes hold inlines too
            out.append(inline)
            continue
        inner = _inlines(inline["c"], repairs, in_heading)
        start = 0
        while start < len(inner) and inner[start].get("t") in _GAPS:
            start += 1
        end = len(inner)
        while end > start and inner[end - 1].get("t") in _GAPS:
            end -= 1
        lead, middle, tail = inner[:start], inner[start:end], inner[end:]
        what = EMPHASIS[kind]
        if not plain_text(middle) and not _count(middle, "Image"):
            if in_heading:
                pass
            elif inner:
                repairs.append(f"{what} text around nothing but a space or a line break was unwrapped")
            else:
                repairs.append(f"empty {what} text was removed")
            out.extend(_one_gap(inner))
            continue
        if (lead or tail) and not in_heading:
            moved = "a line break" if any(g.get("t") == "LineBreak" for g in (*lead, *tail)) else "a space"
            repairs.append(f"{what} text '{plain_text(middle)[:80]}' began or ended with {moved}: moved outside it")
        out.extend(_one_gap(lead))
        out.append({**inline, "c": middle})
        out.extend(_one_gap(tail))
    return _merge_spaces(out)


def _one_gap(gaps: list[Node]) -> list[Node]:
    """A run of spaces and breaks as one: a line break if there was one, else a space."""
    if not gaps:
        return []
    return [node("LineBreak") if any(g.get("t") == "LineBreak" for g in gaps) else node("Space")]


def _merge_spaces(inlines: list[Node]) -> list[Node]:
    out: list[Node] = []
    for inline in inlines:
        if out and inline.get("t") in _GAPS and out[-1].get("t") in _GAPS:
            if inline.get("t") == "LineBreak":
                out[-1] = inline
            continue
        out.append(inline)
    return out


def _trim(inlines: list[Node]) -> list[Node]:
    start, end = 0, len(inlines)
    while start < end and inlines[start].get("t") in _GAPS:
        start += 1
    while end > start and inlines[end - 1].get("t") in _GAPS:
        end -= 1
    return inlines[start:end]


def _count(item: Any, kind: str) -> int:
    """How many nodes of ``kind`` are in ``item`` (walked without recursion)."""
    count, stack = 0, [item]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, dict):
            count += current.get("t") == kind
            stack.append(current.get("c"))
    return count
