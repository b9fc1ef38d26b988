"""Policy ids: the one home of their pattern (schemas/policy.schema.json states the same for editors)."""

from __future__ import annotations

import re

POLICY_ID = r"[A-Z]{2,6}-[0-9]{3}"  # two to six capital letters, a hyphen, three digits: IPC-002
POLICY_ID_RE = re.compile(rf"^{POLICY_ID}$")


def is_policy_id(text: object) -> bool:
    return isinstance(text, str) and POLICY_ID_RE.fullmatch(text) is not None  # "HS-001\n" is not an id
