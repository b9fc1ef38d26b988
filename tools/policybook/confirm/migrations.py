"""Schema migrations: a versioned schema table, and the steps that bring a database up to date.

Each step runs once, in order, inside a transaction that also records it in ``schema_version``, so two
instances starting at once cannot both apply it (the second waits for the lock, then finds it done).
Step 1 creates the tables and the triggers that keep the evidence append-only in SQLite and PostgreSQL.
Step 2 takes the secrets out of the database: the table that held the service's secret is dropped (the
keys now come from the service's environment, confirm/keys.py), so codes and sessions issued before
it no longer work; it adds the table of MACs on confirmations and a seal on each session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from policybook.confirm.database import confirmation_macs, metadata, writing

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


def _append_only(connection: Connection, tables: tuple[str, ...]) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(_POSTGRESQL_FUNCTION))
        statements = [s for table in tables for s in _postgresql_triggers(table)]
    else:
        statements = [s for table in tables for s in _sqlite_triggers(table)]
    for statement in statements:
        connection.execute(sa.text(statement))


def _step_1(connection: Connection) -> None:
    """The tables and the append-only triggers (the secret it once stored, step 2 removes)."""
    metadata.create_all(connection, tables=[t for t in metadata.sorted_tables if t is not confirmation_macs])
    _append_only(connection, ("confirmations", "attempts"))


def _step_2(connection: Connection) -> None:
    """Secrets out of the database; MACs on confirmations; sealed sessions."""
    inspector = sa.inspect(connection)
    connection.execute(sa.text("DROP TABLE IF EXISTS service_secret"))
    if "seal" not in {column["name"] for column in inspector.get_columns("sessions")}:
        connection.execute(sa.text("ALTER TABLE sessions ADD COLUMN seal VARCHAR(64)"))
    confirmation_macs.create(connection)
    _append_only(connection, ("confirmation_macs",))


STEPS: list[Callable[[Connection], None]] = [_step_1, _step_2]


def current_version(engine: Engine) -> int:
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("schema_version"):
            return 0
        return int(connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(engine: Engine, upto: int | None = None) -> int:
    """Apply every step not yet applied (up to step ``upto``); returns the schema version now in force."""
    with writing(engine) as connection:
        schema_version.create(connection, checkfirst=True)
    for number, step in enumerate(STEPS[:upto], start=1):
        with writing(engine) as connection:
            done = connection.execute(sa.select(schema_version.c.version)
                                      .where(schema_version.c.version == number)).first()
            if done is not None:
                continue
            step(connection)
            now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            connection.execute(schema_version.insert().values(version=number, applied_at=now))
    return len(STEPS[:upto])
