"""The record of confirmations and attempts in the database: rows are only ever inserted.

A confirmation is appended under the write lock: the last row is read, the new row's hash computed over
its fields and that row's hash, and the row inserted with its MAC under the record key (confirm/macs.py),
in one transaction. Confirming a version already
confirmed gives back the row stored the first time, so a retried request is stored once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from policybook.confirm.chain import Confirmation, chain_problems, row_hash
from policybook.confirm.database import attempts, confirmation_macs, confirmations, reading, writing
from policybook.confirm.macs import row_mac

MAX_USER_AGENT = 512
MAX_CLIENT = 64


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def stamp(moment: dt.datetime) -> str:
    """UTC to the second, as stored and hashed: 2026-11-26T09:15:02Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Stored:
    row: Confirmation
    new: bool  # False when this version had been confirmed before (the earlier row is returned)


def _with_macs() -> sa.Select[Any]:
    """Confirmations with their MACs (an empty MAC for a row that has none)."""
    return sa.select(confirmations, confirmation_macs.c.mac).outerjoin(
        confirmation_macs, confirmation_macs.c.seq == confirmations.c.seq)


def _existing(connection: Connection, staff: str, policy: str, version: str) -> Confirmation | None:
    found = connection.execute(_with_macs().where(
        confirmations.c.staff == staff, confirmations.c.policy == policy,
        confirmations.c.version == version)).mappings().first()
    return Confirmation.from_mapping(found) if found else None


def append_confirmation(engine: Engine, record_key: bytes, *, staff: str, policy: str, version: str,
                        fingerprint: str, method: str, client: str, user_agent: str,
                        now: dt.datetime | None = None) -> Stored:
    """Store one confirmation at the end of the chain (or return the one already stored). The check for
    an earlier row is made before the write lock is taken, so the lock is held for as little as possible;
    a retry racing its first attempt meets the unique constraint, and gets the row the first one stored."""
    with reading(engine) as connection:
        existing = _existing(connection, staff, policy, version)
    if existing is not None:
        return Stored(existing, new=False)
    try:
        with writing(engine) as connection:
            last = connection.execute(sa.select(confirmations.c.seq, confirmations.c.hash)
                                      .order_by(confirmations.c.seq.desc()).limit(1)).first()
            seq, previous = (last.seq + 1, last.hash) if last else (1, "")
            unhashed = Confirmation(seq=seq, staff=staff, policy=policy, version=version, fingerprint=fingerprint,
                                    confirmed_at=stamp(now or utc_now()), method=method, client=client[:MAX_CLIENT],
                                    user_agent=_printable(user_agent)[:MAX_USER_AGENT], previous_hash=previous, hash="")
            hashed = replace(unhashed, hash=row_hash(previous, unhashed.as_dict()))
            row = replace(hashed, mac=row_mac(record_key, hashed))
            connection.execute(confirmations.insert().values(
                **{name: value for name, value in row.as_dict().items() if name != "mac"}))
            connection.execute(confirmation_macs.insert().values(seq=row.seq, mac=row.mac))
    except sa.exc.IntegrityError:  # the same version, stored by a request that got the lock first
        with reading(engine) as connection:
            existing = _existing(connection, staff, policy, version)
        if existing is None:
            raise
        return Stored(existing, new=False)
    return Stored(row, new=True)


def _printable(text: str) -> str:
    """A header value as text: control characters become spaces (the row is shown in reports)."""
    return "".join(c if c.isprintable() else " " for c in text)


def record_attempt(engine: Engine, *, staff: str, policy: str, version: str, wrong: list[int], client: str,
                   now: dt.datetime | None = None) -> None:
    """An answer that was not right: kept as an attempt, never as a confirmation."""
    with reading(engine) as connection:
        connection.execute(attempts.insert().values(
            staff=staff, policy=policy, version=version, at=stamp(now or utc_now()),
            wrong=",".join(str(n) for n in wrong)[:200], client=client[:MAX_CLIENT]))


def attempts_of(engine: Engine, staff: str, policy: str) -> int:
    with reading(engine) as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(attempts).where(
            attempts.c.staff == staff, attempts.c.policy == policy)).scalar() or 0)


def attempts_until(engine: Engine, day: dt.date) -> dict[tuple[str, str, str], int]:
    """{(staff, policy, version): answers that were not right} made on or before ``day`` (UTC): how many
    tries each confirmation took, for the evidence pack."""
    query = (sa.select(attempts.c.staff, attempts.c.policy, attempts.c.version, sa.func.count())
             .where(attempts.c.at < (day + dt.timedelta(days=1)).isoformat())
             .group_by(attempts.c.staff, attempts.c.policy, attempts.c.version))
    with reading(engine) as connection:
        return {(str(staff), str(policy), str(version)): int(count)
                for staff, policy, version, count in connection.execute(query)}


def rows_since(engine: Engine, after_seq: int = 0, limit: int | None = None) -> list[Confirmation]:
    """Confirmations after row ``after_seq``, oldest first."""
    query = _with_macs().where(confirmations.c.seq > after_seq).order_by(confirmations.c.seq)
    if limit is not None:
        query = query.limit(limit)
    with reading(engine) as connection:
        return [Confirmation.from_mapping(row) for row in connection.execute(query).mappings()]


def row_at(engine: Engine, seq: int) -> Confirmation | None:
    with reading(engine) as connection:
        found = connection.execute(_with_macs().where(confirmations.c.seq == seq)).mappings().first()
    return Confirmation.from_mapping(found) if found else None


def confirmed_by(engine: Engine, staff: str) -> list[Confirmation]:
    with reading(engine) as connection:
        return [Confirmation.from_mapping(row) for row in connection.execute(
            _with_macs().where(confirmations.c.staff == staff).order_by(confirmations.c.seq)).mappings()]


def every_row(engine: Engine, batch: int = 5000) -> Iterator[Confirmation]:
    """Every confirmation, oldest first, a batch at a time."""
    after = 0
    while True:
        rows = rows_since(engine, after, batch)
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq


def verify_database(engine: Engine) -> tuple[int, list[str]]:
    """(rows, problems) for the whole chain as the database holds it."""
    count = 0

    def counted() -> Iterator[Confirmation]:
        nonlocal count
        for row in every_row(engine):
            count += 1
            yield row

    problems = chain_problems(counted())
    return count, problems


def seal_old_rows(engine: Engine, record_key: bytes) -> list[int]:
    """Give a MAC to each row made before MACs existed: those without one before the first row that has
    one (every row, while none has). A row without a MAC after that was not made by the service and is
    never sealed. The caller checks the rows first; returns the rows sealed."""
    with writing(engine) as connection:
        first_sealed = connection.execute(sa.select(sa.func.min(confirmation_macs.c.seq))).scalar()
        query = _with_macs().where(confirmation_macs.c.mac.is_(None)).order_by(confirmations.c.seq)
        if first_sealed is not None:
            query = query.where(confirmations.c.seq < first_sealed)
        rows = [Confirmation.from_mapping(found) for found in connection.execute(query).mappings()]
        for row in rows:
            connection.execute(confirmation_macs.insert().values(seq=row.seq, mac=row_mac(record_key, row)))
    return [row.seq for row in rows]
