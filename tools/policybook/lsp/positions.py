"""From lint's 1-based line and column (in characters) to the 0-based LSP ranges an editor draws.

A finding marks where a problem starts. The range runs to the end of the token there (a word, an id, a
key), or to the end of the line when the column is past the last token, so the editor underlines what
lint means and the start is exactly lint's position.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from policybook.findings import Finding

# A token ends at white space or at the brackets, quotes and separators of YAML and Markdown.
_TOKEN = re.compile(r"[^\s,;\[\]{}()<>\"'`]+")
_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def split_lines(text: str) -> list[str]:
    """Lines without their line ends, as LSP counts them (``\\r\\n``, ``\\n`` and ``\\r`` all end a line)."""
    return re.split(r"\r\n|\r|\n", text)


def clean_lines(lines: Sequence[str]) -> list[str]:
    """pygls keeps each line's end; the ranges are computed on the line's text alone."""
    return [line.rstrip("\r\n") for line in lines]


def token_end(line: str, start: int) -> int:
    """Where the token starting at character ``start`` ends (at least one character on, within the line)."""
    if start >= len(line):
        return len(line)
    match = _TOKEN.match(line, start)
    if match is None:
        return start + 1
    end = match.end()
    while end > start + 1 and line[end - 1] in ".:!?":
        end -= 1
    return end


def word_at(line: str, character: int) -> tuple[int, int] | None:
    """(start, end) of the id-like word at or just before ``character``, or None on white space."""
    for match in _ID.finditer(line):
        if match.start() <= character <= match.end():
            return match.start(), match.end()
        if match.start() > character:
            break
    return None


def finding_range(finding: Finding, lines: Sequence[str] | None, codec: PositionCodec) -> types.Range:
    """The LSP range of ``finding`` in a document of ``lines`` (line ends removed). Without the lines (a
    file that cannot be read as text), the range is the one character at lint's position."""
    line = finding.line - 1
    start = finding.column - 1
    if not lines or line >= len(lines):
        return types.Range(types.Position(line, start), types.Position(line, start + 1))
    text = lines[line]
    if line == 0 and text.startswith("\ufeff"):
        start += 1  # lint reads the file without its byte order mark; the editor may show it
    start = min(start, len(text))
    end = token_end(text, start)
    return types.Range(codec.position_to_client_units(lines, types.Position(line, start)),
                       codec.position_to_client_units(lines, types.Position(line, end)))
