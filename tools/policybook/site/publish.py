"""Build, serve and publish the staff site with MkDocs and mike, from the project's mkdocs.yml."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from policybook.errors import PolicybookError
from policybook.evidence.git import in_repository
from policybook.writing import current_umask, swap_folder_in

if TYPE_CHECKING:  # mkdocs itself is imported only when a site is built
    from mkdocs.config.defaults import MkDocsConfig

MKDOCS_YML = "mkdocs.yml"


def _config_file(root: Path) -> Path:
    path = root / MKDOCS_YML
    if not path.is_file():
        raise PolicybookError(f"no {MKDOCS_YML} in {root}: the site needs one (see docs/guide/publishing.md)")
    return path


@contextlib.contextmanager
def _environment(today: dt.date | None) -> Iterator[dict[str, str]]:
    """Environment for MkDocs and mike: the review date, the venv's tools on PATH, no banners."""
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    if today is not None:
        env["POLICYBOOK_TODAY"] = today.isoformat()
    yield env


def _mkdocs(root: Path, args: list[str], today: dt.date | None) -> int:
    """Run MkDocs as a child and wait for it. SIGTERM or SIGINT to policybook stops the child too (a
    preview server must not go on serving after the command that started it is gone)."""
    with _environment(today) as env:
        command = [sys.executable, "-m", "mkdocs", *args, "--config-file", str(_config_file(root))]
        child = subprocess.Popen(command, cwd=root, env=env)
        previous = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
        stopped: list[int] = []

        def stop(number: int, frame: object) -> None:
            stopped.append(number)
            child.terminate()

        try:
            for number in previous:
                signal.signal(number, stop)
            try:
                code = child.wait()
                return 0 if stopped else code  # stopped on request: not a failure
            finally:
                if child.poll() is None:
                    child.terminate()
                    try:
                        child.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        child.kill()
                        child.wait()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


def build_site(root: Path, today: dt.date | None, out: Path | None = None) -> int:
    """`mkdocs build` into site/ (or ``out``), in this process: the plugin refuses to build a corpus
    with lint errors. The site is built beside the old one and swapped in only when the build succeeds,
    so a failed build leaves the last good site in place. Returns 0 on success and 1 on failure, as
    `mkdocs build` does."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config_file = _config_file(root)
    staging: Path | None = None
    with _environment(today) as env, _patched_environ(env), logging_to_stderr():
        config: MkDocsConfig | None = None
        try:
            config = load_config(str(config_file), strict=True,
                                 **({"site_dir": str(out)} if out is not None else {}))
            target = Path(config.site_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
            staging.chmod(0o777 & ~current_umask())  # readable by the web server, as a folder mkdocs makes would be
            config.site_dir = str(staging)
            build(config)
            swap_folder_in(staging, target)
            staging = None
        except (exceptions.Abort, exceptions.ConfigurationError, exceptions.BuildError) as exc:
            print(f"Error: {exc}" if str(exc) else "Aborted.", file=sys.stderr)
            return 1
        finally:
            if config is not None:
                config.plugins.on_shutdown()
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    return 0


@contextlib.contextmanager
def _patched_environ(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def logging_to_stderr() -> Iterator[None]:
    """MkDocs' own log lines (INFO, WARNING, ERROR), as `mkdocs build` prints them."""
    import logging

    from mkdocs.__main__ import ColorFormatter

    logger = logging.getLogger("mkdocs")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ColorFormatter())
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def serve_site(root: Path, today: dt.date | None, address: str) -> int:
    # --dirty: after the first build, only the pages whose files changed are rebuilt. MkDocs warns that a
    # dirty build may leave stale navigation, so a preview is not strict; `policybook build` always is.
    return _mkdocs(root, ["serve", "--livereload", "--dirty", "--no-strict", "--dev-addr", address], today)


def _mike() -> str:
    """The mike script installed beside this Python (mike has no `python -m` entry)."""
    script = Path(sys.executable).parent / "mike"
    if not script.is_file():
        raise PolicybookError("mike is not installed in this environment: pip install mike")
    return str(script)


def publish_site(root: Path, version: str, aliases: list[str], today: dt.date | None, push: bool,
                 title: str | None = None) -> int:
    """Deploy ``version`` with mike to the local gh-pages branch (pushed only if asked)."""
    if not (root / ".git").exists() and not in_repository(root):
        raise PolicybookError("publish needs a git repository: mike keeps each version on the gh-pages branch")
    args = ["deploy", "--config-file", str(_config_file(root)), "--update-aliases"]
    if push:
        args.append("--push")
    if title:
        args += ["--title", title]
    args += [version, *aliases]
    with _environment(today) as env:
        completed = subprocess.run([_mike(), *args], cwd=root, env=env, check=False)
        if completed.returncode == 0 and aliases and "latest" in aliases:
            subprocess.run([_mike(), "set-default", "--config-file",
                            str(_config_file(root)), *(["--push"] if push else []), "latest"],
                           cwd=root, env=env, check=False, capture_output=True)
        return completed.returncode
