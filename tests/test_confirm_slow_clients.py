"""Slow and numerous clients against the real server (uvicorn, as ``confirmations serve`` runs it): half-
sent requests are closed within the documented timeouts, hundreds of them do not keep a prompt client
waiting, and at the usual open-file limit of 1,024 a flood of them neither exhausts the files nor fills
the log. The figures are printed (pytest -s) for docs/guide/confirmations.md."""

from __future__ import annotations

import selectors
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from confirmtools import MailSink, Service, running_service

from policybook.confirm.connections import (
    BODY_TIMEOUT,
    FILES_KEPT_FREE,
    HEADER_TIMEOUT,
    KEEP_ALIVE_TIMEOUT,
    MAX_REQUESTS_PER_CONNECTION,
)

HALF_SENT_HEADERS = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
GRACE = 1.5  # seconds beyond a timeout for the close to reach the client on a busy 2-core machine


def _open(service: Service, count: int, first_bytes: bytes) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", service.port), timeout=10)
        sock.sendall(first_bytes)
        sock.setblocking(False)
        sockets.append(sock)
    return sockets


def _wait_closed(sockets: list[socket.socket], limit: float) -> float:
    """Seconds until the server has closed every one of ``sockets`` (EOF or reset), or ``limit``."""
    start = time.monotonic()
    with selectors.DefaultSelector() as selector:
        for sock in sockets:
            selector.register(sock, selectors.EVENT_READ)
        open_ones = set(sockets)
        while open_ones and time.monotonic() - start < limit:
            for key, _ in selector.select(timeout=0.2):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(65536)
                except (ConnectionResetError, BlockingIOError):
                    data = b""
                if not data:
                    selector.unregister(sock)
                    open_ones.discard(sock)
    for sock in sockets:
        sock.close()
    return time.monotonic() - start


def _health_time(service: Service) -> float:
    start = time.monotonic()
    response = httpx.get(f"{service.url}/health", timeout=2)
    assert response.status_code == 200
    return time.monotonic() - start


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, mail: MailSink) -> Iterator[Service]:
    with running_service(tmp_path_factory.mktemp("slow"), "sqlite", "", mail, hostile=False) as running:
        yield running


def _log_lines(service: Service, words: str) -> list[str]:
    assert service.log is not None
    return [line for line in service.log.read_text(errors="replace").splitlines() if words in line]


def test_500_half_open_connections_do_not_keep_a_prompt_client_waiting(service: Service) -> None:
    started = time.monotonic()
    slow = _open(service, 500, HALF_SENT_HEADERS)
    opened = time.monotonic() - started
    health = _health_time(service)
    closed = _wait_closed(slow, HEADER_TIMEOUT + GRACE + 5) + opened
    print(f"\n500 half-open connections opened in {opened:.2f} s; /health answered in {health * 1000:.0f} ms; "
          f"all 500 closed by the server {closed:.1f} s after the first was opened (header timeout "
          f"{HEADER_TIMEOUT:g} s)")
    assert health < 2
    assert closed <= HEADER_TIMEOUT + GRACE + opened
    assert len(_log_lines(service, "too slowly")) <= 2  # one line, however many


def test_a_request_trickled_a_byte_at_a_time_is_closed_at_the_header_timeout(service: Service) -> None:
    with socket.create_connection(("127.0.0.1", service.port), timeout=1) as sock:
        started = time.monotonic()
        closed_after = None
        for byte in HALF_SENT_HEADERS + b"x" * 60:
            try:
                sock.sendall(bytes([byte]))
                sock.settimeout(0.5)
                if sock.recv(1) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                continue
            except (ConnectionResetError, BrokenPipeError):
                closed_after = time.monotonic() - started
                break
    assert closed_after is not None and HEADER_TIMEOUT - 0.5 <= closed_after <= HEADER_TIMEOUT + GRACE, closed_after


def test_a_half_sent_body_is_closed_at_the_body_timeout(service: Service) -> None:
    headers = (b"POST /api/v1/sign-in/code HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Content-Length: 100\r\n\r\n")
    sock = socket.create_connection(("127.0.0.1", service.port), timeout=10)
    sock.sendall(headers + b'{"address": "')
    sock.setblocking(False)
    closed = _wait_closed([sock], BODY_TIMEOUT + GRACE + 5)
    print(f"\na request with 13 of its 100 body bytes was closed after {closed:.1f} s "
          f"(body timeout {BODY_TIMEOUT:g} s)")
    assert BODY_TIMEOUT - 0.5 <= closed <= BODY_TIMEOUT + GRACE
    assert _log_lines(service, "Traceback") == []


def test_at_the_usual_file_limit_a_flood_of_slow_clients_shuts_nobody_out(
        tmp_path: Path, mail: MailSink) -> None:
    """1,100 slow connections to a server limited to 1,024 open files: it never runs out of files, a prompt
    client is still answered, and the log grows by a few lines, not one a connection."""
    with running_service(tmp_path, "sqlite", "", mail, hostile=False, open_files=1024) as running:
        assert running.log is not None
        before = running.log.stat().st_size
        started = time.monotonic()
        slow = _open(running, 1100, HALF_SENT_HEADERS)
        opened = time.monotonic() - started
        health = [_health_time(running) for _ in range(5)]
        closed = _wait_closed(slow, HEADER_TIMEOUT + GRACE + 5)
        grown = running.log.stat().st_size - before
        text = running.log.read_text(errors="replace")
        print(f"\n1,100 slow connections at a 1,024 file limit (cap {1024 - FILES_KEPT_FREE}):"
              f" opened in {opened:.1f} s; /health answered in at most {max(health) * 1000:.0f} ms; the log grew by "
              f"{grown} bytes")
        assert max(health) < 2
        assert closed <= HEADER_TIMEOUT + GRACE + 5
        assert "Too many open files" not in text and "Traceback" not in text
        assert len(_log_lines(running, "closed to make room")) <= 2
        assert grown < 4096


def test_a_kept_alive_connection_serves_100_requests_then_is_closed(service: Service) -> None:
    sock = socket.create_connection(("127.0.0.1", service.port), timeout=10)
    for _ in range(MAX_REQUESTS_PER_CONNECTION):
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while not answer.endswith(b"\r\n\r\nok"):
            chunk = sock.recv(4096)
            assert chunk, "closed before the limit"
            answer += chunk
    sock.setblocking(False)
    assert _wait_closed([sock], 3) < 1  # at once after the last answer, not at the idle timeout


def test_an_idle_kept_alive_connection_is_closed_after_its_timeout(service: Service) -> None:
    sock = socket.create_connection(("127.0.0.1", service.port), timeout=10)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = b""
    while b"\r\n\r\nok" not in answer:
        answer += sock.recv(4096)
    sock.setblocking(False)
    closed = _wait_closed([sock], KEEP_ALIVE_TIMEOUT + GRACE + 5)
    assert KEEP_ALIVE_TIMEOUT - 0.5 <= closed <= KEEP_ALIVE_TIMEOUT + GRACE


def test_a_stream_of_invalid_requests_makes_a_line_a_minute_not_one_each(service: Service) -> None:
    before = len(_log_lines(service, "Invalid HTTP request received."))
    for _ in range(200):
        with socket.create_connection(("127.0.0.1", service.port), timeout=5) as sock:
            sock.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
            sock.settimeout(5)
            assert b"400" in sock.recv(4096)
    time.sleep(0.5)
    assert len(_log_lines(service, "Invalid HTTP request received.")) - before <= 1
