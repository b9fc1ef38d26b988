"""Confirmations service under load and faults, on the real server (uvicorn) with SQLite or PostgreSQL.

1. Load: C concurrent clients (default 50), each confirming P policies (default 4) and retrying its first
   confirmation once, as a browser might: every confirmation must be stored exactly once, the hash chain
   unbroken; prints the p50, p95 and largest confirm latency.
2. Faults: the same burst on a fresh database, the server killed with SIGKILL part-way through, then
   restarted: every confirmation that had been answered with success must be in the database; the clients
   then finish, and again each is stored once.

Members of staff sign in through the trusted proxy header (the proxy is 127.0.0.2 here), so the figures
are the service's, not the mail server's. The library is the example organisation with C generated,
fictional members of staff and no earlier confirmations.

Run: python tools/bench/confirm_bench.py [--clients 50] [--per-client 4] [--postgresql]
"""

from __future__ import annotations

import argparse
import functools
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import sqlalchemy as sa

if TYPE_CHECKING:
    from policybook.corpus import Corpus

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROXY = "127.0.0.2"
# The service's keys for this run, the same across restarts (a restart must keep its sessions and MACs).
KEYS = {"POLICYBOOK_CONFIRM_SECRET": secrets.token_hex(32), "POLICYBOOK_CONFIRM_RECORD_KEY": secrets.token_hex(32)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def all_staff_policies() -> list[str]:
    """The example's policies every member of staff must read."""
    import datetime as dt

    from policybook.corpus import load_corpus
    from policybook.evidence.inforce import in_force

    corpus = load_corpus(REPO, dt.date.today())
    return sorted(p.id for p in in_force(corpus) if p.id and p.audience == ["all-staff"] and p.acknowledge)


@functools.cache
def _example() -> Corpus:
    import datetime as dt

    from policybook.corpus import load_corpus

    return load_corpus(REPO, dt.date.today())


@functools.cache
def right_answers(policy: str) -> dict[str, int]:
    """What a reader who understood ``policy`` answers to its questions: question number (from 1) to the
    position of the right option (from 0), as the service asks."""
    found = next((p for p in _example().policies if p.id == policy), None)
    questions = (found.data.get("questions") or []) if found is not None else []
    return {str(n): q["options"].index(q["answer"]) for n, q in enumerate(questions, start=1)}


def _without_confirmations(settings: str) -> str:
    """The example's settings without its own (placeholder) ``confirmations:`` section: the bench adds its own."""
    lines = settings.splitlines(keepends=True)
    start = next((n for n, line in enumerate(lines) if line.startswith("confirmations:")), None)
    if start is None:
        return settings
    end = next((n for n in range(start + 1, len(lines)) if lines[n][:1] not in (" ", "#", "\n")), len(lines))
    return "".join(lines[:start] + lines[end:])


def make_library(root: Path, database: str, people: int) -> Path:
    """The example, unsigned, with ``people`` generated members of staff, proxy sign-in, no records."""
    root.mkdir(parents=True)
    for part in ("policybook.yml", "registers", "policies"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / part)
    config = root / "policybook.yml"
    text = _without_confirmations(config.read_text(encoding="utf-8").replace("  signatures: required",
                                                                             "  signatures: off"))
    addresses = "".join(f"    b{n:03d}: bench{n:03d}@harbourside-dexa.example\n" for n in range(people))
    config.write_text(text + f"confirmations:\n  base_url: http://127.0.0.1\n  database: {database}\n"
                      f"  sign_in: [proxy]\n  proxy:\n    header: X-Forwarded-Email\n    trusted: [{PROXY}]\n"
                      f"  addresses:\n{addresses}", encoding="utf-8")
    staff = "".join(f"  - id: b{n:03d}\n    name: Bench Person {n:03d}\n    roles: [administrator]\n"
                    for n in range(people))
    (root / "registers/staff.yml").write_text("staff:\n" + staff, encoding="utf-8")
    return root


@dataclass
class Server:
    root: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([str(BIN / "policybook"), "-C", str(self.root), "confirmations", "serve",
                                         "--host", "127.0.0.1", "--port", str(self.port)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env={**os.environ, **KEYS})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the service did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@dataclass
class Burst:
    """What the clients saw: each confirmation answered with success, and each request's latency."""

    succeeded: set[tuple[str, str]] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _client(port: int, person: int, policies: list[str], burst: Burst, stop: threading.Event,
            start: threading.Barrier) -> None:
    staff = f"b{person:03d}"
    headers = {"X-Forwarded-Email": f"bench{person:03d}@harbourside-dexa.example", "X-Forwarded-For": "192.0.2.10"}
    transport = httpx.HTTPTransport(local_address=PROXY)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, transport=transport,
                      timeout=30) as http:
        start.wait()
        token = None
        for policy in [*policies, policies[0]]:  # the first one twice: a retry
            if stop.is_set():
                return
            try:
                if token is None:
                    token = http.get("/api/v1/csrf").json()["csrf"]
                version = http.get(f"/api/v1/policies/{policy}").json()["version"]
                answers = right_answers(policy)  # worked out before the clock starts
                began = time.perf_counter()
                answer = http.post("/api/v1/confirmations",
                                   json={"policy": policy, "version": version, "answers": answers},
                                   headers={"X-CSRF-Token": token})
                elapsed = time.perf_counter() - began
            except (httpx.HTTPError, ValueError, KeyError):
                with burst.lock:
                    burst.failures += 1
                continue
            with burst.lock:
                if answer.status_code in (200, 201):
                    burst.succeeded.add((staff, policy))
                    burst.latencies.append(elapsed)
                else:
                    burst.failures += 1


def burst(port: int, clients: int, per_client: int, stop: threading.Event | None = None) -> tuple[Burst, float]:
    """All clients at once (released together); returns what they saw and the seconds it took."""
    policies = all_staff_policies()
    for policy in policies:
        right_answers(policy)  # worked out once, before the clients start
    result = Burst()
    stop = stop or threading.Event()
    start = threading.Barrier(clients + 1)
    threads = [threading.Thread(target=_client, args=(port, n, [policies[(n + k) % len(policies)]
                                                                for k in range(per_client)], result, stop, start))
               for n in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return result, time.perf_counter() - began


def _engine(database: str) -> sa.engine.Engine:
    from policybook.confirm.database import connect

    return connect(database.replace("postgresql://", "postgresql+psycopg://", 1))


def alone_policies(clients: int, per_client: int) -> list[str]:
    policies = all_staff_policies()
    return [policies[(n + per_client) % len(policies)] for n in range(clients)]


def _pairs(policies: list[str]) -> list[tuple[str, str]]:
    return [(f"b{n:03d}", policy) for n, policy in enumerate(policies)]


def one_at_a_time(port: int, clients: int, per_client: int) -> list[float]:
    """Latency of confirmations made one after another (each person one more policy): the service alone."""
    latencies = []
    for n, policy in enumerate(alone_policies(clients, per_client)):
        headers = {"X-Forwarded-Email": f"bench{n:03d}@harbourside-dexa.example"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30,
                          transport=httpx.HTTPTransport(local_address=PROXY)) as http:
            token = http.get("/api/v1/csrf").json()["csrf"]
            version = http.get(f"/api/v1/policies/{policy}").json()["version"]
            answers = right_answers(policy)  # worked out before the clock starts
            began = time.perf_counter()
            answer = http.post("/api/v1/confirmations",
                               json={"policy": policy, "version": version, "answers": answers},
                               headers={"X-CSRF-Token": token})
            latencies.append(time.perf_counter() - began)
            assert answer.status_code == 201, answer.text
    return latencies


def stored(database: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(staff, policy) of every stored confirmation, and the chain's problems."""
    from policybook.confirm.ledger import every_row, verify_database

    engine = _engine(database)
    try:
        rows = [(r.staff, r.policy) for r in every_row(engine)]
        return rows, verify_database(engine)[1]
    finally:
        engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else 0.0


@dataclass
class Figures:
    confirmations: int
    stored: int
    duplicates: int
    chain_problems: int
    seconds: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    alone_p50_ms: float
    alone_p95_ms: float
    answered_before_kill: int
    lost_after_kill: int
    stored_after_restart: int
    duplicates_after_restart: int
    chain_problems_after_restart: int


def run(workdir: Path, database_for: Callable[[str], str], clients: int, per_client: int) -> Figures:
    """Both phases; ``database_for(name)`` gives a new, empty database's address."""
    expected = clients * per_client
    # 1. Load.
    database = database_for("load")
    server = Server(make_library(workdir / "load", database, clients))
    server.start()
    try:
        load, seconds = burst(server.port, clients, per_client)
        alone = one_at_a_time(server.port, clients, per_client)
    finally:
        server.stop()
    rows, problems = stored(database)
    rows = [r for r in rows if r not in set(_pairs(alone_policies(clients, per_client)))]
    # 2. SIGKILL part-way through a burst, then restart.
    database = database_for("fault")
    server = Server(make_library(workdir / "fault", database, clients))
    server.start()
    stop = threading.Event()
    holder: dict[str, Burst] = {}
    runner = threading.Thread(target=lambda: holder.setdefault("b", burst(server.port, clients, per_client, stop)[0]))
    runner.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.01)
        if holder.get("b") is not None or _count(database) >= expected // 3:
            break
    server.kill()
    stop.set()
    runner.join()
    answered = set(holder["b"].succeeded)
    server.start()
    try:
        after_kill, _ = stored(database)
        lost = len(answered - set(after_kill))
        burst(server.port, clients, per_client)  # the clients try again
    finally:
        server.stop()
    final, final_problems = stored(database)
    return Figures(expected, len(rows), len(rows) - len(set(rows)), len(problems), seconds,
                   1000 * statistics.median(load.latencies) if load.latencies else 0.0,
                   1000 * percentile(load.latencies, 0.95), 1000 * max(load.latencies, default=0.0),
                   1000 * statistics.median(alone), 1000 * percentile(alone, 0.95),
                   len(answered), lost, len(final), len(final) - len(set(final)), len(final_problems))


def _count(database: str) -> int:
    engine = _engine(database)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text("SELECT count(*) FROM confirmations")).scalar() or 0)
    except sa.exc.DBAPIError:
        return 0
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--per-client", type=int, default=4)
    parser.add_argument("--postgresql", action="store_true", help="a throwaway PostgreSQL cluster, not SQLite")
    args = parser.parse_args()
    os.environ.setdefault("GIT_CONFIG_GLOBAL", os.devnull)
    with tempfile.TemporaryDirectory(prefix="confirm-bench-") as tmp:
        workdir = Path(tmp)
        cluster = None
        if args.postgresql:
            sys.path.insert(0, str(REPO / "tests"))
            from confirmtools import PostgreSQL

            cluster = PostgreSQL()
            reason = cluster.why_not()
            if reason:
                raise SystemExit(reason)
            cluster.start()

        def database_for(name: str) -> str:
            return cluster.new_database() if cluster else f"sqlite:///{workdir / name}.sqlite3"

        try:
            figures = run(workdir, database_for, args.clients, args.per_client)
        finally:
            if cluster:
                cluster.stop()
    backend = "PostgreSQL" if args.postgresql else "SQLite"
    print(f"{backend}: {args.clients} clients x {args.per_client} confirmations "
          f"(+1 retry each) = {figures.confirmations} confirmations")
    print(f"  load: stored {figures.stored}, duplicates {figures.duplicates}, chain problems "
          f"{figures.chain_problems}, {figures.seconds:.2f} s")
    print(f"  confirm latency with {args.clients} clients at once: p50 {figures.p50_ms:.1f} ms, p95 "
          f"{figures.p95_ms:.1f} ms, max {figures.max_ms:.1f} ms; one at a time: p50 {figures.alone_p50_ms:.1f} ms, "
          f"p95 {figures.alone_p95_ms:.1f} ms")
    print(f"  SIGKILL during a burst: {figures.answered_before_kill} answered with success before the kill, "
          f"{figures.lost_after_kill} of them missing after restart; after the clients retried: "
          f"{figures.stored_after_restart} stored, duplicates {figures.duplicates_after_restart}, chain problems "
          f"{figures.chain_problems_after_restart}")


if __name__ == "__main__":
    main()
