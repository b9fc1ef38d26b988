"""Running the outside programs policybook relies on (git, ssh-keygen): output back, or one line that
says what went wrong. Each program still has one module that calls it (evidence/git.py,
evidence/signatures.py); this is only how they call it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from policybook.errors import PolicybookError


def run_program(program: str, args: tuple[str, ...], *, cwd: Path | None = None, stdin: bytes | None = None,
                timeout: float = 120, missing: str = "", env: dict[str, str] | None = None) -> bytes:
    """``program ARGS``'s standard output. Any failure is a PolicybookError: ``missing`` (or a default)
    when the program cannot be run, else the last line it printed on standard error. ``env`` replaces
    the environment (None: this process's)."""
    try:
        completed = subprocess.run([program, *args], cwd=cwd, input=stdin, capture_output=True, check=False,
                                   timeout=timeout, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PolicybookError(f"{missing or f'{program} is not available'}: {exc}") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PolicybookError(f"{program} {args[0] if args else ''}: {message[-1] if message else 'failed'}")
    return completed.stdout
