"""The service's two keys, from its environment and never from its database, so that a copy of the
database (a backup, a stolen file, a reader with SQL access) neither signs anyone in nor makes evidence.

- ``POLICYBOOK_CONFIRM_SECRET`` keys the hashes of sign-in codes, of session tokens and the CSRF tokens.
- ``POLICYBOOK_CONFIRM_RECORD_KEY`` keys the MAC on each confirmation row.

Each may instead name a file (``POLICYBOOK_CONFIRM_SECRET_FILE``, ``POLICYBOOK_CONFIRM_RECORD_KEY_FILE``)
that holds it. A key is at least 32 random bytes, written as hex (``openssl rand -hex 32``) or base64
(``openssl rand -base64 32``); surrounding white space is ignored.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import string
from dataclasses import dataclass
from pathlib import Path

from policybook.errors import PolicybookError

SECRET_VARIABLE = "POLICYBOOK_CONFIRM_SECRET"
RECORD_KEY_VARIABLE = "POLICYBOOK_CONFIRM_RECORD_KEY"
MIN_KEY_BYTES = 32
MAX_KEY_TEXT = 4096
HOW = "at least 32 random bytes as hex or base64 (openssl rand -hex 32)"


def _decode(text: str, where: str) -> bytes:
    value = text.strip()
    if len(value) > MAX_KEY_TEXT:
        raise PolicybookError(f"{where}: too long for a key ({HOW})")
    try:
        if value and len(value) % 2 == 0 and all(c in string.hexdigits for c in value):
            key = bytes.fromhex(value)
        else:
            key = base64.b64decode(value.replace("-", "+").replace("_", "/"), validate=True)
    except (ValueError, binascii.Error):
        raise PolicybookError(f"{where}: not hex or base64 ({HOW})") from None
    if len(key) < MIN_KEY_BYTES:
        raise PolicybookError(f"{where}: {len(key)} bytes is too short ({HOW})")
    return key


def key_from_environment(variable: str) -> bytes | None:
    """The key in ``variable``, or in the file ``variable_FILE`` names; None when neither is set.
    Both set, an unreadable file or a weak key is an error of one line."""
    direct, file_name = os.environ.get(variable), os.environ.get(f"{variable}_FILE")
    if direct and file_name:
        raise PolicybookError(f"set {variable} or {variable}_FILE, not both")
    if direct:
        return _decode(direct, variable)
    if file_name:
        try:
            text = Path(file_name).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicybookError(f"{variable}_FILE: cannot read {file_name}: "
                                  f"{getattr(exc, 'strerror', None) or 'not text'}") from None
        return _decode(text, f"{variable}_FILE ({file_name})")
    return None


@dataclass(frozen=True)
class Keys:
    secret: bytes  # sign-in codes, sessions, CSRF
    record_key: bytes  # the MACs of confirmation rows


def service_keys() -> Keys:
    """Both keys, or one line saying which is missing: the service does not start without them."""
    secret, record_key = key_from_environment(SECRET_VARIABLE), key_from_environment(RECORD_KEY_VARIABLE)
    missing = [name for name, key in ((SECRET_VARIABLE, secret), (RECORD_KEY_VARIABLE, record_key)) if key is None]
    if secret is None or record_key is None:
        raise PolicybookError(f"the confirmations service needs {' and '.join(missing)} (or "
                              f"{missing[0]}_FILE): {HOW}; see docs/guide/confirmations.md")
    return Keys(secret, record_key)


def throwaway_keys() -> Keys:
    """Random keys for this run only (``serve --throwaway-keys``, for trying the service out): sessions end
    when it stops, and the rows it makes cannot have their MACs checked afterwards."""
    return Keys(secrets.token_bytes(MIN_KEY_BYTES), secrets.token_bytes(MIN_KEY_BYTES))


def new_key_text() -> str:
    """A fresh key as written in the environment (hex)."""
    return secrets.token_hex(MIN_KEY_BYTES)
