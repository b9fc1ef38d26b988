"""Helpers of the confirmations service tests: a real SMTP sink (aiosmtpd), a real PostgreSQL cluster
made for the test session (initdb and pg_ctl, as a non-root user), a library with the service
configured, the service itself under uvicorn on a free port, and an HTTP client per loopback address
(each test's own client address, so the per-client limits of one test do not reach another).

Their fixtures (``mail``, ``postgresql``, ``service``) are in confirm_fixtures.py, which conftest.py loads. The
PostgreSQL tests skip with the reason where no server can run here; with
POLICYBOOK_REQUIRE_POSTGRESQL=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import email
import email.policy
import glob
import itertools
import os
import pwd
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from conftest import EXAMPLE_PARTS, REPO, edit, set_confirmations, unsign

STAFF_ADDRESSES = {member: f"{member}@harbourside-dexa.example" for member in
                   ("pl", "mf", "te", "ho", "jc", "ra", "ot", "sk", "lb")}
EXTRA_STAFF = """  - id: sk
    name: Sam Kettleby
    roles: [administrator]
  - id: lb
    name: Lena Brightwater
    roles: [administrator]
"""  # fictional, like the example's own staff: two more people for tests that need one each
HAND_HYGIENE = "policies/infection-control/hand-hygiene.md"
HOSTILE = "policies/infection-control/infection-prevention.md"  # IPC-001: script in its text and question
NEW_WORDS = "Rub until your hands are completely dry"
QUESTIONS = """questions:
  - question: How long does hand rub take?
    options: ["5 seconds", "20 to 30 seconds", "2 minutes"]
    answer: 20 to 30 seconds
    section: Technique
"""
HOSTILE_QUESTIONS = """questions:
  - question: "Which is safe? <img src=x onerror=window.__pwned=1>"
    options: ["<script>window.__pwned=1</script>", "Plain answer"]
    answer: Plain answer
"""
SCRIPT_TEXT = ('<script>window.__pwned = 1</script> <img src="x" onerror="window.__pwned = 2"> '
               "[click](javascript:alert(1))")
# The service's keys in these tests (fixed, so a test can compute what the service does with them).
SECRET = bytes.fromhex("5ec2e7" * 11)
RECORD_KEY = bytes.fromhex("4ec04d" * 11)
KEYS = {"POLICYBOOK_CONFIRM_SECRET": SECRET.hex(), "POLICYBOOK_CONFIRM_RECORD_KEY": RECORD_KEY.hex()}
PROXY = "127.0.0.2"  # the authenticating proxy's address in these tests (and no other)
PYTHON_BIN = Path(sys.executable).parent
_loopback = itertools.count(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def loopback() -> str:
    """A loopback address of its own (127.0.1.N) for one client."""
    return f"127.0.1.{next(_loopback) % 250 + 2}"


# -- mail -------------------------------------------------------------------------------------------------
@dataclass
class MailSink:
    """An SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it is sent."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)  # type: ignore[attr-defined]
        parsed["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)  # type: ignore[attr-defined]
        with self._lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for_code(self, address: str, after: int = 0, timeout: float = 15) -> str:
        """The code in the newest message to ``address`` beyond the first ``after`` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) > after:
                body = found[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
                match = re.search(r"\b(\d{4}) (\d{4})\b", body)
                assert match, body
                return match.group(1) + match.group(2)
            time.sleep(0.05)
        raise AssertionError(f"no code reached {address} in {timeout} s")


# -- PostgreSQL -------------------------------------------------------------------------------------------
def _postgresql_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PostgreSQL:
    """A throwaway cluster: initdb into a temporary folder, started with pg_ctl on a free port, trusted
    on 127.0.0.1 only, stopped and removed at the end. As root it runs as the 'postgres' user."""

    def __init__(self) -> None:
        self.bin = _postgresql_bin()
        self.user: pwd.struct_passwd | None = None
        self.folder: Path | None = None
        self.port = 0
        self._names = itertools.count(1)

    def why_not(self) -> str | None:
        if self.bin is None:
            return "PostgreSQL is not installed (Debian's postgresql package; .ci/run installs it)"
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                return "running as root with no 'postgres' user to run the server as"
        return None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        user = self.user.pw_uid if self.user else None
        group = self.user.pw_gid if self.user else None
        return subprocess.run(list(args), capture_output=True, text=True, check=False, timeout=120, user=user,
                              group=group, cwd="/", env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"})

    def start(self) -> None:
        assert self.bin is not None
        self.folder = Path(tempfile.mkdtemp(prefix="policybook-pg-"))
        if self.user:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        data = self.folder / "data"
        result = self._run(str(self.bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                           "-E", "UTF8", "--no-sync")
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr}")
        self.port = free_port()
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=300 -c shared_buffers=32MB")
        result = self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                           str(self.folder / "log"), "-w", "-t", "60", "start")
        if result.returncode != 0:
            log = (self.folder / "log").read_text(errors="replace") if (self.folder / "log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {result.stderr} {log}")

    def new_database(self) -> str:
        """A new, empty database; its address."""
        import psycopg

        name = f"confirm_{next(self._names)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.folder is None:
            return
        assert self.bin is not None
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def database_for(backend: str, postgresql: PostgreSQL | str, folder: Path) -> str:
    """A new database of the backend: a SQLite file in ``folder``, or a database in the cluster."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'confirmations.sqlite3'}"
    if isinstance(postgresql, str):
        pytest.skip(postgresql)
    return postgresql.new_database()


BACKENDS = ["sqlite", "postgresql"]


# -- the library ------------------------------------------------------------------------------------------
def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Robin Testwell", "-c", "user.email=robin@harbourside-dexa.example",
                    *args], cwd=root, check=True, capture_output=True)


def policybook(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI in a process of its own, with the service's keys in its environment (as on the server)."""
    return subprocess.run([str(PYTHON_BIN / "policybook"), "-C", str(root), *args], capture_output=True, text=True,
                          check=False, timeout=300, env={**os.environ, **KEYS, **(env or {})})


def confirmations_settings(base_url: str, database: str, mail_port: int, extra: str = "") -> str:
    addresses = "".join(f"    {member}: {address}\n" for member, address in STAFF_ADDRESSES.items())
    return (f"confirmations:\n  base_url: {base_url}\n  database: {database}\n  sign_in: [code, proxy]\n"
            f"  proxy:\n    header: X-Forwarded-Email\n    trusted: [{PROXY}]\n"
            f"  mail:\n    host: 127.0.0.1\n    port: {mail_port}\n    security: none\n"
            f"    sender: policies@harbourside-dexa.example\n"
            f"  addresses:\n{addresses}  managers: [registered-manager]\n{extra}")


def refingerprint(path: Path) -> None:
    """Record a policy's fingerprint again after an edit, as approving it would."""
    from policybook.evidence.fingerprint import fingerprint
    from policybook.loader import parse_markdown

    text = path.read_text(encoding="utf-8")
    doc = parse_markdown(text, path, path.name)
    path.write_text(text.replace(doc.data["fingerprint"], fingerprint(doc.data, doc.body)), encoding="utf-8")


def without_questions(policy: Path) -> None:
    """Take a policy's own ``questions:`` block out of its frontmatter, so a test can give it others."""
    kept, inside = [], False
    for line in policy.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("questions:"):
            inside = True
            continue
        if inside and not line.startswith(" "):
            inside = False
        if not inside:
            kept.append(line)
    policy.write_text("".join(kept), encoding="utf-8")


def make_library(root: Path, base_url: str, database: str, mail_port: int, hostile: bool = True) -> Path:
    """The example library (unsigned) under git, with the service configured, questions on IPC-002, and
    a history: Jamie Castellan (jc) confirmed IPC-002 1.3 on paper, then 2.0 was approved with new words.
    With ``hostile``, IPC-001's text and question carry script, as if lint had been skipped."""
    root.mkdir(parents=True)
    for part in EXAMPLE_PARTS:
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / part)
    unsign(root)
    with open(root / "registers/staff.yml", "a", encoding="utf-8") as register:
        register.write(EXTRA_STAFF)
    set_confirmations(root, confirmations_settings(base_url, database, mail_port))
    edit(root / HAND_HYGIENE, "fingerprint:", QUESTIONS + "fingerprint:")
    refingerprint(root / HAND_HYGIENE)  # the questions were approved with version 1.3 (they are governed)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "policies")
    today = "2026-11-20"
    for args in (("ack", "jc", "IPC-002", "--on", "2026-11-02"),
                 ("bump", "IPC-002", "--major", "--summary", "Dry hands fully after hand rub.", "--author",
                  "Hannah Okonjo", "--today", today)):
        result = policybook(root, *args, env={"POLICYBOOK_TODAY": today})
        assert result.returncode == 0, result.stderr
    edit(root / HAND_HYGIENE, "Hand rub takes 20 to 30 seconds.", f"Hand rub takes 20 to 30 seconds. {NEW_WORDS}.")
    result = policybook(root, "approve", "IPC-002", "--by", "registered-manager", "--on", today, "--today", today)
    assert result.returncode == 0, result.stderr
    if hostile:  # and a new major version, so that everyone must read it
        edit(root / HOSTILE, 'version: "2.1"', 'version: "3.0"')
        without_questions(root / HOSTILE)
        edit(root / HOSTILE, "fingerprint:", HOSTILE_QUESTIONS + "fingerprint:")
        edit(root / HOSTILE, "\n## ", f"\n{SCRIPT_TEXT}\n\n## ")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "IPC-002 version 2.0")
    return root


# -- the service ------------------------------------------------------------------------------------------
@dataclass
class Service:
    root: Path
    url: str
    port: int
    database: str
    mail: MailSink
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    def start(self, env: dict[str, str] | None = None, args: tuple[str, ...] = (),
              open_files: int | None = None) -> None:
        """Start the server; ``open_files`` sets its open-file limit (RLIMIT_NOFILE), as a host's would."""
        self.log = self.root.parent / "server.log"

        def limit() -> None:
            if open_files is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(PYTHON_BIN / "policybook"), "-C", str(self.root), "confirmations", "serve", "--host",
                 "127.0.0.1", "--port", str(self.port), *args], stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, **KEYS, **(env or {})}, preexec_fn=limit if open_files is not None else None)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"the service did not start: {self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def engine(self) -> object:
        from policybook.config import load_config
        from policybook.confirm.database import connect, database_url

        return connect(database_url(load_config(self.root).confirmations, self.root))


API_TOKEN = "manager-token-" + "x" * 40


@contextmanager
def running_service(tmp: Path, backend: str, postgresql: PostgreSQL | str, mail: MailSink,
                    hostile: bool = True, open_files: int | None = None) -> Iterator[Service]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = database_for(backend, postgresql, tmp)
    root = make_library(tmp / "org", url, database, mail.port, hostile=hostile)
    service = Service(root, url, port, database, mail)
    service.start({"POLICYBOOK_CONFIRM_API_TOKEN": API_TOKEN}, open_files=open_files)
    try:
        yield service
    finally:
        service.stop()


def client(service: Service, address: str | None = None, **headers: str) -> httpx.Client:
    """An HTTP client with its own cookies, connecting from ``address`` (a fresh loopback address by
    default), to the service."""
    transport = httpx.HTTPTransport(local_address=address or loopback())
    return httpx.Client(base_url=f"http://127.0.0.1:{service.port}", transport=transport, headers=headers,
                        follow_redirects=False, timeout=30)


def csrf(http: httpx.Client) -> str:
    response = http.get("/api/v1/csrf")
    assert response.status_code == 200
    return str(response.json()["csrf"])


def ask_code(http: httpx.Client, token: str, address: str) -> httpx.Response:
    """Ask the service to e-mail a sign-in code to ``address``."""
    return http.post("/api/v1/sign-in/code", json={"address": address}, headers={"X-CSRF-Token": token})


def verify_code(http: httpx.Client, token: str, address: str, code: str) -> httpx.Response:
    """Sign in with ``code`` for ``address``."""
    return http.post("/api/v1/sign-in/verify", json={"address": address, "code": code},
                     headers={"X-CSRF-Token": token})


def live_code(service: Service, http: httpx.Client, token: str, address: str) -> str:
    """A code asked for ``address`` now, as the e-mail to it carries it."""
    before = len(service.mail.to(address))
    assert ask_code(http, token, address).status_code == 202
    return service.mail.wait_for_code(address, before)


def sign_in(http: httpx.Client, service: Service, staff: str) -> str:
    """Sign ``staff`` in through the API with an e-mailed code; returns the CSRF token for writes."""
    token = csrf(http)
    address = STAFF_ADDRESSES[staff]
    response = verify_code(http, token, address, live_code(service, http, token, address))
    assert response.status_code == 200, response.text
    return token
