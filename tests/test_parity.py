"""The staff site and the handbook show the same document: for generated bodies in the policy dialect
(nested lists at 2, 3 and 4-space indents, tables, headings, links, emphasis, code, block quotes):

- pandoc's reading of the handbook's input has the same blocks, in the same order, with the same list
  numbering and nesting and the same words, as the site's HTML;
- the typeset PDF (Typst, then pdftotext) shows the same words in the same order and the same list
  numbers at the same depths as the site."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypandoc
import pytest
import typst
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from policybook.handbook.convert import FILTER, BodyConverter
from policybook.loader import parse_markdown
from policybook.model import Policy
from policybook.render import render_body

Summary = list[Any]
WORD = re.compile(r"[A-Za-z0-9]+")


# -- the site's HTML, summarised -----------------------------------------------------------------------
class _Tree(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "col"})

    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, Any] = {"tag": "root", "attrs": {}, "children": []}
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = {"tag": tag, "attrs": dict(attrs), "children": []}
        self.stack[-1]["children"].append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index]["tag"] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1]["children"].append(data)


def _text(node: Any) -> str:
    if isinstance(node, str):
        return node
    if "headerlink" in (node["attrs"].get("class") or ""):
        return ""
    return "".join(_text(child) for child in node["children"])


def _words(text: str) -> list[str]:
    return WORD.findall(text)


INLINE = {"a", "em", "strong", "code", "span", "b", "i", "del", "ins", "img", "br", "abbr", "kbd", "sub", "sup"}


def _html_blocks(children: list[Any]) -> Summary:
    blocks: Summary = []
    inline: list[Any] = []

    def flush() -> None:
        words = _words("".join(_text(c) for c in inline))
        if words:
            blocks.append(("p", words))
        inline.clear()

    for child in children:
        if isinstance(child, str) or child["tag"] in INLINE:
            inline.append(child)
            continue
        flush()
        tag = child["tag"]
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            blocks.append(("h", int(tag[1]), _words(_text(child))))
        elif tag == "p":
            words = _words(_text(child))
            if words:
                blocks.append(("p", words))
        elif tag in ("ol", "ul"):
            items = [_html_blocks(li["children"]) for li in child["children"] if isinstance(li, dict)]
            start = int(child["attrs"].get("start") or 1) if tag == "ol" else None
            blocks.append((tag, start, items))
        elif tag == "pre":
            blocks.append(("code", _words(_text(child))))
        elif tag == "blockquote":
            blocks.append(("quote", _html_blocks(child["children"])))
        elif tag == "table":
            rows = [r for r in _descendants(child) if r["tag"] == "tr"]
            blocks.append(("table", len(rows), _words(_text(child))))
        elif tag == "hr":
            blocks.append(("hr",))
        else:
            blocks.extend(_html_blocks(child["children"]))
    flush()
    return blocks


def _descendants(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for child in node["children"]:
        if isinstance(child, dict):
            found.append(child)
            found.extend(_descendants(child))
    return found


def site_blocks(html: str) -> Summary:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return _html_blocks(tree.root["children"])


# -- the handbook's document, as pandoc reads it, summarised ------------------------------------------
def _inline_text(inlines: list[dict[str, Any]]) -> str:
    parts = []
    for item in inlines:
        kind, content = item["t"], item.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind == "Code":
            parts.append(content[1])
        elif kind in ("Emph", "Strong", "Strikeout", "Underline", "SmallCaps", "Superscript", "Subscript"):
            parts.append(_inline_text(content))
        elif kind in ("Link", "Span", "Quoted"):
            parts.append(_inline_text(content[1]))
    return "".join(parts)


def _ast_blocks(blocks: list[dict[str, Any]]) -> Summary:
    out: Summary = []
    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind in ("Para", "Plain"):
            words = _words(_inline_text(content))
            if words:
                out.append(("p", words))
        elif kind == "Header":
            out.append(("h", content[0], _words(_inline_text(content[2]))))
        elif kind == "OrderedList":
            out.append(("ol", content[0][0], [_ast_blocks(item) for item in content[1]]))
        elif kind == "BulletList":
            out.append(("ul", None, [_ast_blocks(item) for item in content]))
        elif kind == "CodeBlock":
            out.append(("code", _words(content[1])))
        elif kind == "BlockQuote":
            out.append(("quote", _ast_blocks(content)))
        elif kind == "Table":
            head, bodies, foot = content[3], content[4], content[5]
            rows = head[1] + [r for body in bodies for r in body[2] + body[3]] + foot[1]
            words = [w for row in rows for cell in row[1] for w in _words(_cells_text(cell[4]))]
            out.append(("table", len(rows), words))
        elif kind == "HorizontalRule" or (kind == "RawBlock" and content[1].startswith("#line(")):
            out.append(("hr",))  # the Lua filter draws a rule as a Typst line
        elif kind in ("Div", "Figure"):
            out.extend(_ast_blocks(content[1] if kind == "Div" else content[2]))
    return out


def _cells_text(blocks: list[dict[str, Any]]) -> str:
    return " ".join(_inline_text(b["c"]) for b in blocks if b["t"] in ("Para", "Plain"))


def handbook_blocks(policy: Policy, tmp_path: Path) -> Summary:
    """The blocks of the body as the handbook's pandoc reads them (its HTML input, through the filter)."""
    converter = BodyConverter(tmp_path, set(), {}, root=tmp_path, policies_dir=tmp_path, by_id={})
    captured: list[str] = []
    original = pypandoc.convert_text

    def capture(source: str, to: str, **kwargs: Any) -> str:
        captured.append(source)
        return original(source, to, **kwargs)

    pypandoc.convert_text = capture  # type: ignore[assignment]
    try:
        typst_source = converter.convert(policy)
    finally:
        pypandoc.convert_text = original  # type: ignore[assignment]
    document = json.loads(original(captured[0], "json", format="html", filters=[str(FILTER)]))
    return _ast_blocks(document["blocks"]), typst_source  # type: ignore[return-value]


# -- the typeset PDF, read back as text ------------------------------------------------------------------
MARKER = re.compile(r"^(?P<indent> *)(?P<marker>\d+\.|[•‣–])\s")


def pdf_reading(typst_source: str, tmp_path: Path) -> tuple[list[str], list[tuple[int, str]]]:
    """(words, list markers with their depth) of the body typeset by Typst and read by pdftotext."""
    # Wide list indents make each level of nesting stand several columns to the right in the text.
    source = ("#set page(width: 16cm, height: auto, margin: 1cm)\n#set text(hyphenate: false)\n"
              "#set list(indent: 2.5em)\n#set enum(indent: 2.5em)\n"
              # each line of code starts with a mark, so "1. text" in code is not read as a list number
              "#show raw.line: it => [⟦#it]\n" + typst_source)
    (tmp_path / "body.pdf").write_bytes(typst.compile(source.encode("utf-8"), root=str(tmp_path)))
    # A fixed pitch (3 points a column) puts each character at the column of its place on the page; with
    # -layout alone the columns scale with the page's longest line, and a short list can seem nested.
    text = subprocess.run(["pdftotext", "-fixed", "3", str(tmp_path / "body.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    words: list[str] = []
    markers: list[tuple[int, str]] = []
    for line in text.splitlines():
        match = MARKER.match(line)
        if match:
            markers.append((len(match.group("indent")), match.group("marker")))
            line = line[match.end():]
        words.extend(_words(line))
    depths = _depths([column for column, _ in markers])
    return words, [(depth, m if m[0].isdigit() else "•") for depth, (_, m) in zip(depths, markers, strict=True)]


def _depths(columns: list[int]) -> list[int]:
    """Nesting depth of each list marker from the column it starts in. Typst right-aligns numbers, so
    "9." and "10." start a column apart at the same depth; a nested item starts further right than the
    item it belongs to (by the width of that item's marker)."""
    stack: list[int] = []
    depths = []
    for column in columns:
        while stack and stack[-1] > column + 1:
            stack.pop()
        if stack and abs(stack[-1] - column) <= 1:
            stack[-1] = min(stack[-1], column)
        else:
            stack.append(column)
        depths.append(len(stack) - 1)
    return depths


def site_reading(html: str) -> tuple[list[str], list[tuple[int, str]]]:
    """(words, list markers with their depth) of the site's HTML, as a browser numbers the lists."""
    tree = _Tree()
    tree.feed(html)
    tree.close()
    words: list[str] = []
    markers: list[tuple[int, str]] = []

    def walk(node: Any, depth: int) -> None:
        if isinstance(node, str):
            words.extend(_words(node))
            return
        if "headerlink" in (node["attrs"].get("class") or ""):
            return
        if node["tag"] in ("ol", "ul"):
            number = int(node["attrs"].get("start") or 1)
            for item in node["children"]:
                if isinstance(item, dict) and item["tag"] == "li":
                    markers.append((depth, f"{number}." if node["tag"] == "ol" else "•"))
                    number += 1
                    for child in item["children"]:
                        walk(child, depth + 1)
            return
        for child in node["children"]:
            walk(child, depth)

    walk(tree.root, 0)
    return words, markers


# -- bodies in the dialect -----------------------------------------------------------------------------
WORDS = st.lists(st.sampled_from(["staff", "check", "the", "scanner", "daily", "report", "each", "patient",
                                  "record", "clean", "gloves", "room"]), min_size=1, max_size=6).map(" ".join)


@st.composite
def inline_text(draw: st.DrawFn) -> str:
    text = draw(WORDS)
    decoration = draw(st.sampled_from(["", "*", "**", "`", "link", "anchor"]))
    extra = draw(WORDS)
    if decoration == "link":
        return f"{text} [{extra}](https://example.org/guide)"
    if decoration == "anchor":
        return f"{text} [{extra}](#scope)"
    return f"{text} {decoration}{extra}{decoration}" if decoration else f"{text} {extra}"


@st.composite
def a_list(draw: st.DrawFn) -> str:
    ordered = draw(st.booleans())
    start = draw(st.integers(min_value=1, max_value=4))
    indent = draw(st.sampled_from([2, 3, 4]))
    nested_ordered = draw(st.booleans())
    lines = []
    for number in range(draw(st.integers(min_value=1, max_value=3))):
        marker = f"{start + number}." if ordered else "-"
        lines.append(f"{marker} {draw(inline_text())}")
        if draw(st.booleans()):
            for sub in range(draw(st.integers(min_value=1, max_value=2))):
                sub_marker = f"{sub + 1}." if nested_ordered else "-"
                lines.append(" " * indent + f"{sub_marker} {draw(inline_text())}")
    return "\n".join(lines)


@st.composite
def a_block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["heading", "paragraph", "list", "table", "code", "quote"]))
    if kind == "heading":
        return f"{'#' * draw(st.integers(min_value=2, max_value=4))} {draw(WORDS)}"
    if kind == "paragraph":
        return draw(inline_text())
    if kind == "list":
        return draw(a_list())
    if kind == "table":
        return f"| {draw(WORDS)} | {draw(WORDS)} |\n|---|---|\n| {draw(inline_text())} | {draw(WORDS)} |"
    if kind == "code":
        return f"```\n{draw(WORDS)}\n```"
    return f"> {draw(inline_text())}"


BODIES = st.lists(a_block(), min_size=1, max_size=6).map(lambda blocks: "## Scope\n\n" + "\n\n".join(blocks) + "\n")


def _policy(tmp_path: Path, body: str) -> Policy:
    return Policy.from_document(parse_markdown("---\nid: ZZ-001\n---\n" + body, tmp_path / "p.md", "p.md"))


def _same_reading(site: tuple[list[str], list[tuple[int, str]]], pdf: tuple[list[str], list[tuple[int, str]]],
                  body: str) -> None:
    """The same words (as many of each: table cells wrap in the PDF, so its text is not in reading
    order; the order of blocks is checked on pandoc's reading) and the same list numbers at the same
    depths, in order."""
    assert sorted(site[0]) == sorted(pdf[0]), body
    assert site[1] == pdf[1], body


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (see .ci/run)")


@needs_poppler
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(BODIES)
@example("## Scope\n\n## staff\n\n2. staff staff\n   1. staff staff\n")  # a set rule reached the nested list
@example("## Scope\n\n## staff\n\n### check\n\n1. staff staff\n  - staff staff\n")  # a short list after a number
@example("## Scope\n\n1. First\n  - two spaces\n2. Second\n\n- a\n   - three spaces\n")
@example("## Scope\n\n" + "".join(f"{n}. item\n  1. two spaces\n" for n in range(3, 12)))  # 9. and 10. align
@example("## Scope\n\nText.\n\n***\n\n## After the rule\n\n    1. a line of code that looks numbered\n")
def test_site_and_handbook_carry_the_same_blocks(tmp_path: Path, body: str) -> None:
    site = render_body(body, link=lambda href: href, image=lambda src: None, permalinks=True)
    blocks, typst_source = handbook_blocks(_policy(tmp_path, body), tmp_path)
    assert site_blocks(site.html) == blocks, body
    _same_reading(site_reading(site.html), pdf_reading(typst_source, tmp_path), body)


@needs_poppler
def test_a_list_indented_too_little_to_nest_is_read_the_same_way_by_both(tmp_path: Path) -> None:
    body = "## Scope\n\n1. First\n  - not nested: two spaces are fewer than the item's three\n2. Second\n"
    html = render_body(body, link=lambda h: h, image=lambda s: None).html
    blocks, typst_source = handbook_blocks(_policy(tmp_path, body), tmp_path)
    assert site_blocks(html) == blocks
    assert [block[0] for block in blocks] == ["h", "ol", "ul", "ol"]
    assert blocks[3][1] == 2  # the second list goes on numbering from 2, in both
    _same_reading(site_reading(html), pdf_reading(typst_source, tmp_path), body)


@needs_poppler
def test_a_nested_list_under_a_list_that_starts_at_two_starts_at_one_in_the_pdf(tmp_path: Path) -> None:
    body = "## Scope\n\n2. Second\n   1. nested first\n   2. nested second\n3. Third\n"
    _, typst_source = handbook_blocks(_policy(tmp_path, body), tmp_path)
    _, markers = pdf_reading(typst_source, tmp_path)
    assert markers == [(0, "2."), (1, "1."), (1, "2."), (0, "3.")]


def test_the_comparison_sees_a_difference() -> None:
    assert site_blocks("<ol start='2'><li>a</li></ol>") != site_blocks("<ol><li>a</li></ol>")
    assert site_blocks("<ul><li>a<ul><li>b</li></ul></li></ul>") != site_blocks("<ul><li>a</li><li>b</li></ul>")
