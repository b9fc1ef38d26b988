"""The hash chain of confirmations: each row's hash covers every field of the row and the hash of the
row before, so a row changed, removed or inserted anywhere shows, offline, in the database, in an
export or in the evidence file ``policybook ack pull`` keeps in the repository.

Pure functions, no database: the same code checks all three.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

FIELDS = ("seq", "staff", "policy", "version", "fingerprint", "confirmed_at", "method", "client", "user_agent")


@dataclass(frozen=True)
class Confirmation:
    """One confirmation as stored: who, which version (and its fingerprint), when (UTC, to the second),
    how they signed in, from where, and its place in the chain."""

    seq: int
    staff: str
    policy: str
    version: str
    fingerprint: str
    confirmed_at: str
    method: str
    client: str
    user_agent: str
    previous_hash: str
    hash: str
    mac: str = ""  # HMAC under the record key (confirm/macs.py); empty for a row that has none


    @property
    def date(self) -> str:
        return self.confirmed_at[:10]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, row: Mapping[Any, Any]) -> Confirmation:
        """A row read back: a JSON object, or a database row (whose keys are columns as well as names)."""
        text = {name: str(row[name]) for name in cls.__dataclass_fields__ if name not in ("seq", "mac")}
        return cls(seq=int(row["seq"]), mac=str(row.get("mac") or ""), **text)


def row_hash(previous_hash: str, fields: Mapping[str, Any]) -> str:
    """sha256 of the previous hash and the row's fields, as canonical JSON (any text is safe in it)."""
    payload = json.dumps([previous_hash, *(fields[name] for name in FIELDS)], ensure_ascii=False,
                         separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chain_problems(rows: Iterable[Confirmation], previous_hash: str = "", first_seq: int = 1) -> list[str]:
    """What is wrong with a run of rows, oldest first, that should follow ``previous_hash``: a gap in the
    numbering, a row that does not follow the one before, or a row whose fields do not give its hash."""
    problems: list[str] = []
    expected_seq = first_seq
    for row in rows:
        if row.seq != expected_seq:
            problems.append(f"row {row.seq}: expected row {expected_seq} here: rows were removed or inserted")
        if row.previous_hash != previous_hash:
            problems.append(f"row {row.seq}: does not follow the row before it (its previous hash differs)")
        if row_hash(row.previous_hash, row.as_dict()) != row.hash:
            problems.append(f"row {row.seq}: its fields do not give its hash: the row was changed")
        previous_hash, expected_seq = row.hash, row.seq + 1
    return problems
