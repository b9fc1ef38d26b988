"""Who must read what, and who has confirmed it: the records file and the service's confirmations
together, so a confirmation counts from the moment it is made, before ``ack pull`` copies it.

A confirmation counts for every version with the same major number (reading 2.0 covers 2.1, not 3.0),
as for ``policybook ack``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from policybook.confirm.ledger import confirmed_by, every_row
from policybook.corpus import Corpus
from policybook.evidence.records import Outstanding, Record, must_read, outstanding, read_records
from policybook.model import Policy, parse_version


def service_records(engine: Engine, staff: str | None = None) -> list[Record]:
    """The service's confirmations as records (one person's, or everyone's)."""
    rows = confirmed_by(engine, staff) if staff else list(every_row(engine))
    return [Record(r.staff, r.policy, r.version, dt.date.fromisoformat(r.date)) for r in rows]


def everything_outstanding(corpus: Corpus, engine: Engine) -> list[Outstanding]:
    return outstanding(corpus, service_records(engine))


def _major(version: str | None) -> int:
    parsed = parse_version(version)
    return parsed[0] if parsed else -1


@dataclass(frozen=True)
class Reading:
    """One policy a person must read: whether the version in force is confirmed, and the latest version
    of it they confirmed (None if never)."""

    policy: Policy
    done: bool
    last_version: str | None


def readings(corpus: Corpus, engine: Engine, staff: str, on_file: list[Record] | None = None) -> list[Reading]:
    """Each policy this person must read, outstanding first (``on_file``: the records file, when the
    caller has read it already)."""
    member = corpus.registers.staff.get(staff)
    if member is None:
        return []
    on_file = read_records(corpus) if on_file is None else on_file
    records = [r for r in on_file if r.staff == staff] + service_records(engine, staff)
    found = []
    for policy in must_read(corpus, member):
        mine = [r for r in records if r.policy == policy.id and parse_version(r.version)]
        latest = max(mine, key=lambda r: parse_version(r.version) or (-1, 0), default=None)
        done = any(_major(r.version) == _major(policy.version_text) for r in mine)
        found.append(Reading(policy, done, latest.version if latest else None))
    return sorted(found, key=lambda r: (r.done, r.policy.id or ""))


@dataclass(frozen=True)
class Completion:
    """How many of those who must read something have confirmed it: for a policy, or for a role."""

    key: str
    title: str
    confirmed: int
    required: int

    @property
    def percent(self) -> int:
        return round(100 * self.confirmed / self.required) if self.required else 100

    def as_dict(self) -> dict[str, object]:
        return {"id": self.key, "title": self.title, "confirmed": self.confirmed, "required": self.required,
                "percent": self.percent}


def completion(corpus: Corpus, engine: Engine) -> tuple[list[Completion], list[Completion]]:
    """(per policy, per role): confirmations of the current major version against what is required."""
    missing = {(o.staff.id, o.policy.id) for o in everything_outstanding(corpus, engine)}
    per_policy: dict[str, list[int]] = {}
    per_role: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    for member in corpus.registers.staff.values():
        for policy in must_read(corpus, member):
            done = int((member.id, policy.id) not in missing)
            key = policy.id or ""
            titles[key] = f"{key} {policy.title or ''}".strip()
            tally = per_policy.setdefault(key, [0, 0])
            tally[0] += done
            tally[1] += 1
            for role in member.roles:
                role_tally = per_role.setdefault(role, [0, 0])
                role_tally[0] += done
                role_tally[1] += 1
    policies = [Completion(k, titles[k], *per_policy[k]) for k in sorted(per_policy)]
    roles = [Completion(r, corpus.role_title(r), *per_role[r]) for r in sorted(per_role)]
    return policies, roles
