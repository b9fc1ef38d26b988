"""A copy of the database is not a login, on SQLite and PostgreSQL, against the real server: the keys
that hash sign-in codes and session tokens come from the service's environment, so nothing the copy holds
tests a guessed code, becomes a cookie, or makes a session; a service started on the copy with other keys
signs no one in. Sessions are bound to the way they signed in, and end when that way is switched off.
The service refuses to start without its keys, in one line."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from confirmtools import (
    API_TOKEN,
    PROXY,
    STAFF_ADDRESSES,
    PostgreSQL,
    Service,
    ask_code,
    client,
    csrf,
    free_port,
    policybook,
    sign_in,
    verify_code,
)

ATTACKER_KEYS = {"POLICYBOOK_CONFIRM_SECRET": "0f" * 32, "POLICYBOOK_CONFIRM_RECORD_KEY": "e1" * 32}


def _me(service: Service, cookie: str) -> int:
    with client(service) as http:
        http.cookies.set("pb_session", cookie)
        return http.get("/api/v1/me").status_code


def _copy(service: Service, tmp_path: Path, postgresql: PostgreSQL | str) -> str:
    """A backup of the database, as a copy of its file (SQLite) or a pg_dump loaded elsewhere."""
    if service.database.startswith("sqlite:///"):
        target = tmp_path / "stolen.sqlite3"
        with sqlite3.connect(service.database.removeprefix("sqlite:///")) as source, \
                sqlite3.connect(target) as copy:
            source.backup(copy)
        return f"sqlite:///{target}"
    assert isinstance(postgresql, PostgreSQL)
    dump = subprocess.run(["pg_dump", "--no-owner", service.database], capture_output=True, text=True, check=True,
                          timeout=120).stdout
    copy = postgresql.new_database()
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", copy], input=dump, capture_output=True, text=True,
                   check=True, timeout=120)
    return copy


def _everything(database: str) -> tuple[list[str], dict[str, list[dict[str, object]]]]:
    """(table names, every row of every table) of a database."""
    from policybook.confirm.database import connect

    url = database.replace("postgresql://", "postgresql+psycopg://")
    engine = connect(url)
    try:
        with engine.connect() as connection:
            names = sa.inspect(connection).get_table_names()
            rows = {name: [dict(r) for r in connection.execute(sa.text(f'SELECT * FROM "{name}"')).mappings()]
                    for name in names}
    finally:
        engine.dispose()
    return names, rows


def _keys_in(rows: dict[str, list[dict[str, object]]]) -> list[bytes]:
    """Every value the copy holds, as a key might be made from it (its text, and hex decoded), and none."""
    found = {b""}
    for table in rows.values():
        for row in table:
            for value in row.values():
                text = str(value)
                found.add(text.encode("utf-8"))
                with contextlib.suppress(ValueError):
                    found.add(bytes.fromhex(text))
    return sorted(found)


def test_a_copy_of_the_database_signs_nobody_in(service: Service, tmp_path: Path,
                                                request: pytest.FixtureRequest) -> None:
    with client(service) as http:  # a live session ...
        sign_in(http, service, "jc")
        session = http.cookies["pb_session"]
    address = STAFF_ADDRESSES["te"]
    with client(service) as http:  # ... and a live code, not yet used
        token = csrf(http)
        sent = len(service.mail.to(address))
        assert ask_code(http, token, address).status_code == 202
        code = service.mail.wait_for_code(address, sent)
    stolen = _copy(service, tmp_path, request.getfixturevalue("postgresql"))
    names, rows = _everything(stolen)
    assert "service_secret" not in names
    live = rows["codes"][-1]
    salt, stored = str(live["salt"]), str(live["code_hash"])

    # Brute force needs a way to test a guess. Not one value the copy holds, used as the key, gives the
    # stored hash even for the right code (however the code and salt are put together).
    for key in _keys_in(rows):
        for message in (f"{salt}:{code}", f"code:{salt}:{code}"):
            assert not hmac.compare_digest(hmac.new(key, message.encode(), hashlib.sha256).hexdigest(), stored)
    # Nor does any stored session hash work as a cookie, or a session row the writer adds themselves.
    for row in rows["sessions"]:
        assert _me(service, str(row["token_hash"])) == 401
    made_up = "a-session-the-database-writer-made-up-1234567"
    with sa.create_engine(service.database.replace("postgresql://", "postgresql+psycopg://")).begin() as connection:
        for token_hash in (hashlib.sha256(made_up.encode()).hexdigest(),
                           hmac.new(b"", f"session:{made_up}".encode(), hashlib.sha256).hexdigest()):
            connection.execute(sa.text("INSERT INTO sessions (token_hash, staff, method, created_at, expires_at, seal) "
                                       "VALUES (:h, 'pl', 'code', '2026-01-01T00:00:00Z', '2999-01-01T00:00:00Z', :h)"),
                               {"h": token_hash})
    assert _me(service, made_up) == 401

    # The copy served with the thief's own keys: the session and the code both fail there.
    port = free_port()
    copy = Service(service.root, f"http://127.0.0.1:{port}", port, stolen, service.mail)
    copy.start({**ATTACKER_KEYS, "POLICYBOOK_CONFIRM_DATABASE": stolen})
    try:
        assert _me(copy, session) == 401
        with client(copy) as http:
            assert verify_code(http, csrf(http), address, code).status_code == 400
    finally:
        copy.stop()
    # The code was live all along: the real service, with its keys, takes it once.
    with client(service) as http:
        assert verify_code(http, csrf(http), address, code).status_code == 200
    assert _me(service, session) == 200


def test_a_session_ends_when_its_sign_in_method_is_switched_off(service: Service) -> None:
    with client(service) as http:
        sign_in(http, service, "mf")
        session = http.cookies["pb_session"]
    assert _me(service, session) == 200
    settings = service.root / "policybook.yml"
    original = settings.read_text(encoding="utf-8")
    assert "  sign_in: [code, proxy]\n" in original
    try:
        for offered, status in (("[proxy]", 401), ("[code, proxy]", 401)):  # switched off, then on again
            service.stop()
            settings.write_text(original.replace("  sign_in: [code, proxy]\n", f"  sign_in: {offered}\n"),
                                encoding="utf-8")
            service.start({"POLICYBOOK_CONFIRM_API_TOKEN": API_TOKEN})
            assert _me(service, session) == status, offered
            with client(service, PROXY, **{"X-Forwarded-Email": STAFF_ADDRESSES["mf"]}) as proxied:
                me = proxied.get("/api/v1/me")
                assert me.status_code == 200 and me.json()["method"] == "proxy"
    finally:
        service.stop()
        settings.write_text(original, encoding="utf-8")
        service.start({"POLICYBOOK_CONFIRM_API_TOKEN": API_TOKEN})
    with client(service) as http:  # a new sign-in by code works again
        sign_in(http, service, "mf")
        assert http.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(("env", "message"), [
    ({"POLICYBOOK_CONFIRM_SECRET": "", "POLICYBOOK_CONFIRM_RECORD_KEY": ""},
     "policybook: the confirmations service needs POLICYBOOK_CONFIRM_SECRET and POLICYBOOK_CONFIRM_RECORD_KEY (or "
     "POLICYBOOK_CONFIRM_SECRET_FILE): at least 32 random bytes as hex or base64 (openssl rand -hex 32); see "
     "docs/guide/confirmations.md"),
    ({"POLICYBOOK_CONFIRM_SECRET": "ab" * 16},
     "policybook: POLICYBOOK_CONFIRM_SECRET: 16 bytes is too short (at least 32 random bytes as hex or base64 "
     "(openssl rand -hex 32))"),
    ({"POLICYBOOK_CONFIRM_RECORD_KEY": "", "POLICYBOOK_CONFIRM_RECORD_KEY_FILE": "/nonexistent/key"},
     "policybook: POLICYBOOK_CONFIRM_RECORD_KEY_FILE: cannot read /nonexistent/key: No such file or directory"),
])
def test_the_service_refuses_to_start_without_its_keys_in_one_line(service: Service, env: dict[str, str],
                                                                    message: str) -> None:
    result = policybook(service.root, "confirmations", "serve", "--port", str(free_port()), env=env)
    assert result.returncode == 2 and result.stderr.strip() == message


def test_keys_can_be_read_from_files_and_throwaway_keys_are_said_so(service: Service, tmp_path: Path) -> None:
    secret, record = tmp_path / "secret", tmp_path / "record"
    secret.write_text("ab" * 32 + "\n", encoding="ascii")
    record.write_text("q80" * 16 + "\n", encoding="ascii")  # base64 of 36 bytes
    no_keys = {"POLICYBOOK_CONFIRM_SECRET": "", "POLICYBOOK_CONFIRM_RECORD_KEY": ""}
    for env, args in (({**no_keys, "POLICYBOOK_CONFIRM_SECRET_FILE": str(secret),
                        "POLICYBOOK_CONFIRM_RECORD_KEY_FILE": str(record)}, ()),
                      (no_keys, ("--throwaway-keys",))):
        port = free_port()
        other = Service(service.root, f"http://127.0.0.1:{port}", port, service.database, service.mail)
        other.start(env, args)
        try:
            with client(other) as http:
                sign_in(http, other, "ho")
                assert http.get("/api/v1/me").status_code == 200
        finally:
            other.stop()
        assert other.log is not None
        said = "throwaway keys for this run only" in other.log.read_text(errors="replace")
        assert said == bool(args)
