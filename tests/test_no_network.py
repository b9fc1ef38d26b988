"""Only `policybook guidance check` uses the network: lint, the staff site (built and served) and the
handbook work with every connection and name lookup beyond this machine refused. Each command runs in a
Python whose sitecustomize refuses them and logs each attempt, so that an attempt the command caught and
carried on from is still seen."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import lxml.html
import pytest
from conftest import REPO, strip_fingerprints
from sitetools import add_site_files

BLOCKER = '''
import os
import socket

_LOG = os.environ["NETWORK_LOG"]
_LOCAL_NAMES = {None, "", "localhost", "::1", "0.0.0.0", "::"}


def _local(host):
    return host in _LOCAL_NAMES or str(host).startswith("127.")


def _refuse(what):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(what + "\\n")
    raise OSError(f"network access refused in this test: {what}")


def _guard(method):
    def guarded(self, address, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
            _refuse(f"connect {address!r}")
        return method(self, address, *args)
    return guarded


_lookup = socket.getaddrinfo


def getaddrinfo(host, *args, **kwargs):
    if not _local(host.decode() if isinstance(host, bytes) else host):
        _refuse(f"look up {host!r}")
    return _lookup(host, *args, **kwargs)


socket.socket.connect = _guard(socket.socket.connect)
socket.socket.connect_ex = _guard(socket.socket.connect_ex)
socket.getaddrinfo = getaddrinfo
'''


@pytest.fixture
def offline(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """The environment of a Python that cannot reach beyond this machine, and the log of its attempts."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    log = tmp_path / "network.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocker), str(REPO / "tools")]),
           "NETWORK_LOG": str(log), "NO_COLOR": "1"}
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    return env, log


def _policybook(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "policybook", *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_the_blocker_refuses_the_network_and_logs_it(offline: tuple[dict[str, str], Path]) -> None:
    env, log = offline
    code = "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 443), timeout=1)\nexcept OSError:\n" \
           "    print('refused')\n"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    assert result.stdout.strip() == "refused" and "192.0.2.1" in log.read_text(encoding="utf-8")


def test_lint_build_the_handbook_and_the_site_work_offline(example: Path, offline: tuple[dict[str, str], Path],
                                                           tmp_path: Path) -> None:
    env, log = offline
    root = strip_fingerprints(example)
    add_site_files(root)
    lint = _policybook(env, "-C", str(root), "lint", "--today", "2026-11-26")
    assert lint.returncode == 0 and "files" in lint.stdout, lint.stdout + lint.stderr
    build = _policybook(env, "-C", str(root), "build", "--site-dir", str(tmp_path / "site"))
    assert build.returncode == 0, build.stdout + build.stderr
    assert (tmp_path / "site/index.html").is_file()
    handbook = _policybook(env, "-C", str(root), "handbook", "--out", str(tmp_path / "handbook.pdf"))
    assert handbook.returncode == 0, handbook.stdout + handbook.stderr
    assert (tmp_path / "handbook.pdf").read_bytes().startswith(b"%PDF-")
    # The built pages load nothing from elsewhere: every script, style sheet, image and frame is the site's own.
    for page in (tmp_path / "site").rglob("*.html"):
        tree = lxml.html.fromstring(page.read_bytes())
        for element in tree.iter("script", "link", "img", "iframe", "source"):
            if element.tag == "link" and element.get("rel") not in ("stylesheet", "preload", "icon", "manifest"):
                continue
            address = element.get("src") or element.get("href") or ""
            assert not address.startswith(("http://", "https://", "//")), (page, address)
    # The site served for preview, read through this machine's loopback.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "policybook", "-C", str(root), "serve", "--address",
                               f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        page = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5, trust_env=False)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert page is not None and page.status_code == 200, server.stderr.read().decode() if server.stderr else ""
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert not log.exists(), log.read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get_when_up(server: subprocess.Popen[bytes], url: str) -> httpx.Response:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return httpx.get(url, timeout=5, trust_env=False)
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"nothing served at {url} (exit code {server.poll()})")


def test_the_public_site_is_previewed_offline_and_shows_an_edit(example: Path, offline: tuple[dict[str, str], Path],
                                                                tmp_path: Path) -> None:
    """`policybook serve --public` serves the public site on its own address, makes its pages again when a
    document for patients is edited (a draft, as an author would have it), and stops cleanly on SIGTERM."""
    env, log = offline
    root = strip_fingerprints(example)
    leaflet = root / "public/leaflets/what-to-expect.md"
    port = _free_port()
    errors = tmp_path / "serve.log"
    with errors.open("wb") as stderr:
        server = subprocess.Popen([sys.executable, "-m", "policybook", "-C", str(root), "serve", "--public",
                                   "--today", "2026-11-26", "--address", f"127.0.0.1:{port}"],
                                  env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            page_url = f"http://127.0.0.1:{port}/documents/pub-001/index.html"
            page = _get_when_up(server, page_url)
            assert page.status_code == 200, errors.read_text(encoding="utf-8")
            assert "What to expect at your DEXA scan" in page.text and "Draft: not in force" not in page.text
            assert "nonce-" in page.headers["content-security-policy"]  # the live-reload script may run
            home = httpx.get(f"http://127.0.0.1:{port}/", timeout=5, trust_env=False)
            assert home.status_code == 200 and "pub-001" in home.text
            text = leaflet.read_text(encoding="utf-8")
            leaflet.write_text(text.replace("status: approved", "status: draft", 1).replace(
                "It measures how strong your bones are.", "It shows how strong your bones are today.", 1),
                encoding="utf-8")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                page = httpx.get(page_url, timeout=5, trust_env=False)
                if "how strong your bones are today" in page.text:
                    break
                time.sleep(0.5)
            assert "It shows how strong your bones are today." in page.text, errors.read_text(encoding="utf-8")
            assert "Draft: not in force" in page.text
        finally:
            server.terminate()
            code = server.wait(timeout=30)
    assert code == 0, errors.read_text(encoding="utf-8")
    assert "Traceback" not in errors.read_text(encoding="utf-8")
    assert not log.exists(), log.read_text(encoding="utf-8")
