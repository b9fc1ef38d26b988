"""``policybook guidance check`` against a local HTTPS server with a throwaway certificate passed in
SSL_CERT_FILE: unchanged pages give no change, a changed page names its citing policies, and each page that
cannot be read gives one line without stopping the others."""

from __future__ import annotations

import contextlib
import re
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from pagetools import example_page, render

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


def _point_at(root: Path, base: str, served: Served) -> list[dict[str, str]]:
    """Point every entry of the example at the local server, which serves its saved page."""
    path = root / "registers/guidance.yml"
    text = path.read_text(encoding="utf-8")
    entries = yaml.safe_load(text)["guidance"]
    for entry in entries:
        text = text.replace(f"    url: {entry['url']}\n", f"    url: {base}/{entry['id']}\n", 1)
        served[f"/{entry['id']}"] = (200, {}, (PAGES / f"{entry['id']}.html").read_bytes(), 0.0)
    path.write_text(text, encoding="utf-8")
    return entries


def test_unchanged_pages_give_no_change(example: Path, server: tuple[str, Served], run) -> None:
    base, served = server
    _point_at(example, base, served)
    result = run("-C", str(example), "guidance", "check")
    assert result.code == 0, result.out + result.err
    assert "0 changed, 0 withdrawn or replaced, of 43 pages read; 0 could not be read" in result.out


def test_a_changed_page_names_the_citing_policies_and_write_records_it(example: Path, server: tuple[str, Served],
                                                                       run) -> None:
    base, served = server
    entries = {e["id"]: e for e in _point_at(example, base, served)}
    entry = entries["cqc-duty-of-candour"]
    page = example_page(entry)
    changed = page.vary(sections=(*page.sections, ("Notifying the person", ("Tell them within 10 days.",))))
    served["/cqc-duty-of-candour"] = (200, {}, render(changed).encode(), 0.0)
    # Cosmetic change to another: same fingerprint.
    other = example_page(entries["care-act-2014"]).vary(cookie_banner=False, generated="Page generated now")
    served["/care-act-2014"] = (200, {}, render(other).encode(), 0.0)
    result = run("-C", str(example), "guidance", "check", "--write", "--today", "2026-12-07")
    assert result.code == 1
    changed_lines = [line for line in result.out.splitlines() if "changed since" in line]
    assert len(changed_lines) == 1 and changed_lines[0].startswith("cqc-duty-of-candour:")
    assert re.search(r"cited by .*GOV-\d{3}", changed_lines[0])
    register = (example / "registers/guidance.yml").read_text(encoding="utf-8")
    assert register.count('checked_on: "2026-12-07"') == 43
    again = run("-C", str(example), "guidance", "check")
    assert again.code == 0, again.out


def test_each_unreadable_page_gives_one_line_and_the_others_are_read(example: Path, server: tuple[str, Served],
                                                                     run) -> None:
    base, served = server
    _point_at(example, base, served)
    served["/mca-2005"] = (200, {}, (PAGES / "mca-2005.html").read_bytes(), 3.0)
    served["/dpa-2018"] = (200, {}, b"<html><body><main>" + b"<p>words</p>" * 600_000 + b"</main></body></html>", 0.0)
    served["/psirf"] = (301, {"Location": "http://localhost/psirf"}, b"", 0.0)
    served["/dspt"] = (200, {}, b"<html><body><nav>Home</nav><div id='app'></div></body></html>", 0.0)
    result = run("-C", str(example), "guidance", "check", "--timeout", "1")
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 4, result.err
    assert any(line.startswith("mca-2005:") and "no answer within" in line for line in lines)
    assert any(line.startswith("dpa-2018:") and "larger than" in line for line in lines)
    assert any(line.startswith("psirf:") and "not https" in line for line in lines)
    assert any(line.startswith("dspt:") and "no main text" in line for line in lines)
    assert "0 changed, 0 withdrawn or replaced, of 39 pages read; 4 could not be read" in result.out


def test_lint_never_loads_the_network_module() -> None:
    import os
    import sys

    root = Path(__file__).resolve().parent.parent
    code = ("import sys\nfrom policybook.cli import main\n"
            f"main(['-C', {str(root)!r}, 'lint', '--today', '2026-12-05'])\n"
            "assert 'policybook.watch.fetch' not in sys.modules and 'policybook.watch' not in sys.modules\n"
            "print('clean')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(root / "tools")}, check=False)
    assert result.stdout.strip().endswith("clean"), result.stderr
