"""The main text of each guidance page as last checked, kept beside the register so that the next check can
say which sections changed (a fingerprint alone says only that something did).

One small gzip-compressed JSON file per entry, ``records/guidance/ID.json.gz``, holding the sections as
``[heading, text]`` pairs; ``guidance check --write`` replaces it. It is written with a fixed timestamp so
that the same text gives the same bytes, and commits change only when the guidance did."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from pathlib import Path

from policybook.watch.text import MainText, from_json, to_json

KEPT_DIR = Path("records") / "guidance"
MAX_KEPT_BYTES = 4 * 1024 * 1024  # a kept text larger than this, unpacked, is not a kept text
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def kept_path(root: Path, guidance_id: str) -> Path | None:
    """Where the entry's text is kept, or None for an id that is not a plain file name."""
    return root / KEPT_DIR / f"{guidance_id}.json.gz" if _SAFE_ID.match(guidance_id) else None


def read_kept(root: Path, guidance_id: str) -> MainText | None:
    """The text kept at the last check, or None when there is none or it cannot be read."""
    path = kept_path(root, guidance_id)
    if path is None or not path.is_file() or path.is_symlink():
        return None
    try:
        with gzip.open(path, "rb") as packed:
            raw = packed.read(MAX_KEPT_BYTES + 1)
        if len(raw) > MAX_KEPT_BYTES:
            return None
        return from_json(json.loads(raw.decode("utf-8")))
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError):
        return None


def packed(text: MainText) -> bytes:
    """The bytes kept for a text: the same text always gives the same bytes."""
    data = json.dumps(to_json(text), ensure_ascii=False, indent=0).encode("utf-8")
    return gzip.compress(data, compresslevel=9, mtime=0)
