"""Change a policy's frontmatter and write it back, keeping comments, key order and quoting.

ruamel.yaml's round-trip mode edits the frontmatter; the body is copied through untouched unless a
command asks to replace it. The result is re-read with policybook's own loader and must still parse
before it replaces the file, and the write is atomic (a temporary file renamed over the original),
so a refused or failed command never leaves a half-written policy.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from policybook.errors import PolicybookError
from policybook.loader import Document, decode, parse_markdown
from policybook.writing import write_atomically


def round_trip_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def quoted(value: str) -> DoubleQuotedScalarString:
    """A string written in double quotes, as versions and dates are in policies."""
    text: DoubleQuotedScalarString = DoubleQuotedScalarString(value)  # ruamel's __new__ returns Any
    return text


def seq(items: list[Any]) -> CommentedSeq:
    return CommentedSeq(items)


def mapping(pairs: dict[str, Any]) -> CommentedMap:
    result = CommentedMap()
    for key, value in pairs.items():
        result[key] = value
    return result


class PolicyFile:
    """A policy file opened for editing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        raw = path.read_bytes()
        text, problems = decode(raw, path.name)
        if text is None:
            raise PolicybookError(f"{path}: {problems[0].message}")
        self.original = raw
        self.newline = "\r\n" if b"\r\n" in raw else "\n"
        lines = text.split("\n")
        if not lines or lines[0].rstrip() != "---":
            raise PolicybookError(f"{path}: no frontmatter to edit")
        close = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if close is None:
            raise PolicybookError(f"{path}: the frontmatter is never closed")
        self.head = "\n".join(lines[1:close]) + "\n"
        self.closer = lines[close]
        self.body = "\n".join(lines[close + 1:])
        self.data: CommentedMap = round_trip_yaml().load(self.head) or CommentedMap()

    def render(self) -> str:
        stream = io.StringIO()
        round_trip_yaml().dump(self.data, stream)
        text = f"---\n{stream.getvalue()}{self.closer}\n{self.body}"
        return text.replace("\n", self.newline) if self.newline != "\n" else text

    def check(self, text: str) -> Document:
        """The edited file must still read cleanly with policybook's loader."""
        doc = parse_markdown(text.replace("\r\n", "\n"), self.path, self.path.name)
        if doc.findings or doc.data is None:
            problem = doc.findings[0].message if doc.findings else "unreadable"
            raise PolicybookError(f"{self.path}: the edit would break the file ({problem}); nothing was changed")
        return doc

    def save(self) -> None:
        text = self.render()
        self.check(text)
        if self.path.read_bytes() != self.original:
            raise PolicybookError(f"{self.path} changed while it was being edited; nothing was written")
        write_atomically(self.path, text.encode("utf-8"))
