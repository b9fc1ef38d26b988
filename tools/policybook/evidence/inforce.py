"""The version of each policy that is in force: what staff get on the site, in the handbook, in `ack`
and in the review calendar.

An approved policy is in force as it stands. A policy that has been bumped to a draft is still in force
at its last approved version until the draft is approved: that version is read from git, because the
working file now holds the draft. Without git, such a policy cannot be shown and is reported instead.
Documents for patients and their editions are in force the same way, on the public site.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.evidence.git import in_repository
from policybook.evidence.history import approved_versions, policy_at
from policybook.evidence.proof import approval_problems
from policybook.model import Policy, Status, parse_version
from policybook.patients import PublicDocument


@dataclass
class InForce:
    policies: list[Policy] = field(default_factory=list)
    # One line for each draft whose approved version could not be read (no git, or never committed).
    missing: list[tuple[Policy, str]] = field(default_factory=list)
    # One line for each draft whose approved version in git does not prove its approval (content changed
    # after approval, or a signature missing or false): a commit cannot make an unapproved text "in force".
    unproven: list[tuple[Policy, str]] = field(default_factory=list)


def _was_approved(policy: Policy) -> bool:
    """Whether the draft's own history shows an earlier approved version (1.0 or later)."""
    current = policy.version_text
    for entry in policy.history:
        version = parse_version(entry.version_text)
        if entry.version_text != current and version is not None and version[0] >= 1:
            return True
    return False


def _at_commit(corpus: Corpus, draft: Policy, commit: str) -> Policy | None:
    policy = policy_at(corpus.root, commit, draft)
    return policy if policy is not None and policy.status is Status.APPROVED \
        and policy.statement_key == draft.statement_key else None


def versions_in_force(corpus: Corpus, documents: Sequence[Policy] | None = None) -> InForce:
    """Every policy in force (or of ``documents``: the documents for patients), in the order of the corpus,
    with drafts replaced by their approved version."""
    found = InForce()
    under_git: bool | None = None
    for policy in corpus.policies if documents is None else documents:
        if policy.status is Status.APPROVED:
            found.policies.append(policy)
            continue
        if policy.status is not Status.DRAFT or not _was_approved(policy):
            continue
        if under_git is None:
            under_git = in_repository(corpus.root)
        if not under_git:
            found.missing.append((policy, f"{policy.label} is a draft ({policy.version_text}) and this library is not "
                                          "under git, so its approved version cannot be read: it is left out"))
            continue
        try:
            records = approved_versions(corpus.root, policy.doc.path)
            approved = _at_commit(corpus, policy, records[-1].commit) if records else None
        except PolicybookError:
            approved = None
        problems = approval_problems(corpus, approved) if approved is not None else []
        if approved is None:
            found.missing.append((policy, f"{policy.label} is a draft ({policy.version_text}) and git holds no "
                                          "approved version of its file: it is left out"))
        elif problems:
            found.unproven.append((policy, f"{policy.label} is a draft ({policy.version_text}) and the approved "
                                           "version git holds is not proven, so it is not shown: "
                                           f"{problems[0]}"))
        else:
            found.policies.append(approved)
    return found


# A corpus never changes after it is loaded, so its report is worked out once for the site, the handbook,
# the records commands and lint alike, and forgotten with the corpus.
_REPORTS: weakref.WeakKeyDictionary[Corpus, InForce] = weakref.WeakKeyDictionary()
_PUBLIC_REPORTS: weakref.WeakKeyDictionary[Corpus, InForce] = weakref.WeakKeyDictionary()


def in_force_report(corpus: Corpus) -> InForce:
    """What staff get, and what they cannot be given (see versions_in_force), once per corpus."""
    report = _REPORTS.get(corpus)
    if report is None:
        report = _REPORTS[corpus] = versions_in_force(corpus)
    return report


def public_in_force_report(corpus: Corpus) -> InForce:
    """What the public site shows of the documents for patients and their editions, once per corpus."""
    report = _PUBLIC_REPORTS.get(corpus)
    if report is None:
        report = _PUBLIC_REPORTS[corpus] = versions_in_force(corpus, corpus.public)
    return report


def public_in_force(corpus: Corpus) -> list[PublicDocument]:
    """Approved documents for patients and editions, and for one bumped to a draft its last proven approved
    version (read from git as a document for patients)."""
    return [d for d in public_in_force_report(corpus).policies if isinstance(d, PublicDocument)]


def settle_in_force(corpus: Corpus, policies: list[Policy]) -> None:
    """Give a corpus read from a snapshot of the library (evidence/snapshot.py), which has no git history
    of its own, the versions in force worked out from the real history: everything that asks
    ``in_force`` of it (reading owed, reviews due) then answers for those versions."""
    _REPORTS[corpus] = InForce(policies=list(policies))


def in_force(corpus: Corpus) -> list[Policy]:
    """Approved policies, and for a policy bumped to a draft its last proven approved version."""
    return in_force_report(corpus).policies


def not_in_force(corpus: Corpus) -> list[str]:
    """One line per draft whose approved version could not be read or is not proven."""
    report = in_force_report(corpus)
    return [line for _, line in (*report.missing, *report.unproven)]
