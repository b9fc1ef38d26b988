"""Rules ``duplicate-id`` and ``duplicate-title``: one policy, one id, one title."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.findings import Finding, finding
from policybook.model import Policy


def _report(groups: dict[str, list[Policy]], rule: str, key: str, what: str) -> Iterator[Finding]:
    for value, policies in groups.items():
        if len(policies) < 2:
            continue
        for policy in policies:
            others = ", ".join(p.rel for p in policies if p is not policy)
            line, column = policy.doc.position((key,))
            yield finding(rule, policy.rel, line, column, f"{what} '{value}' is also used by {others}")


def check_duplicate_ids(corpus: Corpus) -> Iterator[Finding]:
    groups: dict[str, list[Policy]] = defaultdict(list)
    for policy in corpus.policies:
        if policy.id:
            groups[policy.id].append(policy)
    yield from _report(groups, "duplicate-id", "id", "id")


def normalise_title(title: str) -> str:
    """Titles compare ignoring case and spacing: 'Hand  Hygiene' is 'hand hygiene'."""
    return " ".join(title.casefold().split())


def check_duplicate_titles(corpus: Corpus) -> Iterator[Finding]:
    groups: dict[str, list[Policy]] = defaultdict(list)
    for policy in corpus.policies:
        if policy.title and policy.status != "retired":
            groups[normalise_title(policy.title)].append(policy)
    yield from _report(groups, "duplicate-title", "title", "title")
