"""The content fingerprint of a policy: what an approval vouches for.

sha256 over the normalised body and the governed frontmatter fields (what staff are told to do, who
must do it, and the comprehension questions they answer to show they understood; for a document for
patients, whom it names and, for an edition, which source version it was made from). Dates, status,
approval details, the review record and the history are not governed: recording a review or an
approval does not change the fingerprint. A field a policy leaves out is left out of the fingerprint,
so adding a governed field (``questions`` came later) leaves every fingerprint without it as it was."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from policybook.registers import citations

# The governed fields of a policy's own; the fields that cite a register are governed as their
# register's declaration says (who owns the policy is; who approved this version is not).
_OWN = ("id", "title", "version", "category", "acknowledge", "supersedes", "related", "questions", "urgent",
        # A policy shown to the public, and the staff a document for patients may name.
        "public", "public_names",
        # What an edition for patients is (which document, language and format) and what it was made from:
        # an approved edition cannot be made current for a newer source without a new approval.
        "edition_of", "lang", "format", "source_version", "source_fingerprint")


def governed_fields() -> tuple[str, ...]:
    """Every governed frontmatter field."""
    return (*_OWN, *(citation.field for _, citation in citations() if citation.governed))


PREFIX = "sha256:"


def normalise_body(body: str) -> str:
    """Line ends, trailing spaces and blank lines at either end do not count as changes."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


# Governed only since documents for patients were: a version approved before then was fingerprinted without
# them. Its git history still proves it by that fingerprint (earlier_fingerprints); lint asks the working
# file for a new approval, which records the fingerprint that covers them.
_SINCE_PATIENTS = ("public", "public_names", "edition_of", "lang", "format", "source_version", "source_fingerprint")


def _digest(governed_values: dict[str, Any], body: str) -> str:
    governed = json.dumps(governed_values, sort_keys=True, ensure_ascii=False, default=str)
    payload = governed + "\n\n" + normalise_body(body)
    return PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fingerprint(data: dict[str, Any], body: str) -> str:
    return _digest(governed_values(data), body)


def earlier_fingerprints(data: dict[str, Any], body: str) -> list[str]:
    """The fingerprints a version approved before the governed fields last grew was recorded with (none where
    the file has none of the newer fields, whose fingerprint never changed)."""
    if not any(key in data for key in _SINCE_PATIENTS):
        return []
    return [_digest({k: v for k, v in governed_values(data).items() if k not in _SINCE_PATIENTS}, body)]


def proven_by(recorded: object, data: dict[str, Any], body: str) -> bool:
    """Whether ``recorded`` is the fingerprint of this content now, or was when an older version of policybook
    approved it: how a version in git history is judged."""
    return recorded == fingerprint(data, body) or recorded in earlier_fingerprints(data, body)


def governed_values(data: dict[str, Any]) -> dict[str, Any]:
    """The governed fields a policy has, as the fingerprint reads them."""
    return {key: data.get(key) for key in governed_fields() if key in data}
