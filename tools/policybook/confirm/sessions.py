"""Signed-in sessions: a random token in an HttpOnly cookie, and only its hash in the database.

A session belongs to one member of staff, says how they signed in, and ends after 12 hours or when they
sign out (a row in session_ends: sessions are never edited). Someone who reads the database cannot use
a session from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from policybook.confirm.database import reading, session_ends, sessions
from policybook.confirm.ledger import stamp, utc_now

SESSION_LIFETIME = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Session:
    staff: str
    method: str  # code or proxy


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(engine: Engine, staff: str, method: str, now: dt.datetime | None = None) -> str:
    """A new session for ``staff``; returns the token for the cookie (never stored as it is)."""
    moment = now or utc_now()
    token = secrets.token_urlsafe(32)
    with reading(engine) as connection:
        connection.execute(sessions.insert().values(token_hash=_hash(token), staff=staff, method=method,
                                                    created_at=stamp(moment),
                                                    expires_at=stamp(moment + SESSION_LIFETIME)))
    return token


def find_session(engine: Engine, token: str | None, now: dt.datetime | None = None) -> Session | None:
    """The live session of a cookie's token, or None."""
    if not token or len(token) > 100:
        return None
    moment = now or utc_now()
    with reading(engine) as connection:
        row = connection.execute(
            sa.select(sessions.c.staff, sessions.c.method, session_ends.c.token_hash.label("ended"))
            .outerjoin(session_ends, session_ends.c.token_hash == sessions.c.token_hash)
            .where(sessions.c.token_hash == _hash(token), sessions.c.expires_at > stamp(moment))).first()
    if row is None or row.ended is not None:
        return None
    return Session(row.staff, row.method)


def end_session(engine: Engine, token: str | None, now: dt.datetime | None = None) -> None:
    if not token or len(token) > 100:
        return
    with reading(engine) as connection:
        known = connection.execute(sa.select(sessions.c.id).where(sessions.c.token_hash == _hash(token))).first()
        ended = connection.execute(sa.select(session_ends.c.token_hash)
                                   .where(session_ends.c.token_hash == _hash(token))).first()
        if known is not None and ended is None:
            connection.execute(session_ends.insert().values(token_hash=_hash(token),
                                                            ended_at=stamp(now or utc_now())))
