"""Evidence that writing the database cannot forge, on SQLite and PostgreSQL: a row appended with SQL,
with a valid chain hash, is refused by ``confirmations verify``, ``ack pull`` and the service's export,
by number, when it names someone not on staff, a policy that does not exist, a version not in force at
its time or a fingerprint that is not the approved version's, or when its MAC is missing or wrong.
Also: ``verify --offline`` opens no database, verify never creates one, and old databases migrate
(rows made before MACs are flagged until ``seal-old-rows`` seals them)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from confirmtools import BACKENDS, KEYS, RECORD_KEY, SECRET, database_for, make_library, policybook
from conftest import TODAY, set_confirmations
from sqlalchemy.engine import Engine

from policybook.config import load_config
from policybook.confirm import migrations
from policybook.confirm.chain import FIELDS, Confirmation, row_hash
from policybook.confirm.database import connect, database_url
from policybook.confirm.keys import Keys
from policybook.confirm.ledger import append_confirmation, rows_since
from policybook.confirm.macs import row_mac
from policybook.confirm.reading import fingerprint_of
from policybook.confirm.service import Refusal, Service
from policybook.corpus import load_corpus

NO_KEYS = {name: "" for name in KEYS}  # the command run where the service's keys are not


@dataclass
class Library:
    root: Path
    engine: Engine
    fingerprint: str  # IPC-002 2.0 as approved


PLACEHOLDER = "sqlite:///placeholder.sqlite3"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example under git, IPC-002 2.0 approved on 2026-11-20: made once, copied for each test."""
    return make_library(tmp_path_factory.mktemp("template") / "org", "https://confirm.harbourside-dexa.example",
                        PLACEHOLDER, 1, hostile=False)


@pytest.fixture(params=BACKENDS)
def library(request: pytest.FixtureRequest, tmp_path: Path, template: Path) -> Iterator[Library]:
    """A copy of the template with a database of its own, and one true confirmation in it, made by the
    service's own code with the record key."""
    database = database_for(request.param, request.getfixturevalue("postgresql"), tmp_path)
    root = tmp_path / "org"
    shutil.copytree(template, root, symlinks=True)
    settings = root / "policybook.yml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(PLACEHOLDER, database), encoding="utf-8")
    engine = connect(database_url(load_config(root).confirmations, root))
    migrations.migrate(engine)
    policy = load_corpus(root, dt.date.fromisoformat(TODAY)).by_id()["IPC-002"]
    fingerprint = fingerprint_of(policy)
    append_confirmation(engine, RECORD_KEY, staff="te", policy="IPC-002", version="2.0", fingerprint=fingerprint,
                        method="code", client="192.0.2.1", user_agent="test")
    yield Library(root, engine, fingerprint)
    engine.dispose()


def _forge(engine: Engine, *, mac: str | None = None, **changes: str) -> Confirmation:
    """Append a row with SQL alone, as a database writer can: the next number, a valid chain hash, and
    (given) a MAC of the writer's making."""
    last = rows_since(engine)[-1]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = {"seq": last.seq + 1, "staff": "ho", "policy": "IPC-002", "version": "2.0",
              "fingerprint": last.fingerprint, "confirmed_at": now, "method": "code", "client": "192.0.2.7",
              "user_agent": "Mozilla/5.0", **changes}
    row = Confirmation(**fields, previous_hash=last.hash, hash=row_hash(last.hash, fields))  # type: ignore[arg-type]
    with engine.begin() as connection:
        columns = [*FIELDS, "previous_hash", "hash"]
        connection.execute(sa.text(f"INSERT INTO confirmations ({', '.join(columns)}) "
                                   f"VALUES ({', '.join(':' + c for c in columns)})"),
                           {c: getattr(row, c) for c in columns})
        if mac is not None:
            connection.execute(sa.text("INSERT INTO confirmation_macs (seq, mac) VALUES (:s, :m)"),
                               {"s": row.seq, "m": mac})
    return row


def _evidence(root: Path) -> str:
    path = root / "records/confirmations.jsonl"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _wrong_key_mac(row: Confirmation) -> str:
    return row_mac(b"not the service's record key, but 32+ bytes long", row)


FORGERIES = {
    "someone not on staff": ({"staff": "zz"}, "row 2: 'zz' is not in the staff register"),
    "a policy that does not exist": ({"policy": "ZZZ-999"}, "row 2: no policy has the id 'ZZZ-999'"),
    "dated before the version existed": ({"confirmed_at": "2026-01-05T10:00:00Z"},
                                         "row 2: IPC-002 version 2.0 was not in force on 2026-01-05 (version 1.3 "
                                         "was)"),
    "a version no longer in force": ({"version": "1.3"},
                                     "row 2: IPC-002 version 1.3 was not in force on"),
    "a fingerprint of nothing": ({"fingerprint": "sha256:" + "0" * 64},
                                 "row 2: its fingerprint is not that of IPC-002 version 2.0 as approved"),
}


@pytest.mark.parametrize("kind", list(FORGERIES))
def test_a_row_written_with_sql_that_could_not_be_true_is_refused_by_verify_and_pull(library: Library,
                                                                                     kind: str) -> None:
    assert policybook(library.root, "confirmations", "verify").returncode == 0
    changes, message = FORGERIES[kind]
    _forge(library.engine, **changes)
    records = (library.root / "records/acknowledgements.csv").read_text(encoding="utf-8")
    for env in (KEYS, NO_KEYS):  # these checks need no key: they hold wherever the library is
        verified = policybook(library.root, "confirmations", "verify", env=env)
        assert verified.returncode == 1 and f"database: {message}" in verified.stderr, verified.stderr
        keyless = ("--without-macs",) if env is NO_KEYS else ()
        pulled = policybook(library.root, "ack", "pull", *keyless, env=env)
        assert pulled.returncode == 2 and message in pulled.stderr, pulled.stderr
        assert "nothing was pulled from row 1 on" in pulled.stderr
        assert _evidence(library.root) == ""
        assert (library.root / "records/acknowledgements.csv").read_text(encoding="utf-8") == records


@pytest.mark.parametrize("mac", ["none", "made with another key"])
def test_a_plausible_row_written_with_sql_is_refused_for_its_mac(library: Library, mac: str) -> None:
    """A row that could be true (on staff, the version in force, its fingerprint) but that the service did
    not make: only the MAC tells, so verify, pull and the export refuse it where the record key is."""
    forged = _forge(library.engine, fingerprint=library.fingerprint)
    if mac != "none":
        with library.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO confirmation_macs (seq, mac) VALUES (:s, :m)"),
                               {"s": forged.seq, "m": _wrong_key_mac(forged)})
    message = "row 2: has no MAC" if mac == "none" else "row 2: its MAC is wrong"
    verified = policybook(library.root, "confirmations", "verify")
    assert verified.returncode == 1 and f"database: {message}" in verified.stderr, verified.stderr
    pulled = policybook(library.root, "ack", "pull")
    assert pulled.returncode == 2 and message in pulled.stderr
    assert _evidence(library.root) == ""
    service = Service(library.root, load_config(library.root).confirmations,  # type: ignore[arg-type]
                      library.engine, Keys(SECRET, RECORD_KEY))
    with pytest.raises(Refusal, match=message) as refused:
        service.export(0, 100)
    assert refused.value.status == 409
    assert [row.seq for row in service.export(0, 1)] == [1]  # the rows before it are still exported
    # Without the key, verify says that it could not check MACs, rather than passing in silence: on stderr
    # and in its verdict; with --require-macs it fails instead. ack pull refuses unless told --without-macs.
    keyless = policybook(library.root, "confirmations", "verify", env=NO_KEYS)
    assert keyless.returncode == 0 and "MACs not checked: POLICYBOOK_CONFIRM_RECORD_KEY" in keyless.stderr
    assert "MACs NOT checked (no record key here)" in keyless.stdout
    required = policybook(library.root, "confirmations", "verify", "--require-macs", env=NO_KEYS)
    assert required.returncode == 2 and len(required.stderr.strip().splitlines()) == 1
    assert "--require-macs" in required.stderr and "nothing was checked" in required.stderr
    refused = policybook(library.root, "ack", "pull", env=NO_KEYS)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "--without-macs" in refused.stderr and "nothing was pulled" in refused.stderr
    unchecked = policybook(library.root, "ack", "pull", "--without-macs", env=NO_KEYS)
    assert unchecked.returncode == 0 and "MACs not checked" in unchecked.stderr
    assert '"staff":"ho"' in _evidence(library.root)  # the forged row, let through as the operator chose
    assert policybook(library.root, "confirmations", "verify", "--require-macs").returncode == 1


def test_pulled_rows_carry_their_mac_and_verify_checks_it_offline(library: Library) -> None:
    pulled = policybook(library.root, "ack", "pull")
    assert pulled.returncode == 0, pulled.stderr
    evidence = library.root / "records/confirmations.jsonl"
    line = json.loads(evidence.read_text(encoding="utf-8"))
    assert line["mac"] == row_mac(RECORD_KEY, Confirmation.from_mapping(line))
    database = _sqlite_file(library.root)
    offline = policybook(library.root, "confirmations", "verify", "--offline")
    assert offline.returncode == 0, offline.stderr
    assert "records/confirmations.jsonl: 1 confirmations; its hash chains and MACs hold" in offline.stdout
    other_key = {**KEYS, "POLICYBOOK_CONFIRM_RECORD_KEY": "ab" * 32}
    wrong = policybook(library.root, "confirmations", "verify", "--offline", env=other_key)
    assert wrong.returncode == 1 and "records/confirmations.jsonl: row 1: its MAC is wrong" in wrong.stderr
    keyless = policybook(library.root, "confirmations", "verify", "--offline", env=NO_KEYS)
    assert keyless.returncode == 0 and "MACs not checked" in keyless.stderr
    if database is not None:
        assert database.is_file()


def _sqlite_file(root: Path) -> Path | None:
    url = database_url(load_config(root).confirmations, root)
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


# -- verify without a database ----------------------------------------------------------------------------
def _configure(example: Path, database: str) -> None:
    set_confirmations(example, f"confirmations:\n  base_url: https://confirm.harbourside-dexa.example\n"
                               f"  database: {database}\n  sign_in: [proxy]\n"
                               "  proxy:\n    header: X-Forwarded-Email\n    trusted: [127.0.0.2]\n")


def _evidence_line(seq: int, previous: str, **changes: str) -> tuple[str, str]:
    fields = {"seq": seq, "staff": "jc", "policy": "IPC-002", "version": "1.3", "confirmed_at": "2026-11-26T09:00:00Z",
              "fingerprint": "sha256:50695ffdf3b955bd8b342cae6ceb114a310a3392f81895bf3a96783db74fcd52",
              "method": "code", "client": "192.0.2.1", "user_agent": "t", **changes}
    row = Confirmation(**fields, previous_hash=previous, hash=row_hash(previous, fields))  # type: ignore[arg-type]
    row = Confirmation(**{**row.as_dict(), "mac": row_mac(RECORD_KEY, row)})
    return json.dumps(row.as_dict(), sort_keys=True) + "\n", row.hash


def test_verify_offline_checks_the_evidence_file_and_never_opens_or_creates_a_database(example: Path,
                                                                                       tmp_path: Path) -> None:
    database = tmp_path / "nowhere" / "confirmations.sqlite3"
    _configure(example, f"sqlite:///{database}")
    first, previous = _evidence_line(1, "")
    (example / "records/confirmations.jsonl").write_text(first, encoding="utf-8")
    offline = policybook(example, "confirmations", "verify", "--offline")
    assert offline.returncode == 0, offline.stderr
    assert "(no database opened)" in offline.stdout
    online = policybook(example, "confirmations", "verify")
    assert online.returncode == 2
    assert online.stderr.strip() == (f"policybook: there is no confirmations database at {database}: check the "
                                     "evidence file alone with --offline")
    assert not database.exists() and not database.parent.exists()
    # A line added to the file by hand, chained properly, for a person who is not on staff.
    second, _ = _evidence_line(2, previous, staff="zz")
    with open(example / "records/confirmations.jsonl", "a", encoding="utf-8") as stream:
        stream.write(second)
    refused = policybook(example, "confirmations", "verify", "--offline")
    assert refused.returncode == 1
    assert "records/confirmations.jsonl: row 2: 'zz' is not in the staff register" in refused.stderr
    assert not database.parent.exists()


# -- databases made before MACs ---------------------------------------------------------------------------
def test_an_old_database_migrates_and_its_rows_are_flagged_until_sealed(library: Library) -> None:
    """Rows made before MACs existed have none: verify flags them until the operator, with the record key,
    runs seal-old-rows, which seals only those (never a row without a MAC after the first with one)."""
    old = _old_database(library)
    flagged = policybook(library.root, "confirmations", "verify", env={"POLICYBOOK_CONFIRM_DATABASE": old})
    assert flagged.returncode == 1
    assert "database: row 1: has no MAC" in flagged.stderr and "database: row 2: has no MAC" in flagged.stderr
    sealed = policybook(library.root, "confirmations", "seal-old-rows", env={"POLICYBOOK_CONFIRM_DATABASE": old})
    assert sealed.returncode == 0 and "sealed 2 rows made before MACs (rows 1 to 2)" in sealed.stdout
    assert policybook(library.root, "confirmations", "verify",
                      env={"POLICYBOOK_CONFIRM_DATABASE": old}).returncode == 0
    # After sealing, a row written without a MAC is never sealed, and stays flagged.
    engine = connect(_engine_url(old))
    _forge(engine, staff="jc", fingerprint=library.fingerprint)
    engine.dispose()
    again = policybook(library.root, "confirmations", "seal-old-rows", env={"POLICYBOOK_CONFIRM_DATABASE": old})
    assert "sealed 0 rows" in again.stdout
    still = policybook(library.root, "confirmations", "verify", env={"POLICYBOOK_CONFIRM_DATABASE": old})
    assert still.returncode == 1 and "database: row 3: has no MAC" in still.stderr


def _engine_url(url: str) -> str:
    return "postgresql+psycopg://" + url.removeprefix("postgresql://") if url.startswith("postgresql://") else url


def _old_database(library: Library) -> str:
    """A database as schema 1 left it (the service's secret in a table of its own, no MACs), with two
    true confirmations, then migrated by the current code."""
    url = str(library.engine.url.render_as_string(hide_password=False))
    if url.startswith("sqlite"):
        target = f"sqlite:///{Path(url.removeprefix('sqlite:///')).with_name('old.sqlite3')}"
    else:
        target = url.rsplit("/", 1)[0] + "/old_" + url.rsplit("/", 1)[1]
        with library.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text(f"CREATE DATABASE old_{url.rsplit('/', 1)[1]}"))
    engine = connect(target)
    migrations.migrate(engine, upto=1)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE service_secret (id INTEGER PRIMARY KEY, value VARCHAR(64) NOT NULL)"))
        connection.execute(sa.text("INSERT INTO service_secret VALUES (1, :v)"), {"v": "ab" * 32})
        previous = ""
        for seq, staff in ((1, "te"), (2, "ho")):
            fields = {"seq": seq, "staff": staff, "policy": "IPC-002", "version": "2.0",
                      "fingerprint": library.fingerprint, "confirmed_at": "2026-11-30T09:00:00Z", "method": "code",
                      "client": "192.0.2.1", "user_agent": "t"}
            fields["previous_hash"], fields["hash"] = previous, row_hash(previous, fields)
            connection.execute(sa.text("INSERT INTO confirmations VALUES (:seq, :staff, :policy, :version, "
                                       ":fingerprint, :confirmed_at, :method, :client, :user_agent, "
                                       ":previous_hash, :hash)"), fields)
            previous = str(fields["hash"])
    assert migrations.migrate(engine) == 2
    with engine.connect() as connection:
        assert not sa.inspect(connection).has_table("service_secret")
    engine.dispose()
    return target.replace("postgresql+psycopg://", "postgresql://")

