"""``policybook ack pull``: the service's confirmations into the repository.

Each confirmation not yet pulled is appended to records/acknowledgements.csv (staff, policy, version,
date, chained like every line there, so ``ack report`` and ``ack verify`` cover both sources), and its
full row, hash included, to records/confirmations.jsonl: the evidence of who confirmed which version
(and its fingerprint), when, how they signed in and from where. That file continues the database's own
hash chain, so ``policybook confirmations verify`` checks it offline, and a pull refuses a database
whose chain does not continue it (one replaced, or with rows removed). A records file removed or emptied
is filled again from the evidence file (each reading once), so deleting it loses nothing.

Before anything is written, each row is checked: it must continue the chain, name a member of staff and
a policy of the library, a version in force at its time and that version's approved fingerprint
(confirm/rowcheck.py); with the record key, its MAC too (confirm/macs.py). ``ack pull`` gives the key, and
refuses without it unless told ``--without-macs`` (cli/confirm.py pull_key). A row that fails is named,
and nothing from it on is pulled.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from policybook.confirm.chain import Confirmation, chain_problems
from policybook.confirm.ledger import row_at, rows_since
from policybook.confirm.macs import mac_problems
from policybook.confirm.rowcheck import RowCheck
from policybook.control.acknowledgements import append_new_records
from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.evidence.records import RECORDS, Record, read_records

EVIDENCE = Path("records") / "confirmations.jsonl"
BATCH = 5000


def evidence_path(corpus: Corpus) -> Path:
    return corpus.root / EVIDENCE


def _line(row: Confirmation) -> str:
    return json.dumps(row.as_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def evidence_rows(path: Path) -> Iterator[tuple[int, Confirmation | None]]:
    """(line number, row) for each line of the evidence file; None for a line that is not a row."""
    if not path.is_file():
        return
    with open(path, encoding="utf-8-sig") as stream:  # as an editor may save it
        for number, text in enumerate(stream, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
                yield number, Confirmation.from_mapping(data) if isinstance(data, dict) else None
            except (ValueError, KeyError, TypeError):
                yield number, None


def _end(path: Path) -> tuple[int, str]:
    """(seq, hash) of the last row in the evidence file, reading only its end."""
    with open(path, "rb") as stream:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(max(0, size - 65536))
        text = stream.read().decode("utf-8", "replace")
    tail = (text.removeprefix("\ufeff") if size <= 65536 else text).strip().splitlines()
    if not tail:
        return 0, ""
    try:
        last = Confirmation.from_mapping(json.loads(tail[-1]))
    except (ValueError, KeyError, TypeError):
        raise PolicybookError(f"{EVIDENCE}: its last line is not a confirmation: run policybook confirmations "
                              "verify") from None
    return last.seq, last.hash


def row_problems(corpus: Corpus, rows: list[Confirmation], record_key: bytes | None, previous_hash: str = "",
                 first_seq: int = 1, check: RowCheck | None = None) -> list[str]:
    """Everything wrong with a run of rows: the chain, what each row says (rowcheck), and with the record
    key their MACs."""
    check = check or RowCheck(corpus)
    problems = chain_problems(rows, previous_hash, first_seq)
    problems += [p for row in rows for p in check.problems(row)]
    if record_key is not None:
        problems += mac_problems(record_key, rows)
    return problems


@dataclass(frozen=True)
class EvidenceCheck:
    rows: int
    problems: list[str]
    without_mac: int  # rows pulled before MACs existed (before the first row with one): noted, not refused


def verify_evidence(corpus: Corpus, record_key: bytes | None) -> EvidenceCheck:
    """The evidence file, offline: every row's hash and the chain from row 1, what each row says, and with
    the record key every MAC (rows pulled before MACs existed, at the start of the file, have none)."""
    rows: list[Confirmation] = []
    problems: list[str] = []
    for number, row in evidence_rows(evidence_path(corpus)):
        if row is None:
            problems.append(f"{EVIDENCE}:{number}: not a confirmation row")
        else:
            rows.append(row)
    first_mac = next((i for i, row in enumerate(rows) if row.mac), len(rows))
    found = row_problems(corpus, rows, None)
    if record_key is not None:
        found += mac_problems(record_key, rows[first_mac:])
    problems += [f"{EVIDENCE}: {p}" for p in found]
    return EvidenceCheck(len(rows), problems, first_mac)


def evidence_matches_database(corpus: Corpus, engine: Engine) -> str | None:
    """Why the evidence file is not a beginning of the database's chain, or None when it is: its last row
    must be in the database, the same to the last character of its hash."""
    path = evidence_path(corpus)
    if not path.is_file():
        return None
    seq, last_hash = _end(path)
    if seq == 0:
        return None
    row = row_at(engine, seq)
    if row is None or row.hash != last_hash:
        return (f"{EVIDENCE}: row {seq} is not the database's row {seq}: the database was replaced, or rows were "
                "removed from it")
    return None


def _record(row: Confirmation) -> Record:
    """The line of records/acknowledgements.csv a confirmation gives."""
    return Record(row.staff, row.policy, row.version, dt.date.fromisoformat(row.date))


def _refill(corpus: Corpus, record_key: bytes | None) -> int:
    """Append each confirmation the evidence file holds to an emptied records file; the evidence must
    verify first (with the record key, its MACs too), so that a line written into it by hand cannot
    become a record."""
    problems = verify_evidence(corpus, record_key).problems
    if problems:
        raise PolicybookError(f"{RECORDS} holds no records and the evidence that would refill it does not "
                              f"verify: {problems[0]}; nothing was pulled")
    return len(append_new_records(corpus, [_record(r) for _, r in evidence_rows(evidence_path(corpus)) if r]))


@dataclass(frozen=True)
class Pulled:
    rows: int  # confirmations copied from the database into the evidence file
    records: int  # lines added to records/acknowledgements.csv (a reading recorded already adds none)
    last_seq: int


def pull(corpus: Corpus, engine: Engine, record_key: bytes | None) -> Pulled:
    """Copy the rows after the evidence file's last into it and into the records, checking each first
    (MACs only with ``record_key``)."""
    path = evidence_path(corpus)
    if path.is_symlink():
        raise PolicybookError(f"{EVIDENCE} is a symbolic link: keep the evidence file itself in the project")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    with os.fdopen(descriptor, "a", encoding="utf-8", newline="") as stream:
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX)  # one pull at a time
        try:
            last_seq, last_hash = _end(path)
            if last_seq:
                known = row_at(engine, last_seq)
                if known is None or known.hash != last_hash:
                    raise PolicybookError(f"the database does not hold row {last_seq} as {EVIDENCE} has it: it "
                                          "was replaced, or rows were removed from it; nothing was pulled")
            pulled = records = 0
            if last_seq and not read_records(corpus):  # the records file was removed or emptied: refill it
                records = _refill(corpus, record_key)
            check = RowCheck(corpus)
            while True:
                rows = rows_since(engine, last_seq, BATCH)
                if not rows:
                    break
                problems = row_problems(corpus, rows, record_key, last_hash, last_seq + 1, check)
                if problems:
                    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
                    raise PolicybookError(f"the database's confirmations after row {last_seq} cannot be pulled: "
                                          f"{'; '.join(problems[:3])}{more}; nothing was pulled from row "
                                          f"{last_seq + 1} on (run policybook confirmations verify)")
                added = append_new_records(corpus, [Record(r.staff, r.policy, r.version,
                                                           dt.date.fromisoformat(r.date)) for r in rows])
                stream.write("".join(_line(r) for r in rows))
                stream.flush()
                os.fsync(stream.fileno())
                pulled += len(rows)
                records += len(added)
                last_seq, last_hash = rows[-1].seq, rows[-1].hash
        finally:
            fcntl.flock(stream.fileno(), fcntl.LOCK_UN)
    return Pulled(pulled, records, last_seq)
