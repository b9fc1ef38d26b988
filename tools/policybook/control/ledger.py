"""Appending to a chained records file: a line is only ever added at the end, under the file's
exclusive lock, chained to the line before; nothing is rewritten or deleted. ``locked_append`` is the
one way any records file (read-and-understood, servicing, checks, training) is appended to."""

from __future__ import annotations

import csv
import fcntl
import io
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from policybook.errors import PolicybookError
from policybook.evidence.ledger import Ledger, chain_value, file_tail, read_ledger, unwritable
from policybook.findings import printable

_SMALL = 4096  # a file that holds no record is never larger than a header and some blank lines


def _holds_no_record(path: Path, size: int, headers: Iterable[list[str]]) -> bool:
    """Whether the file holds nothing but blank lines and, at most, a header line (of one of ``headers``,
    with or without a byte order mark or a carriage return): a file made by hand, by a spreadsheet or
    by another writer that stopped before its first line."""
    if size > _SMALL:
        return False
    with open(path, "rb") as stream:
        text = stream.read(_SMALL).decode("utf-8", "replace").removeprefix("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()]
    return not lines or (len(lines) == 1 and [c.strip() for c in lines[0].split(",")] in list(headers))


@contextmanager
def locked_append(path: Path, headers: Iterable[list[str]] = ()) -> Iterator[tuple[TextIO, int]]:
    """(the file open for appending, its size) under an exclusive lock, created if missing and never
    through a symbolic link; what is written is flushed to disk before the lock is released, so two
    people recording at once cannot interleave lines or both write the header. A file that holds no
    record yet (empty, blank lines, or only a header among ``headers``) is emptied under the lock and
    given as size 0, so the writer starts it with its own header: nothing recorded is lost."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(descriptor, "a", encoding="utf-8", newline="") as stream:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
        try:
            size = os.fstat(stream.fileno()).st_size
            if size and _holds_no_record(path, size, headers):
                os.ftruncate(stream.fileno(), 0)
                size = 0
            yield stream, size
            stream.flush()
            os.fsync(stream.fileno())
        finally:
            fcntl.flock(stream.fileno(), fcntl.LOCK_UN)


def csv_lines(rows: list[list[str]], header: list[str] | None, after_partial_line: bool) -> str:
    """CSV text for ``rows`` (after ``header`` for a new file), starting on a new line when the file's
    last line was left without its line end."""
    lines = io.StringIO()
    if after_partial_line:
        lines.write("\n")
    writer = csv.writer(lines, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return lines.getvalue()


def spreadsheet_text(value: str) -> str:
    """A field a spreadsheet shows as text: one that would start a formula gets a leading ' (records are
    opened in spreadsheets by the people who inspect them)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def append_line(root: Path, ledger: Ledger, values: list[str]) -> list[str]:
    """Add one record and return its fields as written; a damaged file (unreadable, or a broken chain) is
    refused, not appended to, as is a field holding a line break or a control character, and a second
    copy of a record already there."""
    for value in values:
        if unwritable(value):
            shown = printable(value[:40].encode("utf-8", "backslashreplace").decode("utf-8"))
            raise PolicybookError(f"'{shown}' holds a line break, a control character or bytes that are not text: "
                                  "write it on one line; nothing was recorded")
    values = [spreadsheet_text(v) for v in values]
    path = ledger.path(root)
    if path.is_symlink():
        raise PolicybookError(f"{ledger.rel} is a symbolic link: keep the records file itself in the project")
    lines, problems = read_ledger(root, ledger)
    if problems:
        raise PolicybookError(f"{ledger.rel}:{problems[0].line}: {problems[0].message}; nothing was recorded")
    wanted = ledger.key(dict(zip(ledger.columns, values, strict=True)))
    same = next((line for line in lines if ledger.key(line.fields) == wanted), None)
    if same is not None:
        raise PolicybookError(f"{ledger.rel}:{same.number} already records this; nothing was recorded")
    with locked_append(path, [ledger.header]) as (stream, size):
        last, ends_with_newline = ([], True) if size == 0 else file_tail(path)
        previous = last[-1].strip() if last and last[-1].strip() != "chain" else ""
        stream.write(csv_lines([[*values, chain_value(previous, values)]], ledger.header if size == 0 else None,
                               not ends_with_newline))
    return values
