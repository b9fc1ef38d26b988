"""Rules ``duplicate-id``, ``duplicate-title`` and ``shared-signing-key``: one policy, one id, one title;
one signing key, one person."""

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


SHARED_SIGNING_KEY = declare(
    "shared-signing-key", Severity.ERROR, Scope.CORPUS,
    "A public key under `signing_keys` in registers/staff.yml is listed for two members of staff: a signature "
    "made with it could be recorded as either's. Reported at the second entry.")


@check(SHARED_SIGNING_KEY)
def check_shared_signing_keys(corpus: Corpus) -> Iterator[Finding]:
    first_holder: dict[tuple[str, ...], str] = {}
    for member in corpus.registers.staff.values():  # in the register's order
        for index, key in enumerate(member.signing_keys):
            public = tuple(key.split()[:2])
            holder = first_holder.setdefault(public, member.id)
            if holder != member.id:
                yield SHARED_SIGNING_KEY.at(*corpus.registers.where("staff", member.id, "signing_keys", index),
                                            f"this signing key is already listed for {holder}: one key belongs to "
                                            f"one person, so give {member.id} a key of their own")
