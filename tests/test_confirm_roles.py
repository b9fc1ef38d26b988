"""PostgreSQL set up as docs/guide/confirmations.md says, on the throwaway cluster: an owner role runs the
migrations, the grants in the guide (run as they are written there) leave the service's role INSERT and
SELECT only, and the service still signs people in, confirms, exports and pulls, while its role can
neither change nor remove a confirmation, nor drop or disable the triggers that guard them."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import psycopg
import pytest
from confirmtools import (
    API_TOKEN,
    PostgreSQL,
    Service,
    client,
    free_port,
    make_library,
    policybook,
    sign_in,
)
from conftest import REPO

GUIDE = REPO / "docs/guide/confirmations.md"
ROLE_SQL = """CREATE ROLE policybook_owner LOGIN;
CREATE ROLE policybook_service LOGIN;
CREATE DATABASE confirmations OWNER policybook_owner;"""


def documented_grants() -> str:
    """The SQL block between the grants markers of the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.search(r"<!-- grants:start -->\n```sql\n(.*?)```\n<!-- grants:end -->", text, re.DOTALL)
    assert found, "the guide has no grants block"
    return found.group(1)


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest) -> PostgreSQL:
    postgresql = request.getfixturevalue("postgresql")
    if isinstance(postgresql, str):
        pytest.skip(postgresql)
    return postgresql


def _address(cluster: PostgreSQL, user: str) -> str:
    return f"postgresql://{user}@127.0.0.1:{cluster.port}/confirmations"


@pytest.fixture(scope="module")
def service(cluster: PostgreSQL, mail: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres",
                         autocommit=True) as connection:
        for statement in ROLE_SQL.split(";")[:-1]:
            connection.execute(statement)
    port = free_port()
    root = make_library(tmp_path_factory.mktemp("roles") / "org", f"http://127.0.0.1:{port}",
                        _address(cluster, "policybook_service"), mail.port, hostile=False)  # type: ignore[attr-defined]
    owner = {"POLICYBOOK_CONFIRM_DATABASE": _address(cluster, "policybook_owner")}
    # The service's role cannot create the tables: it says so in one line.
    refused = policybook(root, "confirmations", "serve", "--port", str(free_port()))
    assert refused.returncode == 2 and refused.stderr.startswith("policybook: cannot open the confirmations database:")
    migrated = policybook(root, "confirmations", "migrate", env=owner)
    assert migrated.returncode == 0 and "schema 2" in migrated.stdout, migrated.stderr
    grants = subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", _address(cluster, "policybook_owner")],
                            input=documented_grants(), capture_output=True, text=True, timeout=60, check=False)
    assert grants.returncode == 0, grants.stderr
    running = Service(root, f"http://127.0.0.1:{port}", port, _address(cluster, "policybook_service"),
                      mail)  # type: ignore[arg-type]
    running.start({"POLICYBOOK_CONFIRM_API_TOKEN": API_TOKEN})
    try:
        yield running
    finally:
        running.stop()


def test_the_service_works_with_insert_and_select_only(service: Service) -> None:
    with client(service) as http:
        token = sign_in(http, service, "pl")
        body = {"policy": "IPC-002", "version": "2.0", "answers": {"1": 1}}
        assert http.post("/api/v1/confirmations", json=body, headers={"X-CSRF-Token": token}).status_code == 201
        assert http.post("/api/v1/sign-out", json={}, headers={"X-CSRF-Token": token}).status_code == 204
        exported = http.get("/api/v1/confirmations", headers={"Authorization": f"Bearer {API_TOKEN}"})
        assert exported.status_code == 200 and [r["staff"] for r in exported.json()["confirmations"]] == ["pl"]
    pulled = policybook(service.root, "ack", "pull")
    assert pulled.returncode == 0 and "pulled 1 confirmation" in pulled.stdout, pulled.stderr
    assert policybook(service.root, "confirmations", "verify").returncode == 0


@pytest.mark.parametrize("statement", [
    "UPDATE confirmations SET version = '9.9'",
    "DELETE FROM confirmations",
    "DELETE FROM confirmation_macs",
    "TRUNCATE confirmations CASCADE",
    "UPDATE attempts SET wrong = ''",
    "DROP TRIGGER confirmations_append_only ON confirmations",
    "ALTER TABLE confirmations DISABLE TRIGGER USER",
    "DELETE FROM sessions",
    "INSERT INTO schema_version VALUES (3, '2026-12-06T00:00:00Z')",
    "CREATE TABLE elsewhere (id integer)",
])
def test_the_services_role_cannot_change_or_remove_evidence(service: Service, cluster: PostgreSQL,
                                                            statement: str) -> None:
    with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user=policybook_service dbname=confirmations") \
            as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute(statement)


def test_the_guide_names_every_table_the_service_has(cluster: PostgreSQL, service: Service) -> None:
    from policybook.confirm.database import metadata

    granted = documented_grants()
    assert all(table in granted for table in metadata.tables)
    assert "UPDATE" not in granted and "DELETE" not in granted

