"""Rules ``missing-fingerprint`` and ``approval-signature``: every approved version is bound to its
content by a fingerprint and, as policybook.yml's ``approvals.signatures`` says, to a named member of
staff who holds the approving role, by an OpenSSH signature kept in records/approvals/ (see
control/signatures.py). Verification needs no git and no network."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache

from policybook.control.signatures import (
    ALLOWED_SIGNERS,
    Statement,
    allowed_signers,
    approval_statement,
    review_statement,
    signer_of,
    statement_paths,
    verify,
)
from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.model import Policy, Status

MISSING_FINGERPRINT = declare(
    "missing-fingerprint", Severity.ERROR, Scope.POLICY,
    "An approved policy has no `fingerprint`, so nothing shows what was approved: approve it with `policybook "
    "approve` (or `policybook sign` for one approved on paper). Not checked with `approvals.signatures: off`.")
APPROVAL_SIGNATURE = declare(
    "approval-signature", Severity.ERROR, Scope.POLICY,
    "An approval or review is not proven: its signature is missing (where `approvals.signatures` is "
    "`required`), does not verify, was made by someone who does not hold the approving role, or signs a "
    "statement that no longer matches the policy.")


@check(MISSING_FINGERPRINT)
def check_fingerprint_present(corpus: Corpus) -> Iterator[Finding]:
    if corpus.config.signatures == "off":  # the library has chosen not to prove its approvals
        return
    for policy in corpus.policies:
        if policy.status is Status.APPROVED and policy.doc.ok and not policy.fingerprint:
            line, column = policy.doc.position(("status",))
            yield MISSING_FINGERPRINT.at(policy.rel, line, column, f"{policy.label} is approved, but nothing records "
                                         "what was approved: approve it with policybook approve, or sign it")


@check(APPROVAL_SIGNATURE)
def check_signatures(corpus: Corpus) -> Iterator[Finding]:
    mode = corpus.config.signatures
    if mode == "off":
        return
    for policy in corpus.policies:
        if policy.status is not Status.APPROVED or not policy.doc.ok or not policy.id or not policy.version_text:
            continue
        yield from _check_statement(corpus, policy, "approval", mode)
        reviews = policy.data.get("reviews")
        if isinstance(reviews, list) and reviews and isinstance(reviews[0], dict):
            yield from _check_statement(corpus, policy, "review", mode)


def _expected(policy: Policy, kind: str, signer: str) -> Statement:
    if kind == "approval":
        return approval_statement(policy.data, policy.doc.body, signer)
    return review_statement(policy.data, policy.doc.body, policy.data["reviews"][0], signer)


def _check_statement(corpus: Corpus, policy: Policy, kind: str, mode: str) -> Iterator[Finding]:
    key_path = ("approved_by",) if kind == "approval" else ("reviews", 0, "by")
    line, column = policy.doc.position(key_path)
    what = f"the {kind} of {policy.label} version {policy.version_text}"

    def problem(message: str) -> Finding:
        return APPROVAL_SIGNATURE.at(policy.rel, line, column, message)

    statement = _expected(policy, kind, "")  # the signer is named by the stored statement
    text_path, signature_path = statement_paths(corpus.root, statement)
    rel = text_path.relative_to(corpus.root).as_posix()
    if not text_path.is_file():
        if mode == "required":
            yield problem(f"{what} is not signed ({rel} is missing): sign it with policybook sign {policy.id} "
                          "--key PATH")
        return
    try:
        stored = text_path.read_text(encoding="utf-8")
        armored = signature_path.read_text(encoding="ascii") if signature_path.is_file() else None
    except (OSError, UnicodeDecodeError) as exc:
        yield problem(f"{what}: its signature files cannot be read ({exc})")
        return
    signer_id = signer_of(stored) or ""
    member = corpus.registers.staff.get(signer_id)
    if member is None:
        yield problem(f"{what} is signed by '{signer_id}', who is not in the staff register")
        return
    expected = replace(statement, signer=signer_id).text
    if stored != expected:
        changed = _first_difference(stored, expected)
        yield problem(f"{what}: the signed statement ({rel}) no longer matches the policy ({changed}); a changed "
                      "policy needs a new version and approval")
        return
    if statement.role not in member.roles:
        yield problem(f"{what} is signed by {member.name} ({member.id}), who does not hold the role "
                      f"'{statement.role}'")
        return
    if armored is None:
        yield problem(f"{what}: the signature file {signature_path.relative_to(corpus.root).as_posix()} is missing")
    elif not _verified(stored, armored, member.signing_keys):
        yield problem(f"{what}: the signature does not verify with {member.name}'s keys in registers/staff.yml")


@lru_cache(maxsize=4096)
def _verified(text: str, armored: str, keys: tuple[str, ...]) -> bool:
    return verify(text, armored, keys)


def _first_difference(stored: str, expected: str) -> str:
    stored_lines, expected_lines = stored.splitlines(), expected.splitlines()
    for have, want in zip(stored_lines, expected_lines, strict=False):
        if have != want:
            return f"{want.split(':', 1)[0]} differs"
    return "its length differs"


@check(APPROVAL_SIGNATURE, scope=Scope.CORPUS)
def check_allowed_signers(corpus: Corpus) -> Iterator[Finding]:
    """records/allowed_signers, which inspectors verify with, must list exactly the register's keys."""
    path = corpus.root / ALLOWED_SIGNERS
    if corpus.config.signatures == "off" or not (corpus.root / ALLOWED_SIGNERS.parent / "approvals").is_dir():
        return
    try:
        current = path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        current = None
    if current != allowed_signers(corpus.registers):
        yield APPROVAL_SIGNATURE.at(ALLOWED_SIGNERS.as_posix(), 1, 1,
                                    "records/allowed_signers does not match the signing keys in registers/staff.yml: "
                                    "run policybook sign --refresh-signers")
