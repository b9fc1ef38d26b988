"""Change-control rules: ``changed-since-approval`` (any checkout, no git needed) and
``version-not-bumped`` (against a git base, for pull requests)."""

from __future__ import annotations

from collections.abc import Iterator

from policybook.control.fingerprint import fingerprint
from policybook.control.git import files_at
from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.loader import Document, decode, parse_markdown_text
from policybook.model import Status

CHANGED_SINCE_APPROVAL = declare(
    "changed-since-approval", Severity.ERROR, Scope.POLICY,
    'An approved policy whose body or governed fields no longer match the `fingerprint` recorded when it was '
    'approved. Works on any checkout; no git needed.')
VERSION_NOT_BUMPED = declare(
    "version-not-bumped", Severity.ERROR, Scope.CORPUS,
    'Only with `--base REF`: a policy whose content differs from git revision REF but whose version does not. '
    'For pull requests.')


@check(CHANGED_SINCE_APPROVAL)
def check_changed_since_approval(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        recorded = policy.fingerprint
        if policy.status is not Status.APPROVED or not recorded or not policy.doc.ok:
            continue
        if fingerprint(policy.data, policy.doc.body) != recorded:
            line, column = policy.doc.position(("fingerprint",))
            yield CHANGED_SINCE_APPROVAL.at(policy.rel, line, column,
                          f"{policy.label} version {policy.version_text} has been edited since it was approved: "
                          "bump the version and approve it, or undo the edit")


@check(VERSION_NOT_BUMPED)
def check_version_not_bumped(corpus: Corpus) -> Iterator[Finding]:
    if not corpus.base_ref:
        return
    old_files = files_at(corpus.root, corpus.base_ref, [p.doc.path for p in corpus.policies])
    for policy in corpus.policies:
        old_bytes = old_files.get(policy.doc.path)
        if old_bytes is None or not policy.doc.ok:
            continue  # new in this change, or unreadable now (reported elsewhere)
        text, _ = decode(old_bytes, policy.rel)
        if text is None:
            continue
        old = Document(path=policy.doc.path, rel=policy.rel)
        parse_markdown_text(old, text)
        if not isinstance(old.data, dict):
            continue
        if fingerprint(old.data, old.body) == fingerprint(policy.data, policy.doc.body):
            continue
        if old.data.get("version") == policy.data.get("version"):
            line, column = policy.doc.position(("version",))
            yield VERSION_NOT_BUMPED.at(policy.rel, line, column,
                          f"the content differs from {corpus.base_ref} but the version is still "
                          f"{policy.version_text}: run policybook bump")
