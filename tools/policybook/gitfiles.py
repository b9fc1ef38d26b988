"""Read files as they were at a git revision, in one `git cat-file --batch` process."""

from __future__ import annotations

import subprocess
from pathlib import Path

from policybook.errors import PolicybookError


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        completed = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, check=False,
                                   timeout=120)
    except OSError as exc:
        raise PolicybookError(f"git is not available: {exc}") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PolicybookError(f"git {args[0]}: {message[-1] if message else 'failed'}")
    return completed.stdout


def repo_root(root: Path) -> Path:
    return Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())


def files_at(root: Path, ref: str, paths: list[Path]) -> dict[Path, bytes]:
    """{path: content at ``ref``} for those of ``paths`` that existed there."""
    top = repo_root(root)
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    names = {f"{ref}:{p.resolve().relative_to(top).as_posix()}": p for p in paths}
    output = _git(root, "cat-file", "--batch", stdin=("\n".join(names) + "\n").encode("utf-8"))
    found: dict[Path, bytes] = {}
    position = 0
    for path in names.values():
        end = output.index(b"\n", position)
        header = output[position:end].decode("utf-8", "replace")
        position = end + 1
        if header.endswith(" missing"):
            continue
        size = int(header.rsplit(" ", 1)[1])
        found[path] = output[position:position + size]
        position += size + 1
    return found
