"""``policybook confirmations kit DIR``: the files that run the service on one small Debian server.

The kit is systemd units (the service, and timers for the reminders, the records pull, the library
checkout's update and the backup), Caddyfiles, the helper scripts and an environment file with fresh
secrets. Every value that goes into those files is checked here against a narrow pattern first, so a host
name or path cannot carry a line break, a quote or a directive into a unit file, a Caddyfile or a script.
The texts themselves are in kit_files.py.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from policybook.errors import PolicybookError
from policybook.writing import write_atomically

# The service's environment (the names the service reads; tests check them against its modules).
SECRET_VARIABLE = "POLICYBOOK_CONFIRM_SECRET"
RECORD_KEY_VARIABLE = "POLICYBOOK_CONFIRM_RECORD_KEY"
API_TOKEN_VARIABLE = "POLICYBOOK_CONFIRM_API_TOKEN"
DATABASE_VARIABLE = "POLICYBOOK_CONFIRM_DATABASE"
SMTP_PASSWORD_VARIABLE = "POLICYBOOK_SMTP_PASSWORD"
ENV_FILE_NAME = "confirm.env"

_HOST_NAME = re.compile(r"(?=.{1,253}\Z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\Z")
_PATH = re.compile(r"/[A-Za-z0-9._/-]*\Z")
_USER = re.compile(r"[a-z_][a-z0-9_-]{0,30}\Z")
_HEADER = re.compile(r"[A-Za-z0-9-]{1,64}\Z")
_ADDRESS = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\Z")
_DATABASE = re.compile(r"(?:sqlite:///|postgresql://)[A-Za-z0-9\-._~:/?@!$&()*+,;=%\[\]]+\Z")


@dataclass(frozen=True)
class KitValues:
    """Everything the kit's files say about this server, each value already checked."""

    site: str  # the public host name staff use: confirm.example.org
    library: str = "/srv/policies"  # the library's checkout on the server
    user: str = "policybook"  # the service's own system user
    data: str = "/var/lib/policybook"  # the SQLite database and the user's home (its git key)
    backups: str = "/var/backups/policybook"
    policybook: str = "/opt/policybook/bin/policybook"  # the installed command
    scripts: str = "/usr/local/lib/policybook"  # where the kit's scripts are installed
    env_file: str = "/etc/policybook/confirm.env"
    database: str = ""  # empty: SQLite in ``data``
    listen: str = "127.0.0.1"  # the service's address, behind Caddy
    port: int = 8090
    tls: str = "acme"  # acme: a public certificate (Let's Encrypt); internal: Caddy's own authority
    acme_email: str = ""
    http_port: int = 80
    https_port: int = 443
    auth_port: int = 4180  # the authenticating proxy (oauth2-proxy) of the proxy sign-in variant
    proxy_header: str = "X-Forwarded-Email"

    @property
    def database_url(self) -> str:
        return self.database or f"sqlite:///{self.data}/confirmations.sqlite3"

    @property
    def upstream(self) -> str:
        address = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"{address}:{self.port}"


def checked(values: KitValues) -> KitValues:
    """``values`` with the host name in lower case, or a PolicybookError naming the first bad value."""
    site = values.site.strip().lower()
    if not _HOST_NAME.match(site):
        raise PolicybookError(f"--site {values.site!r}: not a host name (letters, digits, hyphens and dots)")
    for option, path in (("--library", values.library), ("--data", values.data), ("--backups", values.backups),
                         ("--policybook", values.policybook), ("--scripts", values.scripts),
                         ("--env-file", values.env_file)):
        _check_path(option, path)
    if not _USER.match(values.user) or values.user == "root":
        raise PolicybookError(f"--user {values.user!r}: a system user name of lower-case letters, digits, '_' "
                              "and '-', and not root")
    if values.database and not (_DATABASE.match(values.database) and _database_path_ok(values.database)):
        raise PolicybookError("--database: sqlite:////ABSOLUTE/PATH or postgresql://USER:PASSWORD@HOST/NAME, "
                              "with any special character of the password %-encoded")
    try:
        ipaddress.ip_address(values.listen)
    except ValueError:
        raise PolicybookError(f"--host {values.listen!r}: the service's address must be an IP address") from None
    for option, port in (("--port", values.port), ("--http-port", values.http_port),
                         ("--https-port", values.https_port), ("--auth-port", values.auth_port)):
        if not 0 < port < 65536:
            raise PolicybookError(f"{option} {port}: not a port number")
    if values.tls not in ("acme", "internal"):
        raise PolicybookError(f"--tls {values.tls!r}: acme or internal")
    if values.acme_email and not _ADDRESS.match(values.acme_email):
        raise PolicybookError(f"--acme-email {values.acme_email!r}: not an e-mail address")
    if not _HEADER.match(values.proxy_header):
        raise PolicybookError(f"--proxy-header {values.proxy_header!r}: a header name (letters, digits, '-')")
    return KitValues(**{**values.__dict__, "site": site})


def _check_path(option: str, path: str) -> None:
    pure = PurePosixPath(path)
    if not _PATH.match(path) or path == "/" or ".." in pure.parts or str(pure) != path:
        raise PolicybookError(f"{option} {path!r}: an absolute path of letters, digits, '.', '_', '-' and '/' "
                              "(no spaces, no '..', no trailing '/')")


def _database_path_ok(database: str) -> bool:
    if not database.startswith("sqlite:///"):
        return True
    path = database.removeprefix("sqlite:///")
    try:
        _check_path("--database", path)
    except PolicybookError:
        return False
    return True


def environment(values: KitValues) -> str:
    """The service's environment file, with secrets made now by ``secrets`` (32 random bytes each)."""
    return (
        "# The confirmations service's secrets, read by systemd (EnvironmentFile=) and by the backup script.\n"
        f"# Keep it mode 600, owned by root, at {values.env_file}; keep a copy off the server (a backup\n"
        "# archive holds one). Changing a secret later signs everyone out; never change it while the service runs.\n"
        f"{SECRET_VARIABLE}={secrets.token_hex(32)}\n"
        f"{RECORD_KEY_VARIABLE}={secrets.token_hex(32)}\n"
        "# The manager's token for the JSON API's exports and report (Authorization: Bearer ...).\n"
        f"{API_TOKEN_VARIABLE}={secrets.token_hex(32)}\n"
        "# The database: SQLite by default; for PostgreSQL, postgresql://USER:PASSWORD@HOST/NAME.\n"
        f"{DATABASE_VARIABLE}={values.database_url}\n"
        "# The password of the mail account in policybook.yml (confirmations.mail): fill it in.\n"
        f"{SMTP_PASSWORD_VARIABLE}=\n"
    )


def kit_files(values: KitValues) -> dict[str, tuple[str, int]]:
    """Each file of the kit, by its path in the kit: (text, mode). The environment file is not here."""
    from policybook.confirm import kit_files as texts

    files = {f"systemd/{name}": (text, 0o644) for name, text in texts.units(values).items()}
    files["caddy/Caddyfile"] = (texts.caddyfile(values, proxy_sign_in=False), 0o644)
    files["caddy/Caddyfile.proxy-sign-in"] = (texts.caddyfile(values, proxy_sign_in=True), 0o644)
    files.update({f"scripts/{name}": (text, 0o755) for name, text in texts.scripts(values).items()})
    files["README.txt"] = (texts.readme(values), 0o644)
    return files


def write_kit(directory: Path, values: KitValues, force: bool = False) -> list[str]:
    """Write the kit into ``directory``; the names written. A directory that has files in it is refused
    unless ``force``; then the kit's files are replaced, except an environment file already there (its
    secrets are in use: new ones would sign everyone out and orphan what they protect)."""
    values = checked(values)
    files = kit_files(values)
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise PolicybookError(f"{directory}: not a directory; nothing was written")
    existing = directory.exists() and any(directory.iterdir())
    if existing and not force:
        raise PolicybookError(f"{directory} is not empty: give an empty or new directory, or --force to replace "
                              "the kit's files in it (an existing confirm.env is kept); nothing was written")
    if not directory.exists():
        _write_new(directory, values, files)
    else:
        _write_into(directory, values, files)
    return sorted([*files, ENV_FILE_NAME])


def _write_new(directory: Path, values: KitValues, files: dict[str, tuple[str, int]]) -> None:
    """A new directory is made whole beside its final name and renamed into place: all or nothing."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        _write_into(staging, values, files)
        os.rename(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_into(directory: Path, values: KitValues, files: dict[str, tuple[str, int]]) -> None:
    directory.chmod(0o700)  # it holds the secrets until they are installed
    for name, (text, mode) in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            raise PolicybookError(f"{path} is a symbolic link; nothing more was written")
        write_atomically(path, text.encode())
        path.chmod(mode)
    env = directory / ENV_FILE_NAME
    if env.is_symlink():
        raise PolicybookError(f"{env} is a symbolic link; it was not written")
    if not env.exists():
        _write_secret(env, environment(values))


def _write_secret(path: Path, text: str) -> None:
    """A new file that only its owner can read, from its first byte (it never exists with wider rights)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)  # whatever the umask
        os.rename(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
