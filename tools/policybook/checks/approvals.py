"""Rules ``missing-fingerprint`` and ``approval-signature``: every approved version is bound to its
content by a fingerprint and, as policybook.yml's ``approvals.signatures`` says, to a named member of
staff who holds the approving role, by an OpenSSH signature kept in records/approvals/ (see
evidence/signatures.py). Verification needs no git and no network."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping

from policybook.checks.run import CheckRun
from policybook.config import Config
from policybook.corpus import Corpus
from policybook.evidence.proof import statement_problem
from policybook.evidence.signatures import ALLOWED_SIGNERS, allowed_signers
from policybook.findings import Finding, Rule, Scope, Severity, check, declare, registered_rules
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
BLOCKING_WARNING_UNKNOWN = declare(
    "blocking-warning-unknown", Severity.ERROR, Scope.CORPUS,
    "`approvals.blocking_warnings` in policybook.yml names a rule that neither policybook nor the house style "
    "has, so it would hold back nothing.")


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
        yield from signature_findings(corpus, policy, mode)


def signature_findings(corpus: Corpus, policy: Policy, mode: str) -> Iterator[Finding]:
    """What is wrong with the signed statements of an approved ``policy`` (or document for patients): its
    approval's, and its latest review's where it has one."""
    yield from _check_statement(corpus, policy, "approval", mode)
    reviews = policy.data.get("reviews")
    if isinstance(reviews, list) and reviews and isinstance(reviews[0], dict):
        yield from _check_statement(corpus, policy, "review", mode)


def _check_statement(corpus: Corpus, policy: Policy, kind: str, mode: str) -> Iterator[Finding]:
    problem = statement_problem(corpus, policy, kind, mode)
    if problem:
        line, column = policy.doc.position(("approved_by",) if kind == "approval" else ("reviews", 0, "by"))
        yield APPROVAL_SIGNATURE.at(policy.rel, line, column, problem)


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


def unknown_blocking_warnings(config: Config, rules: Mapping[str, Rule], style_known: bool = True) -> list[Finding]:
    """Each id that ``approvals.blocking_warnings`` lists and ``rules`` does not know, at its line in
    policybook.yml. Without the house style (``style_known`` False), its ids (``Style.Rule``) are not judged."""
    approvals = config.raw.get("approvals")
    listed = approvals.get("blocking_warnings") if isinstance(approvals, dict) else None
    found = []
    for index, rule_id in enumerate(listed if isinstance(listed, list) else []):
        if not isinstance(rule_id, str) or rule_id in rules or (not style_known and "." in rule_id):
            continue
        close = difflib.get_close_matches(rule_id, list(rules), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        found.append(BLOCKING_WARNING_UNKNOWN.at(*config.where("approvals", "blocking_warnings", index),
                                                 f"approvals.blocking_warnings: '{rule_id}' is not a rule of "
                                                 f"policybook or of the house style{hint}"))
    return found


@check(BLOCKING_WARNING_UNKNOWN, run=True)
def check_blocking_warnings(corpus: Corpus, run: CheckRun) -> list[Finding]:
    style = run.options.style
    rules = registered_rules() | (style.catalogue() if style else {})
    return unknown_blocking_warnings(corpus.config, rules, style_known=style is not None)
