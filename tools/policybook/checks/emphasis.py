"""``emphasis-debris``: bold and italic markers that a reader would see as literal ``*`` and ``_``.

A Word heading in bold italic that ends with a line break comes through as ``***Purpose\\***``: the
break cannot live in a heading, so the last marker is escaped and the first is left without a
partner, and the site and the PDF show a stray asterisk. The markers are found by markdown-it's own
emphasis rule, as the site and handbook parse them: each ``*`` or ``_`` it reads as a possible marker
and then pairs with nothing stays a literal text character. Their place in the source is recorded
as the rule reads them (its inline tokens carry no positions otherwise).

Not debris: an escaped ``\\*`` (written on purpose), a lone ``*`` between spaces (``2 * 3``), an
underscore inside a word (``file_name``) and a run of three or more underscores (a line to write on).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_inline import emphasis
from markdown_it.rules_inline.state_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin

from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare

EMPHASIS_DEBRIS = declare(
    "emphasis-debris", Severity.WARNING, Scope.POLICY,
    "A bold or italic marker (`*`, `**`, `_`) that pairs with nothing, so the site and handbook show it as a "
    "literal character: emphasis left open, closed twice or around nothing, as Word headings in bold italic "
    "ending with a line break often arrive.")


@dataclass(frozen=True)
class StrayMarker:
    """A run of emphasis markers that stays literal text, at its file line and column."""

    line: int
    column: int
    marker: str


def _positioned_emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis rule, with each marker's offset in the inline source and whether it
    could open or close emphasis kept on its token."""
    start = state.pos
    if not emphasis.tokenize(state, silent):
        return False
    count = state.pos - start  # one token and one delimiter per marker, the last ones pushed
    for offset in range(count):
        delimiter = state.delimiters[len(state.delimiters) - count + offset]
        state.tokens[len(state.tokens) - count + offset].meta = {"at": start + offset,
                                                                 "flanking": delimiter.open or delimiter.close}
    return True


@cache
def _parser() -> MarkdownIt:
    """The policy dialect (markdown.dialect) with emphasis markers kept as single tokens that know their place."""
    parser = MarkdownIt("commonmark", {"html": True}).enable("table").use(admon_plugin)
    parser.inline.ruler.at("emphasis", _positioned_emphasis)
    parser.inline.ruler2.disable("fragments_join")
    parser.core.ruler.disable("text_join")
    return parser


def stray_markers(body: str, first_line: int = 1) -> list[StrayMarker]:
    """Every literal-looking emphasis marker run in ``body``, whose first line is file line ``first_line``."""
    if "*" not in body and "_" not in body:
        return []
    lines = body.split("\n")
    cursors: dict[int, int] = {}
    found: list[StrayMarker] = []
    for token in _parser().parse(body):
        if token.type != "inline" or not token.map or not token.children:
            continue
        starts = _line_starts(token, lines, cursors)
        for at, marker in _stray_runs(token.content, token.children):
            before = token.content.count("\n", 0, at)
            column = at - (token.content.rfind("\n", 0, at) + 1)
            base = starts[before] if before < len(starts) else 0
            found.append(StrayMarker(first_line + token.map[0] + before, base + column + 1, marker))
    return found


def _stray_runs(source: str, children: list[Token]) -> Iterator[tuple[int, str]]:
    """(offset, markers) of each run of unpaired markers that would show as literal text."""
    unpaired = [(t.meta["at"], t.content, t.meta["flanking"]) for t in _walk(children)
                if t.type == "text" and t.content and t.meta and "at" in t.meta]
    runs: list[list[tuple[int, str, bool]]] = []
    for item in unpaired:
        if runs and runs[-1][-1][0] + 1 == item[0] and runs[-1][-1][1] == item[1]:
            runs[-1].append(item)
        else:
            runs.append([item])
    for run in runs:
        at, marker, flanking = run[0]
        whole = _whole_run(source, at, marker)
        if _literal_on_purpose(source, at, whole, marker, flanking):
            continue
        yield at, marker * len(run)


def _whole_run(source: str, at: int, marker: str) -> tuple[int, int]:
    start, end = at, at
    while start > 0 and source[start - 1] == marker:
        start -= 1
    while end < len(source) and source[end] == marker:
        end += 1
    return start, end


def _literal_on_purpose(source: str, at: int, whole: tuple[int, int], marker: str, flanking: bool) -> bool:
    start, end = whole
    before = source[start - 1] if start > 0 else " "
    after = source[end] if end < len(source) else " "
    if marker == "_":
        return end - start >= 3 or (before.isalnum() and after.isalnum()) or not flanking
    return end - start == 1 and not flanking  # a lone asterisk between spaces: 2 * 3


def _walk(children: list[Token]) -> Iterator[Token]:
    for child in children:
        yield child
        if child.children:
            yield from _walk(child.children)


def _line_starts(token: Token, lines: list[str], cursors: dict[int, int]) -> list[int]:
    """The source column (0-based) where each line of the inline token's content starts; a cursor per
    line keeps table cells on one line apart."""
    starts: list[int] = []
    first = token.map[0] if token.map else 0
    for offset, content in enumerate(token.content.split("\n")):
        index = first + offset
        if index >= len(lines):
            break
        source = lines[index]
        at = source.find(content, cursors.get(index, 0)) if content else -1
        if at < 0:
            at = len(source) - len(source.lstrip())
        cursors[index] = at + len(content)
        starts.append(at)
    return starts


@check(EMPHASIS_DEBRIS)
def check_emphasis_debris(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body or not policy.doc.ok:
            continue
        for stray in stray_markers(policy.doc.body, policy.doc.body_line):
            yield EMPHASIS_DEBRIS.at(policy.rel, stray.line, stray.column,
                                     f"'{stray.marker}' shows as a literal character: an emphasis marker with no "
                                     "partner (bold or italic left open, closed twice or around nothing); remove it, "
                                     f"or write '\\{stray.marker[0]}' for a real {_name(stray.marker)}")


def _name(marker: str) -> str:
    return "asterisk" if marker.startswith("*") else "underscore"
