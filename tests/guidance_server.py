"""A local HTTPS server for the guidance watch's tests, with a throwaway certificate passed in SSL_CERT_FILE
and no proxy, serving whatever the test puts in its table (status, headers, body and a delay per path).
conftest.py loads it as a plugin (``pytest_plugins``), so tests take its ``server`` fixture by name."""

from __future__ import annotations

import contextlib
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

PAGES = Path(__file__).resolve().parent / "guidance_pages"
Served = dict[str, tuple[int, dict[str, str], bytes, float]]  # path -> status, headers, body, delay


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Served]]:
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    served: Served = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body, delay = served.get(self.path, (404, {}, b"not found", 0.0))
            time.sleep(delay)
            self.send_response(status)
            for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "localhost")
    try:
        yield f"https://localhost:{httpd.server_address[1]}", served
    finally:
        httpd.shutdown()
        httpd.server_close()


def point_at(root: Path, base: str, served: Served) -> list[dict[str, str]]:
    """Point every entry of the example at the local server, which serves its saved page."""
    path = root / "registers/guidance.yml"
    text = path.read_text(encoding="utf-8")
    entries = yaml.safe_load(text)["guidance"]
    for entry in entries:
        text = text.replace(f"    url: {entry['url']}\n", f"    url: {base}/{entry['id']}\n", 1)
        served[f"/{entry['id']}"] = (200, {}, (PAGES / f"{entry['id']}.html").read_bytes(), 0.0)
    path.write_text(text, encoding="utf-8")
    return entries
