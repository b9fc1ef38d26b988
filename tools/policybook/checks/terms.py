"""Rules ``undesignated-role`` and ``undeclared-equipment``: a policy may name only the roles and
equipment the service really has. A configured term (e.g. 'fire officer', 'defibrillator') is
allowed where it is part of the title or an alias of a register entry, and reported elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import regex

from policybook.corpus import Corpus
from policybook.findings import Finding, Rule, Scope, Severity, check, declare

UNDESIGNATED_ROLE = declare(
    "undesignated-role", Severity.ERROR, Scope.POLICY,
    'The text names a job title from `undesignated_role_terms` (such as "fire officer") that is not part of a '
    "designated role's title or alias.")
UNDECLARED_EQUIPMENT = declare(
    "undeclared-equipment", Severity.ERROR, Scope.POLICY,
    'The text names equipment from `equipment_terms` that is not in the equipment register.')


def _alternation(words: Iterable[str]) -> regex.Pattern[str] | None:
    cleaned = sorted({w.strip() for w in words if w and w.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    body = "|".join(regex.escape(w).replace(r"\ ", r"\s+") for w in cleaned)
    return regex.compile(rf"(?<![\w-])(?:{body})(?![\w-])", regex.IGNORECASE)


def _uncovered(corpus: Corpus, terms: list[str], allowed: Iterable[str], rule: Rule,
               describe: str) -> Iterator[Finding]:
    term_pattern = _alternation(terms)
    if term_pattern is None:
        return
    allowed_pattern = _alternation(allowed)
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        for block in policy.parsed.prose:
            matches = list(term_pattern.finditer(block.text))
            if not matches:
                continue
            covered = [(m.start(), m.end()) for m in allowed_pattern.finditer(block.text)] if (
                allowed_pattern) else []
            for match in matches:
                if any(start <= match.start() and match.end() <= end for start, end in covered):
                    continue
                line, column = block.position(match.start())
                yield rule.at(policy.rel, line, column, describe.format(term=match.group(0)))


@check(UNDESIGNATED_ROLE)
def check_undesignated_roles(corpus: Corpus) -> Iterator[Finding]:
    names = [name for role in corpus.registers.roles.values() for name in role.names]
    yield from _uncovered(
        corpus, corpus.config.undesignated_role_terms, names, UNDESIGNATED_ROLE,
        "'{term}' is not a role this service has; name a role from the roles register "
        "(or add it there with its duties)")


@check(UNDECLARED_EQUIPMENT)
def check_undeclared_equipment(corpus: Corpus) -> Iterator[Finding]:
    names = [name for item in corpus.registers.equipment.values() for name in item.names]
    yield from _uncovered(
        corpus, corpus.config.equipment_terms, names, UNDECLARED_EQUIPMENT,
        "'{term}' is not in the equipment register: do not give instructions for equipment the "
        "service does not have (or add it to equipment.yml)")
