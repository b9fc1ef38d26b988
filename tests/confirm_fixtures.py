"""The fixtures of the confirmations service tests, loaded for every test module by conftest.py
(``pytest_plugins``), so that no test module imports a fixture by name. A module that needs a service of
another kind (a hostile library, one backend, other roles) defines its own ``service``, which replaces
this one there."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from confirmtools import BACKENDS, MailSink, PostgreSQL, Service, free_port, running_service


@pytest.fixture(scope="module")
def mail() -> Iterator[MailSink]:
    """An SMTP sink on 127.0.0.1, one for each test module."""
    from aiosmtpd.controller import Controller

    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def postgresql() -> Iterator[PostgreSQL | str]:
    """The cluster, or the reason it cannot run here."""
    cluster = PostgreSQL()
    reason = cluster.why_not()
    if reason is None:
        try:
            cluster.start()
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            reason = f"PostgreSQL could not start here: {exc}"
    if reason is not None and os.environ.get("POLICYBOOK_REQUIRE_POSTGRESQL"):
        raise RuntimeError(reason)
    yield reason if reason is not None else cluster
    if reason is None:
        cluster.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def service(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The service on the example library (without hostile text), one per module and backend (SQLite, then
    PostgreSQL)."""
    with running_service(tmp_path_factory.mktemp(request.param), request.param,
                         request.getfixturevalue("postgresql"), request.getfixturevalue("mail"),
                         hostile=False) as running:
        yield running
