"""The values of the deployment kit (kit.py), each checked against a narrow pattern before any file is
written, so that a host name or path cannot carry a line break, a quote or a directive into a systemd
unit, a Caddyfile or a script.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from policybook.errors import PolicybookError

# The service's environment (the names the service reads; tests check them against its modules).
SECRET_VARIABLE = "POLICYBOOK_CONFIRM_SECRET"
RECORD_KEY_VARIABLE = "POLICYBOOK_CONFIRM_RECORD_KEY"
API_TOKEN_VARIABLE = "POLICYBOOK_CONFIRM_API_TOKEN"
DATABASE_VARIABLE = "POLICYBOOK_CONFIRM_DATABASE"
SMTP_PASSWORD_VARIABLE = "POLICYBOOK_SMTP_PASSWORD"
ENV_FILE_NAME = "confirm.env"

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(?:\.{_LABEL})*\Z")
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
    return dataclasses.replace(values, site=site)


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
