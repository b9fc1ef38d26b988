"""What the service has done, from its records: equipment serviced, checks carried out, training
completed. Each record is checked against the registers as it is read: a full date, not in the future,
not before the person joined, about equipment, a check, a course and a member of staff the registers
list, and not a second copy of another record. A record that fails is a problem at its line (reported
by lint) and does not count.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from policybook.corpus import Corpus
from policybook.dates import parse_date
from policybook.evidence.ledger import Ledger, Line, read_ledger

SERVICING = Ledger("records/servicing.csv", ("equipment", "date", "by", "note"))
CHECKS = Ledger("records/checks.csv", ("check", "date", "staff", "note"))
TRAINING = Ledger("records/training.csv", ("staff", "course", "date", "note"))
LEDGERS = (SERVICING, CHECKS, TRAINING)


@dataclass(frozen=True)
class Done:
    """One record of something done: what (an equipment, check or course id), when, by whom, where."""

    subject: str
    day: dt.date
    staff: str  # the member of staff (checks, training), or who serviced it, as written (servicing)
    note: str
    ledger: Ledger
    line: int


@dataclass(frozen=True)
class Problem:
    """A line of a records file that does not count, and why; ``chain`` for a break in the hash chain."""

    ledger: Ledger
    line: int
    message: str
    chain: bool = False


@dataclass
class PracticeRecords:
    servicing: list[Done] = field(default_factory=list)
    checks: list[Done] = field(default_factory=list)
    training: list[Done] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def latest(self, records: list[Done]) -> dict[tuple[str, str], dt.date]:
        """(subject, staff) -> the latest date done: each person's latest completion of each course."""
        return _latest(records, lambda r: (r.subject, r.staff))

    def latest_by_subject(self, records: list[Done]) -> dict[str, dt.date]:
        """subject -> the latest date done, by whoever did it: an item's last service, a check's last time."""
        return _latest(records, lambda r: r.subject)


Key = TypeVar("Key")


def _latest(records: list[Done], key: Callable[[Done], Key]) -> dict[Key, dt.date]:
    found: dict[Key, dt.date] = {}
    for record in records:
        at = key(record)
        if at not in found or record.day > found[at]:
            found[at] = record.day
    return found


def _read(corpus: Corpus, ledger: Ledger, subject: str, known: dict[str, object], noun: str, staff_column: str,
          staff_is_register: bool, records: PracticeRecords) -> list[Done]:
    lines, problems = read_ledger(corpus.root, ledger)
    records.problems.extend(Problem(ledger, p.line, p.message, p.chain) for p in problems)
    done: list[Done] = []
    seen: set[tuple[str, ...]] = set()
    registers = corpus.registers
    unreadable = bool(registers.unreadable(noun_register(noun))
                      or (staff_is_register and registers.unreadable("staff")))
    for line in lines:
        message, unknown_id = _invalid(corpus, line, subject, known, noun, staff_column, staff_is_register)
        if unknown_id and unreadable:
            message = None  # the register cannot be read: its own finding says so; the record is not judged
        if message is None:
            key = ledger.key(line.fields)
            if key in seen:
                message = "the same record is already on an earlier line"
            seen.add(key)
        if message is not None:
            records.problems.append(Problem(ledger, line.number, message))
            continue
        day = parse_date(line.fields["date"])
        assert day is not None  # _invalid refused any other date
        done.append(Done(line.fields[subject], day, line.fields[staff_column], line.fields["note"], ledger,
                         line.number))
    return done


def _invalid(corpus: Corpus, line: Line, subject: str, known: dict[str, object], noun: str, staff_column: str,
             staff_is_register: bool) -> tuple[str | None, bool]:
    """(why the line does not count, or None; whether that is an id its register does not list)."""
    fields = line.fields
    day = parse_date(fields["date"])
    if day is None:
        return f"'{fields['date']}' is not a full date: write YYYY-MM-DD", False
    if day > corpus.today:
        return f"{day} is in the future", False
    item = known.get(fields[subject])
    if item is None:
        return f"{noun} '{fields[subject]}' is not in the {noun_register(noun)} register", True
    retired = parse_date(getattr(item, "retired", None))
    if retired is not None and day > retired:
        return f"{day} is after {noun} '{fields[subject]}' was retired ({retired})", False
    if staff_is_register:
        member = corpus.registers.staff.get(fields[staff_column])
        if member is None:
            return f"member of staff '{fields[staff_column]}' is not in the staff register", True
        joined, left = parse_date(member.joined), parse_date(member.left)
        if joined is not None and day < joined:
            return f"{day} is before {member.name} joined ({joined})", False
        if left is not None and day > left:
            return f"{day} is after {member.name} left ({left})", False
    elif not fields[staff_column]:
        return "say who did it (the 'by' column)", False
    return None, False


def noun_register(noun: str) -> str:
    return {"equipment": "equipment", "check": "checks", "course": "training"}[noun]


_MEMO: weakref.WeakKeyDictionary[Corpus, PracticeRecords] = weakref.WeakKeyDictionary()


def practice_records(corpus: Corpus) -> PracticeRecords:
    """The records of the corpus's project, read and checked once per corpus."""
    known = _MEMO.get(corpus)
    if known is None:
        known = PracticeRecords()
        registers = corpus.registers
        known.servicing = _read(corpus, SERVICING, "equipment", dict(registers.equipment), "equipment", "by",
                                False, known)
        known.checks = _read(corpus, CHECKS, "check", dict(registers.checks), "check", "staff", True, known)
        known.training = _read(corpus, TRAINING, "course", dict(registers.training), "course", "staff", True,
                               known)
        _MEMO[corpus] = known
    return known
