"""MAJOR.MINOR versions: compared as integers, never as floats ('1.10' is after '1.9')."""

from __future__ import annotations

import re

_VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


def parse_version(text: object) -> tuple[int, int] | None:
    """``'1.10'`` -> ``(1, 10)``; anything else -> None."""
    if not isinstance(text, str):
        return None
    match = _VERSION.match(text)
    return (int(match.group(1)), int(match.group(2))) if match else None
