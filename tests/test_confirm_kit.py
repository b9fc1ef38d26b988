"""The deployment kit (``policybook confirmations kit DIR``), end to end with the real programs: its units
pass ``systemd-analyze verify``; Debian's Caddy runs the kit's Caddyfile (with ``tls internal``, its own
certificate authority, which the test trusts) in front of the service started as the unit starts it (with
the library's checkout read-only, as the unit's sandbox leaves it, where a mount namespace is allowed); a
member of staff signs in through Caddy over TLS and confirms; the timers' commands, run as their units
run them, pull and commit the confirmation into the library and push it to its git host, bring the
checkout up to date, and back the service up; the backup restores (SQLite here, and a PostgreSQL dump
through pg_dump and pg_restore). With the proxy sign-in Caddyfile,
only the sign-in proxy's answer names the person (a header the client forges is removed); the sign-in
proxy there is a stand-in that answers as oauth2-proxy documents. Hostile values never reach a file.
A backup archive holds no key (no member holds any secret of the environment file, in any encoding):
the restore needs the environment file kept apart, and checks the restored rows' MACs with its key.

Caddy and systemd-analyze come from Debian (.ci/run installs them); without them these tests skip with
the reason, and with POLICYBOOK_REQUIRE_CADDY=1 (set by .ci/run) they fail instead.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import shlex
import shutil
import sqlite3
import ssl
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from confirmtools import (
    KEYS,
    PROXY,
    PYTHON_BIN,
    MailSink,
    PostgreSQL,
    Service,
    client,
    free_port,
    git,
    loopback,
    make_library,
    policybook,
    running_service,
    sign_in,
)
from conftest import edit

SITE = "confirm.harbourside-dexa.example"
CADDY = shutil.which("caddy")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
_missing = [name for name, found in (("caddy", CADDY), ("systemd-analyze", SYSTEMD_ANALYZE)) if not found]
if _missing and os.environ.get("POLICYBOOK_REQUIRE_CADDY"):
    raise RuntimeError(f"{' and '.join(_missing)} not installed (Debian's caddy and systemd packages)")
needs_caddy = pytest.mark.skipif(bool(_missing), reason=f"{' and '.join(_missing)} not installed "
                                 "(Debian's caddy and systemd packages; .ci/run installs them)")


def kit(directory: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PYTHON_BIN / "policybook"), "confirmations", "kit", str(directory), *options],
                          capture_output=True, text=True, check=False, timeout=60)


def environment_of(kit_dir: Path) -> dict[str, str]:
    """The environment file as systemd reads it (KEY=VALUE lines, comments skipped)."""
    lines = (kit_dir / "confirm.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def unit_command(kit_dir: Path, unit: str) -> tuple[list[str], str]:
    """The ExecStart= and WorkingDirectory= of a unit of the kit."""
    text = (kit_dir / "systemd" / unit).read_text()
    settings = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    return shlex.split(settings["ExecStart"]), settings.get("WorkingDirectory", "/")


SECRETS = ("POLICYBOOK_CONFIRM_SECRET", "POLICYBOOK_CONFIRM_RECORD_KEY", "POLICYBOOK_CONFIRM_API_TOKEN")


def assert_no_key_material(archive: Path, environment: dict[str, str]) -> None:
    """No member of the archive holds any secret of the environment file: as hex (either case), as the
    raw bytes, or as base64."""
    forms: list[bytes] = []
    for name in SECRETS:
        raw = bytes.fromhex(environment[name])
        forms += [environment[name].lower().encode(), environment[name].upper().encode(), raw,
                  base64.b64encode(raw), base64.urlsafe_b64encode(raw), base64.b64encode(raw).rstrip(b"=")]
    with tarfile.open(archive) as bundle:
        members = bundle.getmembers()
        assert not [m.name for m in members if "env" in Path(m.name).name]
        for member in members:
            handle = bundle.extractfile(member)
            content = handle.read() if handle is not None else b""
            for form in forms:
                assert form not in content, f"{member.name} holds a key"
    assert members


def with_keys(env_file: Path, keys: dict[str, str]) -> None:
    """The environment file with ``keys`` in place of its own: the copy kept apart, put back."""
    lines = [f"{line.split('=', 1)[0]}={keys[line.split('=', 1)[0]]}" if line.split("=", 1)[0] in keys else line
             for line in env_file.read_text().splitlines()]
    env_file.write_text("\n".join(lines) + "\n")


def run_unit(kit_dir: Path, unit: str) -> subprocess.CompletedProcess[str]:
    """A timer's service, run as its unit runs it: its command, in its folder, with its environment file
    and nothing else."""
    command, folder = unit_command(kit_dir, unit)
    home = kit_dir.parent / "home"  # the service user's: no git settings of its own
    home.mkdir(exist_ok=True)
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False, timeout=300,
                          env={"PATH": os.environ["PATH"], "HOME": str(home), **environment_of(kit_dir)})


# -- writing the kit --------------------------------------------------------------------------------------
def test_the_kit_has_fresh_secrets_only_root_can_read_and_the_variables_the_service_reads(tmp_path: Path) -> None:
    from policybook.confirm import api, database, mail
    from policybook.confirm import kit_values as written

    first, second = tmp_path / "one", tmp_path / "two"
    for directory in (first, second):
        result = kit(directory, "--site", SITE)
        assert result.returncode == 0, result.stderr
    assert (first / "confirm.env").stat().st_mode & 0o777 == 0o600
    assert first.stat().st_mode & 0o777 == 0o700
    one, two = environment_of(first), environment_of(second)
    for name in (written.SECRET_VARIABLE, written.RECORD_KEY_VARIABLE, written.API_TOKEN_VARIABLE):
        assert len(bytes.fromhex(one[name])) == 32 and one[name] != two[name]
    assert len({one[written.SECRET_VARIABLE], one[written.RECORD_KEY_VARIABLE], one[written.API_TOKEN_VARIABLE]}) == 3
    assert one[database.DATABASE_VARIABLE] == "sqlite:////var/lib/policybook/confirmations.sqlite3"
    assert {mail.PASSWORD_VARIABLE, api.API_TOKEN_VARIABLE} <= one.keys()


def test_a_directory_with_files_is_refused_unless_forced_and_forcing_keeps_the_secrets(tmp_path: Path) -> None:
    target = tmp_path / "kit"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = kit(target, "--site", SITE)
    assert result.returncode != 0 and "not empty" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    result = kit(target, "--site", SITE, "--force")
    assert result.returncode == 0, result.stderr
    secrets_before = (target / "confirm.env").read_text()
    (target / "caddy" / "Caddyfile").write_text("edited\n")
    assert kit(target, "--site", "policies.harbourside-dexa.example", "--force").returncode == 0
    assert (target / "confirm.env").read_text() == secrets_before
    assert "policies.harbourside-dexa.example {" in (target / "caddy" / "Caddyfile").read_text()
    assert (target / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("option, value", [
    ("--site", f"{SITE}\nExecStartPre=/bin/sh -c 'id'"),
    ("--site", f"{SITE} {{\n\trespond \"owned\"\n}}\nx.example"),
    ("--site", "confirm.example.org:443"),
    ("--library", "/srv/policies\nExecStartPost=/bin/rm -rf /"),
    ("--library", "/srv/my policies"),
    ("--library", "/srv/../etc"),
    ("--library", "srv/policies"),
    ("--data", "/var/lib/policybook;reboot"),
    ("--user", "root"),
    ("--user", "policybook\nUser=root"),
    ("--proxy-header", "X-Forwarded-Email\n\trespond 200"),
    ("--database", "postgresql://u:p@db/x\nPOLICYBOOK_CONFIRM_API_TOKEN=short"),
    ("--database", "sqlite:////var/lib/x y.sqlite3"),
    ("--acme-email", "a@b.example\n}\n"),
    ("--host", "localhost\nExecStartPre=/bin/true"),
    ("--port", "70000"),
])
def test_a_hostile_value_is_refused_in_one_line_and_nothing_is_written(tmp_path: Path, option: str,
                                                                       value: str) -> None:
    arguments = ["--site", SITE] if option != "--site" else []
    result = kit(tmp_path / "kit", *arguments, option, value)
    assert result.returncode != 0
    assert option in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "kit").exists()


def test_a_kit_without_a_site_or_a_directory_or_into_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    for arguments, message in (((str(tmp_path / "kit"),), "--site"), ((), "directory"),
                               ((str(tmp_path / "link"), "--site", SITE), "not a directory")):
        result = subprocess.run([str(PYTHON_BIN / "policybook"), "confirmations", "kit", *arguments],
                                capture_output=True, text=True, check=False, timeout=60)
        assert result.returncode != 0 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "kit").exists() and not any((tmp_path / "elsewhere").iterdir())


@needs_caddy
def test_the_units_pass_systemd_analyze_and_the_caddyfiles_caddy(tmp_path: Path) -> None:
    target = tmp_path / "kit"
    scripts = target / "scripts"
    result = kit(target, "--site", SITE, "--policybook", str(PYTHON_BIN / "policybook"), "--scripts", str(scripts),
                 "--acme-email", "it@harbourside-dexa.example")
    assert result.returncode == 0, result.stderr
    units = sorted((target / "systemd").iterdir())
    assert len(units) == 9
    checked = subprocess.run([str(SYSTEMD_ANALYZE), "verify", *map(str, units)], capture_output=True, text=True,
                             check=False, timeout=120)
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr
    service = (target / "systemd" / "policybook-confirm.service").read_text()
    for line in ("User=policybook", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
                 "ReadWritePaths=/var/lib/policybook", "EnvironmentFile=/etc/policybook/confirm.env"):
        assert line in service.splitlines()
    exposure = subprocess.run([str(SYSTEMD_ANALYZE), "security", "--offline=true",
                               str(target / "systemd" / "policybook-confirm.service")],
                              capture_output=True, text=True, check=False, timeout=120)
    level = float(exposure.stdout.split("Overall exposure level for policybook-confirm.service:")[1].split()[0])
    assert level < 2.5, exposure.stdout  # systemd's scale: 0 (locked down) to 10 (no sandbox)
    for name in ("Caddyfile", "Caddyfile.proxy-sign-in"):
        adapted = subprocess.run([str(CADDY), "adapt", "--validate", "--config", str(target / "caddy" / name)],
                                 capture_output=True, text=True, check=False, timeout=60)
        assert adapted.returncode == 0, adapted.stderr
        assert SITE in adapted.stdout and '"max_size":65536' in adapted.stdout


# -- end to end -------------------------------------------------------------------------------------------
@dataclass
class Deployment:
    kit: Path
    library: Path
    host: Path  # the library's git host (a bare repository)
    mail: MailSink
    https_port: int
    ca: Path
    service: Service


def _wait_for(what: str, ready: object, process: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start: {log.read_text(errors='replace')}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read_only_works() -> bool:
    try:
        return subprocess.run(["unshare", "--mount", "true"], capture_output=True, check=False,
                              timeout=30).returncode == 0
    except OSError:
        return False


READ_ONLY = _read_only_works()


def start_service(deployment: Deployment) -> subprocess.Popen[bytes]:
    """The service as policybook-confirm.service starts it: its ExecStart= with its environment file and,
    where this machine allows a mount namespace (unshare), the library's checkout read-only, as
    ProtectSystem=strict leaves it (the unit lets the service write its database's folder only)."""
    command, folder = unit_command(deployment.kit, "policybook-confirm.service")
    if READ_ONLY:
        library = str(deployment.library)
        command = ["unshare", "--mount", "sh", "-c", 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" '
                   '&& exec "$@"', library, *command]
    log = deployment.kit.parent / "service.log"
    with open(log, "ab") as output:
        process = subprocess.Popen(command, cwd=folder, stdout=output, stderr=subprocess.STDOUT,
                                   env={**os.environ, **environment_of(deployment.kit)})
    _wait_for("the service", lambda: _answers(f"{deployment.service.url}/health"), process, log)
    return process


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, mail: MailSink) -> Iterator[Deployment]:
    if _missing:
        pytest.skip(f"{' and '.join(_missing)} not installed")
    tmp = tmp_path_factory.mktemp("deploy")
    https_port, port = free_port(), free_port()
    base_url = f"https://{SITE}:{https_port}"
    library = make_library(tmp / "srv" / "policies", base_url, "sqlite:///unused.sqlite3", mail.port)
    edit(library / "policybook.yml", f"trusted: [{PROXY}]", "trusted: [127.0.0.1]")  # Caddy, on this machine
    git(library, "commit", "-q", "-am", "The service is behind Caddy on this server")
    host = tmp / "git-host" / "policies.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(library), str(host)], check=True, capture_output=True)
    git(library, "remote", "add", "origin", str(host))
    git(library, "fetch", "-q", "origin")
    git(library, "branch", "-q", "--set-upstream-to=origin/main")
    data = tmp / "var" / "lib" / "policybook"
    data.mkdir(parents=True)
    kit_dir = tmp / "kit"
    result = kit(kit_dir, "--site", SITE, "--library", str(library), "--data", str(data), "--backups",
                 str(tmp / "backups"), "--policybook", str(PYTHON_BIN / "policybook"), "--scripts",
                 str(kit_dir / "scripts"), "--env-file", str(kit_dir / "confirm.env"), "--port", str(port),
                 "--tls", "internal", "--https-port", str(https_port), "--http-port", str(free_port()))
    assert result.returncode == 0, result.stderr

    service = Service(library, f"http://127.0.0.1:{port}", port, environment_of(kit_dir)["POLICYBOOK_CONFIRM_DATABASE"],
                      mail)
    deployment = Deployment(kit_dir, library, host, mail, https_port, tmp / "caddy" / "root.crt", service)
    deployment.service.process = start_service(deployment)
    try:
        with running_caddy(kit_dir / "caddy" / "Caddyfile", tmp / "caddy", deployment):
            yield deployment
    finally:
        if deployment.service.process is not None:
            _stop(deployment.service.process)


@contextmanager
def running_caddy(caddyfile: Path, folder: Path, deployment: Deployment) -> Iterator[None]:
    """Debian's Caddy with a Caddyfile of the kit, as Caddy itself reads it; only its admin address moves
    to a free port (another Caddy may have the default one on this machine) and its state to ``folder``.
    Its root certificate is copied to ``deployment.ca``."""
    adapted = subprocess.run([str(CADDY), "adapt", "--config", str(caddyfile)], capture_output=True, text=True,
                             check=True, timeout=60)
    config = json.loads(adapted.stdout)
    config["admin"] = {"listen": f"127.0.0.1:{free_port()}"}
    folder.mkdir(parents=True)
    (folder / "caddy.json").write_text(json.dumps(config))
    environment = {"PATH": os.environ["PATH"], "HOME": str(folder), "XDG_DATA_HOME": str(folder / "data"),
                   "XDG_CONFIG_HOME": str(folder / "config")}
    root = folder / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    log = folder / "caddy.log"
    with open(log, "ab") as output:
        caddy = subprocess.Popen([str(CADDY), "run", "--config", str(folder / "caddy.json")], stdout=output,
                                 stderr=subprocess.STDOUT, env=environment)
    try:
        _wait_for("caddy", lambda: root.exists(), caddy, log)
        shutil.copyfile(root, deployment.ca)
        _wait_for("caddy", lambda: _tls_answers(deployment), caddy, log)
        yield
    finally:
        _stop(caddy)


def _tls_answers(deployment: Deployment) -> bool:
    try:
        with through_caddy(deployment) as http:
            return http.get("/health").status_code in (200, 302)  # 302: to the sign-in proxy's page
    except (httpx.HTTPError, ssl.SSLError):
        return False


def through_caddy(deployment: Deployment, address: str = "127.0.0.1") -> httpx.Client:
    """A client of the site over TLS, trusting only Caddy's own authority, that names the site (SNI and
    Host) as a browser would while connecting to this machine, from its own loopback ``address``."""
    context = ssl.create_default_context(cafile=str(deployment.ca))

    def name_the_site(request: httpx.Request) -> None:
        request.extensions["sni_hostname"] = SITE

    return httpx.Client(base_url=f"https://127.0.0.1:{deployment.https_port}", verify=context,
                        transport=httpx.HTTPTransport(local_address=address, verify=context),
                        headers={"Host": f"{SITE}:{deployment.https_port}"},
                        event_hooks={"request": [name_the_site]}, timeout=30)


@needs_caddy
def test_staff_sign_in_through_caddy_confirm_and_the_timers_pull_commit_push_update_and_back_up(
        deployment: Deployment, tmp_path: Path) -> None:
    address = loopback()
    with through_caddy(deployment, address) as http:
        token = sign_in(http, deployment.service, "jc")
        me = http.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["staff"] == "jc" and me.json()["method"] == "code"
        assert "max-age=31536000" in me.headers["strict-transport-security"]
        assert "server" not in me.headers
        confirmed = http.post("/api/v1/confirmations", json={"policy": "IPC-002", "version": "2.0",
                                                             "answers": {"1": 1}},
                              headers={"X-CSRF-Token": token, "X-Forwarded-For": "203.0.113.9"})  # forged
        assert confirmed.status_code == 201, confirmed.text
        # Refused whole: by Caddy's 64 KiB limit (Caddy 2.6 answers 502 when it cuts a body off, or closes
        # the connection) or by the service's own (413), whichever reads that far first; never stored (the
        # database holds one confirmation, below), and the service carries on.
        try:
            too_big: int | None = http.post("/api/v1/confirmations", content=b"x" * 100_000, headers={
                "X-CSRF-Token": token, "Content-Type": "application/json"}).status_code
        except httpx.TransportError:
            too_big = None
        assert too_big in (413, 502, None)
        assert http.get("/api/v1/me").status_code == 200

    # The service saw the member of staff's own address, given by Caddy: not Caddy's, nor the forged one.
    database = deployment.service.database.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT staff, policy, version, client FROM confirmations").fetchall() == [
            ("jc", "IPC-002", "2.0", address)]

    # Meanwhile a change is pushed to the git host from someone's computer.
    laptop = tmp_path / "laptop"
    subprocess.run(["git", "clone", "-q", str(deployment.host), str(laptop)], check=True, capture_output=True)
    edit(laptop / "registers" / "staff.yml", "name: Lena Brightwater", "name: Lena Brightwater-Hale")
    git(laptop, "commit", "-q", "-am", "Lena's new surname")
    git(laptop, "push", "-q", "origin", "main")

    # The records timer's command: pulled, committed on top of that change, and pushed to the git host.
    pulled = run_unit(deployment.kit, "policybook-records.service")
    assert pulled.returncode == 0, pulled.stderr
    rows = (deployment.library / "records" / "acknowledgements.csv").read_text().splitlines()
    assert any(row.startswith("jc,IPC-002,2.0,") for row in rows)
    evidence = (deployment.library / "records" / "confirmations.jsonl").read_text().splitlines()
    assert [json.loads(line)["staff"] for line in evidence][-1:] == ["jc"]
    hosted = subprocess.run(["git", "--git-dir", str(deployment.host), "log", "-2", "--format=%s", "main"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    assert hosted == [f"Confirmations pulled from {SITE}", "Lena's new surname"]
    assert run_unit(deployment.kit, "policybook-records.service").returncode == 0  # nothing new: no commit
    assert subprocess.run(["git", "-C", str(deployment.library), "status", "--porcelain"], capture_output=True,
                          text=True, check=True).stdout == ""

    # The library timer's command: the next change pushed from elsewhere reaches the checkout.
    git(laptop, "pull", "-q", "--rebase")
    edit(laptop / "registers" / "staff.yml", "name: Sam Kettleby", "name: Sam Kettleby-Ross")
    git(laptop, "commit", "-q", "-am", "Sam's new surname")
    git(laptop, "push", "-q", "origin", "main")
    updated = run_unit(deployment.kit, "policybook-library.service")
    assert updated.returncode == 0, updated.stderr
    assert "Sam Kettleby-Ross" in (deployment.library / "registers" / "staff.yml").read_text()

    # The backup timer's command: one archive, only root's, with the database holding the confirmation.
    backed_up = run_unit(deployment.kit, "policybook-backup.service")
    assert backed_up.returncode == 0, backed_up.stderr
    archive = Path(backed_up.stdout.strip())
    assert archive.stat().st_mode & 0o777 == 0o600
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as bundle:
        bundle.extractall(unpacked, filter="data")
    with sqlite3.connect(unpacked / "confirmations.sqlite3") as copy:
        assert copy.execute("SELECT staff FROM confirmations").fetchall() == [("jc",)]
    assert (unpacked / "records" / "confirmations.jsonl").read_text().splitlines() == evidence
    assert_no_key_material(archive, environment_of(deployment.kit))

    # Restore, with the service stopped. Without the environment file (the archive has no keys): refused in
    # one line, and nothing changed.
    assert deployment.service.process is not None
    _stop(deployment.service.process)
    restore_script = [str(deployment.kit / "scripts" / "policybook-restore"), str(archive)]
    env_file, kept = deployment.kit / "confirm.env", tmp_path / "kept-apart.env"
    env_file.rename(kept)
    before = Path(database).read_bytes()
    refused = subprocess.run(restore_script, capture_output=True, text=True, check=False, timeout=120)
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert f"no {env_file}" in refused.stderr and "nothing was changed" in refused.stderr
    assert Path(database).read_bytes() == before and not env_file.exists()
    # The copy kept apart put back: the database comes back whole, its rows' MACs check; the service starts.
    kept.rename(env_file)
    Path(database).unlink()
    restore = subprocess.run(restore_script, capture_output=True, text=True, check=False, timeout=120)
    assert restore.returncode == 0, restore.stderr
    assert "database: 1 confirmations" in restore.stdout and "hash chains and MACs hold" in restore.stdout
    deployment.service.process = start_service(deployment)
    verified = policybook(deployment.library, "confirmations", "verify", env=environment_of(deployment.kit))
    assert verified.returncode == 0, verified.stderr
    assert "database: 1 confirmations" in verified.stdout


# -- sign-in through the authenticating proxy -------------------------------------------------------------
SESSIONS = {"lena-session": "lb@harbourside-dexa.example", "no-address-session": None}


class SignInProxy(BaseHTTPRequestHandler):
    """Stands in for oauth2-proxy (not packaged by Debian) by its documented answers to ``/oauth2/auth``:
    202 with X-Auth-Request-Email for a signed-in browser, 401 for any other; and a sign-in page."""

    def do_GET(self) -> None:
        if self.path.startswith("/oauth2/auth"):
            cookie = (self.headers.get("Cookie") or "").removeprefix("_oauth2_proxy=")
            if cookie in SESSIONS:
                self.send_response(202)
                if SESSIONS[cookie]:
                    self.send_header("X-Auth-Request-Email", str(SESSIONS[cookie]))
            else:
                self.send_response(401)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@needs_caddy
def test_with_the_proxy_sign_in_caddyfile_only_the_sign_in_proxy_names_the_person(deployment: Deployment,
                                                                                  tmp_path: Path) -> None:
    auth = ThreadingHTTPServer(("127.0.0.1", 0), SignInProxy)
    threading.Thread(target=auth.serve_forever, daemon=True).start()
    https_port = free_port()
    command, _ = unit_command(deployment.kit, "policybook-confirm.service")
    result = kit(tmp_path / "kit", "--site", SITE, "--port", command[command.index("--port") + 1], "--tls",
                 "internal", "--https-port", str(https_port), "--http-port", str(free_port()), "--auth-port",
                 str(auth.server_address[1]))
    assert result.returncode == 0, result.stderr
    proxied = dataclasses.replace(deployment, https_port=https_port, ca=tmp_path / "root.crt")
    forged = {"X-Forwarded-Email": "pl@harbourside-dexa.example"}  # the registered manager
    try:
        with (running_caddy(tmp_path / "kit" / "caddy" / "Caddyfile.proxy-sign-in", tmp_path / "caddy", proxied),
              through_caddy(proxied) as http):
            signed_out = http.get("/api/v1/me", headers=forged)
            assert signed_out.status_code == 302
            assert signed_out.headers["location"].startswith("/oauth2/sign_in?rd=https://")
            assert http.get("/oauth2/sign_in").status_code == 200  # the proxy's own pages pass through
            http.cookies.set("_oauth2_proxy", "lena-session")
            me = http.get("/api/v1/me", headers=forged)
            assert me.status_code == 200 and (me.json()["staff"], me.json()["method"]) == ("lb", "proxy")
            http.cookies.set("_oauth2_proxy", "no-address-session")
            assert http.get("/api/v1/me", headers=forged).status_code == 401  # the forged header was removed
    finally:
        auth.shutdown()


# -- PostgreSQL -------------------------------------------------------------------------------------------
def test_the_backup_dumps_a_postgresql_database_and_the_restore_loads_it(
        tmp_path: Path, postgresql: PostgreSQL | str, mail: MailSink) -> None:
    if isinstance(postgresql, str):
        pytest.skip(postgresql)
    with running_service(tmp_path, "postgresql", postgresql, mail, hostile=False) as service:
        with client(service) as http:
            token = sign_in(http, service, "jc")
            assert http.post("/api/v1/confirmations", json={"policy": "IPC-002", "version": "2.0",
                                                             "answers": {"1": 1}},
                             headers={"X-CSRF-Token": token}).status_code == 201
        kit_dir = tmp_path / "kit"
        result = kit(kit_dir, "--site", SITE, "--library", str(service.root), "--database", service.database,
                     "--backups", str(tmp_path / "backups"), "--scripts", str(kit_dir / "scripts"),
                     "--env-file", str(kit_dir / "confirm.env"), "--policybook", str(PYTHON_BIN / "policybook"))
        assert result.returncode == 0, result.stderr
        backed_up = run_unit(kit_dir, "policybook-backup.service")
        assert backed_up.returncode == 0, backed_up.stderr
    archive = Path(backed_up.stdout.strip())
    with tarfile.open(archive) as bundle:
        assert "./confirmations.pgdump" in bundle.getnames()
    assert_no_key_material(archive, {**environment_of(kit_dir), **KEYS})

    fresh = postgresql.new_database()

    def restore() -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(kit_dir / "scripts" / "policybook-restore"), str(archive)], capture_output=True,
                              text=True, check=False, timeout=120,
                              env={**os.environ, "POLICYBOOK_CONFIRM_DATABASE": fresh})

    # The kit's fresh keys are not those the rows were made with: the dump loads, and the check says so.
    wrong = restore()
    assert wrong.returncode == 1 and "row 1: its MAC is wrong" in wrong.stderr, wrong.stderr
    assert "the restored database does not verify" in wrong.stderr
    # The service's own keys, put back from the copy kept apart: restored, and every row's MAC checks.
    with_keys(kit_dir / "confirm.env", KEYS)
    restored = restore()
    assert restored.returncode == 0, restored.stderr
    assert "database: 1 confirmations" in restored.stdout and "hash chains and MACs hold" in restored.stdout
    import psycopg

    with psycopg.connect(fresh) as connection:
        rows = connection.execute("SELECT staff, policy, version FROM confirmations").fetchall()
    assert rows == [("jc", "IPC-002", "2.0")]
