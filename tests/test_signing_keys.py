"""A passphrase-protected signing key asks for its passphrase once per command, however much the command
signs, and never when the private key is in the user's own ssh-agent (``--key KEY.pub``). Driven through
OpenSSH's own prompt program (SSH_ASKPASS, forced), which counts how often it is asked."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TODAY, edit
from sitetools import copy_example, policybook

pytestmark = pytest.mark.skipif(any(shutil.which(p) is None for p in ("ssh-keygen", "ssh-agent", "ssh-add")),
                                reason="needs OpenSSH's ssh-keygen, ssh-agent and ssh-add (see .ci/run)")

PASSPHRASE = "correct horse battery staple"
HAND = "policies/infection-control/hand-hygiene.md"  # IPC-002, approved by the registered manager (pl)
PL_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMPfNr+rTfFrDTKgTAfXcXnQBnNjtqq/jO/LgNZi97dv"


class Prompts:
    """An SSH_ASKPASS program that answers with the passphrase and writes a line for each time it is asked."""

    def __init__(self, folder: Path) -> None:
        self.log = folder / "asked"
        self.program = folder / "askpass"
        self.program.write_text(f"#!/bin/sh\necho asked >> '{self.log}'\necho '{PASSPHRASE}'\n", encoding="utf-8")
        self.program.chmod(0o700)

    @property
    def count(self) -> int:
        return len(self.log.read_text(encoding="utf-8").splitlines()) if self.log.exists() else 0

    def environment(self, agent: Path | None = None) -> dict[str, str]:
        env = {"SSH_ASKPASS": str(self.program), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}
        env["SSH_AUTH_SOCK"] = str(agent) if agent else ""
        return env


@pytest.fixture
def prompts(tmp_path: Path) -> Prompts:
    folder = tmp_path / "askpass"
    folder.mkdir()
    return Prompts(folder)


@pytest.fixture
def protected_key(tmp_path: Path) -> Path:
    """A throwaway ed25519 key with a passphrase (made here, never stored)."""
    folder = tmp_path / "key"
    folder.mkdir(mode=0o700)
    key = folder / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", PASSPHRASE, "-C", "pl (fictional, throwaway)", "-f",
                    str(key)], check=True, capture_output=True)
    return key


@pytest.fixture
def library(tmp_path: Path, protected_key: Path) -> Path:
    """The example, signatures required, with the throwaway key as the registered manager's (pl) key."""
    root = copy_example(tmp_path / "org")
    edit(root / "policybook.yml", "signatures: off", "signatures: required")
    public = protected_key.with_suffix(".pub").read_text(encoding="utf-8").strip()
    edit(root / "registers/staff.yml", PL_KEY, " ".join(public.split()[:2]))
    return root


@pytest.fixture
def user_agent(tmp_path: Path) -> Iterator[Path]:
    """The user's own ssh-agent, as their desktop session would run it."""
    socket = tmp_path / "agent" / "socket"
    socket.parent.mkdir(mode=0o700)
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not socket.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    yield socket
    agent.terminate()
    agent.wait(timeout=10)


def _errors(root: Path) -> list[tuple[str, str]]:
    result = policybook(root, "lint", "--today", TODAY, "--format", "json")
    return [(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]


def test_signing_many_policies_asks_for_the_passphrase_once(library: Path, protected_key: Path,
                                                            prompts: Prompts) -> None:
    signed = policybook(library, "sign", "--all", "--key", str(protected_key), "--today", TODAY,
                        env=prompts.environment())
    assert signed.returncode == 0, signed.stderr
    assert signed.stdout.count("signed ") >= 10  # every policy the registered manager approved, and reviews
    assert prompts.count == 1


def test_an_approval_asks_once_and_the_agent_route_never(library: Path, protected_key: Path, prompts: Prompts,
                                                         user_agent: Path) -> None:
    assert policybook(library, "bump", "IPC-002", "--minor", "--summary", "Wording.", "--today", TODAY).returncode == 0
    edit(library / HAND, "## Monitoring and audit\n", "## Monitoring and audit\n\nStaff take part in each audit.\n")
    approved = policybook(library, "approve", "IPC-002", "--by", "registered-manager", "--key", str(protected_key),
                          "--today", TODAY, env=prompts.environment())
    assert approved.returncode == 0, approved.stderr
    assert prompts.count == 1
    assert (library / "records/approvals/IPC-002/1.4.sig").is_file()
    # The ssh-agent route: the private key loaded once into the user's agent, the public key file as --key.
    loaded = subprocess.run(["ssh-add", "-q", str(protected_key)], capture_output=True, check=False,
                            env={**os.environ, **prompts.environment(user_agent)}, stdin=subprocess.DEVNULL)
    assert loaded.returncode == 0, loaded.stderr
    asked = prompts.count
    public = protected_key.with_suffix(".pub")
    reviewed = policybook(library, "reviewed", "IPC-002", "--by", "registered-manager", "--key", str(public),
                          "--on", TODAY, "--today", TODAY, env=prompts.environment(user_agent))
    assert reviewed.returncode == 0, reviewed.stderr
    assert prompts.count == asked  # never asked
    assert (library / f"records/approvals/IPC-002/1.4-review-{TODAY}.sig").is_file()
    literal = "key::" + " ".join(public.read_text(encoding="utf-8").split()[:2])  # git's user.signingkey form
    again = policybook(library, "sign", "IPC-002", "--key", literal, "--today", TODAY,
                       env=prompts.environment(user_agent))
    assert again.returncode == 0 and "signed IPC-002 version 1.4" in again.stdout, again.stderr
    assert prompts.count == asked
    assert [e for e in _errors(library) if e[0] == HAND] == []


def test_a_public_key_without_an_agent_is_refused_in_one_line(library: Path, protected_key: Path,
                                                              prompts: Prompts) -> None:
    before = (library / HAND).read_bytes()
    refused = policybook(library, "sign", "IPC-002", "--key", str(protected_key.with_suffix(".pub")),
                         "--today", TODAY, env={**prompts.environment(), "SSH_AUTH_SOCK": ""})
    assert refused.returncode == 2 and "ssh-agent" in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert "Traceback" not in refused.stderr and (library / HAND).read_bytes() == before
    assert prompts.count == 0


def test_a_wrong_passphrase_signs_nothing(library: Path, protected_key: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong-askpass"
    tried = tmp_path / "tried"  # a wrong passphrase, then an empty answer: giving up, as at a terminal
    wrong.write_text(f"#!/bin/sh\nif [ -e '{tried}' ]; then echo; else touch '{tried}'; echo 'not it'; fi\n",
                     encoding="utf-8")
    wrong.chmod(0o700)
    before = (library / HAND).read_bytes()
    refused = policybook(library, "sign", "IPC-002", "--key", str(protected_key), "--today", TODAY,
                         env={"SSH_ASKPASS": str(wrong), "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"})
    assert refused.returncode == 2 and "could not be opened" in refused.stderr
    assert (library / HAND).read_bytes() == before and not (library / "records/approvals").exists()


def test_a_private_key_others_can_read_is_refused_with_its_cure(library: Path, protected_key: Path,
                                                                prompts: Prompts) -> None:
    protected_key.chmod(0o644)  # as a git checkout leaves tests/keys
    before = (library / HAND).read_bytes()
    refused = policybook(library, "sign", "IPC-002", "--key", str(protected_key), "--today", TODAY,
                         env=prompts.environment())
    assert refused.returncode == 2 and len(refused.stderr.splitlines()) == 1, refused.stderr
    assert f"chmod 600 {protected_key}" in refused.stderr and "Traceback" not in refused.stderr
    assert (library / HAND).read_bytes() == before and prompts.count == 0
    protected_key.chmod(0o600)
    signed = policybook(library, "sign", "IPC-002", "--key", str(protected_key), "--today", TODAY,
                        env=prompts.environment())
    assert signed.returncode == 0, signed.stderr
