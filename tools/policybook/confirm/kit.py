"""``policybook confirmations kit DIR``: the files that run the service on one small Debian server.

The kit is systemd units (the service, and timers for the reminders, the records pull, the library
checkout's update and the backup), Caddyfiles, the helper scripts and an environment file with fresh
secrets. Every value that goes into those files is checked first against a narrow pattern (kit_values.py),
so a host name or path cannot carry a line break, a quote or a directive into a unit file, a Caddyfile or
a script. The texts themselves are in kit_files.py; this module makes the secrets and writes the files.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

from policybook.confirm import kit_files as texts
from policybook.confirm.kit_values import (
    API_TOKEN_VARIABLE,
    DATABASE_VARIABLE,
    ENV_FILE_NAME,
    RECORD_KEY_VARIABLE,
    SECRET_VARIABLE,
    SMTP_PASSWORD_VARIABLE,
    KitValues,
    checked,
)
from policybook.errors import PolicybookError
from policybook.writing import write_atomically

__all__ = ["KitValues", "write_kit"]


def environment(values: KitValues) -> str:
    """The service's environment file, with secrets made now by ``secrets`` (32 random bytes each)."""
    return (
        "# The confirmations service's secrets, read by systemd (EnvironmentFile=) and by the backup script.\n"
        f"# Keep it mode 600, owned by root, at {values.env_file}. The backups never hold it: keep a copy\n"
        "# of your own apart from them (a password manager, or offline); a restore needs it back in place.\n"
        "# Changing a secret later signs everyone out; never change it while the service runs.\n"
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
