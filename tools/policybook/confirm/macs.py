"""The MAC on each confirmation row: HMAC-SHA256, under the record key from the service's environment,
over a canonical encoding of every field of the row, its place in the chain and its hash.

The hash chain shows a row changed or removed, but anyone who can write the database can compute a
valid chain hash for a row of their own. The MAC they cannot compute without the record key, which the
database does not hold: a row without a right MAC was not made by the service.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable

from policybook.confirm.chain import FIELDS, Confirmation

LABEL = "policybook confirmation v1"


def row_mac(key: bytes, row: Confirmation) -> str:
    """hex HMAC-SHA256 of the row as canonical JSON: a label, every field, the previous hash and the hash."""
    values = row.as_dict()
    payload = json.dumps([LABEL, *(values[name] for name in FIELDS), row.previous_hash, row.hash],
                         ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def mac_problem(key: bytes, row: Confirmation) -> str | None:
    """Why the row's MAC does not show the service made it, or None when it does."""
    if not row.mac:
        return f"row {row.seq}: has no MAC: it was not made by the service (or was made before MACs; see " \
               "policybook confirmations seal-old-rows)"
    if not hmac.compare_digest(row_mac(key, row), row.mac):
        return f"row {row.seq}: its MAC is wrong: the row was not made by the service with this record key"
    return None


def mac_problems(key: bytes, rows: Iterable[Confirmation]) -> list[str]:
    return [problem for row in rows if (problem := mac_problem(key, row)) is not None]
