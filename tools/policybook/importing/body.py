"""A converted document's tree, cleaned into what the policy dialect can say, keeping every word.

- Raw HTML (or any other raw format) becomes its text, so nothing from the document runs or is lost.
- A table that cannot be a pipe table (merged cells, lists or several paragraphs in a cell) becomes a
  list with one item per row, each cell's text under its column heading.
- Headings start at ``##`` and never skip a level; empty headings go. The title heading goes too: the
  title is in the frontmatter.
- Links stay when they go to a website, an e-mail address or a heading that is still there; any other
  link keeps its text. Pictures go through ``pictures.Pictures``.
- Notes written as MkDocs admonitions in a Markdown source are kept as admonitions.
- Two lists of a kind next to each other are kept apart by an empty HTML comment, which shows nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, ClassVar

from policybook.files import SAFE_SCHEMES, scheme_of
from policybook.importing.blocks import Node, has_head, node, para, plain_text, table_rows, text_inlines
from policybook.markdown import heading_slug, unique_slug

BLOCK_TYPES = {"Plain", "Para", "LineBlock", "CodeBlock", "RawBlock", "BlockQuote", "OrderedList", "BulletList",
               "DefinitionList", "Header", "HorizontalRule", "Table", "Figure", "Div", "Null"}
INLINE_TYPES = {"Str", "Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps", "Quoted",
                "Cite", "Code", "Space", "SoftBreak", "LineBreak", "Math", "RawInline", "Link", "Image", "Note",
                "Span"}
ADMONITION_CLASS = "pb-admonition-"  # a Markdown admonition carried through pandoc as a div (see foreign.py)


@dataclass
class Cleaning:
    """What cleaning needs from its caller, and what it found."""

    picture: Callable[[str, str], str | None]  # (source, alt text) -> new target, or None
    notes: list[str] = field(default_factory=list)
    admonitions: dict[int, list[Node]] = field(default_factory=dict)  # number -> cleaned blocks
    raw_count: int = 0


def clean(blocks: list[Node], cleaning: Cleaning) -> list[Node]:
    """The body's blocks in the policy dialect (see the module docstring)."""
    for header in _headers(blocks):  # bookmarks inside headings are spans, which cleaning unwraps
        ids = [header["c"][1][0], *_span_ids(header["c"][2])]
        header["c"][1] = ["", [], [[_IDS, " ".join(i for i in ids if i)]]]
    blocks = _map_lists(blocks, lambda items: _clean_inlines(items, cleaning),
                        lambda items: _clean_blocks(items, cleaning))
    blocks = _levels(blocks)
    blocks = _anchors(blocks, cleaning)
    blocks = _map_lists(blocks, lambda items: items, _separate_lists)
    for number, inner in cleaning.admonitions.items():
        cleaning.admonitions[number] = _map_lists(inner, lambda items: items, _separate_lists)
    if cleaning.raw_count:
        cleaning.notes.append(f"{cleaning.raw_count} piece(s) of raw HTML or other markup were replaced by their "
                              "text")
    return blocks


def take_title(blocks: list[Node], title: str | None) -> tuple[list[Node], str | None]:
    """The title: ``title`` when the document states one (a first heading saying the same goes), else a
    first heading that no other heading matches in level."""
    if not blocks or blocks[0].get("t") != "Header":
        return blocks, title
    first = plain_text(blocks[0]["c"][2])
    if title is not None:
        same = " ".join(first.lower().split()) == " ".join(title.lower().split())
        return (blocks[1:], title) if same else (blocks, title)
    level = blocks[0]["c"][0]
    if any(b.get("t") == "Header" and b["c"][0] == level for b in blocks[1:]) or not first:
        return blocks, None
    return blocks[1:], first


# -- walking the tree ----------------------------------------------------------------------------------
ListFn = Callable[[list[Node]], list[Node]]


def _map_lists(item: Any, inline_fn: ListFn, block_fn: ListFn) -> Any:
    """Apply the functions to every list of inlines and of blocks, innermost first."""
    if isinstance(item, list):
        mapped = [_map_lists(child, inline_fn, block_fn) for child in item]
        kinds = {child.get("t") for child in mapped if isinstance(child, dict)}
        if mapped and all(isinstance(child, dict) for child in mapped):
            if kinds <= INLINE_TYPES:
                return inline_fn(mapped)
            if kinds <= BLOCK_TYPES:
                return block_fn(mapped)
        return mapped
    if isinstance(item, dict) and "c" in item:
        return {**item, "c": _map_lists(item["c"], inline_fn, block_fn)}
    return item


# -- inlines -------------------------------------------------------------------------------------------
def _clean_inlines(inlines: list[Node], cleaning: Cleaning) -> list[Node]:
    out: list[Node] = []
    for inline in inlines:
        kind = inline["t"]
        content: Any = inline.get("c")  # pandoc's JSON: its shape depends on the kind
        if kind == "RawInline":
            cleaning.raw_count += 1
            words = text_inlines(_raw_text(content[0], content[1]))
            tag = _BREAK_TAG.match(content[1])
            if not words and tag:  # <br> keeps its line break; a closing </p> at least a space
                words = [node("LineBreak" if tag.group(1).lower() == "br" else "Space")]
            out.extend(words)
        elif kind in ("Span", "SmallCaps", "Cite"):
            out.extend(content[-1] if kind != "SmallCaps" else content)
        elif kind == "Math":
            out.extend(text_inlines(content[1]))
        elif kind == "Link":
            out.extend(_link(inline, cleaning))
        elif kind == "Image":
            out.extend(_image(inline, cleaning))
        else:
            out.append(inline)
    return out


def _link(link: Node, cleaning: Cleaning) -> list[Node]:
    inlines: list[Node]
    _attr, inlines, (target, title) = link["c"]
    if target.startswith("#"):
        return [link]  # checked once headings are final (_anchors)
    scheme = scheme_of(target)
    if scheme in SAFE_SCHEMES:
        return [node("Link", [["", [], []], inlines, [target, title]])]
    cleaning.notes.append(f"link '{plain_text(inlines)}' to '{target[:120]}' removed (its text is kept): link to "
                          "another policy by its id, or to a file stored under policies/")
    return inlines


def _image(image: Node, cleaning: Cleaning) -> list[Node]:
    _attr, alt_inlines, (source, title) = image["c"]
    alt = plain_text(alt_inlines)
    target = cleaning.picture(source, alt)
    if target is not None:
        return [node("Image", [["", [], []], text_inlines(alt), [target, title]])]
    if scheme_of(source) in SAFE_SCHEMES:
        return [node("Link", [["", [], []], text_inlines(alt or source), [source, ""]])]
    return [node("Emph", text_inlines(f"Picture not imported: {alt}" if alt else "Picture not imported."))]


# -- blocks --------------------------------------------------------------------------------------------
def _clean_blocks(blocks: list[Node], cleaning: Cleaning) -> list[Node]:
    out: list[Node] = []
    for block in blocks:
        kind = block["t"]
        content: Any = block.get("c")  # pandoc's JSON: its shape depends on the kind
        if kind == "RawBlock":
            cleaning.raw_count += 1
            out.extend(para(text) for text in _raw_paragraphs(content[0], content[1]))
        elif kind == "Figure":
            caption = content[1][1]
            out.extend(content[2])
            if plain_text(caption) and plain_text(caption) not in plain_text(content[2]):
                out.extend(caption)
        elif kind == "Div":
            out.extend(_div(block, cleaning))
        elif kind == "DefinitionList":
            out.append(node("BulletList", [[node("Para", [node("Strong", term)]), *[b for d in defs for b in d]]
                                           for term, defs in content]))
        elif kind == "Table":
            out.extend(_table(block, cleaning))
        elif kind == "Header" and not plain_text(content[2]) and not _has_image(content[2]):
            cleaning.notes.append("an empty heading was left out")
        elif kind == "Null" or (kind in ("Para", "Plain") and not plain_text(content) and not _has_image(content)):
            continue
        else:
            out.append(block)
    return out


def _has_image(item: Any) -> bool:
    """Whether ``item`` holds a picture anywhere in it (walked without recursion)."""
    stack = [item]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, dict):
            if current.get("t") == "Image":
                return True
            stack.append(current.get("c"))
    return False


def _div(div: Node, cleaning: Cleaning) -> list[Node]:
    classes = div["c"][0][1]
    marker = next((c for c in classes if c.startswith(ADMONITION_CLASS)), None)
    if marker is None:
        return list(div["c"][1])
    number = int(marker[len(ADMONITION_CLASS):])
    cleaning.admonitions[number] = list(div["c"][1])
    return [para(admonition_placeholder(number))]


def admonition_placeholder(number: int) -> str:
    return f"PBADMONITIONPLACEHOLDER{number}X"


# -- tables --------------------------------------------------------------------------------------------
def _table(table: Node, cleaning: Cleaning) -> list[Node]:
    _attr, caption, _colspecs, head, bodies, foot = table["c"]
    cells = [cell for rows in (head[1], *(b[2] + b[3] for b in bodies), foot[1]) for _a, row in rows for cell in row]
    simple = all(cell[2] == 1 and cell[3] == 1 and len(cell[4]) <= 1 and all(b["t"] in ("Plain", "Para")
                                                                                 for b in cell[4]) for cell in cells)
    rows = table_rows(table)
    if not rows:
        return list(caption[1])
    if simple and len({len(row) for row in rows}) == 1:
        return [_pipe_table(table)]
    cleaning.notes.append(f"a table with merged cells or several paragraphs in a cell became a list, one item per "
                          f"row ({plain_text(rows[0])[:60]}...)")
    header = [plain_text(cell) for cell in rows[0]] if has_head(table) else []
    items, labelled = _row_items(rows[1:], header) if header else ([], set())
    if not header or not items or _has_image(rows[0]) or any(
            label and position not in labelled for position, label in enumerate(header)):
        # the first row as headings would lose some of its own text (or a picture): every row, the first
        # too, becomes an item, so that no cell is lost
        items, _ = _row_items(rows, [])
    return [*caption[1], node("BulletList", items)] if items else list(caption[1])


def _row_items(rows: list[list[list[Node]]], header: list[str]) -> tuple[list[list[Node]], set[int]]:
    """One list item per row that says anything, each cell under its heading; and the positions of the
    headings that were used."""
    items: list[list[Node]] = []
    labelled: set[int] = set()
    for row in rows:
        item: list[Node] = []
        for position, cell in enumerate(row):
            if not plain_text(cell) and not _has_image(cell):
                continue
            label = header[position] if position < len(header) else ""
            if label:
                labelled.add(position)
            if label and len(cell) == 1 and cell[0]["t"] in ("Plain", "Para"):
                item.append(node("Para", [node("Strong", text_inlines(label + ":")), node("Space"), *cell[0]["c"]]))
            else:
                if label:
                    item.append(node("Para", [node("Strong", text_inlines(label + ":"))]))
                item.extend(cell)
        if item:
            items.append(item)
    return items, labelled


def _pipe_table(table: Node) -> Node:
    """One line per cell (pipe tables have no line breaks), and a header row (the first row, when the
    document marked none: a pipe table always has one)."""
    _attr, caption, colspecs, head, bodies, foot = table["c"]

    def flat(cell: list[Any]) -> list[Any]:
        inlines = [i if i["t"] not in ("SoftBreak", "LineBreak") else node("Space") for b in cell[4] for i in b["c"]]
        return [cell[0], cell[1], 1, 1, [node("Plain", inlines)] if inlines else []]

    def rows_of(rows: list[Any]) -> list[Any]:
        return [[row_attr, [flat(cell) for cell in row]] for row_attr, row in rows]

    head_rows = rows_of(head[1])
    body_rows = [row for b in bodies for row in rows_of(b[2]) + rows_of(b[3])] + rows_of(foot[1])
    if not head_rows and body_rows:
        head_rows, body_rows = body_rows[:1], body_rows[1:]
    empty_attr = ["", [], []]
    return node("Table", [empty_attr, caption, colspecs, [empty_attr, head_rows],
                          [[empty_attr, 0, [], body_rows]], [empty_attr, []]])


# -- raw markup ----------------------------------------------------------------------------------------
class _Text(HTMLParser):
    """The text of HTML: tags dropped, block elements as paragraph breaks, script and style left out."""

    BREAKS: ClassVar[set[str]] = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul",
                                  "ol", "section", "blockquote", "pre", "hr", "td", "th"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n\n" if tag not in ("td", "th") else " ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f" {alt} ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n\n" if tag not in ("td", "th") else " ")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


_BREAK_TAG = re.compile(r"<\s*/?\s*(br|p|div|li|tr|td|th)\b", re.I)


def _raw_paragraphs(fmt: str, text: str) -> list[str]:
    if fmt.lower() not in ("html", "html4", "html5"):
        return [" ".join(part.split()) for part in re.split(r"\n\s*\n", text) if part.strip()]
    parser = _Text()
    parser.feed(text)
    parser.close()
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", "".join(parser.parts)) if part.strip()]


def _raw_text(fmt: str, text: str) -> str:
    return " ".join(_raw_paragraphs(fmt, text)) if fmt.lower().startswith("html") else text


# -- lists next to each other ---------------------------------------------------------------------------
LIST_BREAK = "<!-- -->"
_LISTS = ("BulletList", "OrderedList")


def _separate_lists(blocks: list[Node]) -> list[Node]:
    """CommonMark would run a list on into the next list of its kind (or an indented code block), so
    pandoc writes a paragraph of ``&nbsp;`` between them: an empty paragraph on the site and a gap in
    the PDF. An empty HTML comment keeps them apart and shows nothing; it is the only HTML an imported
    policy has."""
    out: list[Node] = []
    for block in blocks:
        previous = out[-1]["t"] if out else None
        if previous in _LISTS and block["t"] in (previous, "CodeBlock"):
            out.append(node("RawBlock", ["commonmark", LIST_BREAK]))
        out.append(block)
    return out


# -- headings and links to them ------------------------------------------------------------------------
def _headers(blocks: list[Node]) -> list[Node]:
    """Every heading, in document order (walked without recursion)."""
    found: list[Node] = []
    stack: list[Any] = [blocks]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if item.get("t") == "Header":
                found.append(item)
            elif "c" in item:
                stack.append(item["c"])
    return found


def _levels(blocks: list[Node]) -> list[Node]:
    """Levels from ``##`` down, one step at a time: each heading goes one below the nearest heading above
    it with a higher level in the document, so the outline keeps its shape."""
    stack: list[tuple[int, int]] = []  # (level in the document, new level)
    for header in _headers(blocks):
        level = header["c"][0]
        while stack and stack[-1][0] >= level:
            stack.pop()
        new = min(6, stack[-1][1] + 1) if stack else 2
        header["c"][0] = new
        stack.append((level, new))
    return blocks


_IDS = "pb-ids"  # a heading's ids in the document, kept on it until links are pointed at them
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def _anchors(blocks: list[Node], cleaning: Cleaning) -> list[Node]:
    """Point links to headings at the ids policybook gives the headings; unwrap links to anything else
    (a Word bookmark, a heading that was removed)."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for header in _headers(blocks):
        text = plain_text(header["c"][2])
        slug = unique_slug(heading_slug(_MARKDOWN_PUNCTUATION.sub(r"\\\1", text)), used)
        for identifier in dict(header["c"][1][2]).get(_IDS, "").split():
            ids.setdefault(identifier, slug)
        header["c"][1] = ["", [], []]

    def fix(inlines: list[Node]) -> list[Node]:
        out: list[Node] = []
        for inline in inlines:
            if inline["t"] == "Link" and inline["c"][2][0].startswith("#"):
                target = inline["c"][2][0][1:]
                if target in ids:
                    out.append(node("Link", [["", [], []], inline["c"][1], ["#" + ids[target], inline["c"][2][1]]]))
                else:
                    cleaning.notes.append(f"link '{plain_text(inline['c'][1])}' to '#{target[:80]}' (a bookmark "
                                          "or a heading not in the policy) removed; its text is kept")
                    out.extend(inline["c"][1])
            else:
                out.append(inline)
        return out

    fixed: list[Node] = _map_lists(blocks, fix, lambda items: items)
    return fixed


def _span_ids(inlines: list[Node]) -> list[str]:
    return [i["c"][0][0] for i in inlines if i.get("t") == "Span" and i["c"][0][0]]
