"""Signed approvals of documents for patients and their editions: the same statement as a policy's (the
fingerprint, who approved it and when, the earlier history), named by the document's statement key
(PUB-001, or PUB-001-ar for an edition) and kept in records/approvals/ beside the policies'."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from policybook.evidence.signatures import Statement, approval_statement, signer_of, statement_paths, verify
from policybook.patients import PublicDocument

if TYPE_CHECKING:
    from policybook.corpus import Corpus


def public_statement(document: PublicDocument, signer: str) -> Statement:
    """The approval statement of ``document``'s current version, as ``signer`` signs it."""
    return replace(approval_statement(document.data, document.doc.body, signer), policy=document.statement_key)


def public_statement_problem(corpus: Corpus, document: PublicDocument) -> str | None:
    """What is wrong with the stored signature of ``document``'s approval, or None. A document without a
    stored statement has none to check: `policybook sign` signs policies only so far (docs/guide/patients.md)."""
    what = f"the approval of {document.label} version {document.version_text}"
    statement = public_statement(document, "")
    text_path, signature_path = statement_paths(corpus.root, statement)
    if not text_path.is_file():
        return None
    rel = text_path.relative_to(corpus.root).as_posix()
    try:
        stored = text_path.read_text(encoding="utf-8")
        armored = signature_path.read_text(encoding="ascii") if signature_path.is_file() else None
    except (OSError, UnicodeDecodeError) as exc:
        return f"{what}: its signature files cannot be read ({exc})"
    signer_id = signer_of(stored) or ""
    member = corpus.registers.staff.get(signer_id)
    if member is None:
        return f"{what} is signed by '{signer_id}', who is not in the staff register"
    if stored != replace(statement, signer=signer_id).text:
        return f"{what}: the signed statement ({rel}) no longer matches the document; a changed document needs a " \
               "new version and approval"
    if statement.role not in member.roles:
        return f"{what} is signed by {member.name} ({member.id}), who does not hold the role '{statement.role}'"
    if armored is None:
        return f"{what}: the signature file {signature_path.relative_to(corpus.root).as_posix()} is missing"
    if not verify(stored, armored, member.signing_keys):
        return f"{what}: the signature does not verify with {member.name}'s keys in registers/staff.yml"
    return None
