"""Signed approvals: OpenSSH signatures by named staff over what was approved, checked by lint and by
an inspector with OpenSSH alone. Keys are the fictional staff's test keys in tests/keys/."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from conftest import REPO, TODAY, copy_keys, edit, strip_fingerprints
from sitetools import copy_example, policybook

from policybook.evidence.fingerprint import fingerprint
from policybook.loader import parse_markdown

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen (see .ci/run)")

HAND = "policies/infection-control/hand-hygiene.md"  # IPC-002, approved by the registered manager (pl)
CANDOUR = "policies/governance/duty-of-candour.md"  # GOV-005



@pytest.fixture(scope="module")
def signed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with every approval signed and signatures required, made once for the module (signing
    is the slow part); tests take a copy of their own through ``signed``."""
    base = tmp_path_factory.mktemp("signed")
    keys = copy_keys(base / "keys")
    root = copy_example(base / "org")  # unsigned: signed again here, with the sign command
    edit(root / "policybook.yml", "signatures: off", "signatures: required")
    for signer in ("pl", "mf"):
        result = policybook(root, "sign", "--all", "--key", str(keys[signer]), "--today", TODAY)
        assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def signed(signed_once: Path, tmp_path: Path) -> Path:
    """A copy of its own of the signed example, which the test may change."""
    return Path(shutil.copytree(signed_once, tmp_path / "org", symlinks=True))


def _lint(root: Path) -> list[tuple[str, str]]:
    result = policybook(root, "lint", "--today", TODAY, "--format", "json")
    return [(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]


def test_a_signed_library_lints_clean_and_an_unsigned_one_does_not(signed: Path, tmp_path: Path) -> None:
    assert _lint(signed) == []
    approved = _approved_files(signed)
    assert len(approved) == 38  # 30 policies and 8 documents for patients (5 sources, 3 editions)
    assert len(list((signed / "records/approvals").glob("*/*.sig"))) == len(approved)
    unsigned = copy_example(tmp_path / "unsigned")
    shutil.copy2(signed / "policybook.yml", unsigned / "policybook.yml")
    errors = _lint(unsigned)
    assert sorted(path for path, _ in errors) == approved and {rule for _, rule in errors} == {"approval-signature"}


def _approved_files(root: Path) -> list[str]:
    """Every approved policy and document for patients, by path."""
    files = [p for folder in ("policies", "public") for p in (root / folder).rglob("*.md")]
    approved = [p for p in files if "\nstatus: approved\n" in p.read_text(encoding="utf-8")]
    return sorted(p.relative_to(root).as_posix() for p in approved)


def test_approve_signs_and_refuses_a_signer_without_the_role(signed: Path, keys: dict[str, Path]) -> None:
    assert policybook(signed, "bump", "IPC-002", "--minor", "--summary", "Wording.", "--today", TODAY).returncode == 0
    edit(signed / HAND, "## Monitoring and audit\n", "## Monitoring and audit\n\nStaff take part in each audit.\n")
    before = (signed / HAND).read_bytes()
    refused = policybook(signed, "approve", "IPC-002", "--by", "registered-manager", "--key", str(keys["te"]),
                         "--today", TODAY)
    assert refused.returncode == 2 and "does not hold the role" in refused.stderr
    assert (signed / HAND).read_bytes() == before and not (signed / "records/approvals/IPC-002/1.4.sig").exists()
    missing = policybook(signed, "approve", "IPC-002", "--by", "registered-manager", "--today", TODAY)
    assert missing.returncode == 2 and "--key" in missing.stderr  # required here, and no key given
    approved = policybook(signed, "approve", "IPC-002", "--by", "registered-manager", "--key", str(keys["pl"]),
                          "--today", TODAY)
    assert approved.returncode == 0 and "signed by Priya Lindqvist" in approved.stdout
    assert (signed / "records/approvals/IPC-002/1.4.sig").is_file()
    assert _lint(signed) == []


def test_a_review_is_signed_too(signed: Path, keys: dict[str, Path]) -> None:
    result = policybook(signed, "reviewed", "IPC-002", "--by", "registered-manager", "--key", str(keys["pl"]),
                        "--on", "2026-11-20", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert (signed / "records/approvals/IPC-002/1.3-review-2026-11-20.sig").is_file()
    assert _lint(signed) == []


def _refingerprint(path: Path) -> None:
    """What a tamperer would do: recompute the unkeyed fingerprint after an edit."""
    text = path.read_text(encoding="utf-8")
    doc = parse_markdown(text, path, path.name)
    old = doc.data["fingerprint"]
    path.write_text(text.replace(old, fingerprint(doc.data, doc.body)), encoding="utf-8")


TAMPERING = {
    "edit text and recompute the fingerprint": lambda root: (
        edit(root / HAND, "Clean hands are the most effective way", "Clean hands are one way"),
        _refingerprint(root / HAND)),
    "change approved_by": lambda root: edit(root / HAND, "approved_by: registered-manager",
                                            "approved_by: nominated-individual"),
    "change approved_on": lambda root: edit(root / HAND, 'approved_on: "2025-10-13"', 'approved_on: "2025-10-14"'),
    "rewrite an older history entry": lambda root: edit(
        root / HAND, "summary: Bare below the elbows wording clarified.", "summary: Nothing changed."),
    "copy a signature from another policy": lambda root: [
        shutil.copyfile(root / "records/approvals/GOV-005" / f"{stem}{suffix}",
                        root / "records/approvals/IPC-002" / f"1.3{suffix}")
        for stem in ["1.1"] for suffix in (".txt", ".sig")],
    "corrupt the signature": lambda root: (root / "records/approvals/IPC-002/1.3.sig").write_text(
        (root / "records/approvals/GOV-005/1.1.sig").read_text(encoding="ascii"), encoding="ascii"),
    "delete the signature": lambda root: (root / "records/approvals/IPC-002/1.3.sig").unlink(),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_tampering_with_an_approval_is_an_error(signed: Path, case: str) -> None:
    version = (signed / CANDOUR).read_text(encoding="utf-8").split('version: "', 1)[1].split('"', 1)[0]
    assert version == "1.1"  # the signature the copying case takes
    TAMPERING[case](signed)
    errors = _lint(signed)
    assert (HAND, "approval-signature") in errors, errors


def test_a_signature_by_someone_without_the_role_is_an_error(signed: Path, keys: dict[str, Path]) -> None:
    statement = signed / "records/approvals/IPC-002/1.3.txt"
    statement.write_text(statement.read_text(encoding="utf-8").replace("signer: pl", "signer: te"), encoding="utf-8")
    subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(keys["te"]), "-n", "policybook", str(statement)],
                   check=True, capture_output=True)
    shutil.move(str(statement) + ".sig", signed / "records/approvals/IPC-002/1.3.sig")
    result = policybook(signed, "lint", "--today", TODAY, "--format", "json")
    messages = [f["message"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "approval-signature"]
    assert any("does not hold the role 'registered-manager'" in m for m in messages), messages


def test_allowed_signers_must_follow_the_register(signed: Path) -> None:
    (signed / "records/allowed_signers").write_text("# emptied\n", encoding="utf-8")
    assert ("records/allowed_signers", "approval-signature") in _lint(signed)
    assert policybook(signed, "sign", "--refresh-signers", "--today", TODAY).returncode == 0
    assert _lint(signed) == []


def test_an_inspector_verifies_a_signature_with_openssh_alone(signed: Path, tmp_path: Path) -> None:
    """From a git archive of the library, with no policybook: the commands in docs/guide/change-control.md."""
    subprocess.run(["git", "init", "-q", str(signed)], check=True)
    subprocess.run(["git", "-C", str(signed), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(signed), "commit", "-q", "-m", "Signed library"], check=True)
    archive = tmp_path / "library.tar"
    subprocess.run(["git", "-C", str(signed), "archive", "-o", str(archive), "HEAD"], check=True)
    unpacked = tmp_path / "inspection"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    statement = unpacked / "records/approvals/IPC-002/1.3.txt"
    signer = next(line.split(": ", 1)[1] for line in statement.read_text(encoding="utf-8").splitlines()
                  if line.startswith("signer: "))
    command = ["ssh-keygen", "-Y", "verify", "-f", "records/allowed_signers", "-I", signer, "-n", "policybook",
               "-s", "records/approvals/IPC-002/1.3.sig"]
    with open(statement, "rb") as stream:
        good = subprocess.run(command, cwd=unpacked, stdin=stream, capture_output=True, text=True, check=False)
    assert good.returncode == 0 and f'Good "policybook" signature for {signer}' in good.stdout
    statement.write_text(statement.read_text(encoding="utf-8").replace("approved_on: 2025", "approved_on: 2024"),
                         encoding="utf-8")
    with open(statement, "rb") as stream:
        bad = subprocess.run(command, cwd=unpacked, stdin=stream, capture_output=True, text=True, check=False)
    assert bad.returncode != 0


def _bump_by_hand(root: Path) -> None:
    edit(root / HAND, 'version: "1.3"', 'version: "1.4"')
    edit(root / HAND, "history:\n", 'history:\n  - version: "1.4"\n    date: "2026-11-26"\n    author: Hannah Okonjo\n'
                                    "    summary: Wording.\n")
    edit(root / HAND, "Clean hands are the most effective way", "Clean hands are one way")
    _refingerprint(root / HAND)


def _records(root: Path, change: str) -> None:
    path = root / "records/acknowledgements.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if change == "edit":
        lines[5] = lines[5].replace("2021", "2020", 1)
    elif change == "delete":
        del lines[5]
    elif change == "insert":
        lines.insert(5, lines[5])
    else:  # the last line removed: only a comparison with the base can see it
        lines = lines[:-1]
    path.write_text("".join(lines), encoding="utf-8")


MATRIX = {
    "edit text": lambda root, keys: edit(root / HAND, "most effective way", "best way"),
    "edit and delete the fingerprint": lambda root, keys: (
        edit(root / HAND, "most effective way", "best way"),
        (root / HAND).write_text("".join(line for line in (root / HAND).read_text(encoding="utf-8")
                                         .splitlines(keepends=True) if not line.startswith("fingerprint:")),
                                 encoding="utf-8")),
    "edit and recompute the fingerprint": lambda root, keys: TAMPERING["edit text and recompute the fingerprint"](root),
    "edit, bump the version and history by hand": lambda root, keys: _bump_by_hand(root),
    "change approved_by": lambda root, keys: TAMPERING["change approved_by"](root),
    "change approved_on": lambda root, keys: TAMPERING["change approved_on"](root),
    "rewrite an older history entry": lambda root, keys: TAMPERING["rewrite an older history entry"](root),
    "copy a signature from another policy": lambda root, keys: TAMPERING["copy a signature from another policy"](root),
    "edit a record": lambda root, keys: _records(root, "edit"),
    "delete a record": lambda root, keys: _records(root, "delete"),
    "insert a record": lambda root, keys: _records(root, "insert"),
    "remove the last record": lambda root, keys: _records(root, "truncate"),
}


@pytest.fixture
def committed(signed: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(signed)], check=True)
    subprocess.run(["git", "-C", str(signed), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(signed), "commit", "-q", "-m", "Signed library"], check=True)
    return signed


@pytest.mark.parametrize("case", list(MATRIX))
def test_the_tampering_matrix(committed: Path, keys: dict[str, Path], case: str) -> None:
    assert policybook(committed, "lint", "--today", TODAY, "--base", "HEAD").returncode == 0  # untampered: clean
    MATRIX[case](committed, keys)
    plain = policybook(committed, "lint", "--today", TODAY)
    compared = policybook(committed, "lint", "--today", TODAY, "--base", "HEAD")
    assert plain.returncode == 1 or compared.returncode == 1, (plain.stdout, compared.stdout)
    assert compared.returncode == 1


def test_signatures_off_turns_the_check_off(signed: Path) -> None:
    edit(signed / "policybook.yml", "signatures: required", "signatures: off")  # YAML reads this as false
    (signed / "records/approvals/IPC-002/1.3.sig").unlink()
    assert _lint(signed) == []
    edit(signed / "policybook.yml", "signatures: off", "signatures: sometimes")
    result = policybook(signed, "lint", "--today", TODAY)
    assert result.returncode == 2 and "policybook.yml:" in result.stderr


def test_the_example_library_requires_and_carries_signatures(run) -> None:
    result = run("-C", str(REPO), "lint", "--today", TODAY, "--format", "json")
    findings = json.loads(result.out)["findings"]
    # nothing but the example's deliberately late training (tests/test_example.py): no signature finding
    assert result.code == 0 and {f["rule"] for f in findings} == {"training-expired", "training-due"}
    assert "signatures: required" in (REPO / "policybook.yml").read_text(encoding="utf-8")
    from policybook.loader import load_markdown

    approved = [load_markdown(p, p.name).data for p in (REPO / "policies").rglob("*.md")
                if "\nstatus: approved\n" in p.read_text(encoding="utf-8")]
    assert len(approved) == 30  # each current version signed; superseded versions keep their signatures too
    for data in approved:
        assert (REPO / "records/approvals" / data["id"] / f"{data['version']}.sig").is_file(), data["id"]
    from policybook.corpus import load_corpus

    public = [d for d in load_corpus(REPO, dt.date.fromisoformat(TODAY)).public if d.status.value == "approved"]
    assert len(public) == 8
    for document in public:
        assert (REPO / "records/approvals" / document.statement_key / f"{document.version_text}.sig").is_file()


@pytest.mark.skipif(not (REPO / ".git").exists(), reason="needs the repository's git history")
def test_an_inspector_verifies_the_example_from_a_git_archive(tmp_path: Path) -> None:
    """The committed example, as a tarball, checked with OpenSSH alone (docs/guide/approvals.md)."""
    listed = subprocess.run(["git", "-C", str(REPO), "ls-tree", "-r", "--name-only", "HEAD", "records/approvals"],
                            capture_output=True, text=True, check=False).stdout.split()
    if not listed:
        pytest.skip("the signed approvals are not committed yet")
    archive = tmp_path / "library.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), "HEAD", "records", "policies"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "inspection", filter="data")
    inspection = tmp_path / "inspection"
    checked = 0
    for statement in sorted(inspection.glob("records/approvals/*/*.txt")):
        signer = next(line.split(": ", 1)[1] for line in statement.read_text(encoding="utf-8").splitlines()
                      if line.startswith("signer: "))
        with open(statement, "rb") as stream:
            result = subprocess.run(["ssh-keygen", "-Y", "verify", "-f", "records/allowed_signers", "-I", signer,
                                     "-n", "policybook", "-s", str(statement.with_suffix(".sig"))],
                                    cwd=inspection, stdin=stream, capture_output=True, text=True, check=False)
        assert result.returncode == 0, (statement, result.stderr)
        checked += 1
    assert checked == sum(1 for name in listed if name.endswith(".txt")) >= 30  # superseded versions too


def test_an_approved_policy_without_a_fingerprint_is_an_error_unless_signatures_are_off(signed: Path) -> None:
    text = (signed / HAND).read_text(encoding="utf-8")
    (signed / HAND).write_text("".join(line for line in text.splitlines(keepends=True)
                                       if not line.startswith("fingerprint:")), encoding="utf-8")
    assert (HAND, "missing-fingerprint") in _lint(signed)
    edit(signed / "policybook.yml", "signatures: required", "signatures: off")
    assert _lint(signed) == []


# -- comprehension questions are part of what is approved ---------------------------------------------
QUESTIONS = """questions:
  - question: How long does hand rub take?
    options: ["5 seconds", "20 to 30 seconds", "2 minutes"]
    answer: 20 to 30 seconds
    section: Technique
"""


def _errors(root: Path, *extra: str) -> set[tuple[str, str]]:
    result = policybook(root, "lint", "--today", TODAY, "--format", "json", *extra)
    return {(f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"}


def test_a_question_added_to_a_signed_policy_is_a_change_after_approval(committed: Path) -> None:
    edit(committed / HAND, "fingerprint:", QUESTIONS + "fingerprint:")
    assert {(HAND, "changed-since-approval"), (HAND, "approval-signature")} <= _errors(committed)
    assert (HAND, "version-not-bumped") in _errors(committed, "--base", "HEAD")


def test_changing_a_question_of_an_approved_signed_version_needs_a_new_version(committed: Path,
                                                                               keys: dict[str, Path]) -> None:
    assert policybook(committed, "bump", "IPC-002", "--minor", "--summary", "Questions for staff.",
                      "--today", TODAY).returncode == 0
    edit(committed / HAND, "fingerprint:", QUESTIONS + "fingerprint:")
    approved = policybook(committed, "approve", "IPC-002", "--by", "registered-manager", "--key", str(keys["pl"]),
                          "--today", TODAY)
    assert approved.returncode == 0, approved.stderr
    statement = (committed / "records/approvals/IPC-002/1.4.txt").read_text(encoding="utf-8")
    subprocess.run(["git", "-C", str(committed), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(committed), "commit", "-q", "-m", "IPC-002 1.4 with questions"], check=True)
    assert _errors(committed) == set() and _errors(committed, "--base", "HEAD") == set()
    # The answer changed to one the policy contradicts: the approval no longer covers it.
    edit(committed / HAND, "    answer: 20 to 30 seconds", "    answer: 5 seconds")
    assert {(HAND, "changed-since-approval"), (HAND, "approval-signature")} <= _errors(committed)
    assert (HAND, "version-not-bumped") in _errors(committed, "--base", "HEAD")
    doc = parse_markdown((committed / HAND).read_text(encoding="utf-8"), committed / HAND, HAND)
    assert f"fingerprint: {fingerprint(doc.data, doc.body)}" not in statement
    # Rewording a question is a change too; the question as approved is not.
    edit(committed / HAND, "    answer: 5 seconds", "    answer: 20 to 30 seconds")
    assert _errors(committed) == set()
    edit(committed / HAND, "How long does hand rub take?", "How long does hand rub take, at least?")
    assert (HAND, "changed-since-approval") in _errors(committed)


def test_a_policy_without_questions_keeps_the_fingerprint_it_was_signed_with() -> None:
    from policybook.loader import load_markdown

    without, with_questions = 0, 0
    for path in sorted((REPO / "policies").rglob("*.md")):
        doc = load_markdown(path, path.name)
        if doc.data.get("status") == "approved":
            assert fingerprint(doc.data, doc.body) == doc.data["fingerprint"], path
            if "questions" in doc.data:
                with_questions += 1
            else:
                without += 1
    # The example's safety-critical policies were approved again with their questions; the others were not.
    assert (without, with_questions) == (25, 5)


# -- one key, one person; allowed_signers written only from ids the schema allows -------------------------
def _throwaway_key(folder: Path, name: str, passphrase: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", f"{name} (fictional)", "-f",
                    str(key)], check=True, capture_output=True)
    return key


def _add_staff(root: Path, staff_id: str, public: str) -> None:
    with open(root / "registers/staff.yml", "a", encoding="utf-8") as register:
        register.write(f"  - id: {json.dumps(staff_id)}\n    name: Morgan Quillfeather\n    roles: [administrator]\n"
                       f"    signing_keys:\n      - {public}\n")


def _inspect(root: Path, statement: Path, signature: Path, principal: str) -> subprocess.CompletedProcess[str]:
    """The inspector's command in docs/guide/approvals.md and checking-a-pack.md."""
    with open(statement, "rb") as stream:
        return subprocess.run(["ssh-keygen", "-Y", "verify", "-f", "records/allowed_signers", "-I", principal,
                               "-n", "policybook", "-s", str(signature)], cwd=root, stdin=stream,
                              capture_output=True, text=True, check=False)


@pytest.mark.parametrize("forged_id", ["*", "p*", "mallory,pl", "mallory pl", "mallory\n"])
def test_a_forged_allowed_signers_entry_cannot_make_the_inspectors_command_accept_a_forgery(
        signed: Path, tmp_path: Path, forged_id: str) -> None:
    attacker = _throwaway_key(tmp_path / "attacker", "mallory")
    _add_staff(signed, forged_id, (attacker.with_suffix(".pub")).read_text(encoding="utf-8").strip())
    before = (signed / "records/allowed_signers").read_bytes()
    refused = policybook(signed, "sign", "--refresh-signers", "--today", TODAY)
    assert refused.returncode == 2 and "records/allowed_signers is not written" in refused.stderr
    assert (signed / "records/allowed_signers").read_bytes() == before
    # The forgery: IPC-002's statement with an earlier approval date, signed by the attacker's key.
    forged = tmp_path / "forged.txt"
    forged.write_text((signed / "records/approvals/IPC-002/1.3.txt").read_text(encoding="utf-8")
                      .replace("approved_on: 2025", "approved_on: 2024"), encoding="utf-8")
    subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(attacker), "-n", "policybook", str(forged)],
                   check=True, capture_output=True)
    assert _inspect(signed, forged, Path(f"{forged}.sig"), "pl").returncode != 0
    genuine = signed / "records/approvals/IPC-002/1.3.txt"
    assert _inspect(signed, genuine, genuine.with_suffix(".sig"), "pl").returncode == 0
    # The entry is a schema error in lint (a final line break slips past the schema's pattern, as Python
    # reads "$", but not past allowed_signers' rule), and what lint expects the file to hold leaves it out.
    assert forged_id.endswith("\n") or ("registers/staff.yml", "schema") in _lint(signed)
    assert forged_id.strip() not in (signed / "records/allowed_signers").read_text(encoding="utf-8")


def test_a_key_listed_for_two_people_signs_for_neither(signed: Path, keys: dict[str, Path]) -> None:
    public = keys["pl"].with_suffix(".pub")
    shutil.copyfile(REPO / "tests/keys/pl-fictional-ed25519.pub", public)
    _add_staff(signed, "mq", public.read_text(encoding="utf-8").strip())
    errors = _lint(signed)
    assert ("registers/staff.yml", "shared-signing-key") in errors
    refused = policybook(signed, "reviewed", "IPC-002", "--by", "registered-manager", "--key", str(keys["pl"]),
                         "--today", TODAY)
    assert refused.returncode == 2 and "listed for pl and mq" in refused.stderr


# -- a library approved on paper --------------------------------------------------------------------------
def _sign_answering(root: Path, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "policybook"
    return subprocess.run([str(script), "-C", str(root), "sign", *args, "--today", TODAY], input=answer,
                          capture_output=True, text=True, check=False, timeout=600)


def test_a_library_approved_on_paper_is_brought_to_lint_clean_and_signed(tmp_path: Path,
                                                                        keys: dict[str, Path]) -> None:
    root = strip_fingerprints(copy_example(tmp_path / "org"), folders=("policies",))
    edit(root / "policybook.yml", "signatures: off", "signatures: required")
    errors = _lint(root)
    assert {rule for _, rule in errors} == {"missing-fingerprint", "approval-signature"}
    assert sum(1 for _, rule in errors if rule == "missing-fingerprint") == 30
    before = {p: p.read_bytes() for p in (root / "policies").rglob("*.md")}
    declined = _sign_answering(root, "n\n", "--all", "--key", str(keys["pl"]))
    assert declined.returncode == 2 and "not confirmed" in declined.stderr
    assert "IPC-002 version 1.3, approved by registered-manager on 2025-10-13, fingerprint sha256:" in \
        declined.stdout
    assert {p: p.read_bytes() for p in before} == before and not (root / "records/approvals").exists()
    unasked = _sign_answering(root, "", "GOV-005", "--key", str(keys["pl"]))  # no answer: nothing signed
    assert unasked.returncode == 2 and {p: p.read_bytes() for p in before} == before
    accepted = _sign_answering(root, "y\n", "--all", "--key", str(keys["pl"]))
    assert accepted.returncode == 0, accepted.stderr
    assert "signed IPC-002 version 1.3 as Priya Lindqvist; recorded its fingerprint (approved on paper)" in \
        accepted.stdout
    rest = policybook(root, "sign", "--all", "--yes", "--key", str(keys["mf"]), "--today", TODAY)
    assert rest.returncode == 0, rest.stderr
    assert _lint(root) == []
    hand = parse_markdown((root / HAND).read_text(encoding="utf-8"), root / HAND, HAND)
    assert hand.data["fingerprint"] == fingerprint(hand.data, hand.body)
    assert hand.data["history"][0]["summary"].endswith(
        f"Approved on paper; its fingerprint was recorded and the approval signed by Priya Lindqvist on {TODAY}.")
    assert len(list((root / "records/approvals").glob("*/*.sig"))) >= 30
