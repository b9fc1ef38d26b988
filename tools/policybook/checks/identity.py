"""Rules ``duplicate-id`` and ``duplicate-title``: one policy, one id, one title."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.findings import Finding, Rule, Scope, Severity, check, declare
from policybook.model import Policy, Status, normalise_title
from policybook.registers import DUPLICATE_ID

DUPLICATE_TITLE = declare(
    "duplicate-title", Severity.ERROR, Scope.CORPUS,
    'Two policies that are not retired share a title, ignoring case and spacing.')


def _report(groups: dict[str, list[Policy]], rule: Rule, key: str, what: str) -> Iterator[Finding]:
    for value, policies in groups.items():
        if len(policies) < 2:
            continue
        for policy in policies:
            others = ", ".join(p.rel for p in policies if p is not policy)
            line, column = policy.doc.position((key,))
            yield rule.at(policy.rel, line, column, f"{what} '{value}' is also used by {others}")


@check(DUPLICATE_ID)
def check_duplicate_ids(corpus: Corpus) -> Iterator[Finding]:
    groups: dict[str, list[Policy]] = defaultdict(list)
    for policy in corpus.policies:
        if policy.id:
            groups[policy.id].append(policy)
    yield from _report(groups, DUPLICATE_ID, "id", "id")


@check(DUPLICATE_TITLE)
def check_duplicate_titles(corpus: Corpus) -> Iterator[Finding]:
    groups: dict[str, list[Policy]] = defaultdict(list)
    for policy in corpus.policies:
        if policy.title and policy.status is not Status.RETIRED:
            groups[normalise_title(policy.title)].append(policy)
    yield from _report(groups, DUPLICATE_TITLE, "title", "title")
