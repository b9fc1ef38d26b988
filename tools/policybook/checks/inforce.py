"""Rule ``version-in-force``: while a policy is a draft, staff get its last approved version, read from
git (evidence/inforce.py). That version must be a proven approval, or a commit could put text nobody
approved in front of staff; and when it cannot be read, the policy is missing from the staff site."""

from __future__ import annotations

from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.evidence.git import in_repository
from policybook.evidence.inforce import in_force_report, public_in_force_report
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.model import Status

VERSION_IN_FORCE = declare(
    "version-in-force", Severity.ERROR, Scope.CORPUS,
    "A draft's last approved version, which staff get until the draft is approved, is not a proven approval "
    "in git (changed after approval, or its signature missing or false); a warning when git holds none.")


@check(VERSION_IN_FORCE)
def check_version_in_force(corpus: Corpus) -> Iterator[Finding]:
    if not any(p.status is Status.DRAFT for p in [*corpus.policies, *corpus.public]) \
            or not in_repository(corpus.root):
        return  # without git there is nothing to check here; the build says which policies it leaves out
    for found in (in_force_report(corpus), public_in_force_report(corpus)):
        for entries, severity in ((found.unproven, Severity.ERROR), (found.missing, Severity.WARNING)):
            for policy, message in entries:
                row, column = policy.doc.position(("status",))
                yield VERSION_IN_FORCE.at(policy.rel, row, column, message, severity)
