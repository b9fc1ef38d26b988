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
    'The text gives an instruction for equipment from `equipment_terms` that is not in the equipment register '
    '(a sentence that forbids it, such as "never use a hoist", is not an instruction).')


def _alternation(words: Iterable[str]) -> regex.Pattern[str] | None:
    cleaned = sorted({w.strip() for w in words if w and w.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    body = "|".join(regex.escape(w).replace(r"\ ", r"\s+") for w in cleaned)
    return regex.compile(rf"(?<![\w-])(?:{body})(?![\w-])", regex.IGNORECASE)


# A sentence that forbids the thing gives no instruction for it: "do not store work files on a memory
# stick", "never use the hoist", "memory sticks must not be used". One that makes it a condition still does:
# "do not move the patient without the hoist".
_NEGATION = r"(?:do\s+not|don[’']t|never|must\s+not|mustn[’']t|may\s+not|shall\s+not|should\s+not|cannot|can[’']t)"
_FORBIDS_BEFORE = regex.compile(rf"(?i)\b{_NEGATION}\b(?:(?!\b(?:without|unless|except|other\s+than|instead\s+of"
                                r"|until|apart\s+from)\b)[^.;:!?])*$")
_FORBIDDEN_AFTER = regex.compile(
    rf"(?i)^[\w\s’'-]{{0,40}}?\b(?:{_NEGATION}|(?:is|are)\s+(?:not|never))\s+(?:be\s+)?"
    r"(?:used|allowed|permitted|brought|connected|plugged|taken|kept|stored|carried|available|provided|to\s+be\s+used)\b")
_SENTENCE_START = regex.compile(r"[.;:!?]\s")


def _forbidden(text: str, start: int, end: int) -> bool:
    """Whether the sentence around text[start:end] forbids the term rather than telling staff to use it."""
    begin = max((m.end() for m in _SENTENCE_START.finditer(text, 0, start)), default=0)
    return bool(_FORBIDS_BEFORE.search(text[begin:start]) or _FORBIDDEN_AFTER.match(text[end:end + 80]))


def _uncovered(corpus: Corpus, terms: list[str], allowed: Iterable[str], rule: Rule,
               describe: str, prohibitions: bool = False) -> Iterator[Finding]:
    term_pattern = _alternation(terms)
    if term_pattern is None:
        return
    allowed_pattern = _alternation(allowed)
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        # A term matches in no block when it matches nowhere in the blocks joined by line breaks (its
        # boundaries read a line break as they read a block's end): one search instead of one per block.
        if term_pattern.search("\n".join(block.text for block in policy.parsed.prose)) is None:
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
                if prohibitions and _forbidden(block.text, match.start(), match.end()):
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
    empty = ", which lists no equipment" if not corpus.registers.equipment else ""
    register = f"{corpus.config.registers_dir}/equipment.yml".replace("{", "{{").replace("}", "}}")
    yield from _uncovered(
        corpus, corpus.config.equipment_terms, names, UNDECLARED_EQUIPMENT,
        f"'{{term}}' is not in the equipment register{empty}: do not give instructions for equipment the "
        f"service does not have (or add it to {register})", prohibitions=True)
