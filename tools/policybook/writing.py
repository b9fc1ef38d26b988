"""Writing files safely: a whole file replaced or created in one step, never through a symbolic link.

Every command that writes (bump, new, approve, init, import, the records, the site's publish step) goes
through here, so a refused or failed command never leaves a half-written file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from policybook.errors import PolicybookError


def write_atomically(path: Path, content: bytes) -> None:
    """Replace ``path`` with ``content`` in one step, keeping its permissions."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    temporary = _written_beside(path, content, mode)
    try:
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def create_atomically(path: Path, content: bytes) -> None:
    """Write a new file whole, or refuse if one is already there, even one that appears meanwhile: the
    content is written to a temporary file and linked into place, which fails if the name is taken
    (where the file system has no hard links, the file is created exclusively instead)."""
    if path.exists() or path.is_symlink():
        raise PolicybookError(f"{path} already exists; nothing was written")
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = 0o666 & ~current_umask()
    temporary = _written_beside(path, content, mode)
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise PolicybookError(f"{path} already exists; nothing was written") from None
    except OSError:
        _create_new(path, content, mode)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _written_beside(path: Path, content: bytes, mode: int) -> str:
    """A temporary file in ``path``'s folder holding ``content``, flushed to disk, with ``mode``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return temporary


def _create_new(path: Path, content: bytes, mode: int) -> None:
    """An exclusive create that follows no symbolic link: for file systems without hard links."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        handle = os.open(path, flags, mode)
    except FileExistsError:
        raise PolicybookError(f"{path} already exists; nothing was written") from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def refuse_links_below(root: Path, path: Path) -> None:
    """Refuse a file outside ``root``, or one reached through a symbolic link (or a non-folder) below it:
    a link inside a library would send what policybook writes somewhere else."""
    if not path.is_relative_to(root):
        raise PolicybookError(f"{path} is outside the library ({root}); nothing was written")
    current = root
    for part in path.relative_to(root).parts[:-1]:
        current = current / part
        if current.is_symlink():
            raise PolicybookError(f"{current} is a symbolic link; policybook does not write through one; nothing "
                                  "was written")
        if current.exists() and not current.is_dir():
            raise PolicybookError(f"{current} is not a folder; nothing was written")


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def swap_folder_in(built: Path, target: Path) -> None:
    """Put the folder ``built`` where ``target`` is, with two renames in the same parent (a reader sees the
    old folder or the new one, never half of either), then remove the old one."""
    old: Path | None = None
    if target.exists() or target.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(built, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
