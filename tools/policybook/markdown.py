"""The Markdown body as checks see it: prose blocks mapped back to file positions, links, headings.

Parsed once per policy with markdown-it-py in the policy dialect (`dialect()`). Prose is the text a reader
sees: code spans, fenced and indented code, HTML, link destinations and bare URLs are left out,
emphasis markers are dropped, and soft line breaks read as spaces. Every character of a prose
string maps back to its line and column in the source file, so findings point at the real text.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import regex
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin


@cache
def dialect() -> MarkdownIt:
    """The policy dialect: CommonMark, GFM tables and admonitions (`!!! note "Title"`). Lint, the site and
    the handbook all parse bodies with this configuration, so they agree on every block."""
    return MarkdownIt("commonmark", {"html": True}).enable("table").use(admon_plugin)


# Lint reads the block structure only (the same blocks as the full parse: inline rules never change
# them); inline syntax is read by the regular expressions below, which keep exact source positions
# (markdown-it's inline tokens carry none) and cost a fraction of the time.
_MD = MarkdownIt("commonmark", {"html": True}).enable("table").use(admon_plugin).disable("inline")


_CONTAINERS = {"blockquote", "ol", "ul", "div"}  # block quotes, lists and notes


# Characters that can make a heading's inline parse differ from its source (escapes, entities, code, emphasis,
# links, images, HTML, line breaks, and what markdown-it normalises): without any, the text is the source.
_INLINE_SYNTAX = re.compile(r"[\\`*_\[\]!<&\n\r\x00]")


def heading_text(inline_source: str) -> str:
    """What a heading says, as plain text: its words and code, without markup, comments or images."""
    if _INLINE_SYNTAX.search(inline_source) is None:
        return inline_source
    tokens = dialect().parseInline(inline_source)
    children = tokens[0].children if tokens and tokens[0].children else []
    return "".join(c.content for c in children if c.type in ("text", "code_inline"))


def heading_slug(inline_source: str) -> str:
    """The id of a heading, from its Markdown source: the words of its text, lower case, joined by
    hyphens (as Python-Markdown's table of contents makes them, so existing anchors keep working)."""
    text = unicodedata.normalize("NFKD", heading_text(inline_source)).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())
    return slug or "section"


URGENT_HEADING = "In an emergency"  # a section with this heading is shown first unless `urgent` names another


def names_heading(inline_source: str, name: str) -> bool:
    """Whether a heading (its Markdown source) is the one ``name`` names: the same words, in any case and
    spacing, as a reader sees them (a policy's `urgent` field names a section this way)."""
    return " ".join(heading_text(inline_source).split()).casefold() == " ".join(name.split()).casefold()


def section_bounds(tokens: list[Token], name: str) -> tuple[int, int]:
    """Where the section whose heading ``name`` names starts and ends among a parse's tokens: from its heading
    (one of the body's own, not inside a list, quote or note) to the next heading of the same or a higher
    level. (0, 0) when no such heading has that name: the site, the handbook and lint all use this."""
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and names_heading(tokens[index + 1].content, name):
            for end in range(index + 1, len(tokens)):
                later = tokens[end]
                if later.type == "heading_open" and later.level == 0 and later.tag <= token.tag:
                    return index, end
            return index, len(tokens)
    return 0, 0


def unique_slug(slug: str, used: set[str]) -> str:
    """``slug``, or ``slug_1``, ``slug_2``... when a heading before it already has that id."""
    candidate, number = slug, 0
    while candidate in used:
        number += 1
        candidate = f"{slug}_{number}"
    used.add(candidate)
    return candidate

_LINK = re.compile(
    r"(?P<image>!?)\[(?P<text>(?:[^\[\]\\]|\\.|\[[^\]]*\])*)\]"
    r"(?:\(\s*(?:<(?P<angle>[^>]*)>|(?P<dest>[^\s()]*(?:\([^\s()]*\)[^\s()]*)*))(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
    r"|\[(?P<ref>[^\]]*)\])?"
)

# Pieces of an inline line that are not prose, tried left to right.
_INLINE_SKIP = re.compile(
    r"""
    (?P<code>(?P<ticks>`+).+?(?P=ticks))            # code span
    | (?P<comment><!--.*?-->)                      # HTML comment
    | (?P<autolink><(?:https?|mailto|ftp):[^>\s]*>)  # <https://...>
    | (?P<tag></?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>)  # inline HTML tag
    | (?P<dest>\]\([^)\s]*(?:\s+"[^"]*")?\))        # ](destination "title")
    | (?P<ref>\]\[[^\]]*\])                         # ][reference]
    | (?P<open>!?\[)                                # [ or ![ opening link text
    | (?P<close>\](?=\s|$|[.,;:!?)]))               # ] closing a shortcut reference
    | (?P<url>\b(?:https?://|www\.)[^\s<>()]+[^\s<>().,;:!?'"])  # bare URL
    | (?P<emph>(?<![\w\\])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w]))  # emphasis markers
    | (?P<escape>\\(?=[!-/:-@\[-`{-~]))            # backslash escape: drop the backslash
    """,
    re.VERBOSE,
)


# Where an _INLINE_SKIP match can start: a line without any of these is prose from end to end.
_MAYBE_SKIP = re.compile(r"[`<\]!\[*_\\]|https?://|www\.")


# HTML blocks whose text is not prose (as in Vale): scripts, styles, code, figures, embeds, comments.
_SKIPPED_HTML = re.compile(r"\s*<(?:!--|(?:script|style|pre|code|figure|noscript|iframe|object|embed)\b)", re.I)


@dataclass
class ProseBlock:
    """A run of prose (a paragraph, heading, list paragraph or table cell) with a position map."""

    kind: str
    text: str
    # Runs: (index in text, file line, file column) where a contiguous piece of source begins.
    runs: list[tuple[int, int, int]] = field(default_factory=list)

    def position(self, index: int) -> tuple[int, int]:
        """File line and column of ``text[index]``."""
        starts = [r[0] for r in self.runs]
        at = max(0, bisect.bisect_right(starts, index) - 1)
        start, line, column = self.runs[at] if self.runs else (0, 1, 1)
        return line, column + (index - start)

    @property
    def line(self) -> int:
        return self.runs[0][1] if self.runs else 1


@dataclass(frozen=True)
class Link:
    target: str
    line: int
    column: int
    image: bool = False
    alt: str = ""


@dataclass(frozen=True)
class Heading:
    level: int
    line: int
    text: str


@dataclass
class ParsedBody:
    prose: list[ProseBlock]
    links: list[Link]
    headings: list[Heading]
    code_lines: set[int]  # file lines inside fenced or indented code
    html_lines: set[int]  # file lines inside raw HTML blocks
    first_line: int
    lines: list[str]
    deepest: tuple[int, int] = (0, 0)  # (nesting of quotes, lists and notes, file line where it is reached)

    def heading_ids(self) -> set[str]:
        """The ids the rendered headings will have (see render.py), for checking in-page links."""
        used: set[str] = set()
        for heading in self.headings:
            unique_slug(heading_slug(heading.text), used)
        return used

    def text_lines(self, include_html: bool = True) -> list[tuple[int, str]]:
        """(file line, text) of every line outside code blocks, with code spans blanked out."""
        out = []
        for offset, text in enumerate(self.lines):
            line = self.first_line + offset
            if line in self.code_lines or (not include_html and line in self.html_lines):
                continue
            out.append((line, blank_code_spans(text)))
        return out


PROSE_WORD = regex.compile(r"[\p{L}\p{N}]+(?:['’][\p{L}]+)?")


def word_hashes(body: ParsedBody) -> bytes:
    """The body's prose words, case-folded and hashed, packed as machine words (for duplicate-content)."""
    words = [word for block in body.prose for word in PROSE_WORD.findall(block.text.casefold())]
    return array("q", map(hash, words)).tobytes()


_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def blank_code_spans(text: str) -> str:
    """``text`` with its code spans (on one line) turned into spaces, so that columns stay the same."""
    if "`" not in text:
        return text
    return _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), text)


def _kind(stack: list[str]) -> str:
    for tag in reversed(stack):
        if tag in ("th", "td"):
            return "table.header" if tag == "th" else "table.cell"
        if tag.startswith("h") and tag[1:].isdigit():
            return "heading"
        if tag == "li":
            return "list"
        if tag == "blockquote":
            return "blockquote"
    return "paragraph"


def parse_body(body: str, first_line: int) -> ParsedBody:
    """Parse ``body`` whose first line is file line ``first_line``."""
    lines = body.split("\n")
    env: dict[str, Any] = {}
    tokens = _MD.parse(body, env)
    prose: list[ProseBlock] = []
    links: list[Link] = []
    headings: list[Heading] = []
    code_lines: set[int] = set()
    html_lines: set[int] = set()
    cursors: dict[int, int] = {}
    stack: list[str] = []
    depth = 0  # how many of the open tags are containers
    deepest = (0, 0)
    for token in tokens:
        if token.nesting == 1:
            stack.append(token.tag)
            if token.tag in _CONTAINERS:
                depth += 1
            if depth > deepest[0] and token.map:
                deepest = (depth, first_line + token.map[0])
        elif token.nesting == -1 and stack and stack.pop() in _CONTAINERS:
            depth -= 1
        if token.type in ("fence", "code_block") and token.map:
            code_lines.update(range(first_line + token.map[0], first_line + token.map[1]))
        elif token.type == "html_block" and token.map:
            html_lines.update(range(first_line + token.map[0], first_line + token.map[1]))
            if not _SKIPPED_HTML.match(token.content):
                prose.append(_prose_block(token, lines, first_line, "paragraph", cursors)[0])
        elif token.type == "heading_open" and token.map:
            headings.append(Heading(int(token.tag[1]), first_line + token.map[0], ""))
        elif token.type == "inline" and token.map:
            kind = _kind(stack)
            block, line_starts = _prose_block(token, lines, first_line, kind, cursors)
            if kind == "heading" and headings:
                headings[-1] = Heading(headings[-1].level, headings[-1].line, token.content)
            prose.append(block)
            links.extend(_links(token, first_line, env, line_starts))
    return ParsedBody(prose, links, headings, code_lines, html_lines, first_line, lines, deepest)


def _prose_block(token: Token, lines: list[str], first_line: int, kind: str,
                 cursors: dict[int, int]) -> tuple[ProseBlock, list[int]]:
    """The block's prose, and the source column where each of its content lines starts."""
    block = ProseBlock(kind=kind, text="")
    line_starts: list[int] = []
    parts: list[str] = []
    length = 0
    start = token.map[0] if token.map else 0
    for offset, content_line in enumerate(token.content.rstrip("\n").split("\n")):
        index = start + offset
        if index >= len(lines):
            break
        source = lines[index]
        stripped = content_line.strip()
        at = source.find(stripped, cursors.get(index, 0)) if stripped else -1
        if at < 0:
            at = len(source) - len(source.lstrip())
            stripped = source[at:]
        cursors[index] = at + len(stripped)
        line_starts.append(at - (len(content_line) - len(content_line.lstrip())))
        if offset and parts:
            parts.append(" ")
            length += 1
        if _MAYBE_SKIP.search(stripped) is None:
            if stripped:
                block.runs.append((length, first_line + index, at + 1))
                parts.append(stripped)
                length += len(stripped)
            continue
        position = 0
        for match in _INLINE_SKIP.finditer(stripped):
            if match.start() > position:
                piece = stripped[position:match.start()]
                block.runs.append((length, first_line + index, at + position + 1))
                parts.append(piece)
                length += len(piece)
            position = match.end()
        if position < len(stripped):
            block.runs.append((length, first_line + index, at + position + 1))
            parts.append(stripped[position:])
            length += len(stripped) - position
    block.text = "".join(parts)
    return block, line_starts


def _links(token: Token, first_line: int, env: dict[str, Any], line_starts: list[int]) -> list[Link]:
    """The links and images of one block as the renderer sees them (markdown-it's own inline parse,
    so lint and the staff site agree on every target), each placed at its target in the file."""
    content = token.content
    if "[" not in content and "<" not in content:
        return []
    children = dialect().parseInline(content, dict(env))[0].children or []
    parsed = [(child.type == "image", str(child.attrGet("src" if child.type == "image" else "href") or ""),
               _text_of(child.children or []) if child.type == "image" else "")
              for child in children if child.type in ("link_open", "image")]
    if not parsed:
        return []
    places = _link_places(token, first_line, env.get("references", {}), line_starts)
    found: list[Link] = []
    block_line = first_line + (token.map[0] if token.map else 0)
    for image, target, alt in parsed:
        index = next((i for i, place in enumerate(places) if place[2] == image), None)
        if index is not None:
            line, column, _ = places.pop(index)
        else:
            line, column = block_line, 1 + (line_starts[0] if line_starts else 0)
        found.append(Link(target, line, column, image=image, alt=alt))
    return found


def _text_of(children: list[Token]) -> str:
    return "".join(c.content for c in children if c.type in ("text", "code_inline"))


def _link_places(token: Token, first_line: int, references: dict[str, Any],
                 line_starts: list[int]) -> list[tuple[int, int, bool]]:
    """(line, column, is image) of each link-like piece of the block's source, in order."""
    places: list[tuple[int, int, bool]] = []
    start = token.map[0] if token.map else 0
    for offset, text in enumerate(token.content.split("\n")):
        text = blank_code_spans(text)
        at = line_starts[offset] if offset < len(line_starts) else 0
        candidates = []
        for match in _LINK.finditer(text):
            if match.group("angle") is not None:
                column = match.start("angle")
            elif match.group("dest") is not None:
                column = match.start("dest")
            else:
                label = match.group("ref") or match.group("text")
                if " ".join(label.split()).upper() not in references:
                    continue
                column = match.start()
            candidates.append((match.start(), column, bool(match.group("image"))))
        candidates += [(m.start(), m.start() + 1, False) for m in _AUTOLINK_SOURCE.finditer(text)]
        for _, column, image in sorted(candidates):
            places.append((first_line + start + offset, column + 1 + at, image))
    return places


_AUTOLINK_SOURCE = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>")
