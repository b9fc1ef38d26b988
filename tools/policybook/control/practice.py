"""Recording work done: equipment serviced, a scheduled check carried out, a course completed. Each is a
chained line in its records file (control/ledger.py); servicing also moves the equipment register's
``last_serviced`` forward, keeping the file's comments, key order, line ends and byte order mark.

A record is refused, with nothing written, when lint would not count it: an unknown item or person, a
date that is not a full date, in the future or before the person joined (or after they left, or after
the item was retired), or a second copy of a record. A record states what happened, so its date is
checked against the real calendar: ``--today`` and POLICYBOOK_TODAY, which ask what is due on another
day, never let a record be dated after today.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from policybook.control.edit import quoted, round_trip_yaml
from policybook.control.ledger import append_line
from policybook.corpus import Corpus
from policybook.dates import parse_date, past_date
from policybook.errors import PolicybookError
from policybook.evidence.practice import CHECKS, SERVICING, TRAINING
from policybook.findings import printable
from policybook.loader import decode, parse_yaml
from policybook.registers import StaffMember
from policybook.writing import write_atomically


def _readable(corpus: Corpus, register: str) -> None:
    """Refuse to record against a register whose file cannot be read: what it lists is unknown."""
    problem = corpus.registers.unreadable(register)
    if problem is not None:
        raise PolicybookError(f"{problem.path}:{problem.line}: {problem.message}; fix the register first "
                              "(policybook lint); nothing was recorded")


def _known(corpus: Corpus, register: str, wanted: str, noun: str) -> None:
    _readable(corpus, register)
    table = corpus.registers.table(register)
    if wanted in table:
        return
    close = difflib.get_close_matches(wanted, list(table), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f" (registers/{register}.yml)"
    raise PolicybookError(f"{noun} '{printable(wanted)}' is not in the {register} register{hint}")


def _member(corpus: Corpus, staff_id: str, day: dt.date) -> StaffMember:
    _readable(corpus, "staff")
    staff = corpus.registers.staff
    member = staff.get(staff_id)
    if member is None:
        by_name = {m.name.casefold(): m for m in staff.values()}
        named = by_name.get(" ".join(staff_id.split()).casefold())
        close = difflib.get_close_matches(staff_id, list(staff), n=1)
        hint = (f"; {named.name} is '{named.id}'" if named else f"; did you mean '{close[0]}'?" if close
                else " (registers/staff.yml)")
        raise PolicybookError(f"member of staff '{printable(staff_id)}' is not in the staff register{hint}")
    joined, left = parse_date(member.joined), parse_date(member.left)
    if joined is not None and day < joined:
        raise PolicybookError(f"--on: {day} is before {member.name} joined ({joined})")
    if left is not None and day > left:
        raise PolicybookError(f"--on: {day} is after {member.name} left ({left})")
    return member


def _not_retired(retired: str | None, day: dt.date, what: str) -> None:
    end = parse_date(retired)
    if end is not None and day > end:
        raise PolicybookError(f"--on: {day} is after {what} was retired ({end})")


def _day(on: str | None) -> dt.date:
    """The record's date: ``--on``, or today, never after the real date."""
    return past_date(on, dt.date.today(), "--on")


@dataclass(frozen=True)
class _RegisterEdit:
    """equipment.yml with one item's ``last_serviced`` changed, worked out (and checked) before anything
    is recorded, so that a register the edit cannot be made to is refused with nothing written."""

    path: Path
    original: bytes
    content: bytes

    def write(self) -> None:
        if self.path.read_bytes() != self.original:
            raise PolicybookError("registers/equipment.yml changed while it was being edited; the service was "
                                  "recorded, but the register was not changed")
        write_atomically(self.path, self.content)


def _last_serviced_edit(corpus: Corpus, item_id: str, day: dt.date) -> _RegisterEdit:
    path = corpus.config.registers_path / "equipment.yml"
    rel = "registers/equipment.yml"
    if path.is_symlink():
        raise PolicybookError(f"{rel} is a symbolic link: keep the register itself in the project; nothing was "
                              "recorded")
    original = path.read_bytes()
    text, problems = decode(original, rel)
    if text is None:
        raise PolicybookError(f"{rel}: {problems[0].message}; nothing was recorded")
    yaml = round_trip_yaml()
    try:
        data = yaml.load(text)
    except YAMLError as exc:
        raise PolicybookError(f"{rel} cannot be edited ({str(exc).splitlines()[0]}): fix the register first "
                              "(policybook lint); nothing was recorded") from None
    items = data.get("equipment") if isinstance(data, CommentedMap) else None
    entry = next((i for i in items if isinstance(i, CommentedMap) and i.get("id") == item_id), None) \
        if isinstance(items, CommentedSeq) else None
    if entry is None:
        raise PolicybookError(f"{rel}: '{item_id}' not found to update; nothing was recorded")
    entry["last_serviced"] = quoted(day.isoformat())
    stream = io.StringIO()
    yaml.dump(data, stream)
    edited = stream.getvalue()
    checked = parse_yaml(edited, path, rel)
    if checked.findings:
        raise PolicybookError(f"{rel}: the edit would break the file ({checked.findings[0].message}); nothing "
                              "was recorded")
    if b"\r\n" in original:
        edited = edited.replace("\n", "\r\n")
    bom = b"\xef\xbb\xbf" if original.startswith(b"\xef\xbb\xbf") else b""
    return _RegisterEdit(path, original, bom + edited.encode("utf-8"))


def record_servicing(corpus: Corpus, item_id: str, on: str | None, by: str, note: str = "") -> dt.date:
    """Record a service and move ``last_serviced`` forward to it (never back: a late entry of an older
    service is recorded, and the register keeps the later date)."""
    _known(corpus, "equipment", item_id, "equipment")
    day = _day(on)
    item = corpus.registers.equipment[item_id]
    _not_retired(item.retired, day, item.name)
    if not by.strip():
        raise PolicybookError("--by: say who serviced it (a company or a member of staff)")
    current = parse_date(item.last_serviced)
    edit = _last_serviced_edit(corpus, item_id, day) if current is None or day > current else None
    append_line(corpus.root, SERVICING, [item_id, day.isoformat(), by.strip(), note.strip()])
    if edit is not None:
        edit.write()
    return day


def record_check(corpus: Corpus, check_id: str, staff_id: str, on: str | None, note: str = "") -> dt.date:
    _known(corpus, "checks", check_id, "check")
    day = _day(on)
    check = corpus.registers.checks[check_id]
    _not_retired(check.retired, day, check.title)
    _member(corpus, staff_id, day)
    append_line(corpus.root, CHECKS, [check_id, day.isoformat(), staff_id, note.strip()])
    return day


def record_training(corpus: Corpus, staff_id: str, course_id: str, on: str | None, note: str = "") -> dt.date:
    if course_id in corpus.registers.staff and staff_id in corpus.registers.training:
        raise PolicybookError(f"the member of staff comes first: policybook trained {staff_id} ... is "
                              f"'policybook trained {course_id} {staff_id}'")
    _known(corpus, "training", course_id, "course")
    day = _day(on)
    course = corpus.registers.training[course_id]
    _not_retired(course.retired, day, course.title)
    _member(corpus, staff_id, day)
    append_line(corpus.root, TRAINING, [staff_id, course_id, day.isoformat(), note.strip()])
    return day
