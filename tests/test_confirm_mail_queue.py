"""Mail off the request path, against a real SMTP server (aiosmtpd) made slow or taken down: the service
keeps answering other requests at once while the mail server is stuck, every code queued is delivered
once it recovers, and a full queue drops mail with one log line rather than holding anything up."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from confirmtools import BACKENDS, STAFF_ADDRESSES, MailSink, client, csrf, free_port, running_service

from policybook.config import MailSettings
from policybook.confirm.mail import message
from policybook.confirm.outbox import Outbox


class SlowMailSink(MailSink):
    """A mail server that takes every message only once ``released`` is set (as a stuck server would)."""

    def __init__(self) -> None:
        super().__init__()
        self.released = threading.Event()
        self.controller: object = None

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        while not self.released.is_set():
            await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def _controller(sink: MailSink, port: int) -> object:
    from aiosmtpd.controller import Controller

    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    return controller


@pytest.fixture(params=BACKENDS)
def stuck_mail(request: pytest.FixtureRequest) -> Iterator[SlowMailSink]:
    sink = SlowMailSink()
    sink.controller = _controller(sink, free_port())
    yield sink
    sink.released.set()
    if sink.controller is not None:
        sink.controller.stop()  # type: ignore[attr-defined]


def test_a_stuck_or_stopped_mail_server_holds_up_no_request_and_loses_no_code(
        stuck_mail: SlowMailSink, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Stuck: 36 codes wait at a server that does not answer, other requests are answered at once, and
    every code arrives once it answers. Stopped: a code asked for while nothing listens arrives once the
    server is back (sent again, not lost)."""
    backend = request.node.callspec.params["stuck_mail"]
    with running_service(tmp_path, backend, request.getfixturevalue("postgresql"), stuck_mail,
                         hostile=False) as service:
        addresses = list(STAFF_ADDRESSES.values())
        asked = 0
        for group in range(3):  # three clients: the per-client limit is 20 in the window
            with client(service) as http:
                token = csrf(http)
                for address in addresses[group * 3:group * 3 + 3]:
                    for _ in range(4):  # the fifth the address may have is for the stopped server
                        started = time.monotonic()
                        answer = http.post("/api/v1/sign-in/code", json={"address": address},
                                           headers={"X-CSRF-Token": token})
                        assert answer.status_code == 202 and time.monotonic() - started < 1
                        asked += 1
        assert asked == 36
        time.sleep(1)
        timings = []
        with client(service) as http:
            for path in ("/api/v1", "/", "/api/v1/csrf", "/health"):
                started = time.monotonic()
                assert http.get(path, timeout=5).status_code == 200
                timings.append(time.monotonic() - started)
        print(f"\nwith 36 codes stuck at the mail server ({backend}), other requests answered in at most "
              f"{max(timings) * 1000:.0f} ms")
        assert max(timings) < 1, timings
        assert stuck_mail.messages == []
        stuck_mail.released.set()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(not stuck_mail.to(a) for a in addresses):
            time.sleep(0.1)
        assert all(stuck_mail.to(address) for address in addresses)

        stuck_mail.controller.stop()  # type: ignore[attr-defined]
        stuck_mail.controller = None
        address = addresses[0]
        before = len(stuck_mail.to(address))
        with client(service) as http:
            answer = http.post("/api/v1/sign-in/code", json={"address": address},
                               headers={"X-CSRF-Token": csrf(http)})
            assert answer.status_code == 202
        time.sleep(2.5)  # refused while nothing listens
        stuck_mail.controller = _controller(stuck_mail, stuck_mail.port)
        stuck_mail.wait_for_code(address, before, timeout=30)


SETTINGS = MailSettings("127.0.0.1", "policies@harbourside-dexa.example", 0, "none")


def _settings(port: int) -> MailSettings:
    return MailSettings(SETTINGS.host, SETTINGS.sender, port, "none")


def test_mail_queued_while_the_server_is_down_is_delivered_when_it_is_back() -> None:
    port = free_port()
    settings = _settings(port)
    outbox = Outbox(settings)
    try:
        assert outbox.put(message(settings, "te@harbourside-dexa.example", "Code", "12345678"),
                          expires=dt.timedelta(minutes=10))
        time.sleep(2.5)  # two attempts refused by nobody listening
        sink = MailSink()
        controller = _controller(sink, port)
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not sink.messages:
                time.sleep(0.1)
            assert len(sink.to("te@harbourside-dexa.example")) == 1
        finally:
            controller.stop()  # type: ignore[attr-defined]
    finally:
        outbox.close(wait=0)


def test_a_full_queue_drops_new_mail_with_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    settings = _settings(free_port())  # nobody listening: nothing leaves the queue for long
    outbox = Outbox(settings, capacity=3)
    try:
        with caplog.at_level(logging.WARNING, logger="policybook.confirm"):
            taken = [outbox.put(message(settings, f"p{n}@harbourside-dexa.example", "Code", "x"),
                                expires=dt.timedelta(minutes=10)) for n in range(200)]
        assert taken.count(True) <= 4 and taken[-1] is False
        full = [r for r in caplog.records if "mail queue is full" in r.getMessage()]
        assert len(full) == 1
    finally:
        outbox.close(wait=0)


def test_mail_past_its_deadline_is_not_sent() -> None:
    sink = SlowMailSink()
    sink.released.set()
    port = free_port()
    settings = _settings(port)
    outbox = Outbox(settings)
    try:
        outbox.put(message(settings, "ra@harbourside-dexa.example", "Code", "old"), expires=dt.timedelta(seconds=1))
        time.sleep(1.5)  # the server is down for longer than the code lives
        controller = _controller(sink, port)
        try:
            outbox.put(message(settings, "ra@harbourside-dexa.example", "Code", "new"),
                       expires=dt.timedelta(minutes=10))
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not sink.messages:
                time.sleep(0.1)
            time.sleep(0.5)
            assert [m.get_body(("plain",)).get_content().strip() for m in sink.messages] == ["new"]  # type: ignore[union-attr]
        finally:
            controller.stop()  # type: ignore[attr-defined]
    finally:
        outbox.close(wait=0)


def test_a_code_request_answers_at_once_with_no_mail_server_at_all(tmp_path: Path) -> None:
    sink = MailSink(port=free_port())  # never started
    with running_service(tmp_path, "sqlite", "", sink, hostile=False) as service, client(service) as http:
        token = csrf(http)
        started = time.monotonic()
        answer = http.post("/api/v1/sign-in/code", json={"address": STAFF_ADDRESSES["pl"]},
                           headers={"X-CSRF-Token": token})
        assert answer.status_code == 202 and time.monotonic() - started < 1
        assert httpx.get(f"{service.url}/health", timeout=1).status_code == 200
