"""Read-and-understood records, as they are written: ``ack`` appends one, ``ack pull`` appends what the
confirmations service holds, and ``ack seal`` chains a file written before chains existed. Lines are only
ever added at the end, under the file's lock; reading and verifying them is evidence/records.py's job."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from policybook.control.ledger import csv_lines, locked_append
from policybook.corpus import Corpus
from policybook.dates import past_date
from policybook.errors import PolicybookError
from policybook.evidence.inforce import in_force
from policybook.evidence.ledger import chain_value
from policybook.evidence.records import (
    CHAINED_HEADER,
    HEADER,
    RECORDS,
    Record,
    file_end,
    read_records,
    records_path,
)
from policybook.writing import write_atomically


def _append(path: Path, row: list[str]) -> None:
    """Add one line at the end of the file, chained when the file is (see control/ledger.py)."""
    with locked_append(path, (HEADER, CHAINED_HEADER)) as (stream, size):
        chained, previous, ends_with_newline = (True, "", True) if size == 0 else file_end(path)
        stream.write(csv_lines([[*row, chain_value(previous, row)] if chained else row],
                               CHAINED_HEADER if size == 0 else None, not ends_with_newline))


def append_new_records(corpus: Corpus, records: Iterable[Record]) -> list[Record]:
    """Append, in order, each of ``records`` the file does not already hold (the same staff, policy and
    version), chained like every other line, under the file's lock; returns those appended. For
    ``policybook ack pull``: running it twice, or after ``ack`` recorded the same reading, adds nothing."""
    path = records_path(corpus)
    if path.is_symlink():
        raise PolicybookError(f"{RECORDS} is a symbolic link: keep the records file itself in the project")
    read_records(corpus)  # refuse to append to a damaged file
    with locked_append(path, (HEADER, CHAINED_HEADER)) as (stream, size):
        held = {(r.staff, r.policy, r.version) for r in read_records(corpus)}  # under the lock
        chained, previous, ends_with_newline = (True, "", True) if size == 0 else file_end(path)
        if not chained:
            raise PolicybookError(f"{RECORDS} carries no hash chain yet: run policybook ack seal once")
        rows, added = [], []
        for record in records:
            if (record.staff, record.policy, record.version) in held:
                continue
            held.add((record.staff, record.policy, record.version))
            fields = [record.staff, record.policy, record.version, record.date.isoformat()]
            previous = chain_value(previous, fields)
            rows.append([*fields, previous])
            added.append(record)
        if rows:
            stream.write(csv_lines(rows, CHAINED_HEADER if size == 0 else None, not ends_with_newline))
    return added


def seal(corpus: Corpus) -> str:
    """Add the hash chain to a records file written before chains existed (once)."""
    path = records_path(corpus)
    records = read_records(corpus)
    if path.is_file() and path.read_text(encoding="utf-8").split("\n", 1)[0].strip() == ",".join(CHAINED_HEADER):
        raise PolicybookError(f"{RECORDS} is already chained: nothing to do")
    lines = io.StringIO()
    writer = csv.writer(lines, lineterminator="\n")
    writer.writerow(CHAINED_HEADER)
    previous = ""
    for record in records:
        fields = [record.staff, record.policy, record.version, record.date.isoformat()]
        previous = chain_value(previous, fields)
        writer.writerow([*fields, previous])
    write_atomically(path, lines.getvalue().encode("utf-8"))
    return f"chained {len(records)} records in {RECORDS}"


def acknowledge(corpus: Corpus, staff_id: str, policy_id: str, on: str | None, version: str | None) -> Record:
    member = corpus.registers.staff.get(staff_id)
    if member is None:
        raise PolicybookError(f"'{staff_id}' is not in the staff register")
    policy = next((p for p in in_force(corpus) if p.id == policy_id), None)  # a bumped draft: its approved version
    if policy is None:
        known = corpus.by_id().get(policy_id)
        if known is None:
            raise PolicybookError(f"no policy has the id '{policy_id}'")
        raise PolicybookError(f"{policy_id} is {known.status_text} and has no version in force: only a published "
                              "policy can be acknowledged")
    if version is not None and version != policy.version_text:
        raise PolicybookError(f"{policy_id} is at version {policy.version_text}, not {version}: staff confirm the "
                              "current version only")
    day = past_date(on, corpus.today, "--on")
    if policy.approved_on and day < policy.approved_on:
        raise PolicybookError(f"--on: {day} is before version {policy.version_text} was approved "
                              f"({policy.approved_on})")
    read_records(corpus)  # refuse to append to a damaged file
    record = Record(staff_id, policy_id, policy.version_text or "", day)
    _append(records_path(corpus), [record.staff, record.policy, record.version, record.date.isoformat()])
    return record
