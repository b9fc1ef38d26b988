"""The texts of the deployment kit (see kit.py, which checks every value before it reaches them).

The service and its helpers each run as the service's own user with systemd's sandbox: the whole file
system read-only but for the paths each one writes, no new privileges, no devices, kernel settings or
other users' files. Only the backup runs as root, to read the database's address from the environment file
and write the archive.

The backup archive holds the database, the records and the library's commit, never the environment file:
the keys in it sign people in and make row MACs, so an archive that held them would be a sign-in and a
forger's tool to whoever took a copy. The operator keeps the environment file apart (deploying.md), and
the restore refuses to run until it is back in place, then checks the restored rows with its record key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from policybook.confirm.kit_values import DATABASE_VARIABLE, RECORD_KEY_VARIABLE

if TYPE_CHECKING:
    from policybook.confirm.kit_values import KitValues

HARDENING = """NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
CapabilityBoundingSet=
UMask=0027
"""


def _unit(description: str, after: str, service: str, install: str = "") -> str:
    return (f"[Unit]\nDescription={description}\nDocumentation=man:systemd.exec(5)\n{after}\n"
            f"[Service]\n{service}{install}")


def units(v: KitValues) -> dict[str, str]:
    """The systemd units by file name."""
    as_user = f"User={v.user}\nGroup={v.user}\nEnvironmentFile={v.env_file}\nWorkingDirectory={v.library}\n"
    network = "After=network-online.target\nWants=network-online.target\n"
    command = f"{v.policybook} -C {v.library}"
    found = {
        "policybook-confirm.service": _unit(
            "policybook confirmations service", network + "After=postgresql.service\n",
            f"Type=exec\n{as_user}"
            f"ExecStart={command} confirmations serve --host {v.listen} --port {v.port}\n"
            "Restart=on-failure\nRestartSec=5s\nTimeoutStopSec=20s\n"
            f"ReadWritePaths={v.data}\n{HARDENING}",
            "\n[Install]\nWantedBy=multi-user.target\n"),
        "policybook-remind.service": _unit(
            "policybook: e-mail reminders of confirmations outstanding", network,
            f"Type=oneshot\n{as_user}ExecStart={command} confirmations remind --send\n"
            f"ReadWritePaths={v.data}\n{HARDENING}"),
        "policybook-records.service": _unit(
            "policybook: pull confirmations into the library's records and commit them", network,
            f"Type=oneshot\n{as_user}ExecStart={v.scripts}/policybook-records\n"
            f"ReadWritePaths={v.data} {v.library}\n{HARDENING}"),
        "policybook-library.service": _unit(
            "policybook: bring the library checkout up to date from its git host", network,
            f"Type=oneshot\n{as_user}ExecStart={v.scripts}/policybook-library\n"
            f"ReadWritePaths={v.data} {v.library}\n{HARDENING}"),
        "policybook-backup.service": _unit(
            "policybook: back up the confirmations database and records (never the keys)", network,
            f"Type=oneshot\nEnvironmentFile={v.env_file}\nExecStart={v.scripts}/policybook-backup\n"
            f"ReadWritePaths={v.data} {v.backups}\n"
            + HARDENING.replace("CapabilityBoundingSet=\n", "CapabilityBoundingSet=CAP_SETUID CAP_SETGID "
                                "CAP_DAC_OVERRIDE CAP_CHOWN CAP_FOWNER\n")
            .replace("SystemCallFilter=~@privileged @resources\n", "")
            .replace("ProtectHome=yes\n", "ProtectHome=read-only\n")),
    }
    schedules = {
        "policybook-remind.timer": ("each morning's reminders", "OnCalendar=*-*-* 07:30:00\n"),
        "policybook-records.timer": ("the records pull, every hour", "OnCalendar=hourly\n"),
        "policybook-library.timer": ("the library update, every 10 minutes", "OnBootSec=1min\nOnUnitActiveSec=10min\n"),
        "policybook-backup.timer": ("the nightly backup", "OnCalendar=*-*-* 02:30:00\n"),
    }
    for name, (description, when) in schedules.items():
        found[name] = (f"[Unit]\nDescription=policybook: {description}\n\n[Timer]\n{when}"
                       "RandomizedDelaySec=2min\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n")
    return found


def caddyfile(v: KitValues, proxy_sign_in: bool) -> str:
    """Caddy in front of the service: the certificate, limits and timeouts, and (``proxy_sign_in``) an
    authenticating proxy asked about every request, whose answer alone may name the person."""
    options = ["\tservers {\n\t\ttimeouts {\n\t\t\tread_header 10s\n\t\t\tread_body 30s\n\t\t\twrite 60s\n"
               "\t\t\tidle 2m\n\t\t}\n\t\tmax_header_size 16KiB\n\t}\n"]
    if v.http_port != 80:
        options.append(f"\thttp_port {v.http_port}\n")
    if v.https_port != 443:
        options.append(f"\thttps_port {v.https_port}\n")
    if v.acme_email:
        options.append(f"\temail {v.acme_email}\n")
    if v.tls == "internal":
        options.append("\tskip_install_trust\n")
    site = v.site if v.https_port == 443 else f"{v.site}:{v.https_port}"
    body = "\ttls internal\n" if v.tls == "internal" else ""
    body += ("\trequest_body {\n\t\tmax_size 64KiB\n\t}\n"
             "\theader {\n\t\tStrict-Transport-Security \"max-age=31536000\"\n\t\t-Server\n\t}\n")
    upstream = (f"reverse_proxy {v.upstream} {{\n\t\ttransport http {{\n\t\t\tdial_timeout 5s\n"
                "\t\t\tresponse_header_timeout 60s\n\t\t}\n\t}\n")
    if not proxy_sign_in:
        body += f"\t{upstream}"
    else:
        auth = f"127.0.0.1:{v.auth_port}"
        nested = upstream.replace("\n\t", "\n\t\t")
        body += (f"\t# Whatever the client sends as {v.proxy_header} is removed; only the sign-in proxy sets it.\n"
                 f"\trequest_header -{v.proxy_header}\n"
                 f"\thandle /oauth2/* {{\n\t\treverse_proxy {auth}\n\t}}\n"
                 f"\thandle {{\n\t\tforward_auth {auth} {{\n\t\t\turi /oauth2/auth\n"
                 f"\t\t\tcopy_headers X-Auth-Request-Email>{v.proxy_header}\n"
                 "\t\t\t@signed_out status 401\n"
                 "\t\t\thandle_response @signed_out {\n"
                 "\t\t\t\tredir * /oauth2/sign_in?rd={scheme}://{host}{uri}\n\t\t\t}\n\t\t}\n"
                 f"\t\t{nested}\t}}\n")
    intro = ("# Caddy in front of the policybook confirmations service"
             + (" with sign-in through an authenticating proxy (oauth2-proxy)" if proxy_sign_in else "")
             + ".\n# Install as /etc/caddy/Caddyfile, then: systemctl reload caddy\n")
    return f"{intro}{{\n{''.join(options)}}}\n\n{site} {{\n{body}}}\n"


_RECORDS = """#!/bin/sh
# Copy the service's new confirmations into the library's records and commit them; push them when the
# checkout has a git host (origin). Run hourly by policybook-records.timer as {user}.
set -eu
exec 9>{data}/library.lock  # one job at a time in the checkout (see policybook-library)
flock --wait 600 9
export GIT_AUTHOR_NAME="policybook confirmations" GIT_AUTHOR_EMAIL="{user}@{site}"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
cd {library}
{policybook} -C {library} ack pull
git add -A -- records
if git diff --cached --quiet -- records; then
    exit 0
fi
git commit --quiet -m "Confirmations pulled from {site}" -- records
if git remote get-url origin >/dev/null 2>&1; then
    git pull --rebase --quiet
    git push --quiet origin HEAD
fi
"""

_LIBRARY = """#!/bin/sh
# Bring the library checkout up to date from its git host (newly approved versions reach the service
# within seconds). Records committed here and not yet pushed are kept on top. Run by
# policybook-library.timer as {user}.
set -eu
exec 9>{data}/library.lock  # one job at a time in the checkout (see policybook-records)
flock --wait 600 9
export GIT_AUTHOR_NAME="policybook confirmations" GIT_AUTHOR_EMAIL="{user}@{site}"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
cd {library}
if ! git pull --rebase --quiet; then
    git rebase --abort 2>/dev/null || true
    echo "policybook-library: {library} could not be brought up to date; it is unchanged" >&2
    exit 1
fi
"""

_READ_ENV = """env_value() {{  # a variable from the environment, else from {env_file} (read, never run)
    name=$1
    value=$(printenv "$name" || true)
    if [ -z "$value" ] && [ -r {env_file} ]; then
        value=$(sed -n "s/^$name=//p" {env_file} | tail -n 1)
    fi
    printf '%s' "$value"
}}
"""

_BACKUP = """#!/bin/bash
# Back up the confirmations service into one archive only root can read: the database (SQLite through
# its online backup API, or pg_dump), the library's records and its commit. The environment file (the
# keys) is never in it: keep your own copy of {env_file} apart from the archives. Run nightly by
# policybook-backup.timer as root; prints the archive's name. Copy the archives off the server.
set -euo pipefail
umask 077
KEEP_DAYS=${{KEEP_DAYS:-35}}
{read_env}
database=$(env_value {database_variable})
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p {backups}
work=$(mktemp -d {backups}/.partial-XXXXXX)
trap 'rm -rf "$work" "$work.tar.gz"' EXIT
case "$database" in
    sqlite:////*)
        db=${{database#sqlite:///}}
        [ -f "$db" ] || {{ echo "policybook-backup: no database at $db" >&2; exit 1; }}
        # Read the database as its owner, so no file of another owner appears beside it.
        copy="$(dirname "$db")/.backup-$stamp.sqlite3"
        setpriv --reuid="$(stat -c %u "$db")" --regid="$(stat -c %g "$db")" --clear-groups \\
            python3 - "$db" "$copy" <<'PYTHON'
import sqlite3
import sys

source = sqlite3.connect(f"file:{{sys.argv[1]}}?mode=rw", uri=True)
target = sqlite3.connect(sys.argv[2])
source.backup(target)
target.close()
source.close()
PYTHON
        mv "$copy" "$work/confirmations.sqlite3"
        ;;
    postgresql://*)
        pg_dump --format=custom --no-owner --file="$work/confirmations.pgdump" "$database"
        ;;
    *)
        echo "policybook-backup: {database_variable} is neither sqlite:////PATH nor postgresql://" >&2
        exit 1
        ;;
esac
cp -R {library}/records "$work/records"
# Root reads the service user's checkout: name it safe for this command only.
git -c safe.directory={library} -C {library} rev-parse HEAD > "$work/library-commit"
tar -C "$work" -czf "$work.tar.gz" .
mv "$work.tar.gz" {backups}/policybook-$stamp.tar.gz
find {backups} -maxdepth 1 -name 'policybook-*.tar.gz' -mtime +"$KEEP_DAYS" -delete
echo {backups}/policybook-$stamp.tar.gz
"""

_RESTORE = """#!/bin/bash
# Restore the confirmations service from a policybook-backup archive, as root, with the service stopped:
#   systemctl stop policybook-confirm.service policybook-records.timer policybook-remind.timer
#   {scripts}/policybook-restore /var/backups/policybook/policybook-YYYYMMDDTHHMMSSZ.tar.gz
# The archive holds no keys: {env_file} must be in place first (on a new server, the copy you kept off
# it). A database already here is kept beside the restored one as *.before-restore-STAMP. The restored
# rows are then checked with the record key (confirmations verify --require-macs). The records stay as
# git has them: the archive's copy (records/ in it) is for a library whose git host was lost too.
set -euo pipefail
umask 077
archive=${{1:?usage: policybook-restore ARCHIVE}}
if systemctl is-active --quiet policybook-confirm.service 2>/dev/null; then
    echo "policybook-restore: stop policybook-confirm.service first" >&2
    exit 1
fi
if [ ! -f {env_file} ]; then
    echo "policybook-restore: no {env_file}: the archives never hold the keys; put back the copy you kept" \\
        "(install -m 600 -o root -g root COPY {env_file}) and run this again; nothing was changed" >&2
    exit 1
fi
{read_env}
record_key=$(env_value {record_key_variable})
record_key_file=$(env_value {record_key_variable}_FILE)
if [ -z "$record_key$record_key_file" ]; then
    echo "policybook-restore: {env_file} has no {record_key_variable}: put back the copy you kept; nothing" \\
        "was changed" >&2
    exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$archive"
database=$(env_value {database_variable})
stamp=$(date -u +%Y%m%dT%H%M%SZ)
case "$database" in
    sqlite:////*)
        db=${{database#sqlite:///}}
        mkdir -p "$(dirname "$db")"
        if [ -f "$db" ]; then
            mv "$db" "$db.before-restore-$stamp"
        fi
        rm -f "$db-wal" "$db-shm"
        # Owned like its folder ({data}, the service user's), so the service can write it again.
        install -m 640 -o "$(stat -c %u "$(dirname "$db")")" -g "$(stat -c %g "$(dirname "$db")")" \\
            "$work/confirmations.sqlite3" "$db"
        ;;
    postgresql://*)
        pg_restore --clean --if-exists --no-owner --dbname="$database" "$work/confirmations.pgdump"
        ;;
    *)
        echo "policybook-restore: {database_variable} is neither sqlite:////PATH nor postgresql://" >&2
        exit 1
        ;;
esac
echo "restored the database from $archive (library commit $(cat "$work/library-commit"))"
# Check the restored rows as the checkout's owner, with the record key (in the environment, never argv).
export {database_variable}="$database"
[ -z "$record_key" ] || export {record_key_variable}="$record_key"
[ -z "$record_key_file" ] || export {record_key_variable}_FILE="$record_key_file"
cd {library}
if ! HOME={data} setpriv --reuid="$(stat -c %u {library})" --regid="$(stat -c %g {library})" --clear-groups \\
        {policybook} -C {library} confirmations verify --require-macs; then
    echo "policybook-restore: the restored database does not verify (above); see the guide's Backups and" \\
        "restore before starting the service" >&2
    exit 1
fi
echo "now: systemctl start policybook-confirm.service policybook-records.timer policybook-remind.timer"
"""


def scripts(v: KitValues) -> dict[str, str]:
    """The helper scripts by file name (installed in ``v.scripts``)."""
    fields = {"user": v.user, "data": v.data, "site": v.site, "library": v.library, "policybook": v.policybook,
              "backups": v.backups, "env_file": v.env_file, "scripts": v.scripts,
              "database_variable": DATABASE_VARIABLE, "record_key_variable": RECORD_KEY_VARIABLE}
    read_env = _READ_ENV.format(**fields)
    return {"policybook-records": _RECORDS.format(**fields), "policybook-library": _LIBRARY.format(**fields),
            "policybook-backup": _BACKUP.format(read_env=read_env, **fields),
            "policybook-restore": _RESTORE.format(read_env=read_env, **fields)}


def readme(v: KitValues) -> str:
    """Where each file goes; the guide (docs/guide/deploying.md) says the rest."""
    return f"""policybook confirmations service: deployment kit for {v.site}

Where each file goes (as root; the guide "Deploying the confirmations service" has every step):

  confirm.env                        -> {v.env_file}   (mode 600, owner root; it holds the secrets)
  systemd/*                          -> /etc/systemd/system/
  scripts/*                          -> {v.scripts}/   (mode 755)
  caddy/Caddyfile                    -> /etc/caddy/Caddyfile
  caddy/Caddyfile.proxy-sign-in      -> /etc/caddy/Caddyfile instead, for sign-in through oauth2-proxy

Then:

  systemctl daemon-reload
  systemctl enable --now policybook-confirm.service
  systemctl enable --now policybook-remind.timer policybook-records.timer \\
                         policybook-library.timer policybook-backup.timer
  systemctl reload caddy

The service runs as {v.user} from {v.library}, listening on {v.upstream} behind Caddy, with its database
named in confirm.env. Backups go to {v.backups}: copy them off the server.

The backups never hold confirm.env. Keep a copy of it yourself, apart from the backups (a password
manager, or a USB stick in a safe), made once now and again whenever you change it: a restore needs it
back in place. Without it, everyone signs in again and the MACs of the rows made so far can no longer
be checked (their hash chain and the records in git still can).
"""
