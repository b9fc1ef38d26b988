"""One-time sign-in codes: random, single use, stored hashed, valid for 10 minutes, rate limited.

A code is made with ``secrets`` and only its salted HMAC is kept, under the service's secret from its
environment (confirm/keys.py): the database alone is not enough to test guesses against it. Only the
newest code of an address counts, and using it inserts a row whose primary key makes any second use
fail, even from two requests at the same moment. Every request and every wrong code is counted per
address and per client, for known and unknown addresses alike, so the answers (and the limits) are the
same whether or not an address belongs to a member of staff. The counting and the decision happen under
the write lock, so a burst of requests cannot slip past a limit together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from policybook.confirm.database import code_failures, code_requests, code_uses, codes, writing
from policybook.confirm.ledger import stamp, utc_now

CODE_DIGITS = 8
CODE_LIFETIME = dt.timedelta(minutes=10)
WINDOW = dt.timedelta(minutes=15)
MAX_REQUESTS_PER_ADDRESS = 5
MAX_REQUESTS_PER_CLIENT = 20
MAX_FAILURES_PER_ADDRESS = 5
MAX_FAILURES_PER_CLIENT = 20
MAX_ADDRESS = 254


class RateLimited(Exception):
    """Too many requests or wrong codes from this address or client in the window."""


class WrongCode(Exception):
    """The code is not the newest code of the address, or was used, or has expired."""


def normalise_address(text: str) -> str | None:
    """An e-mail address as compared (trimmed, lower case), or None when it cannot be one."""
    address = text.strip().lower()
    if not address or len(address) > MAX_ADDRESS or address.count("@") != 1 or any(
            c.isspace() or not c.isprintable() for c in address):
        return None
    local, domain = address.split("@")
    return address if local and domain else None


def is_code_shaped(code: str) -> bool:
    """Eight ASCII digits: other scripts' digits (Arabic-Indic, fullwidth) are digits to ``str.isdigit``
    but never part of a code, and a code that is not code-shaped is simply a wrong code."""
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


def address_key(address: str) -> str:
    """What the rate limits count by: a hash, so unknown addresses typed in are not kept as they are."""
    return hashlib.sha256(address.encode("utf-8")).hexdigest()


def _code_hash(secret: bytes, salt: str, code: str) -> str:
    return hmac.new(secret, f"code:{salt}:{code}".encode("ascii"), hashlib.sha256).hexdigest()


def _count(connection: Connection, table: sa.Table, column: sa.Column[str], value: str, since: str) -> int:
    return int(connection.execute(sa.select(sa.func.count()).select_from(table)
                                  .where(column == value, table.c.at > since)).scalar() or 0)


@dataclass(frozen=True)
class CodeRequest:
    address: str  # normalised
    staff: str | None  # None for an address no member of staff has
    client: str


def issue_code(engine: Engine, request: CodeRequest, secret: bytes, now: dt.datetime | None = None) -> str | None:
    """A new code for a known address (None for an unknown one), after counting the request; raises
    RateLimited, for known and unknown addresses alike, past either limit."""
    moment = now or utc_now()
    key = address_key(request.address)
    since = stamp(moment - WINDOW)
    with writing(engine) as connection:
        limited = (_count(connection, code_requests, code_requests.c.address_key, key, since)
                   >= MAX_REQUESTS_PER_ADDRESS or
                   _count(connection, code_requests, code_requests.c.client, request.client, since)
                   >= MAX_REQUESTS_PER_CLIENT)
        if not limited:
            connection.execute(code_requests.insert().values(address_key=key, client=request.client,
                                                             at=stamp(moment)))
            if request.staff is not None:
                code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
                salt = secrets.token_hex(16)
                connection.execute(codes.insert().values(
                    address_key=key, staff=request.staff, salt=salt, code_hash=_code_hash(secret, salt, code),
                    created_at=stamp(moment), expires_at=stamp(moment + CODE_LIFETIME)))
                return code
    if limited:
        raise RateLimited
    return None


def check_code(engine: Engine, address: str, typed: str, client: str, secret: bytes,
               now: dt.datetime | None = None) -> str:
    """The staff id the code was sent to; raises RateLimited after five wrong codes for the address (or
    twenty from the client) in the window, and WrongCode for anything but the newest, unused, unexpired
    code of the address. A wrong code is counted even though the exception ends the request."""
    moment = now or utc_now()
    key = address_key(address)
    code = "".join(c for c in typed if c not in " -")
    since = stamp(moment - WINDOW)
    staff: str | None = None
    with writing(engine) as connection:
        limited = (_count(connection, code_failures, code_failures.c.address_key, key, since)
                   >= MAX_FAILURES_PER_ADDRESS or
                   _count(connection, code_failures, code_failures.c.client, client, since)
                   >= MAX_FAILURES_PER_CLIENT)
        if not limited:
            newest = connection.execute(
                sa.select(codes, code_uses.c.code_id.label("used"))
                .outerjoin(code_uses, code_uses.c.code_id == codes.c.id)
                .where(codes.c.address_key == key).order_by(codes.c.id.desc()).limit(1)).mappings().first()
            right = (newest is not None and newest["used"] is None and newest["expires_at"] > stamp(moment)
                     and is_code_shaped(code)
                     and hmac.compare_digest(_code_hash(secret, newest["salt"], code), newest["code_hash"]))
            if right and newest is not None:
                connection.execute(code_uses.insert().values(code_id=newest["id"], used_at=stamp(moment)))
                staff = str(newest["staff"])
            else:
                connection.execute(code_failures.insert().values(address_key=key, client=client, at=stamp(moment)))
    if limited:
        raise RateLimited
    if staff is None:
        raise WrongCode
    return staff
