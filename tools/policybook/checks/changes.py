"""Change-control rules: ``changed-since-approval`` (any checkout, no git needed) and
``version-not-bumped`` (against a git base, for pull requests)."""

from __future__ import annotations

from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.findings import Finding, finding
from policybook.fingerprint import fingerprint
from policybook.gitfiles import files_at
from policybook.loader import Document, decode, parse_markdown_text


def check_changed_since_approval(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        recorded = policy.fingerprint
        if policy.status != "approved" or not recorded or not policy.doc.ok:
            continue
        if fingerprint(policy.data, policy.doc.body) != recorded:
            line, column = policy.doc.position(("fingerprint",))
            yield finding("changed-since-approval", policy.rel, line, column,
                          f"{policy.label} version {policy.version_text} has been edited since it was approved: "
                          "bump the version and approve it, or undo the edit")


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
            yield finding("version-not-bumped", policy.rel, line, column,
                          f"the content differs from {corpus.base_ref} but the version is still "
                          f"{policy.version_text}: run policybook bump")
