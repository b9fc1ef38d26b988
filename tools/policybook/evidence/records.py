"""Read-and-understood records, as they are read and verified: who has confirmed reading which version of which policy.

The record is an append-only CSV file (records/acknowledgements.csv): staff id, policy id, version,
date, and a hash chain: each line's ``chain`` is the sha256 of the line before's chain and this line's
fields, so a line edited, removed or inserted in the middle shows, with or without git. No command
rewrites or deletes a line (``ack seal`` adds the chain to a file written before it, once). An
acknowledgement counts for every version with the same major number: reading 1.0 covers 1.1, not 2.0.
"""

from __future__ import annotations

import csv
import datetime as dt
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from policybook.corpus import Corpus
from policybook.dates import parse_date
from policybook.errors import PolicybookError
from policybook.evidence.inforce import in_force
from policybook.evidence.ledger import chain_value, file_tail
from policybook.model import Policy, parse_version
from policybook.registers import ALL_STAFF, StaffMember

RECORDS = Path("records") / "acknowledgements.csv"
HEADER = ["staff", "policy", "version", "date"]
CHAINED_HEADER = [*HEADER, "chain"]
MAX_RECORDS_BYTES = 50 * 1024 * 1024  # about a million confirmations; more belongs in an archive


@dataclass(frozen=True)
class Record:
    staff: str
    policy: str
    version: str
    date: dt.date


def records_path(corpus: Corpus) -> Path:
    return corpus.root / RECORDS


def read_records(corpus: Corpus) -> list[Record]:
    """Every record, read line by line (the file is never held whole in memory)."""
    path = records_path(corpus)
    if path.is_symlink():
        raise PolicybookError(f"{RECORDS} is a symbolic link: keep the records file itself in the project")
    if not path.is_file():
        return []
    size = path.stat().st_size
    if size > MAX_RECORDS_BYTES:
        raise PolicybookError(f"{RECORDS} is {size:,} bytes, over the limit of {MAX_RECORDS_BYTES:,}: archive old "
                              "records (see docs/guide/change-control.md)")
    records = []
    with open(path, encoding="utf-8-sig", newline="") as stream:
        rows = csv.reader(stream)
        try:
            columns = _header(rows)
            if columns is None:
                return []  # a file of blank lines holds no records (another writer may have just created it)
            if columns not in (HEADER, CHAINED_HEADER):
                raise PolicybookError(f"{RECORDS}: the first line must be '{','.join(CHAINED_HEADER)}'")
            for row in rows:
                number = rows.line_num
                if not row or not "".join(row).strip():
                    continue
                if len(row) != len(columns):
                    raise PolicybookError(f"{RECORDS}:{number}: expected {len(columns)} fields, found {len(row)}")
                try:
                    day = dt.date.fromisoformat(row[3].strip())
                except ValueError:
                    raise PolicybookError(f"{RECORDS}:{number}: '{row[3]}' is not a date") from None
                records.append(Record(row[0].strip(), row[1].strip(), row[2].strip(), day))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise PolicybookError(f"{RECORDS}: cannot be read as UTF-8 CSV ({exc})") from None
    return records


def _header(rows: Iterable[list[str]]) -> list[str] | None:
    """The columns of the file's first line that is not blank (None when there is none): a file saved by
    a spreadsheet may start with a byte order mark (read as utf-8-sig) or a blank line."""
    for row in rows:
        if row and "".join(row).strip():
            return [c.strip() for c in row]
    return None


def file_end(path: Path) -> tuple[bool, str, bool]:
    """(whether the file is chained, the chain value of its last line, whether it ends with a line end),
    reading only its first line that is not blank and its last 4 KB."""
    with open(path, "rb") as stream:
        first = b""
        for first in stream:
            if first.strip():
                break
        header = [c.strip() for c in first.decode("utf-8", "replace").removeprefix("\ufeff").split(",")]
    last, ends_with_newline = file_tail(path)
    chained = header == CHAINED_HEADER
    previous = last[-1] if chained and len(last) == 5 and last[-1] != "chain" else ""
    return chained, previous, ends_with_newline


def chain_problems(corpus: Corpus) -> list[tuple[int, str]]:
    """(line, what is wrong) wherever the chain of records/acknowledgements.csv is broken; a file
    written before chains existed gives one problem on line 1."""
    path = records_path(corpus)
    if not path.is_file():
        return []
    problems: list[tuple[int, str]] = []
    with open(path, encoding="utf-8-sig", newline="") as stream:
        rows = csv.reader(stream)
        header = _header(rows)
        if header == HEADER:  # records written before chains existed; none yet is nothing to chain
            line = rows.line_num
            if any(row and "".join(row).strip() for row in rows):
                return [(line, "the records carry no hash chain yet: run policybook ack seal once")]
            return []
        previous = ""
        for row in rows:
            number = rows.line_num
            if not row or not "".join(row).strip():
                continue
            fields = [c.strip() for c in row[:4]]
            if len(row) != 5 or row[4].strip() != chain_value(previous, fields):
                problems.append((number, "this line does not follow from the one before: a record was edited, "
                                         "removed or inserted here"))
            previous = row[4].strip() if len(row) == 5 else ""
    return problems


def must_read(corpus: Corpus, member: StaffMember) -> list[Policy]:
    """Approved policies whose audience includes this person and that ask readers to confirm."""
    return _must_read(in_force(corpus), frozenset(member.roles))


def _must_read(policies: list[Policy], roles: frozenset[str]) -> list[Policy]:
    chosen = []
    for policy in policies:
        audience = policy.audience
        if policy.acknowledge and (ALL_STAFF in audience or roles & set(audience)):
            chosen.append(policy)
    return sorted(chosen, key=lambda p: p.id or "")


@dataclass(frozen=True)
class Outstanding:
    staff: StaffMember
    policy: Policy
    since: dt.date | None
    days: int | None

    def as_dict(self) -> dict[str, object]:
        return {"staff": self.staff.id, "name": self.staff.name, "policy": self.policy.id,
                "title": self.policy.title, "version": self.policy.version_text,
                "since": self.since.isoformat() if self.since else None, "days_outstanding": self.days}


def _major_since(policy: Policy) -> dt.date | None:
    """When the current major version was first issued: its earliest history entry."""
    version = policy.version
    if version is None:
        return policy.approved_on
    dates = [h.date for h in policy.history if h.version and h.version[0] == version[0] and h.date]
    return min(dates, default=policy.approved_on)


# A corpus never changes after it is loaded, so what its records file leaves owed is worked out once for
# the due list, the evidence pack and the records commands alike, and forgotten with the corpus.
_OWED: weakref.WeakKeyDictionary[Corpus, list[Outstanding]] = weakref.WeakKeyDictionary()


def outstanding(corpus: Corpus, also: Iterable[Record] | None = None) -> list[Outstanding]:
    """Who has not confirmed the current major version of each policy they must read, from the records
    file and ``also`` (confirmations not yet pulled into it from the confirmations service, read afresh
    each time: the service's records grow while its library stays loaded)."""
    if also is not None:
        return _outstanding(corpus, list(also))
    owed = _OWED.get(corpus)
    if owed is None:
        owed = _OWED[corpus] = _outstanding(corpus, [])
    return list(owed)


def _outstanding(corpus: Corpus, also: list[Record]) -> list[Outstanding]:
    records = [*read_records(corpus), *also]
    done = {(r.staff, r.policy, (parse_version(r.version) or (-1, 0))[0]) for r in records}
    policies = in_force(corpus)
    by_roles: dict[frozenset[str], list[tuple[Policy, str | None, int, dt.date | None]]] = {}
    known: dict[int, tuple[str | None, int, dt.date | None]] = {}

    def facts(policy: Policy) -> tuple[str | None, int, dt.date | None]:
        """(id, major version, when that major version was first issued), worked out once per policy."""
        if id(policy) not in known:
            version = policy.version
            known[id(policy)] = (policy.id, version[0] if version else -1, _major_since(policy))
        return known[id(policy)]

    found = []
    for member in sorted(corpus.registers.staff.values(), key=lambda m: m.id):
        left, joined = parse_date(member.left), parse_date(member.joined)
        if (left is not None and left <= corpus.today) or (joined is not None and joined > corpus.today):
            continue  # a leaver, or someone who has not yet joined, owes no reading
        roles = frozenset(member.roles)
        if roles not in by_roles:  # staff holding the same roles owe the same policies: worked out once
            by_roles[roles] = [(p, *facts(p)) for p in _must_read(policies, roles)]
        for policy, policy_id, major, since in by_roles[roles]:
            if (member.id, policy_id, major) in done:
                continue
            found.append(Outstanding(member, policy, since, (corpus.today - since).days if since else None))
    return found
