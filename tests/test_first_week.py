"""The first week of a library made by ``init``, every step through the installed command and the real
confirmations service (under uvicorn, mail through aiosmtpd): a first policy written, approved and signed
with a test key, a member of staff confirms it, and ``ack pull``, ``ack verify`` and ``ack report`` run on
records that did not exist the day before. Every step exits 0."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import word_fixtures
from confirmtools import (
    RECORD_KEY,
    MailSink,
    Service,
    client,
    confirmations_settings,
    free_port,
    git,
    policybook,
    sign_in,
)
from conftest import REPO, edit

TODAY = "2026-11-26"
NAME = "Harbour Lane Dental Practice"
ACKS = "records/acknowledgements.csv"
EVIDENCE = "records/confirmations.jsonl"
STAFF = """staff:
  - id: pl
    name: Priya Lindqvist
    roles: [registered-manager]
    joined: "2024-03-01"
    signing_keys:
      - {key}
  - id: jc
    name: Jamie Castellan
    roles: [first-aider]
    joined: "2025-09-01"
"""
BODY = {
    "<!-- Why this policy exists, in one or two sentences. -->":
        "This policy sets out how we receive, investigate and answer complaints from patients and visitors.",
    "<!-- Who and what it covers. -->": "It covers every complaint made to any member of staff, in any form.",
    "<!-- The duties are in the document control block above; summarise them here if it helps. -->":
        "The registered manager answers every complaint and keeps the complaints log.",
    "<!-- What staff must do, step by step. -->":
        "1. Listen to the person and write down what they tell you.\n"
        "2. Give the written complaint to the registered manager on the same day.\n"
        "3. The registered manager writes to the person within three working days.",
    "<!-- How the service checks that the policy is followed, how often and who reports it. -->":
        "The registered manager reviews the complaints log every quarter and reports to the team meeting.",
    "<!-- The external guidance listed above; add anything else staff need. -->":
        "The guidance listed in the document control block.",
}


def _step(root: Path, *args: str) -> str:
    result = policybook(root, *args, env={"POLICYBOOK_TODAY": TODAY})
    assert result.returncode == 0, f"policybook {' '.join(args)}: {result.stdout}{result.stderr}"
    return result.stdout



def _confirm_version_one(service: Service, policy: str) -> None:
    """jc signs in to the running service and confirms version 1.0 of ``policy`` (no questions)."""
    service.start()
    try:
        with client(service) as http:
            token = sign_in(http, service, "jc")
            done = http.post("/api/v1/confirmations", json={"policy": policy, "version": "1.0", "answers": {}},
                             headers={"X-CSRF-Token": token})
            assert done.status_code == 201, done.text
    finally:
        service.stop()

def _new_library(folder: Path, key: Path, base_url: str, database: str, mail_port: int) -> Path:
    root = folder / "lib"
    _step(folder, "init", str(root), "--name", NAME)
    public = (REPO / "tests/keys/pl-fictional-ed25519.pub").read_text(encoding="utf-8").strip()
    register = root / "registers/staff.yml"
    edit(register, "staff: []\n", STAFF.format(key=public))
    _step(root, "new", "--category", "governance", "--title", "Complaints", "--author", "Priya Lindqvist",
          "--guidance", "cqc-guidance-for-providers", "--today", TODAY)
    policy = root / "policies/governance/complaints.md"
    for comment, text in BODY.items():
        edit(policy, comment, text)
    with open(root / "policybook.yml", "a", encoding="utf-8") as settings:
        settings.write(confirmations_settings(base_url, database, mail_port))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "A new library and its first policy")
    _step(root, "approve", "GOV-001", "--by", "registered-manager", "--key", str(key), "--summary",
          "First issue.", "--today", TODAY)
    git(root, "commit", "-q", "-am", "GOV-001 1.0 approved")
    return root


@pytest.fixture(scope="module")
def first_week(tmp_path_factory: pytest.TempPathFactory, mail: MailSink) -> Path:
    """A library made by ``init`` whose first policy was approved and signed, and one confirmation of it
    waiting in the service's database (the service stopped again): what a first ``ack pull`` finds."""
    folder = tmp_path_factory.mktemp("first-week")
    key = folder / "pl-key"
    shutil.copyfile(REPO / "tests/keys/pl-fictional-ed25519", key)
    key.chmod(0o600)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{folder / 'confirmations.sqlite3'}"
    root = _new_library(folder, key, url, database, mail.port)
    _confirm_version_one(Service(root, url, port, database, mail), "GOV-001")
    assert (root / "records/approvals/GOV-001").is_dir()  # the approval was signed and its signature kept
    return root


def test_the_first_week_of_a_new_library(first_week: Path, tmp_path: Path) -> None:
    root = Path(shutil.copytree(first_week, tmp_path / "lib"))
    assert not (root / ACKS).exists()
    assert "0 records; the hash chain is unbroken" in _step(root, "ack", "verify")
    assert "pulled 1 confirmation " in _step(root, "ack", "pull")
    assert "pulled 0 confirmations" in _step(root, "ack", "pull")
    with open(root / ACKS, encoding="utf-8", newline="") as records:
        rows = list(csv.reader(records))
    assert rows[0] == ["staff", "policy", "version", "date", "chain"]
    assert [row[:3] for row in rows[1:]] == [["jc", "GOV-001", "1.0"]]
    assert "1 records; the hash chain is unbroken" in _step(root, "ack", "verify")
    report = json.loads(_step(root, "ack", "report", "--format", "json"))
    assert [(item["staff"], item["policy"]) for item in report["outstanding"]] == [("pl", "GOV-001")]
    assert "0 errors" in _step(root, "lint", "--today", TODAY)
    # The records file deleted (as someone might, to start again): the next pull fills it from the evidence.
    (root / ACKS).unlink()
    assert "0 records" in _step(root, "ack", "verify")
    assert "pulled 0 confirmations (to row 1): 1 new line" in _step(root, "ack", "pull")
    assert "1 records; the hash chain is unbroken" in _step(root, "ack", "verify")
    assert "1 new line" not in _step(root, "ack", "pull")
    # ... but never from evidence edited by hand: a forged reading does not become a record.
    (root / ACKS).unlink()
    evidence = root / EVIDENCE
    evidence.write_text(evidence.read_text(encoding="utf-8").replace('"staff":"jc"', '"staff":"pl"'), encoding="utf-8")
    refused = policybook(root, "ack", "pull")
    assert refused.returncode == 2 and "does not verify" in refused.stderr and not (root / ACKS).exists()


# What a records file may hold before its first record: made by hand, by a spreadsheet (a byte order
# mark, Windows line ends), by an editor (a blank line) or by a writer stopped before its header.
NO_RECORD_YET = {
    "missing": None,
    "empty": b"",
    "a blank line": b"\n",
    "spaces and blank lines": b"  \n\n \n",
    "only the header": b"staff,policy,version,date,chain\n",
    "the header without its line end": b"staff,policy,version,date,chain",
    "the header with a Windows line end": b"staff,policy,version,date,chain\r\n",
    "the header after a byte order mark": b"\xef\xbb\xbfstaff,policy,version,date,chain\r\n",
    "only a byte order mark": b"\xef\xbb\xbf",
    "the header from before chains": b"staff,policy,version,date\n",
}


STARTS = [(held, None) for held in NO_RECORD_YET.values()] + [(None, b""), (b"", b"\n"), (None, b"\xef\xbb\xbf\n")]
STARTS_SAID = [f"records {name}" for name in NO_RECORD_YET] + ["evidence empty", "both blank", "evidence BOM"]


@pytest.mark.parametrize(("held", "evidence"), STARTS, ids=STARTS_SAID)
def test_every_records_command_works_before_the_first_record(first_week: Path, tmp_path: Path, run,
                                                             held: bytes | None, evidence: bytes | None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOOK_CONFIRM_RECORD_KEY", RECORD_KEY.hex())  # as on the server: ack pull needs it
    root = Path(shutil.copytree(first_week, tmp_path / "lib"))
    for relative, content in ((ACKS, held), (EVIDENCE, evidence)):
        if content is not None:
            (root / relative).write_bytes(content)
    for words in (("verify",), ("report",), ("pull",), ("pull",), ("verify",), ("report",)):
        result = run("-C", str(root), "ack", *words, "--today", TODAY)
        assert result.code == 0, f"ack {words[0]}: {result.err}"
    assert "1 records; the hash chain is unbroken" in run("-C", str(root), "ack", "verify").out
    assert run("-C", str(root), "ack", "pl", "GOV-001", "--today", TODAY).code == 0
    lines = (root / ACKS).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "staff,policy,version,date,chain" and [line[:14] for line in lines[1:]] == [
        "jc,GOV-001,1.0", "pl,GOV-001,1.0"]
    assert "2 records; the hash chain is unbroken" in run("-C", str(root), "ack", "verify").out
    assert "Everyone has confirmed" in run("-C", str(root), "ack", "report", "--today", TODAY).out


# Each practice record, and the command that appends to it (two readings of different things).
PRACTICE = {
    "records/checks.csv": ("check,date,staff,note,chain", [("checked", "first-aid-kit", "--by", "jc"),
                                                          ("checked", "spill-kit", "--by", "jc")]),
    "records/servicing.csv": ("equipment,date,by,note,chain", [("serviced", "dexa-scanner", "--by", "Scanwell Ltd"),
                                                               ("serviced", "qa-phantom", "--by", "Scanwell Ltd")]),
    "records/training.csv": ("staff,course,date,note,chain", [("trained", "jc", "basic-life-support"),
                                                              ("trained", "jc", "fire-safety")]),
}


@pytest.mark.parametrize("held", [b"\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf{header}\r\n", b"{header}"],
                         ids=["a blank line", "only a byte order mark", "the header from a spreadsheet",
                              "the header without its line end"])
@pytest.mark.parametrize("rel", PRACTICE)
def test_practice_records_start_from_a_file_that_holds_no_record(example: Path, run, rel: str, held: bytes) -> None:
    header, commands = PRACTICE[rel]
    path = example / rel
    path.write_bytes(held.replace(b"{header}", header.encode()))
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    assert [f for f in json.loads(result.out)["findings"] if f["path"] == rel] == []
    for command in commands:
        recorded = run("-C", str(example), *command, "--on", TODAY)
        assert recorded.code == 0, recorded.err
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == header and len(lines) == 3
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    assert [f for f in json.loads(result.out)["findings"] if f["path"] == rel] == []


# -- a clinic bringing its Word policies --------------------------------------------------------------------
PASSPHRASE = "harbour lane mornings"


def _agent_with(key: Path, folder: Path) -> tuple[subprocess.Popen[bytes], dict[str, str], Path]:
    """The clinic manager's own ssh-agent, the protected key added once through an SSH_ASKPASS program that
    notes each time it is asked; returns the agent, the environment pointing at it, and the notes file."""
    asked = folder / "asked"
    askpass = folder / "askpass"
    askpass.write_text(f"#!/bin/sh\necho asked >> '{asked}'\necho '{PASSPHRASE}'\n", encoding="utf-8")
    askpass.chmod(0o700)
    socket = folder / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket)], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not socket.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    env = {"SSH_AUTH_SOCK": str(socket), "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force",
           "DISPLAY": ":0"}
    subprocess.run(["ssh-add", str(key)], env={**os.environ, **env}, stdin=subprocess.DEVNULL, check=True,
                   capture_output=True, timeout=60)
    return agent, env, asked


def test_a_clinic_imports_its_word_policies_signs_through_its_agent_and_staff_confirm(tmp_path: Path,
                                                                                     mail: MailSink) -> None:
    folder = tmp_path
    key = folder / "manager-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", PASSPHRASE, "-C", "pl (fictional)", "-f", str(key)],
                   check=True, capture_output=True)
    _step(folder, "init", "lib", "--name", NAME)
    root = folder / "lib"
    public = " ".join(key.with_suffix(".pub").read_text(encoding="utf-8").split()[:2])
    edit(root / "registers/staff.yml", "staff: []\n", STAFF.format(key=public))
    washing = word_fixtures.bold_italic_headings(folder / "Hand washing.docx")
    lone = word_fixtures.control_paragraphs(folder / "Lone working.docx")
    _step(root, "import", str(washing), "--category", "infection-control", "--guidance", "ipc-code-of-practice",
          "--today", TODAY)
    _step(root, "import", str(lone), "--category", "health-safety", "--approved", "--guidance",
          "cqc-guidance-for-providers", "--today", TODAY)
    # The migration reports say what they repaired and mapped, and what they could not.
    repaired = (root / "records/imports/IPC-001.md").read_text(encoding="utf-8")
    assert "Formatting repaired" in repaired
    mapped = (root / "records/imports/HS-001.md").read_text(encoding="utf-8")
    assert "| version | 1 | paragraph 'Version No: 1' |" in mapped and "Policy number" in mapped
    washing_text = (root / "policies/infection-control/washing-hands-on-the-unit.md").read_text(encoding="utf-8")
    assert "\\*" not in washing_text  # no asterisk left to show as itself
    findings = json.loads(_step(root, "lint", "--today", TODAY, "--format", "json"))["findings"]
    assert [f for f in findings if f["rule"] == "emphasis-debris"] == []
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{folder / 'confirmations.sqlite3'}"
    with open(root / "policybook.yml", "a", encoding="utf-8") as settings:
        settings.write(confirmations_settings(url, database, mail.port))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Our Word policies, imported")
    agent, agent_env, asked = _agent_with(key, folder)
    try:
        for policy in ("IPC-001", "HS-001"):
            done = policybook(root, "approve", policy, "--by", "registered-manager", "--key",
                              str(key.with_suffix(".pub")), "--summary", "First issue under policybook.",
                              "--today", TODAY, env={**agent_env, "POLICYBOOK_TODAY": TODAY})
            assert done.returncode == 0, done.stdout + done.stderr
    finally:
        agent.terminate()
        agent.wait(timeout=10)
    assert asked.read_text(encoding="utf-8").splitlines() == ["asked"]  # the passphrase, once, when added
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "IPC-001 and HS-001 approved")
    _confirm_version_one(Service(root, url, port, database, mail), "HS-001")
    assert "pulled 1 confirmation " in _step(root, "ack", "pull")
    assert "1 records; the hash chain is unbroken" in _step(root, "ack", "verify")
    report = json.loads(_step(root, "ack", "report", "--format", "json"))
    assert ("jc", "HS-001") not in {(item["staff"], item["policy"]) for item in report["outstanding"]}
    assert "0 errors" in _step(root, "lint", "--today", TODAY)
