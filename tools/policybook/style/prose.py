"""A policy's prose as one string with block and sentence boundaries, for fast rule matching.

Rules run once over the joined text (one regex pass per rule per policy, not per block); each match
is then assigned to the block it falls in and mapped back to its line and column in the source file.
Blocks are joined by a blank line, and a match that spans two blocks is discarded, as Vale never sees
two blocks at once. Raw HTML blocks are not prose: the house style reads what the Markdown says (with
the real vale, the BlockIgnores line below in `.vale.ini` does the same).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import regex

from policybook.markdown import ParsedBody, ProseBlock

SEPARATOR = "\n\n"
# Raw HTML blocks are markup, not prose: policybook's own runner leaves them out, and this line in the
# [*.md] section of .vale.ini makes the real vale do the same (Vale reads BlockIgnores from the Markdown
# source; commas separate patterns, so the pattern has none).
HTML_BLOCK_IGNORES = (
    r"BlockIgnores = (?sm)^ *(</?(?:address|article|aside|blockquote|body|caption|center|col|colgroup|dd|details"
    r"|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|h[1-6]|header|hr|li|main|nav|ol|p|section"
    r"|summary|table|tbody|td|tfoot|th|thead|tr|ul)(?:[\s/>]|$).*?)(?:\n[ \t]*\n|\z)")
# A sentence ends at . ! or ? followed by space and a capital, digit or opening quote or bracket.
_SENTENCE_END = regex.compile(r"(?<=[.!?][\"'’”)]?)\s+(?=[\p{Lu}\p{N}\"'‘“(])")

SCOPES_BY_KIND = {
    "heading": {"text", "heading"},
    "paragraph": {"text", "paragraph"},
    "list": {"text", "list", "paragraph"},
    "blockquote": {"text", "blockquote", "paragraph"},
    "table.header": {"text", "table", "table.header"},
    "table.cell": {"text", "table", "table.cell"},
}
KNOWN_SCOPES = {"text", "heading", "paragraph", "list", "blockquote", "table", "table.header", "table.cell",
                "sentence", "raw", "summary"} | {f"heading.h{n}" for n in range(1, 7)}


@dataclass
class Segment:
    start: int
    end: int
    block: int


@dataclass
class ProseDoc:
    body: ParsedBody
    text: str = ""
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    kinds: list[set[str]] = field(default_factory=list)
    blocks: list[ProseBlock] = field(default_factory=list)  # the blocks read, in order (not raw HTML)
    _sentences: list[Segment] | None = None

    @classmethod
    def from_body(cls, body: ParsedBody) -> ProseDoc:
        doc = cls(body=body)
        parts: list[str] = []
        offset = 0
        heading_levels = iter(h.level for h in body.headings)
        for block in body.prose:
            if block.kind == "paragraph" and block.runs and block.line in body.html_lines:
                continue  # a raw HTML block: markup, not prose (its cells and tags are no sentence)
            doc.blocks.append(block)
            doc.starts.append(offset)
            doc.ends.append(offset + len(block.text))
            kinds = set(SCOPES_BY_KIND.get(block.kind, {"text"}))
            if block.kind == "heading":
                kinds.add(f"heading.h{next(heading_levels, 2)}")
            doc.kinds.append(kinds)
            parts.append(block.text)
            offset += len(block.text) + len(SEPARATOR)
        doc.text = SEPARATOR.join(parts)
        return doc

    def block_of(self, start: int, end: int) -> int | None:
        """The block holding text[start:end], or None when it crosses a block boundary."""
        index = bisect.bisect_right(self.starts, start) - 1
        if index < 0 or end > self.ends[index]:
            return None
        return index

    def in_scope(self, block: int, scopes: set[str]) -> bool:
        return bool(self.kinds[block] & scopes)

    def position(self, offset: int) -> tuple[int, int]:
        """File line and column of text[offset]."""
        index = max(0, bisect.bisect_right(self.starts, offset) - 1)
        return self.blocks[index].position(offset - self.starts[index])

    def segments(self, scopes: set[str]) -> list[Segment]:
        """The blocks (or sentences, for scope 'sentence') a rule with ``scopes`` looks at."""
        if "sentence" in scopes:
            return self.sentences()
        return [Segment(self.starts[i], self.ends[i], i) for i in range(len(self.starts))
                if self.kinds[i] & scopes]

    def sentences(self) -> list[Segment]:
        if self._sentences is None:
            found: list[Segment] = []
            for index, (start, end) in enumerate(zip(self.starts, self.ends, strict=True)):
                if "heading" in self.kinds[index]:
                    continue
                cursor = start
                for match in _SENTENCE_END.finditer(self.text, start, end):
                    found.append(Segment(cursor, match.start(), index))
                    cursor = match.end()
                if cursor < end:
                    found.append(Segment(cursor, end, index))
            self._sentences = found
        return self._sentences
