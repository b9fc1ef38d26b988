"""Lists in a Word document nested as Word shows them.

Most people nest a list in Word without a multilevel list: the sub-item gets the style "List Bullet 2"
(or "List Number 2", or "List Paragraph" indented further), and Word gives each of those styles a list
of its own. pandoc reads each such list as a separate top-level list, so a sub-item comes out flat and
the list falls apart into pieces. Only the indentation says which item is under which, and pandoc does
not read it. So:

1. Before pandoc reads the private copy of the document, each numbered paragraph gets a marker word in
   front of its text, and its indentation is worked out as Word works it out: the paragraph's own, else
   its list level's, else its style's.
2. After pandoc, each list item's marker is taken out again, and each run of adjacent lists is rebuilt
   by indentation: an item further in than the item before it goes under it; items at the same
   indentation stay in one list when Word shows them as one (bullets, or numbers that carry on).

The markers carry a random part, so no document can write one. A document whose parts cannot be read
here is left as it is: pandoc reads it, or refuses it, as before.
"""

from __future__ import annotations

import re
import secrets
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from policybook.importing.blocks import Node, node
from policybook.importing.body import BLOCK_TYPES

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
BODY, STYLES, NUMBERING = "word/document.xml", "word/styles.xml", "word/numbering.xml"
STEP = 360  # twips (a quarter inch): Word's step between list levels, when nothing states an indentation
NEST = 180  # twips: an item at least this much further in than the item before it goes under that item
LISTS = ("BulletList", "OrderedList")
_LEVEL_IN_NAME = re.compile(r"^list(?: bullet| number| continue)? ([2-9])$", re.I)


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


class _Unreadable(Exception):
    """A part of the document the pre-pass does not read (a DTD, another encoding, broken XML)."""


@dataclass
class WordLists:
    """The markers put into one document, and the indentation (in twips) of the paragraph each marks."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(6).upper())
    indents: dict[int, int] = field(default_factory=dict)

    def marker(self, number: int) -> str:
        return f"PBLI{self.nonce}N{number}Z"

    def mark(self, copy: Path) -> None:
        """Put a marker in front of the text of each numbered paragraph of ``copy`` (a private copy)."""
        try:
            with zipfile.ZipFile(copy) as archive:
                names = set(archive.namelist())
                body = archive.read(BODY)
                styles = _Styles(_part(archive, STYLES, names))
                numbering = _Numbering(_part(archive, NUMBERING, names), styles)
            marked = _Marking(self, styles, numbering).run(body)
            if self.indents:
                replace_part(copy, BODY, marked)
        except (_Unreadable, DefusedXmlException, expat.ExpatError, zipfile.BadZipFile, KeyError, OSError,
                ValueError, EOFError):
            self.indents.clear()  # the copy is as it was: _replace changes it only once it is complete

    def apply(self, tree: dict[str, Any]) -> None:
        """Take the markers out of pandoc's tree, and nest its lists by the indentation found."""
        pattern = re.compile(rf"PBLI{self.nonce}N(\d+)Z")
        items: dict[int, int] = {}  # id() of a list item (a list of blocks, kept in place) -> its indentation
        _take_markers(tree, pattern, self.indents, items)
        _each_block_list(tree.get("blocks", []), lambda blocks: _nest_runs(blocks, items))


# -- reading the document's parts -------------------------------------------------------------------------
def _part(archive: zipfile.ZipFile, name: str, names: set[str]) -> Element | None:
    return fromstring(archive.read(name), forbid_dtd=True) if name in names else None


def _twips(element: Element | None) -> int | None:
    """The left indentation an ``ind`` element states (``start`` in newer documents), if any."""
    if element is None:
        return None
    value = element.get(_w("left"), element.get(_w("start")))
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _number(element: Element | None, tag: str) -> str | None:
    found = element.find(_w(tag)) if element is not None else None
    return found.get(_w("val")) if found is not None else None


@dataclass(frozen=True)
class _Style:
    name: str
    based_on: str | None
    indent: int | None
    num_id: str | None
    level: str | None


class _Styles:
    """Paragraph and numbering styles by id; a style's settings come from it or the styles it is based on."""

    def __init__(self, root: Element | None) -> None:
        self.by_id: dict[str, _Style] = {}
        self.default: str | None = None
        for style in root.iter(_w("style")) if root is not None else ():
            style_id = style.get(_w("styleId")) or ""
            name = style.find(_w("name"))
            ppr = style.find(_w("pPr"))
            numpr = ppr.find(_w("numPr")) if ppr is not None else None
            self.by_id[style_id] = _Style(
                name.get(_w("val"), "") if name is not None else style_id, _number(style, "basedOn"),
                _twips(ppr.find(_w("ind")) if ppr is not None else None), _number(numpr, "numId"),
                _number(numpr, "ilvl"))
            if style.get(_w("type")) == "paragraph" and style.get(_w("default")) in ("1", "true", "on"):
                self.default = style_id

    def chain(self, style_id: str | None) -> Iterator[_Style]:
        seen: set[str] = set()
        while style_id is not None and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            yield self.by_id[style_id]
            style_id = self.by_id[style_id].based_on

    def first(self, style_id: str | None, get: Callable[[_Style], Any]) -> Any:
        return next((value for style in self.chain(style_id) if (value := get(style)) is not None), None)


class _Numbering:
    """The indentation of each level of each list (``num``), with its overrides and linked list styles."""

    def __init__(self, root: Element | None, styles: _Styles) -> None:
        self.abstract: dict[str, dict[int, int | None]] = {}
        self.links: dict[str, str] = {}  # abstract list -> the list style it takes its levels from
        self.nums: dict[str, tuple[str, dict[int, int | None]]] = {}
        self.styles = styles
        if root is None:
            return
        for abstract in root.iter(_w("abstractNum")):
            key = abstract.get(_w("abstractNumId")) or ""
            self.abstract[key] = _levels(abstract)
            link = _number(abstract, "numStyleLink")
            if link is not None:
                self.links[key] = link
        for num in root.iter(_w("num")):
            overrides = {}
            for override in num.iter(_w("lvlOverride")):
                overrides.update(_levels(override))
            self.nums[num.get(_w("numId")) or ""] = (_number(num, "abstractNumId") or "", overrides)

    def has(self, num_id: str) -> bool:
        return num_id in self.nums

    def indent(self, num_id: str, level: int, depth: int = 0) -> int | None:
        abstract, overrides = self.nums.get(num_id, ("", {}))
        if overrides.get(level) is not None:
            return overrides[level]
        if self.abstract.get(abstract, {}).get(level) is not None:
            return self.abstract[abstract][level]
        linked = self.styles.first(self.links.get(abstract), lambda s: s.num_id)
        return self.indent(linked, level, depth + 1) if linked is not None and depth < 3 else None


def _levels(parent: Element) -> dict[int, int | None]:
    levels: dict[int, int | None] = {}
    for lvl in parent.iter(_w("lvl")):
        try:
            number = int(lvl.get(_w("ilvl")) or "0")
        except ValueError:
            continue
        ppr = lvl.find(_w("pPr"))
        levels[number] = _twips(ppr.find(_w("ind")) if ppr is not None else None)
    return levels


# -- marking the body -------------------------------------------------------------------------------------
@dataclass
class _Paragraph:
    depth: int  # how many elements are open at its start tag
    style: str | None = None
    num_id: str | None = None
    level: str | None = None
    indent: int | None = None
    insert_at: int | None = None  # byte offset of the first thing after the paragraph's properties


class _Marking:
    """One pass of expat over the body: which paragraphs are numbered, and where their text starts. The
    markers are spliced in at those byte offsets, so the rest of the file stays byte for byte as it was."""

    def __init__(self, lists: WordLists, styles: _Styles, numbering: _Numbering) -> None:
        self.lists, self.styles, self.numbering = lists, styles, numbering
        self.path: list[str] = []  # the elements open, by local name for Word's own, else "uri name"
        self.paragraphs: list[_Paragraph] = []
        self.prefixes: dict[str | None, list[str]] = {}
        self.inserts: list[tuple[int, bytes]] = []

    def run(self, body: bytes) -> bytes:
        if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in body[:4]:
            raise _Unreadable("not UTF-8")
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        self.parser.StartNamespaceDeclHandler = lambda prefix, uri: self.prefixes.setdefault(prefix, []).append(uri)
        self.parser.EndNamespaceDeclHandler = lambda prefix: self.prefixes[prefix].pop()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.Parse(body, True)
        out, position = [], 0
        for offset, text in sorted(self.inserts):
            out += [body[position:offset], text]
            position = offset
        return b"".join([*out, body[position:]])

    def _refuse(self, *_args: object) -> None:
        raise _Unreadable("a document type declaration")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        self.path.append(local if uri == W else name)
        if self.path[-1] == "p":
            self.paragraphs.append(_Paragraph(len(self.path)))
            return
        if not self.paragraphs:
            return
        paragraph = self.paragraphs[-1]
        inside = tuple(self.path[paragraph.depth:])
        if paragraph.insert_at is None:
            if inside[0] != "pPr":
                paragraph.insert_at = self.parser.CurrentByteIndex
            elif inside == ("pPr", "pStyle"):
                paragraph.style = attrs.get(f"{W} val")
            elif inside == ("pPr", "ind"):
                paragraph.indent = _twips_of(attrs)
            elif inside == ("pPr", "numPr", "numId"):
                paragraph.num_id = attrs.get(f"{W} val")
            elif inside == ("pPr", "numPr", "ilvl"):
                paragraph.level = attrs.get(f"{W} val")

    def _end(self, _name: str) -> None:
        local = self.path.pop()
        if local == "p" and self.paragraphs:
            paragraph = self.paragraphs.pop()
            if paragraph.insert_at is None:
                paragraph.insert_at = self.parser.CurrentByteIndex
            indent = self._list_indent(paragraph)
            if indent is not None:
                number = len(self.lists.indents)
                self.lists.indents[number] = indent
                self.inserts.append((paragraph.insert_at, self._run(number)))

    def _list_indent(self, paragraph: _Paragraph) -> int | None:
        """The indentation of a numbered paragraph that pandoc makes a list item; None for any other."""
        style = paragraph.style or self.styles.default
        names = [s.name.lower() for s in self.styles.chain(style)]
        if any(name.startswith(("heading", "title", "subtitle")) for name in names):
            return None
        num_id = paragraph.num_id or self.styles.first(style, lambda s: s.num_id)
        if num_id is None or num_id == "0" or not self.numbering.has(num_id):
            return None
        try:
            level = int(paragraph.level or self.styles.first(style, lambda s: s.level) or "0")
        except ValueError:
            level = 0
        for indent in (paragraph.indent, self.numbering.indent(num_id, level),
                       self.styles.first(style, lambda s: s.indent)):
            if indent is not None:
                return indent
        named = next((_LEVEL_IN_NAME.match(name) for name in names if _LEVEL_IN_NAME.match(name)), None)
        return STEP * (int(named[1]) if named else level + 1)

    def _run(self, number: int) -> bytes:
        prefix = next((p for p, uris in self.prefixes.items() if uris and uris[-1] == W), None)
        tag = f"{prefix}:" if prefix else ""
        return (f'<{tag}r><{tag}t xml:space="preserve">{self.lists.marker(number)} </{tag}t></{tag}r>'
                .encode("ascii"))


def _twips_of(attrs: dict[str, str]) -> int | None:
    value = attrs.get(f"{W} left", attrs.get(f"{W} start"))
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def replace_part(path: Path, name: str, data: bytes) -> None:
    """``path`` with the entry ``name`` replaced by ``data``, every other entry copied as it is."""
    temporary = path.with_name(path.name + ".marked")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temporary, "w") as target:
        for info in source.infolist():
            target.writestr(info, data if info.filename == name else source.read(info))
    temporary.replace(path)


# -- taking the markers out -------------------------------------------------------------------------------
def _take_markers(value: Any, pattern: re.Pattern[str], indents: dict[int, int], items: dict[int, int]) -> None:
    """Remove every marker from the tree; note the indentation of each list item that starts with one."""
    if isinstance(value, dict):
        if value.get("t") in LISTS:
            for item in _items(value):
                number = _leading_marker(item, pattern)
                if number is not None and number in indents:
                    items[id(item)] = indents[number]
        for child in (value.get("c"),) if "t" in value else value.values():
            _take_markers(child, pattern, indents, items)
    elif isinstance(value, list):
        if any(isinstance(child, dict) and child.get("t") == "Str" and pattern.search(child["c"]) for child in value):
            value[:] = _without_markers(value, pattern)
        for child in value:
            _take_markers(child, pattern, indents, items)


def _leading_marker(item: list[Any], pattern: re.Pattern[str]) -> int | None:
    if not item or not isinstance(item[0], dict) or item[0].get("t") not in ("Para", "Plain"):
        return None
    inlines = item[0]["c"]
    first = inlines[0] if inlines else None
    match = pattern.match(first["c"]) if isinstance(first, dict) and first.get("t") == "Str" else None
    if match is None:
        return None
    inlines[:] = _without_markers(inlines, pattern)
    return int(match[1])


def _without_markers(inlines: list[Any], pattern: re.Pattern[str]) -> list[Node]:
    out: list[Node] = []
    dropped = False
    for inline in inlines:
        if isinstance(inline, dict) and inline.get("t") == "Str" and pattern.search(inline["c"]):
            rest = pattern.sub("", inline["c"])
            if rest:
                out.append(node("Str", rest))
            dropped = not rest
        elif dropped and isinstance(inline, dict) and inline.get("t") in ("Space", "SoftBreak"):
            dropped = False
        else:
            out.append(inline)
            dropped = False
    return out


# -- nesting ----------------------------------------------------------------------------------------------
def _items(block: Node) -> list[list[Node]]:
    items: list[list[Node]] = block["c"] if block["t"] == "BulletList" else block["c"][1]
    return items


def _each_block_list(value: Any, fn: Callable[[list[Node]], list[Node]]) -> None:
    """Replace, in place and innermost first, every list of blocks in ``value`` by ``fn`` of it."""
    if isinstance(value, list):
        for child in value:
            _each_block_list(child, fn)
        if value and all(isinstance(child, dict) and child.get("t") in BLOCK_TYPES for child in value):
            value[:] = fn(value)
    elif isinstance(value, dict):
        _each_block_list(value.get("c"), fn)


def _nest_runs(blocks: list[Node], indents: dict[int, int]) -> list[Node]:
    """Each run of adjacent lists rebuilt by indentation. An item without a marker (pandoc made it of
    something that is not a numbered paragraph) is as far in as the item before it in its list; a run
    with a list of such items only is left as pandoc made it."""
    out: list[Node] = []
    run: list[Node] = []
    for block in [*blocks, None]:
        if block is not None and block.get("t") in LISTS:
            run.append(block)
            continue
        known = [_fill_in(listed, indents) for listed in run]
        if run and all(known) and (len(run) > 1 or len({indents[id(i)] for i in _items(run[0])}) > 1):
            out.extend(_nest(run, indents))
        else:
            out.extend(run)
        run = []
        if block is not None:
            out.append(block)
    return out


def _fill_in(listed: Node, indents: dict[int, int]) -> bool:
    """Give each item of ``listed`` without an indentation the one of the item before it (or, for the
    first, of the first item with one); False when no item of ``listed`` has one."""
    items = _items(listed)
    found = next((indents[id(item)] for item in items if id(item) in indents), None)
    if found is None:
        return False
    for item in items:
        found = indents.setdefault(id(item), found)
    return True


@dataclass
class _Open:
    """A list being built: where it is (the blocks holding it) and how far in its items are."""

    block: Node
    holder: list[Node]
    indent: int


def _nest(run: list[Node], indents: dict[int, int]) -> list[Node]:
    out: list[Node] = []
    stack: list[_Open] = []
    for listed in run:
        for position, item in enumerate(_items(listed)):
            indent = indents[id(item)]
            number = listed["c"][0][0] + position if listed["t"] == "OrderedList" else 0
            while len(stack) > 1 and stack[-1].indent - indent >= NEST:
                stack.pop()
            if not stack:
                stack.append(_Open(_like(listed, number, item), out, indent))
                out.append(stack[-1].block)
            elif indent - stack[-1].indent < NEST:  # the same level (or further out than the first item)
                top = stack[-1]
                top.indent = min(top.indent, indent)
                if _carries_on(top.block, listed, number):
                    _items(top.block).append(item)
                else:
                    top.block = _like(listed, number, item)
                    top.holder.append(top.block)
            else:  # further in: under the last item of the list above
                parent = _items(stack[-1].block)[-1]
                last = parent[-1] if parent else None
                if last is not None and last.get("t") in LISTS and _carries_on(last, listed, number):
                    _items(last).append(item)
                    stack.append(_Open(last, parent, indent))
                else:
                    stack.append(_Open(_like(listed, number, item), parent, indent))
                    parent.append(stack[-1].block)
            _open_nested(item, stack, indents)
    return out


def _open_nested(item: list[Node], stack: list[_Open], indents: dict[int, int]) -> None:
    """Lists pandoc already nested in ``item`` (a multilevel list) stay open for the items that follow."""
    while item and item[-1].get("t") in LISTS and _items(item[-1]):
        inner = _items(item[-1])[-1]
        indent = indents.get(id(inner))
        if indent is None or indent - stack[-1].indent < NEST:
            return
        stack.append(_Open(item[-1], item, indent))
        item = inner


def _carries_on(block: Node, listed: Node, number: int) -> bool:
    """Whether an item of ``listed`` numbered ``number`` continues ``block``, as Word would show it."""
    if block["t"] != listed["t"]:
        return False
    if block["t"] == "BulletList":
        return True
    (start, style, delimiter), items = block["c"]
    return bool(style == listed["c"][0][1] and delimiter == listed["c"][0][2] and number == start + len(items))


def _like(listed: Node, number: int, item: list[Node]) -> Node:
    if listed["t"] == "BulletList":
        return node("BulletList", [item])
    _start, style, delimiter = listed["c"][0]
    return node("OrderedList", [[number, style, delimiter], [item]])
