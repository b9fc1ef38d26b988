"""Whether an approved version is proven: its content matches its fingerprint and, as policybook.yml's
``approvals.signatures`` says, an OpenSSH signature by a member of staff holding the approving role
signs exactly its statement (records/approvals/). Lint reports the answers as findings; the version in
force (evidence/inforce.py) is only ever one that is proven."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from policybook.evidence.fingerprint import earlier_fingerprints, proven_by
from policybook.evidence.signatures import (
    Statement,
    approval_statement,
    names_a_folder,
    review_statement,
    signer_of,
    statement_paths,
    verify,
)
from policybook.model import Policy

if TYPE_CHECKING:
    from policybook.corpus import Corpus


def _expected(policy: Policy, kind: str, signer: str) -> Statement:
    key = policy.statement_key
    if kind == "approval":
        return approval_statement(policy.data, policy.doc.body, signer, key)
    return review_statement(policy.data, policy.doc.body, policy.data["reviews"][0], signer, key)


def statement_problem(corpus: Corpus, policy: Policy, kind: str, mode: str) -> str | None:
    """What is wrong with the stored signature of ``policy``'s approval or latest review, or None. A policy,
    or a document for patients or an edition of one (named by its statement key, PUB-001-ar), alike; one
    whose key cannot name a file is never proven."""
    what = f"the {kind} of {policy.label} version {policy.version_text}"
    if not names_a_folder(policy.statement_key):
        return (f"{what} cannot be proven: '{policy.statement_key}' cannot name its signed statements (an id, or "
                "an edition's source and language, is letters, digits and single hyphens)")
    statement = _expected(policy, kind, "")  # the signer is named by the stored statement
    recorded = policy.data.get("fingerprint")
    if isinstance(recorded, str) and recorded in earlier_fingerprints(policy.data, policy.doc.body):
        statement = replace(statement, fingerprint=recorded)  # approved before the governed fields grew
    text_path, signature_path = statement_paths(corpus.root, statement)
    rel = text_path.relative_to(corpus.root).as_posix()
    if not text_path.is_file():
        if mode == "required":
            return (f"{what} is not signed ({rel} is missing): sign it with policybook sign {policy.statement_key} "
                    "--key PATH")
        return None
    try:
        stored = text_path.read_text(encoding="utf-8")
        armored = signature_path.read_text(encoding="ascii") if signature_path.is_file() else None
    except (OSError, UnicodeDecodeError) as exc:
        return f"{what}: its signature files cannot be read ({exc})"
    signer_id = signer_of(stored) or ""
    member = corpus.registers.staff.get(signer_id)
    if member is None:
        return f"{what} is signed by '{signer_id}', who is not in the staff register"
    expected = replace(statement, signer=signer_id).text
    if stored != expected:
        return (f"{what}: the signed statement ({rel}) no longer matches the file "
                f"({_first_difference(stored, expected)}); a changed document needs a new version and approval")
    if statement.role not in member.roles:
        return f"{what} is signed by {member.name} ({member.id}), who does not hold the role '{statement.role}'"
    if armored is None:
        return f"{what}: the signature file {signature_path.relative_to(corpus.root).as_posix()} is missing"
    if not _verified(stored, armored, member.signing_keys):
        return f"{what}: the signature does not verify with {member.name}'s keys in registers/staff.yml"
    return None


def approval_problems(corpus: Corpus, policy: Policy) -> list[str]:
    """Why an approved version (one read from git, say) is not a proven approval: content that does not
    match its fingerprint, or, unless signatures are off, a signature that is missing (when required)
    or does not verify. Empty when it is proven as far as the library's settings ask."""
    recorded = policy.data.get("fingerprint")
    if recorded and not proven_by(recorded, policy.data, policy.doc.body):
        return [f"{policy.label} version {policy.version_text} was changed after it was approved (its fingerprint "
                "does not match)"]
    mode = corpus.config.signatures
    if mode == "off" or not policy.statement_key or not policy.version_text:
        return []
    problem = statement_problem(corpus, policy, "approval", mode)
    return [problem] if problem else []


@lru_cache(maxsize=4096)
def _verified(text: str, armored: str, keys: tuple[str, ...]) -> bool:
    return verify(text, armored, keys)


def _first_difference(stored: str, expected: str) -> str:
    stored_lines, expected_lines = stored.splitlines(), expected.splitlines()
    for have, want in zip(stored_lines, expected_lines, strict=False):
        if have != want:
            return f"{want.split(':', 1)[0]} differs"
    return "its length differs"
