"""Appending to a chained records file (evidence/ledger.py): a line is only ever added at the end,
under the file's exclusive lock, chained to the line before; nothing is rewritten or deleted."""

from __future__ import annotations

import csv
import fcntl
import io
import os
from pathlib import Path

from policybook.errors import PolicybookError
from policybook.evidence.ledger import Ledger, chain_value, read_ledger


def _last_chain(path: Path) -> tuple[str, bool]:
    """(the chain value of the file's last line, whether the file ends with a line end), from its last 4 KB."""
    with open(path, "rb") as stream:
        stream.seek(0, os.SEEK_END)
        end = stream.tell()
        stream.seek(max(0, end - 4096))
        tail = stream.read()
    lines = tail.decode("utf-8", "replace").strip().splitlines()
    last = lines[-1].split(",") if lines else []
    previous = last[-1].strip() if last and last[-1].strip() != "chain" else ""
    return previous, tail.endswith(b"\n") or not tail


def append_line(root: Path, ledger: Ledger, values: list[str]) -> None:
    """Add one record; a damaged file (unreadable, or a broken chain) is refused, not appended to."""
    for value in values:
        if any(ch in value for ch in "\r\n\x00") or any(ord(ch) < 32 and ch != "\t" for ch in value):
            raise PolicybookError(f"{ledger.rel}: '{value[:40]}' holds a line break or control character")
    path = ledger.path(root)
    if path.is_symlink():
        raise PolicybookError(f"{ledger.rel} is a symbolic link: keep the records file itself in the project")
    _, problems = read_ledger(root, ledger)
    if problems:
        raise PolicybookError(f"{ledger.rel}:{problems[0].line}: {problems[0].message}; nothing was recorded")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(descriptor, "a", encoding="utf-8", newline="") as stream:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
        try:
            size = os.fstat(stream.fileno()).st_size
            previous, ends_with_newline = ("", True) if size == 0 else _last_chain(path)
            lines = io.StringIO()
            writer = csv.writer(lines, lineterminator="\n")
            if size == 0:
                writer.writerow(ledger.header)
            elif not ends_with_newline:
                lines.write("\n")
            writer.writerow([*values, chain_value(previous, values)])
            stream.write(lines.getvalue())
            stream.flush()
            os.fsync(stream.fileno())
        finally:
            fcntl.flock(stream.fileno(), fcntl.LOCK_UN)
