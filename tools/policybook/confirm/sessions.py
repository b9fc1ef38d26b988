"""Signed-in sessions: a random token in an HttpOnly cookie, and only an HMAC of it in the database.

A session belongs to one member of staff, says how they signed in (code or proxy), and ends after 12
hours, when they sign out (a row in session_ends: sessions are never edited), or as soon as the way they
signed in is no longer offered. The token's hash and the row's seal are HMACs under the service's secret
(from its environment, never the database): someone who reads the database cannot turn a row into a
cookie, and someone who writes it can neither add a session nor give one to another person or method.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from policybook.confirm.database import reading, session_ends, sessions
from policybook.confirm.ledger import stamp, utc_now

SESSION_LIFETIME = dt.timedelta(hours=12)
MAX_TOKEN = 100


@dataclass(frozen=True)
class Session:
    staff: str
    method: str  # code or proxy


def _hash(secret: bytes, token: str) -> str:
    return hmac.new(secret, f"session:{token}".encode(), hashlib.sha256).hexdigest()


def _seal(secret: bytes, token_hash: str, staff: str, method: str, expires_at: str) -> str:
    payload = json.dumps(["session seal", token_hash, staff, method, expires_at], separators=(",", ":"))
    return hmac.new(secret, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def start_session(engine: Engine, secret: bytes, staff: str, method: str, now: dt.datetime | None = None) -> str:
    """A new session for ``staff``; returns the token for the cookie (never stored as it is)."""
    moment = now or utc_now()
    token = secrets.token_urlsafe(32)
    token_hash, expires_at = _hash(secret, token), stamp(moment + SESSION_LIFETIME)
    with reading(engine) as connection:
        connection.execute(sessions.insert().values(token_hash=token_hash, staff=staff, method=method,
                                                    created_at=stamp(moment), expires_at=expires_at,
                                                    seal=_seal(secret, token_hash, staff, method, expires_at)))
    return token


def find_session(engine: Engine, secret: bytes, token: str | None, methods: Collection[str],
                 now: dt.datetime | None = None) -> Session | None:
    """The live session of a cookie's token, or None: also None when its row's seal is not right, or
    when the way it signed in is not among ``methods`` (the sign-in methods offered now)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    moment = now or utc_now()
    token_hash = _hash(secret, token)
    with reading(engine) as connection:
        row = connection.execute(
            sa.select(sessions.c.staff, sessions.c.method, sessions.c.expires_at, sessions.c.seal,
                      session_ends.c.token_hash.label("ended"))
            .outerjoin(session_ends, session_ends.c.token_hash == sessions.c.token_hash)
            .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > stamp(moment))).first()
    if row is None or row.ended is not None:
        return None
    expected = _seal(secret, token_hash, str(row.staff), str(row.method), str(row.expires_at))
    if not row.seal or not hmac.compare_digest(expected, str(row.seal)):
        return None
    if row.method not in methods:  # ended for good: offering the method again does not bring it back
        end_session(engine, secret, token, moment)
        return None
    return Session(row.staff, row.method)


def end_session(engine: Engine, secret: bytes, token: str | None, now: dt.datetime | None = None) -> None:
    if not token or len(token) > MAX_TOKEN:
        return
    token_hash = _hash(secret, token)
    with reading(engine) as connection:
        known = connection.execute(sa.select(sessions.c.id).where(sessions.c.token_hash == token_hash)).first()
        ended = connection.execute(sa.select(session_ends.c.token_hash)
                                   .where(session_ends.c.token_hash == token_hash)).first()
        if known is not None and ended is None:
            connection.execute(session_ends.insert().values(token_hash=token_hash, ended_at=stamp(now or utc_now())))
