"""The service's database: SQLite by default, PostgreSQL by address, through SQLAlchemy Core.

SQLite runs in WAL mode with ``synchronous=FULL``, so a confirmation that was answered with success is
on disk, whatever happens to the process a moment later. Writers that extend the hash chain take the
database's write lock first (``BEGIN IMMEDIATE`` in SQLite, an advisory lock in PostgreSQL), so two
confirmations never both follow the same row.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from policybook.config import DEFAULT_CONFIRMATIONS_DATABASE, ConfirmationSettings
from policybook.errors import PolicybookError

DATABASE_VARIABLE = "POLICYBOOK_CONFIRM_DATABASE"  # the full address, password included, on the server
CHAIN_LOCK = 7_311_042  # the PostgreSQL advisory lock that serialises writers of the chain

metadata = sa.MetaData()

# The evidence: one row per confirmation, never updated or deleted (triggers refuse both).
confirmations = sa.Table(
    "confirmations", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("staff", sa.String(64), nullable=False),
    sa.Column("policy", sa.String(16), nullable=False),
    sa.Column("version", sa.String(16), nullable=False),
    sa.Column("fingerprint", sa.String(80), nullable=False),
    sa.Column("confirmed_at", sa.String(20), nullable=False),  # UTC, to the second: 2026-11-26T09:15:02Z
    sa.Column("method", sa.String(16), nullable=False),  # code or proxy
    sa.Column("client", sa.String(64), nullable=False),
    sa.Column("user_agent", sa.String(512), nullable=False),
    sa.Column("previous_hash", sa.String(64), nullable=False, unique=True),  # one row follows each: no forks
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
    sa.UniqueConstraint("staff", "policy", "version", name="one_confirmation_per_version"),
)

# The MAC of each confirmation (confirm/macs.py), inserted in the same transaction as the row; a row made
# before MACs existed gets one from ``policybook confirmations seal-old-rows``. Never updated or deleted.
confirmation_macs = sa.Table(
    "confirmation_macs", metadata,
    sa.Column("seq", sa.Integer, sa.ForeignKey("confirmations.seq"), primary_key=True, autoincrement=False),
    sa.Column("mac", sa.String(64), nullable=False),
)

# Wrong (or right) answers to a policy's questions: attempts, not confirmations. Never updated or deleted.
attempts = sa.Table(
    "attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("staff", sa.String(64), nullable=False),
    sa.Column("policy", sa.String(16), nullable=False),
    sa.Column("version", sa.String(16), nullable=False),
    sa.Column("at", sa.String(20), nullable=False),
    sa.Column("wrong", sa.String(200), nullable=False),  # the numbers of the questions answered wrongly
    sa.Column("client", sa.String(64), nullable=False),
)

# Sign-in. A code is issued for a known address only, and stored as a salted HMAC under the service's
# secret (from its environment, never in the database); using it inserts a row
# in code_uses, whose primary key makes a second use fail even when two requests race.
codes = sa.Table(
    "codes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("address_key", sa.String(64), nullable=False, index=True),
    sa.Column("staff", sa.String(64), nullable=False),
    sa.Column("salt", sa.String(32), nullable=False),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(20), nullable=False),
    sa.Column("expires_at", sa.String(20), nullable=False),
)
code_uses = sa.Table(
    "code_uses", metadata,
    sa.Column("code_id", sa.Integer, sa.ForeignKey("codes.id"), primary_key=True, autoincrement=False),
    sa.Column("used_at", sa.String(20), nullable=False),
)
# Every request for a code and every wrong code, known address or not, for the rate limits.
code_requests = sa.Table(
    "code_requests", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("address_key", sa.String(64), nullable=False, index=True),
    sa.Column("client", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.String(20), nullable=False),
)
code_failures = sa.Table(
    "code_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("address_key", sa.String(64), nullable=False, index=True),
    sa.Column("client", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.String(20), nullable=False),
)
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("staff", sa.String(64), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("created_at", sa.String(20), nullable=False),
    sa.Column("expires_at", sa.String(20), nullable=False),
    # HMAC under the service's secret of the token hash, staff, method and expiry (confirm/sessions.py)
    sa.Column("seal", sa.String(64), nullable=True),
)
session_ends = sa.Table(
    "session_ends", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("ended_at", sa.String(20), nullable=False),
)
# One row per reminder e-mail sent, so a person is reminded once per interval.
reminders = sa.Table(
    "reminders", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("staff", sa.String(64), nullable=False, index=True),
    sa.Column("sent_on", sa.String(10), nullable=False),
    sa.Column("sent_at", sa.String(20), nullable=False),
    sa.Column("policies", sa.String(2000), nullable=False),
    sa.Column("copied_to", sa.String(2000), nullable=False),
)
# The evidence: UPDATE, DELETE (and TRUNCATE) are refused.
APPEND_ONLY = ("confirmations", "confirmation_macs", "attempts")


def database_url(settings: ConfirmationSettings | None, root: Path) -> str:
    """The database address: POLICYBOOK_CONFIRM_DATABASE, else the setting, else the default; a relative
    SQLite path is relative to the project, and ``postgresql://`` uses psycopg (version 3)."""
    url = os.environ.get(DATABASE_VARIABLE) or (settings.database if settings else DEFAULT_CONFIRMATIONS_DATABASE)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        relative = url.removeprefix("sqlite:///")
        if relative and relative != ":memory:":
            url = f"sqlite:///{(root / relative).resolve()}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith(("sqlite:///", "postgresql+psycopg://")):
        raise PolicybookError("the confirmations database must be sqlite:///PATH or postgresql://USER@HOST/NAME")
    return url


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we say BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Connection) -> None:
        # A writer takes the write lock at once, so it never reads a chain end that another writer moves on.
        immediate = connection.get_execution_options().get("policybook_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def connect(url: str) -> Engine:
    """An engine for ``url``: SQLite made durable and serialised for writers, or PostgreSQL."""
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                                  pool_size=20, max_overflow=40)
        _sqlite_setup(engine)
        return engine
    return sa.create_engine(url, pool_size=20, max_overflow=40, pool_pre_ping=True)


_SQLITE_WRITERS: dict[str, threading.Lock] = {}  # per database file: this process's writers queue here


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds the write lock from its start: the only way the chain is extended. In
    SQLite, this process's writers first queue on a lock of their own, which wakes the next one at once
    (SQLite's own wait for a busy database sleeps in steps); other processes still wait on SQLite's."""
    if engine.dialect.name == "sqlite":
        queue = _SQLITE_WRITERS.setdefault(str(engine.url), threading.Lock())
        with queue, engine.connect().execution_options(policybook_write=True) as connection, connection.begin():
            yield connection
        return
    with engine.connect() as connection, connection.begin():
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A plain transaction, for reads and for writes that do not touch the chain."""
    with engine.connect() as connection, connection.begin():
        yield connection
