"""Change a policy's frontmatter and write it back, keeping comments, key order and quoting.

ruamel.yaml's round-trip mode edits the frontmatter; the body is copied through untouched unless a
command asks to replace it. The result is re-read with policybook's own loader and must still parse
before it replaces the file, and the write is atomic (a temporary file renamed over the original),
so a refused or failed command never leaves a half-written policy.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from policybook.errors import PolicybookError
from policybook.loader import Document, decode, parse_markdown_text


def _yaml() -> YAML:
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
        self.data: CommentedMap = _yaml().load(self.head) or CommentedMap()

    def render(self) -> str:
        stream = io.StringIO()
        _yaml().dump(self.data, stream)
        text = f"---\n{stream.getvalue()}{self.closer}\n{self.body}"
        return text.replace("\n", self.newline) if self.newline != "\n" else text

    def check(self, text: str) -> Document:
        """The edited file must still read cleanly with policybook's loader."""
        doc = Document(path=self.path, rel=self.path.name)
        parse_markdown_text(doc, text.replace("\r\n", "\n"))
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


def write_atomically(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` in one step, keeping its permissions."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    temporary = _written_beside(path, content, mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def create_atomically(path: Path, content: bytes) -> None:
    """Write a new file whole, or refuse if one is already there, even one that appears meanwhile: the
    content is written to a temporary file and linked into place, which fails if the name is taken
    (where the file system has no hard links, the file is created exclusively instead)."""
    if path.exists() or path.is_symlink():
        raise PolicybookError(f"{path} already exists; nothing was written")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~current_umask()
    temporary = _written_beside(path, content, mode)
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise PolicybookError(f"{path} already exists; nothing was written") from None
    except OSError:
        _create_new(path, content, mode)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _written_beside(path: Path, content: bytes, mode: int) -> str:
    """A temporary file in ``path``'s folder holding ``content``, flushed to disk, with ``mode``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _create_new(path: Path, content: bytes, mode: int) -> None:
    """An exclusive create that follows no symbolic link: for file systems without hard links."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags, mode)
    except FileExistsError:
        raise PolicybookError(f"{path} already exists; nothing was written") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def refuse_links_below(root: Path, path: Path) -> None:
    """Refuse a file outside ``root``, or one reached through a symbolic link (or a non-folder) below it:
    a link inside a library would send what policybook writes somewhere else."""
    if not path.is_relative_to(root):
        raise PolicybookError(f"{path} is outside the library ({root}); nothing was written")
    current = root
    for part in path.relative_to(root).parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise PolicybookError(f"{current} is a symbolic link; policybook does not write through one; nothing "
                                  "was written")
        if current.exists() and not current.is_dir():
            raise PolicybookError(f"{current} is not a folder; nothing was written")


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


Editor = Callable[[PolicyFile], None]
