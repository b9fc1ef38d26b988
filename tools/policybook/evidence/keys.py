"""A signing key opened once per command, so its passphrase is asked for once however much is signed.

OpenSSH's own way of doing this is an agent. Given a private key file, the command starts an ssh-agent
of its own (its socket in a private temporary folder), loads the key into it with ``ssh-add``, which
asks for the passphrase if the key has one, and stops the agent when the command ends. Every signature
is then made by the agent from the public key (``ssh-keygen -Y sign -f KEY.pub``), so nothing asks again.

Given a public key file (``--key ~/.ssh/id_ed25519.pub``) or git's ``key::ssh-ed25519 AAAA...`` form, the
private key is in the user's own agent (``SSH_AUTH_SOCK``), which signs without asking at all.
"""

from __future__ import annotations

import os
import socket as unix_socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

from policybook.errors import PolicybookError

LITERAL = "key::"  # git's user.signingkey form for a public key given as text, not a file
AGENT_LIFETIME = 3600  # seconds: a key loaded for a command is forgotten by then even if the agent outlives it
_START_WAIT = 10.0  # seconds an agent has to open its socket


@dataclass(frozen=True)
class OpenKey:
    """A key ready to sign with: its public key (``TYPE BASE64``), the public key file ``ssh-keygen -Y
    sign -f`` is given, and the agent that holds its private half (None: the user's own agent)."""

    public: str
    public_file: Path
    agent: Path | None

    def environment(self) -> dict[str, str] | None:
        """The environment ssh-keygen signs in: pointed at this key's agent, or None for the inherited one."""
        return None if self.agent is None else {**os.environ, "SSH_AUTH_SOCK": str(self.agent)}


@dataclass
class _Session:
    stack: ExitStack
    opened: dict[str, OpenKey] = field(default_factory=dict)

    def folder(self) -> Path:
        """A private folder (mode 700) removed when the command ends."""
        return Path(self.stack.enter_context(tempfile.TemporaryDirectory(prefix="policybook-key-")))


_session: ContextVar[_Session | None] = ContextVar("policybook_key_session", default=None)


@contextmanager
def key_session() -> Iterator[None]:
    """Keys opened inside stay open (and any agent started for them runs) until the outermost session ends."""
    if _session.get() is not None:
        yield
        return
    with ExitStack() as stack:
        token = _session.set(_Session(stack))
        try:
            yield
        finally:
            _session.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def one_key_session(work: Callable[P, R]) -> Callable[P, R]:
    """Run ``work`` (a command that may sign many things) inside one key session."""

    @wraps(work)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with key_session():
            return work(*args, **kwargs)

    return wrapped


def open_key(spec: str) -> OpenKey:
    """The key ``spec`` names (a private key file, a ``.pub`` file or ``key::TYPE BASE64``), opened once
    in the current session. Refuses in one line a key that cannot be used."""
    session = _session.get()
    if session is None:
        raise RuntimeError("open_key is called inside key_session()")
    if spec not in session.opened:
        session.opened[spec] = _open(session, spec)
    return session.opened[spec]


def _public_text(text: str, where: str) -> str:
    fields = text.split()
    if len(fields) < 2:
        raise PolicybookError(f"--key: {where} holds no OpenSSH public key")
    return f"{fields[0]} {fields[1]}"


def _in_user_agent(public: str, public_file: Path) -> OpenKey:
    if not os.environ.get("SSH_AUTH_SOCK"):
        raise PolicybookError("--key: a public key signs through your ssh-agent, but none is running here "
                              "(SSH_AUTH_SOCK is not set): start ssh-agent and ssh-add your private key")
    return OpenKey(public, public_file, None)


def _open(session: _Session, spec: str) -> OpenKey:
    if spec.startswith(LITERAL):
        public = _public_text(spec[len(LITERAL):], "git's user.signingkey")
        public_file = session.folder() / "key.pub"
        public_file.write_text(public + "\n", encoding="utf-8")
        return _in_user_agent(public, public_file)
    path = Path(spec).expanduser()
    if not path.is_file():
        raise PolicybookError(f"--key: {path} is not a file")
    if path.suffix == ".pub":
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicybookError(f"--key: {path} cannot be read ({exc})") from None
        return _in_user_agent(_public_text(text, str(path)), path)
    return _load_into_own_agent(session, path)


def _refuse_shared_private_key(path: Path) -> None:
    """OpenSSH ignores a private key that other users can read (a git checkout leaves files readable by
    everyone), and its own message names neither the cause nor the cure."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise PolicybookError(f"--key: {path} cannot be read ({exc.strerror})") from None
    if mode & 0o077:
        raise PolicybookError(f"--key: {path} can be read by other users, so OpenSSH will not use it: "
                              f"make it yours alone with `chmod 600 {path}`")


def _load_into_own_agent(session: _Session, path: Path) -> OpenKey:
    _refuse_shared_private_key(path)
    folder = session.folder()
    socket = folder / "agent"
    try:
        agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket)], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as exc:
        raise PolicybookError(f"ssh-agent (OpenSSH) is needed to sign with a key file: {exc}") from None
    session.stack.callback(_stop, agent)
    deadline = time.monotonic() + _START_WAIT
    while not _listening(socket):  # the socket file appears before the agent listens on it
        if agent.poll() is not None or time.monotonic() > deadline:
            raise PolicybookError("ssh-agent did not start, so nothing can be signed")
        time.sleep(0.02)
    environment = {**os.environ, "SSH_AUTH_SOCK": str(socket)}
    # ssh-add asks for the passphrase itself (on the terminal, or through SSH_ASKPASS): once per command.
    _agent_tool("ssh-add", "-q", "-t", str(AGENT_LIFETIME), str(path), environment=environment, what=str(path))
    listed = _agent_tool("ssh-add", "-L", environment=environment, what=str(path))
    public = _public_text(listed.splitlines()[0] if listed.strip() else "", str(path))
    public_file = folder / "key.pub"
    public_file.write_text(public + "\n", encoding="utf-8")
    return OpenKey(public, public_file, socket)


def _listening(path: Path) -> bool:
    """Whether an agent accepts connections on the socket at ``path`` yet."""
    if not path.exists():
        return False
    with unix_socket.socket(unix_socket.AF_UNIX, unix_socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _agent_tool(*command: str, environment: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(list(command), env=environment, capture_output=True, check=False, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PolicybookError(f"{command[0]} (OpenSSH) could not open {what}: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PolicybookError(f"--key: {what} could not be opened: {lines[-1] if lines else 'ssh-add failed'}")
    return done.stdout.decode("utf-8", "replace")


def _stop(agent: subprocess.Popen[bytes]) -> None:
    agent.terminate()
    try:
        agent.wait(timeout=5)
    except subprocess.TimeoutExpired:
        agent.kill()
        agent.wait()
