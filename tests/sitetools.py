"""Helpers for site tests: build a project's site and serve a folder on 127.0.0.1."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import REPO, commit, git, train_up, unsign

SITE_PARTS = ("mkdocs.yml", "docs")
PROJECT_PARTS = ("policybook.yml", "registers", "policies", "records", "public", "styles", ".vale.ini")


def add_site_files(root: Path) -> None:
    for part in SITE_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, root / part, dirs_exist_ok=True)
        else:
            shutil.copy2(source, root / part)


def copy_example(root: Path, signed: bool = False) -> Path:
    """A new copy of the example organisation at ``root``, with its site files, ready to build; its
    signed approvals are left out (and not required) unless ``signed``."""
    root.mkdir(parents=True)
    for part in PROJECT_PARTS:
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / part)
    add_site_files(root)
    return train_up(root if signed else unsign(root))


# The example's leaflet for patients and its editions (public/).
LEAFLET = "public/leaflets/what-to-expect.md"
ARABIC = "public/leaflets/what-to-expect.ar.md"
EASY_READ = "public/leaflets/what-to-expect.easy-read.md"


def signed_clone(root: Path) -> Path:
    """The signed example under git at ``root``, as a manager's clone of it is."""
    copy_example(root, signed=True)
    git(root, "init", "-q")
    commit(root, "The library as it stands")
    return root


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image of ``width`` by ``height`` pixels, for tests that need a picture."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def policybook(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "policybook"
    return subprocess.run([str(script), "-C", str(root), *args], capture_output=True, text=True,
                          check=False, timeout=600, env={**os.environ, **(env or {})})


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extra_headers: dict[str, str] = {}  # noqa: RUF012 - set per server through a subclass

    def log_message(self, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        for name, value in self.extra_headers.items():
            self.send_header(name, value)
        super().end_headers()


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that stops loading mid-response (a test moving on) is not an error."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serve(folder: Path, headers: dict[str, str] | None = None) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) for the duration of the block, with ``headers`` on
    every response (as a web server configured for the site would send them)."""
    handler_class = type("Handler", (_Quiet,), {"extra_headers": dict(headers or {})})
    handler = functools.partial(handler_class, directory=str(folder))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
