"""Change-control rules: ``changed-since-approval`` (any checkout, no git needed), and
``version-not-bumped`` and ``governance-changed`` (against a git base, for pull requests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from policybook.checks.run import CheckRun
from policybook.corpus import Corpus
from policybook.evidence.fingerprint import fingerprint
from policybook.evidence.git import files_at
from policybook.evidence.records import RECORDS
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.loader import Document, parse_markdown_bytes
from policybook.model import Policy, Status

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


@check(VERSION_NOT_BUMPED, run=True)
def check_version_not_bumped(corpus: Corpus, run: CheckRun) -> Iterator[Finding]:
    base_ref = run.options.base_ref
    if not base_ref:
        return
    old_files = files_at(corpus.root, base_ref, [p.doc.path for p in corpus.policies])
    for policy in corpus.policies:
        old_bytes = old_files.get(policy.doc.path)
        if old_bytes is None or not policy.doc.ok:
            continue  # new in this change, or unreadable now (reported elsewhere)
        old = parse_markdown_bytes(old_bytes, policy.doc.path, policy.rel)
        if not isinstance(old.data, dict):
            continue
        if fingerprint(old.data, old.body) == fingerprint(policy.data, policy.doc.body):
            continue
        if old.data.get("version") == policy.data.get("version"):
            line, column = policy.doc.position(("version",))
            yield VERSION_NOT_BUMPED.at(policy.rel, line, column,
                          f"the content differs from {base_ref} but the version is still "
                          f"{policy.version_text}: run policybook bump")


GOVERNANCE_CHANGED = declare(
    "governance-changed", Severity.ERROR, Scope.CORPUS,
    "Only with `--base REF`: the record of an approval was rewritten: `approved_on` or `approved_by` changed "
    "without a new version, a history entry of an earlier version changed or vanished, or "
    "`records/acknowledgements.csv` changed other than by lines added at its end.")


def _old_policy(blob: bytes, policy_rel: str) -> Document | None:
    old = parse_markdown_bytes(blob, Path(policy_rel), policy_rel)
    return old if isinstance(old.data, dict) else None


@check(GOVERNANCE_CHANGED, run=True)
def check_governance_since_base(corpus: Corpus, run: CheckRun) -> Iterator[Finding]:
    base_ref = run.options.base_ref
    if not base_ref:
        return
    records = corpus.root / RECORDS
    old_files = files_at(corpus.root, base_ref, [p.doc.path for p in corpus.policies] + [records])
    for policy in corpus.policies:
        blob = old_files.get(policy.doc.path)
        old = _old_policy(blob, policy.rel) if blob is not None and policy.doc.ok else None
        if old is None:
            continue
        same_version = old.data.get("version") == policy.data.get("version")
        approved_then = Status.of(old.data.get("status")) is Status.APPROVED
        if same_version and approved_then and policy.status is Status.APPROVED:
            for key in ("approved_on", "approved_by"):
                if str(old.data.get(key)) != str(policy.data.get(key)):
                    line, column = policy.doc.position((key,))
                    yield GOVERNANCE_CHANGED.at(policy.rel, line, column,
                                                f"{key} changed from {old.data.get(key)} to {policy.data.get(key)} "
                                                f"since {base_ref} without a new version")
        yield from _history_rewritten(base_ref, policy, old)
    old_records = old_files.get(records)
    if old_records is not None:
        current = records.read_bytes() if records.is_file() else b""
        if not current.startswith(old_records):
            common = next((i for i, (a, b) in enumerate(zip(old_records, current, strict=False)) if a != b),
                          min(len(old_records), len(current)))
            line = old_records[:common].count(b"\n") + 1
            yield GOVERNANCE_CHANGED.at(RECORDS.as_posix(), line, 1,
                                        f"the records changed here since {base_ref}: records are only ever "
                                        "added at the end")


def _history_rewritten(base_ref: str, policy: Policy, old: Document) -> Iterator[Finding]:
    """History entries of versions before the current one must stand as they were."""
    current = policy.data.get("version")
    now = {str(e.get("version")): e for e in policy.data.get("history") or [] if isinstance(e, dict)}
    for entry in old.data.get("history") or []:
        if not isinstance(entry, dict) or str(entry.get("version")) == str(current):
            continue
        version = str(entry.get("version"))
        if now.get(version) != entry:
            where = next((i for i, e in enumerate(policy.data.get("history") or [])
                          if isinstance(e, dict) and str(e.get("version")) == version), None)
            line, column = policy.doc.position(("history", where) if where is not None else ("history",))
            yield GOVERNANCE_CHANGED.at(policy.rel, line, column,
                                        f"the history entry for version {version} was "
                                        f"{'changed' if where is not None else 'removed'} since {base_ref}")
