"""Recording work done: equipment serviced, a scheduled check carried out, a course completed. Each is a
chained line in its records file (control/ledger.py); servicing also moves the equipment register's
``last_serviced`` forward, keeping the file's comments and key order.

A record is refused, with nothing written, when lint would not count it: an unknown item or person, a
date that is not a full date, in the future or before the person joined, or a second copy of a record.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from policybook.control.edit import quoted, round_trip_yaml
from policybook.control.ledger import append_line
from policybook.corpus import Corpus
from policybook.dates import parse_date, past_date
from policybook.errors import PolicybookError
from policybook.evidence.ledger import Ledger, read_ledger
from policybook.evidence.practice import CHECKS, SERVICING, TRAINING
from policybook.loader import decode, parse_yaml
from policybook.registers import StaffMember
from policybook.writing import write_atomically


def _known(table: dict[str, object], wanted: str, noun: str, register: str) -> None:
    if wanted in table:
        return
    close = difflib.get_close_matches(wanted, list(table), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f" (registers/{register}.yml)"
    raise PolicybookError(f"{noun} '{wanted}' is not in the {register} register{hint}")


def _member(corpus: Corpus, staff_id: str, day: dt.date) -> StaffMember:
    _known(dict(corpus.registers.staff), staff_id, "member of staff", "staff")
    member = corpus.registers.staff[staff_id]
    joined = parse_date(member.joined)
    if joined is not None and day < joined:
        raise PolicybookError(f"--on: {day} is before {member.name} joined ({joined})")
    return member


def _refuse_duplicate(corpus: Corpus, ledger: Ledger, values: list[str]) -> None:
    columns = [c for c in ledger.columns if c != "note"]
    wanted = dict(zip(ledger.columns, values, strict=True))
    for line in read_ledger(corpus.root, ledger)[0]:
        if all(line.fields[c] == wanted[c] for c in columns):
            raise PolicybookError(f"{ledger.rel}:{line.number} already records this; nothing was recorded")


def _record(corpus: Corpus, ledger: Ledger, values: list[str]) -> None:
    _refuse_duplicate(corpus, ledger, values)
    append_line(corpus.root, ledger, values)


def record_servicing(corpus: Corpus, item_id: str, on: str | None, by: str, note: str = "") -> dt.date:
    """Record a service and move ``last_serviced`` forward to it (never back: a late entry of an older
    service is recorded, and the register keeps the later date)."""
    _known(dict(corpus.registers.equipment), item_id, "equipment", "equipment")
    day = past_date(on, corpus.today, "--on")
    if not by.strip():
        raise PolicybookError("--by: say who serviced it (a company or a member of staff)")
    _record(corpus, SERVICING, [item_id, day.isoformat(), by.strip(), note.strip()])
    current = parse_date(corpus.registers.equipment[item_id].last_serviced)
    if current is None or day > current:
        _set_last_serviced(corpus, item_id, day)
    return day


def _set_last_serviced(corpus: Corpus, item_id: str, day: dt.date) -> None:
    path = corpus.config.registers_path / "equipment.yml"
    if path.is_symlink():
        raise PolicybookError("registers/equipment.yml is a symbolic link: the service was recorded, but the "
                              "register was not changed")
    original = path.read_bytes()
    yaml = round_trip_yaml()
    text, problems = decode(original, "equipment.yml")
    if text is None:
        raise PolicybookError(f"registers/equipment.yml: {problems[0].message}; the service was recorded, but the "
                              "register was not changed")
    data = yaml.load(text)
    items = data.get("equipment") if isinstance(data, CommentedMap) else None
    entry = next((i for i in items if isinstance(i, CommentedMap) and i.get("id") == item_id), None) \
        if isinstance(items, CommentedSeq) else None
    if entry is None:
        raise PolicybookError(f"registers/equipment.yml: '{item_id}' not found to update")
    entry["last_serviced"] = quoted(day.isoformat())
    stream = io.StringIO()
    yaml.dump(data, stream)
    text = stream.getvalue()
    checked = parse_yaml(text, path, "registers/equipment.yml")
    if checked.findings:
        raise PolicybookError(f"registers/equipment.yml: the edit would break the file ({checked.findings[0].message});"
                              " the service was recorded, but the register was not changed")
    if path.read_bytes() != original:
        raise PolicybookError("registers/equipment.yml changed while it was being edited; the service was recorded, "
                              "but the register was not changed")
    write_atomically(path, text.encode("utf-8"))


def record_check(corpus: Corpus, check_id: str, staff_id: str, on: str | None, note: str = "") -> dt.date:
    _known(dict(corpus.registers.checks), check_id, "check", "checks")
    day = past_date(on, corpus.today, "--on")
    _member(corpus, staff_id, day)
    _record(corpus, CHECKS, [check_id, day.isoformat(), staff_id, note.strip()])
    return day


def record_training(corpus: Corpus, staff_id: str, course_id: str, on: str | None, note: str = "") -> dt.date:
    _known(dict(corpus.registers.training), course_id, "course", "training")
    day = past_date(on, corpus.today, "--on")
    _member(corpus, staff_id, day)
    _record(corpus, TRAINING, [staff_id, course_id, day.isoformat(), note.strip()])
    return day
