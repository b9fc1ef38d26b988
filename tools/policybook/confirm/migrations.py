"""Schema migrations: a versioned schema table, and the steps that bring a database up to date.

Each step runs once, in order, inside a transaction that also records it in ``schema_version``, so two
instances starting at once cannot both apply it (the second waits for the lock, then finds it done).
Step 1 creates the tables and the triggers that keep the evidence append-only in SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from policybook.confirm.database import APPEND_ONLY, metadata, secrets_table, writing

schema_version = sa.Table(
    "schema_version", sa.MetaData(),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.String(20), nullable=False),
)


def _sqlite_triggers(table: str) -> list[str]:
    return [f"CREATE TRIGGER IF NOT EXISTS {table}_never_updated BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are never updated'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_never_deleted BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} rows are never deleted'); END"]


_POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION policybook_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are never updated or deleted', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$
"""


def _postgresql_triggers(table: str) -> list[str]:
    return [f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION policybook_append_only()",
            f"CREATE TRIGGER {table}_never_truncated BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION policybook_append_only()"]


def _step_1(connection: Connection) -> None:
    """The tables, the append-only triggers and the service's secret."""
    metadata.create_all(connection)
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(_POSTGRESQL_FUNCTION))
        statements = [s for table in APPEND_ONLY for s in _postgresql_triggers(table)]
    else:
        statements = [s for table in APPEND_ONLY for s in _sqlite_triggers(table)]
    for statement in statements:
        connection.execute(sa.text(statement))
    connection.execute(secrets_table.insert().values(id=1, value=secrets.token_hex(32)))


STEPS: list[Callable[[Connection], None]] = [_step_1]


def current_version(engine: Engine) -> int:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("schema_version"):
            return 0
        return int(connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(engine: Engine) -> int:
    """Apply every step not yet applied; returns the schema version now in force."""
    with writing(engine) as connection:
        schema_version.create(connection, checkfirst=True)
    for number, step in enumerate(STEPS, start=1):
        with writing(engine) as connection:
            done = connection.execute(sa.select(schema_version.c.version)
                                      .where(schema_version.c.version == number)).first()
            if done is not None:
                continue
            step(connection)
            now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            connection.execute(schema_version.insert().values(version=number, applied_at=now))
    return len(STEPS)
