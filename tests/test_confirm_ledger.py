"""The record, on SQLite and PostgreSQL: rows only ever inserted (the database refuses UPDATE, DELETE and
TRUNCATE), one chain however many write at once, each version confirmed once, migrations that run once,
and ``ack pull`` with its evidence file, checked offline by ``confirmations verify``."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from confirmtools import BACKENDS, RECORD_KEY, database_for
from conftest import TODAY, set_confirmations
from sqlalchemy.engine import Engine

from policybook.confirm.chain import Confirmation, chain_problems, row_hash
from policybook.confirm.database import connect
from policybook.confirm.ledger import append_confirmation, record_attempt, rows_since, verify_database
from policybook.confirm.migrations import current_version, migrate


@pytest.fixture(autouse=True)
def record_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's record key in the environment, as on the server (``ack pull`` refuses without it)."""
    monkeypatch.setenv("POLICYBOOK_CONFIRM_RECORD_KEY", RECORD_KEY.hex())


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield database_for(request.param, request.getfixturevalue("postgresql"), tmp_path)


@pytest.fixture
def engine(database: str) -> Iterator[Engine]:
    made = connect(_url(database))
    migrate(made)
    yield made
    made.dispose()


def _url(database: str) -> str:
    return "postgresql+psycopg://" + database.removeprefix("postgresql://") if database.startswith("postgresql://") \
        else database


def _confirm(engine: Engine, staff: str, policy: str = "IPC-002", version: str = "2.0",
             fingerprint: str = "sha256:" + "a" * 64) -> Confirmation:
    return append_confirmation(engine, RECORD_KEY, staff=staff, policy=policy, version=version,
                               fingerprint=fingerprint, method="code", client="192.0.2.1", user_agent="test").row


def _version(example: Path, policy_id: str) -> str:
    """The version of the example's policy in force (what the service would have staff confirm)."""
    from policybook.corpus import load_corpus

    return str(load_corpus(example, dt.date.fromisoformat(TODAY)).by_id()[policy_id].version_text)


def _fingerprint(example: Path, policy_id: str) -> str:
    """The fingerprint of the example's policy as approved (what the service stores for it)."""
    from policybook.confirm.reading import fingerprint_of
    from policybook.corpus import load_corpus

    return fingerprint_of(load_corpus(example, dt.date.fromisoformat(TODAY)).by_id()[policy_id])


@pytest.mark.parametrize("statement", ["UPDATE confirmations SET version = '9.9'",
                                       "DELETE FROM confirmations",
                                       "UPDATE attempts SET wrong = ''",
                                       "DELETE FROM attempts"])
def test_the_database_refuses_to_change_or_remove_evidence(engine: Engine, statement: str) -> None:
    _confirm(engine, "jc")
    record_attempt(engine, staff="jc", policy="IPC-002", version="2.0", wrong=[1], client="192.0.2.1")
    with pytest.raises(sa.exc.DBAPIError, match="never"), engine.begin() as connection:
        connection.execute(sa.text(statement))
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT version FROM confirmations")).scalar() == "2.0"
        assert connection.execute(sa.text("SELECT count(*) FROM attempts")).scalar() == 1


def test_postgresql_refuses_truncate_too(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    made = connect(_url(database_for("postgresql", request.getfixturevalue("postgresql"), tmp_path)))
    migrate(made)
    _confirm(made, "jc")
    with pytest.raises(sa.exc.DBAPIError, match="never"), made.begin() as connection:
        connection.execute(sa.text("TRUNCATE confirmations CASCADE"))
    made.dispose()


def test_sqlite_runs_in_wal_mode_with_full_synchronous(tmp_path: Path) -> None:
    made = connect(database_for("sqlite", "unused", tmp_path))
    migrate(made)
    with made.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    made.dispose()


def test_many_writers_make_one_unbroken_chain_and_store_each_version_once(engine: Engine) -> None:
    staff = [f"s{n:02d}" for n in range(40)]
    errors: list[BaseException] = []

    def write(person: str) -> None:
        try:
            for policy in ("IPC-001", "IPC-002", "IPC-003"):
                first = _confirm(engine, person, policy)
                again = _confirm(engine, person, policy)  # a retried request
                assert first == again
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(person,)) for person in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = rows_since(engine)
    assert len(rows) == 120 and len({(r.staff, r.policy) for r in rows}) == 120
    assert verify_database(engine) == (120, [])


def test_a_row_changed_behind_the_triggers_breaks_the_chain(engine: Engine) -> None:
    for person in ("jc", "ho", "te"):
        _confirm(engine, person)
    with engine.begin() as connection:  # what only the database's owner could do
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE confirmations DISABLE TRIGGER confirmations_append_only"))
        else:
            connection.execute(sa.text("DROP TRIGGER confirmations_never_updated"))
        connection.execute(sa.text("UPDATE confirmations SET confirmed_at = '2026-01-01T00:00:00Z' WHERE seq = 2"))
    count, problems = verify_database(engine)
    assert count == 3 and problems == ["row 2: its fields do not give its hash: the row was changed"]


def test_the_chain_finds_gaps_forks_and_changes() -> None:
    rows: list[Confirmation] = []
    previous = ""
    for seq, staff in enumerate(("jc", "ho", "te"), start=1):
        fields = {"seq": seq, "staff": staff, "policy": "IPC-002", "version": "2.0", "fingerprint": "sha256:x",
                  "confirmed_at": "2026-11-26T09:00:00Z", "method": "code", "client": "192.0.2.1", "user_agent": "t"}
        row = Confirmation(**fields, previous_hash=previous, hash=row_hash(previous, fields))
        rows.append(row)
        previous = row.hash
    assert chain_problems(rows) == []
    assert chain_problems([rows[0], rows[2]]) == [
        "row 3: expected row 2 here: rows were removed or inserted",
        "row 3: does not follow the row before it (its previous hash differs)"]
    changed = Confirmation(**{**rows[1].as_dict(), "version": "2.1"})
    assert chain_problems([rows[0], changed, rows[2]]) == ["row 2: its fields do not give its hash: the row was "
                                                           "changed"]


def test_migrations_run_once_even_when_two_instances_start_together(database: str) -> None:
    engines = [connect(_url(database)) for _ in range(2)]
    threads = [threading.Thread(target=migrate, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [current_version(e) for e in engines] == [2, 2]
    assert migrate(engines[0]) == 2
    with engines[0].connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM schema_version")).scalar() == 2
        assert not sa.inspect(connection).has_table("service_secret")
    for made in engines:
        made.dispose()


# -- ack pull -------------------------------------------------------------------------------------------
def _configure(example: Path, database: str) -> None:
    set_confirmations(example, f"confirmations:\n  base_url: https://confirm.harbourside-dexa.example\n"
                               f"  database: {database}\n  sign_in: [proxy]\n"
                               "  proxy:\n    header: X-Forwarded-Email\n    trusted: [127.0.0.2]\n")


def test_ack_pull_appends_each_confirmation_once_with_its_evidence(example: Path, database: str, engine: Engine,
                                                                   run) -> None:
    _configure(example, database)
    _confirm(engine, "jc", "IPC-002", "1.3", _fingerprint(example, "IPC-002"))
    _confirm(engine, "te", "IPC-002", "1.3", _fingerprint(example, "IPC-002"))
    before = (example / "records/acknowledgements.csv").read_text(encoding="utf-8")
    first = run("-C", str(example), "ack", "pull", "--today", TODAY)
    assert first.code == 0, first.err
    assert "pulled 2 confirmations (to row 2)" in first.out
    after = (example / "records/acknowledgements.csv").read_text(encoding="utf-8")
    assert after.startswith(before)
    added = after[len(before):].splitlines()
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert [line.rsplit(",", 1)[0] for line in added] == [f"jc,IPC-002,1.3,{today}", f"te,IPC-002,1.3,{today}"]
    evidence = [json.loads(line) for line in (example / "records/confirmations.jsonl").read_text().splitlines()]
    assert [(e["seq"], e["staff"], e["fingerprint"]) for e in evidence] == [
        (1, "jc", _fingerprint(example, "IPC-002")), (2, "te", _fingerprint(example, "IPC-002"))]
    assert run("-C", str(example), "ack", "pull", "--today", TODAY).out.startswith("pulled 0 confirmations")
    assert (example / "records/acknowledgements.csv").read_text(encoding="utf-8") == after
    assert run("-C", str(example), "ack", "verify").code == 0
    verified = run("-C", str(example), "confirmations", "verify")
    assert verified.code == 0 and "database: 2 confirmations; records/confirmations.jsonl: 2" in verified.out


def test_ack_pull_skips_a_reading_already_recorded_with_ack(example: Path, database: str, engine: Engine,
                                                            run) -> None:
    _configure(example, database)
    assert run("-C", str(example), "ack", "ot", "IPC-001", "--today", TODAY).code == 0
    _confirm(engine, "ot", "IPC-001", _version(example, "IPC-001"), _fingerprint(example, "IPC-001"))
    lines = len((example / "records/acknowledgements.csv").read_text().splitlines())
    result = run("-C", str(example), "ack", "pull", "--today", TODAY)
    assert "pulled 1 confirmation (to row 1): 0 new lines" in result.out
    assert len((example / "records/acknowledgements.csv").read_text().splitlines()) == lines


def test_an_edited_evidence_file_or_a_replaced_database_is_found(example: Path, database: str, engine: Engine,
                                                                 run, tmp_path: Path) -> None:
    _configure(example, database)
    for person in ("jc", "ho"):
        _confirm(engine, person, "IPC-002", "1.3", _fingerprint(example, "IPC-002"))
    assert run("-C", str(example), "ack", "pull").code == 0
    evidence = example / "records/confirmations.jsonl"
    original = evidence.read_text(encoding="utf-8")
    evidence.write_text(original.replace('"client":"192.0.2.1"', '"client":"192.0.2.9"', 1), encoding="utf-8")
    edited = run("-C", str(example), "confirmations", "verify")
    assert edited.code == 1 and "row 1: its fields do not give its hash" in edited.err
    evidence.write_text(original, encoding="utf-8")
    # A new, empty database in place of the old one: its chain does not continue the evidence.
    with open(example / "policybook.yml", encoding="utf-8") as stream:
        text = stream.read()
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    (example / "policybook.yml").write_text(text.replace(f"database: {database}", f"database: {fresh}"),
                                            encoding="utf-8")
    replacement = connect(fresh)
    migrate(replacement)
    _confirm(replacement, "te")
    replacement.dispose()
    refused = run("-C", str(example), "ack", "pull")
    assert refused.code == 2 and "does not hold row 2 as records/confirmations.jsonl has it" in refused.err
    assert run("-C", str(example), "confirmations", "verify").code == 1
