"""The content fingerprint of a policy: what an approval vouches for.

sha256 over the normalised body and the governed frontmatter fields (what staff are told to do and
who must do it). Dates, status, approval details, the review record and the history are not governed:
recording a review or an approval does not change the fingerprint."""

from __future__ import annotations

import hashlib
import json
from typing import Any

GOVERNED = ("id", "title", "version", "category", "owner", "audience", "acknowledge", "roles", "guidance",
            "standards", "equipment", "supersedes", "related")
PREFIX = "sha256:"


def normalise_body(body: str) -> str:
    """Line ends, trailing spaces and blank lines at either end do not count as changes."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def fingerprint(data: dict[str, Any], body: str) -> str:
    governed = {key: data.get(key) for key in GOVERNED if key in data}
    payload = json.dumps(governed, sort_keys=True, ensure_ascii=False, default=str) + "\n\n" + normalise_body(body)
    return PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()
