"""Append-only, hash-chained CSV records, read and verified: servicing done, checks done, training
completed (records/<name>.csv). Each line's ``chain`` is the sha256 of the line before's chain and this
line's fields (as in the read-and-understood records), so a line edited, removed or inserted shows.

Reading never raises on the file's content: every problem is a (line, message) pair the lint rules
report at that line, and only the well-formed lines are returned.
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

MAX_LEDGER_BYTES = 20 * 1024 * 1024  # a small service's decades of records; more belongs in an archive


@dataclass(frozen=True)
class Ledger:
    """One kind of record: its file under the project and its columns (before ``chain``)."""

    rel: str  # "records/checks.csv"
    columns: tuple[str, ...]

    @property
    def header(self) -> list[str]:
        return [*self.columns, "chain"]

    def path(self, root: Path) -> Path:
        return root / self.rel

    def key(self, fields: dict[str, str]) -> tuple[str, ...]:
        """What makes a record a different record: every field but its note (the same service noted twice
        is one service)."""
        return tuple(fields[c] for c in self.columns if c != "note")


@dataclass(frozen=True)
class LedgerProblem:
    line: int
    message: str
    chain: bool = False  # a break in the hash chain, rather than a line that cannot be read


@dataclass(frozen=True)
class Line:
    """A well-formed line of a ledger: its number in the file and its fields by column."""

    number: int
    fields: dict[str, str]


def file_tail(path: Path) -> tuple[list[str], bool]:
    """(the fields of the file's last line, whether the file ends with a line end), from its last 4 KB:
    what appending needs (the chain value to continue from) without reading the whole file."""
    with open(path, "rb") as stream:
        stream.seek(0, os.SEEK_END)
        end = stream.tell()
        stream.seek(max(0, end - 4096))
        tail = stream.read()
    lines = tail.decode("utf-8", "replace").strip().split("\n")
    return (lines[-1].split(",") if lines else []), tail.endswith(b"\n") or not tail


def unwritable(value: str) -> bool:
    """Whether ``value`` cannot be a field of a record: a control character (C0 or C1), a Unicode line or
    paragraph separator, or text that is not valid Unicode (as a stray byte from a terminal)."""
    if any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029" for ch in value):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def chain_value(previous: str, fields: list[str]) -> str:
    """The chain value of a line: sha256 of the previous line's value and this line's fields."""
    return hashlib.sha256(("\n".join([previous, *fields])).encode("utf-8")).hexdigest()


def read_ledger(root: Path, ledger: Ledger) -> tuple[list[Line], list[LedgerProblem]]:
    """(the well-formed lines, (line, problem) for everything else): a missing file holds no records."""
    path = ledger.path(root)
    if path.parent.is_symlink():
        return [], [LedgerProblem(1, f"the folder {path.parent.name}/ is a symbolic link: keep the records in the "
                                     "project itself")]
    if path.is_symlink():
        return [], [LedgerProblem(1, "is a symbolic link: keep the records file itself in the project")]
    if path.exists() and not path.is_file():
        return [], [LedgerProblem(1, "is not a file: the records file must be a CSV file")]
    if not path.is_file():
        return [], []
    size = path.stat().st_size
    if size > MAX_LEDGER_BYTES:
        return [], [LedgerProblem(1, f"is {size:,} bytes, over the limit of {MAX_LEDGER_BYTES:,}: archive old "
                                     "records")]
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")  # as a spreadsheet may save it
    except UnicodeDecodeError as exc:
        return [], [LedgerProblem(1, f"cannot be read as UTF-8 ({exc.reason} at byte {exc.start})")]
    if "\x00" in text:
        return [], [LedgerProblem(1, "holds a NUL character: this is not a records file")]
    lines: list[Line] = []
    problems: list[LedgerProblem] = []
    try:
        rows = list(csv.reader(text.split("\n")))  # records hold one line each: only \n ends one
    except csv.Error as exc:
        return [], [LedgerProblem(1, f"cannot be read as CSV ({exc})")]
    first = next((index for index, row in enumerate(rows) if row and "".join(row).strip()), None)
    if first is None:
        return [], []  # a file of blank lines holds no records (another writer may have just created it)
    if [c.strip() for c in rows[first]] != ledger.header:
        return [], [LedgerProblem(first + 1, f"the first line must be '{','.join(ledger.header)}'")]
    previous = ""
    width = len(ledger.header)
    for number, row in enumerate(rows[first + 1:], start=first + 2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != width:
            problems.append(LedgerProblem(number, f"expected {width} fields ({','.join(ledger.header)}), "
                                                  f"found {len(row)}"))
            previous = ""
            continue
        values = [c.strip() for c in row[:-1]]
        if row[-1].strip() != chain_value(previous, values):
            problems.append(LedgerProblem(number, "this line does not follow from the one before: a record was "
                                                  "edited, removed or inserted here", chain=True))
        previous = row[-1].strip()
        lines.append(Line(number, dict(zip(ledger.columns, values, strict=True))))
    return lines, problems
