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


def read_blobs(root: Path, specs: list[str]) -> list[bytes | None]:
    """The content of each `REV:PATH` in ``specs`` (None where it does not exist), in one git process."""
    if not specs:
        return []
    output = _git(root, "cat-file", "--batch", stdin=("\n".join(specs) + "\n").encode("utf-8"))
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
    _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    specs = [f"{ref}:{p.resolve().relative_to(top).as_posix()}" for p in paths]
    return {path: blob for path, blob in zip(paths, read_blobs(root, specs), strict=True) if blob is not None}
