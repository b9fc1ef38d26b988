"""The one door to git: every git command policybook runs goes through here.

Reading files as they were at a revision uses one `git cat-file --batch` process for many files.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from policybook.errors import PolicybookError
from policybook.programs import run_program


def run_git(root: Path, *args: str, stdin: bytes | None = None, timeout: float = 120) -> bytes:
    """Run ``git ARGS`` in ``root`` and return its output; any failure is a one-line PolicybookError."""
    return run_program("git", args, cwd=root, stdin=stdin, timeout=timeout)


def _output_or_none(root: Path, *args: str) -> str | None:
    try:
        return run_git(root, *args, timeout=10).decode("utf-8", "replace").strip() or None
    except PolicybookError:
        return None


@lru_cache(maxsize=64)
def repo_root(root: Path) -> Path:
    """The top of the git work tree holding ``root`` (asked of git once per folder: it does not move)."""
    return Path(run_git(root, "rev-parse", "--show-toplevel").decode().strip())


def in_repository(root: Path) -> bool:
    """True when ``root`` is inside a git work tree."""
    return _output_or_none(root, "rev-parse", "--show-toplevel") is not None


def has_history(root: Path) -> bool:
    """True when ``root`` is in a git work tree with at least one commit (a new repository has none)."""
    return _output_or_none(root, "rev-parse", "--verify", "--quiet", "HEAD") is not None


def user_name(root: Path) -> str | None:
    """git's ``user.name``, the default author of a new policy."""
    return _output_or_none(root, "config", "user.name")


def signing_key(root: Path) -> str | None:
    """git's ``user.signingkey``: the key people already sign commits with, the default for approvals."""
    return _output_or_none(root, "config", "user.signingkey")


def short_revision(root: Path) -> str | None:
    """The abbreviated commit of HEAD, or None outside git (or before the first commit)."""
    return _output_or_none(root, "rev-parse", "--short", "HEAD")


def log_of_file(root: Path, relative: str) -> str:
    """`git log --follow` of one file (``relative`` to the top of the work tree, as git names it, wherever in
    the tree ``root`` is): '@COMMIT' lines, each followed by the file's name at that commit."""
    return run_git(root, "log", "--follow", "--name-only", "--format=@%H", "--",
                   f":(top,literal){relative}").decode("utf-8", "replace")


def read_blobs(root: Path, specs: list[str]) -> list[bytes | None]:
    """The content of each `REV:PATH` in ``specs`` (None where it does not exist), in one git process."""
    if not specs:
        return []
    output = run_git(root, "cat-file", "--batch", stdin=("\n".join(specs) + "\n").encode("utf-8"))
    blobs: list[bytes | None] = []
    position = 0
    for _ in specs:
        end = output.index(b"\n", position)
        header = output[position:end].decode("utf-8", "replace")
        position = end + 1
        if header.endswith(" missing"):
            blobs.append(None)
            continue
        size = int(header.rsplit(" ", 1)[1])
        blobs.append(output[position:position + size])
        position += size + 1
    return blobs


def files_at(root: Path, ref: str, paths: list[Path]) -> dict[Path, bytes]:
    """{path: content at ``ref``} for those of ``paths`` that existed there."""
    top = repo_root(root)
    run_git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    specs = [f"{ref}:{p.resolve().relative_to(top).as_posix()}" for p in paths]
    return {path: blob for path, blob in zip(paths, read_blobs(root, specs), strict=True) if blob is not None}


def last_commit_by(root: Path, day: str) -> str | None:
    """The newest commit on HEAD's line made on or before ``day`` (YYYY-MM-DD, the end of that day), or None."""
    return _output_or_none(root, "log", "-1", "--format=%H", f"--before={day}T23:59:59")


def first_commit(root: Path, relative: str) -> str | None:
    """The oldest commit on HEAD's line that holds the file ``relative`` (to ``root``), or None."""
    found = _output_or_none(root, "rev-list", "--reverse", "HEAD", "--", relative)
    return found.split()[0] if found else None


def head_commit(root: Path) -> str | None:
    return _output_or_none(root, "rev-parse", "--verify", "--quiet", "HEAD")


def commit_day(root: Path, commit: str) -> str:
    """The day (YYYY-MM-DD) ``commit`` was made."""
    return run_git(root, "show", "-s", "--format=%cs", commit, timeout=10).decode().strip()


def archive(root: Path, commit: str) -> bytes:
    """A tar archive of the folder ``root`` as it was at ``commit`` (git archives the folder it runs in)."""
    return run_git(root, "archive", "--format=tar", commit)
