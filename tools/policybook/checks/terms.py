"""Rules ``undesignated-role``, ``unknown-job-title``, ``role-not-listed`` and ``undeclared-equipment``: a
policy may name only the roles and equipment the service really has. A configured term (e.g. 'fire
officer', 'defibrillator') is allowed where it is part of the title or an alias of a register entry, and
reported elsewhere; a role term is found in its plural and possessive forms too ('directors',
"the senior managers' log"). A capitalised job title ('Operations Manager') must be a role or alias in the
roles register, and a role the text names must be one the policy gives a duty to or is written for."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

import regex

from policybook.corpus import Corpus
from policybook.findings import Finding, Rule, Scope, Severity, check, declare
from policybook.model import Policy

UNDESIGNATED_ROLE = declare(
    "undesignated-role", Severity.ERROR, Scope.POLICY,
    'The text names a job title from `undesignated_role_terms` (such as "fire officer", or "directors" and '
    '"senior managers\'" for its plural and possessive forms) that is not part of a designated role\'s title or alias.')
UNKNOWN_JOB_TITLE = declare(
    "unknown-job-title", Severity.WARNING, Scope.POLICY,
    'The text names a capitalised job title (such as "Operations Manager" or "Health and Safety Officer") that '
    "is not a role or alias in the roles register; the message suggests the register's nearest role.")
ROLE_NOT_LISTED = declare(
    "role-not-listed", Severity.WARNING, Scope.POLICY,
    "The text names a role a member of staff holds (by its title or an alias) that the policy gives no duty under "
    "`roles:`, leaves out of a named `audience` and is not owned by, so its holders are not told of it.")
UNDECLARED_EQUIPMENT = declare(
    "undeclared-equipment", Severity.ERROR, Scope.POLICY,
    'The text gives an instruction for equipment from `equipment_terms` (in the singular or plural, such as '
    '"oxygen cylinders") that is not in the equipment register (a sentence that forbids it, such as "never use a '
    'hoist", is not an instruction).')


# A word of a job title in its plural and possessive forms: directors, nurses in charge, the CEO's office,
# the senior managers' log.
_INFLECTED = r"(?:e?s)?(?:['’]s?)?"


def _phrase(term: str, inflected: bool) -> str:
    words = term.split()
    if not inflected:
        return r"\s+".join(regex.escape(w) for w in words)
    return r"\s+".join(regex.escape(w) + (_INFLECTED if w[-1:].isalpha() else "") for w in words)


def _alternation(words: Iterable[str], inflected: bool = False) -> regex.Pattern[str] | None:
    cleaned = sorted({w.strip() for w in words if w and w.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    body = "|".join(_phrase(w, inflected) for w in cleaned)
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
               describe: str, prohibitions: bool = False, inflected: bool = False) -> Iterator[Finding]:
    term_pattern = _alternation(terms, inflected)
    if term_pattern is None:
        return
    allowed_pattern = _alternation(allowed, inflected)
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
        "(or add it there with its duties)", inflected=True)


@check(UNDECLARED_EQUIPMENT)
def check_undeclared_equipment(corpus: Corpus) -> Iterator[Finding]:
    names = [name for item in corpus.registers.equipment.values() for name in item.names]
    empty = ", which lists no equipment" if not corpus.registers.equipment else ""
    register = f"{corpus.config.registers_dir}/equipment.yml".replace("{", "{{").replace("}", "}}")
    yield from _uncovered(
        corpus, corpus.config.equipment_terms, names, UNDECLARED_EQUIPMENT,
        f"'{{term}}' is not in the equipment register{empty}: do not give instructions for equipment the "
        f"service does not have (or add it to {register})", prohibitions=True, inflected=True)


# unknown-job-title: a capitalised phrase that ends in one of these words names a job ("Operations Manager",
# "Health and Safety Officer", "Freedom to Speak Up Guardian"). Words that end as many things that are not
# people ("Controller", "Executive", "Owner") are left out: "Data Controller" and "Health and Safety Executive"
# are bodies, not jobs.
JOB_TITLE_WORDS = ("Manager", "Officer", "Lead", "Director", "Nurse", "Coordinator", "Co-ordinator", "Supervisor",
                   "Administrator", "Guardian", "Warden", "Marshal", "Champion", "Adviser", "Advisor", "Matron",
                   "Aider", "Receptionist", "Secretary", "Practitioner", "Clinician", "Technician", "Radiographer",
                   "Assistant", "Worker")
# Phrases that end in such a word and are not a job of the service: other organisations' officers, and
# software.
NOT_JOB_TITLES = ("Police Officer", "Local Authority Designated Officer", "Environmental Health Officer",
                  "Password Manager", "Secrets Manager", "Certificate Manager", "Package Manager", "Task Manager",
                  "Device Manager", "Credential Manager", "Key Manager", "Session Manager", "Systems Manager",
                  "Domain Administrator", "Coding Assistant", "Virtual Assistant")
# Words before a title that are not part of it, at the start of a sentence or a heading: "Each Fire Warden",
# "Tell the Duty Manager", "Contact Your Line Manager".
_LEADING = frozenset("""a an the this that these those each every any all both either our your their its his her
my no new other another current if when where while then tell ask inform notify contact call email e-mail see
report and or of for to by from with as at on in""".split())
_DETERMINERS = frozenset("a an the this that these those each every any our your their its his her my".split())
# A capitalised word, not a possessive ("WF's Data Lead" is the Data Lead of WF); the words of a title are
# one space apart (wider gaps are table columns or lines run together).
_CAPITALISED = r"\p{Lu}[\p{L}\p{M}'’-]*(?<!['’]s)"
_CONNECTOR = r"(?:and|of|for|to|&|in)"


def _job_title_pattern(words: Iterable[str]) -> regex.Pattern[str]:
    heads = "|".join(sorted({regex.escape(w) for w in words}, key=len, reverse=True))
    return regex.compile(
        rf"(?<![\p{{L}}\p{{N}}'’-])(?P<before>(?:{_CAPITALISED} (?:{_CONNECTOR} )?)*)"
        rf"(?P<head>{heads})(?P<plural>e?s)?(?![\p{{L}}\p{{N}}-])")


def _key(phrase: str) -> str:
    """A title as compared with the register: case, spacing, a plural and a possessive ignored."""
    words = regex.sub(r"['’]s?$", "", phrase.strip()).casefold().split()
    if words and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]
    return " ".join(words)


def _nearest_role(title: str, names: dict[str, str]) -> str | None:
    """The register title nearest ``title``: one that ends in the same word first ("Operations Manager":
    Registered Manager), then the most alike."""
    head = _key(title).split()[-1]
    same_head = [name for key, name in names.items() if key.split()[-1] == head]
    candidates = same_head or list(names.values())
    close = difflib.get_close_matches(title, candidates, n=1, cutoff=0.0 if same_head else 0.6)
    return close[0] if close else None


def _titles_in(words: list[tuple[int, str]], known: set[str], heads: set[str]) -> Iterator[list[tuple[int, str]]]:
    """The titles in a run of capitalised words (each with its offset): the words before the title are dropped
    ("Tell the Duty Manager"), and a list of titles is split at 'and' where the words before it are a title or
    a phrase of their own ("Unit Driver and Administrator", "Duty Social Worker and Duty Manager"), but not
    inside one ("Health and Safety Manager", "Security and Privacy Officer")."""
    while len(words) > 1 and words[0][1].casefold() in _LEADING:
        words = words[1:]
    determiners = [i for i, (_, w) in enumerate(words[:-1]) if w.casefold() in _DETERMINERS]
    if determiners:
        words = words[determiners[-1] + 1:]  # a heading in title case: "Speak to Your Supervising Social Worker"
    if _key(" ".join(w for _, w in words)) in known:
        yield words  # "Infection Prevention and Control Lead"
        return
    for index, (_, word) in enumerate(words):
        if word in ("and", "&") and 0 < index < len(words) - 1:
            left = words[:index]
            last = _key(left[-1][1])
            if len(left) > 1 or _key(left[0][1]) in known or any(last == _key(h) for h in heads):
                yield from _titles_in(left, known, heads)
                yield from _titles_in(words[index + 1:], known, heads)
                return
    yield words


@check(UNKNOWN_JOB_TITLE)
def check_unknown_job_titles(corpus: Corpus) -> Iterator[Finding]:
    roles = corpus.registers.roles.values()
    known = {_key(name) for role in roles for name in role.names}
    titles = {_key(role.title): role.title for role in roles}
    ignored = {_key(p) for p in (*NOT_JOB_TITLES, *corpus.config.job_title_ignore)}
    heads = {*JOB_TITLE_WORDS, *corpus.config.job_title_words}
    pattern = _job_title_pattern(heads)
    designated = _alternation(corpus.config.undesignated_role_terms, inflected=True)
    register = f"{corpus.config.registers_dir}/roles.yml"
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        for block in policy.parsed.prose:
            for match in pattern.finditer(block.text):
                words = [(w.start(), w.group(0)) for w in regex.finditer(r"\S+", match.group(0))]
                for title_words in _titles_in(words, known, heads):
                    start = match.start() + title_words[0][0]
                    title = " ".join(w for _, w in title_words)
                    if len(title_words) == 1:
                        continue  # one word is no title: "Lead the drill", "the Secretary of State", "The Guardian"
                    key = _key(title)
                    if key in known or any(key == i or key.endswith(" " + i) for i in ignored) or not any(
                            key.endswith(_key(h)) for h in heads):
                        continue
                    if designated is not None and designated.search(title):
                        continue  # undesignated-role reports it, as an error
                    nearest = _nearest_role(title, titles)
                    suggestion = f"such as the {nearest}" if nearest else "from the register"
                    line, column = block.position(start)
                    yield UNKNOWN_JOB_TITLE.at(
                        policy.rel, line, column,
                        f"'{title}' is not a role in the roles register: name the role that does this work, "
                        f"{suggestion} (or add the title to {register}, as a role or as an alias of one)")


def _staff_roles(corpus: Corpus) -> set[str]:
    """The roles someone on the staff register holds; every role when the register names nobody. A role no
    member of staff holds (an outside adviser, a referrer) does not read the policies."""
    held = {role for member in corpus.registers.staff.values() if not member.left for role in member.roles}
    return held or set(corpus.registers.roles)


def _linked_roles(policy: Policy, corpus: Corpus) -> set[str]:
    """The roles a policy is written for: those it gives duties to, its audience (all staff: every role) and
    its owner."""
    audience = policy.audience
    if "all-staff" in audience:
        return set(corpus.registers.roles)
    return {*policy.roles, *audience, *([policy.owner] if policy.owner else [])}


def _role_mentions(text: str, several: regex.Pattern[str] | None,
                   single: regex.Pattern[str] | None) -> Iterator[regex.Match[str]]:
    """Where ``text`` names a role: a name of several words in any case ("the safeguarding lead", "Fire
    Wardens"); a name of one word ("Administrator", the alias "operator") only capitalised as a title, straight
    after a determiner ("the Administrator", "each Radiographer": "system administrators", "a group of
    Operators", "the Domain Administrator" and a heading "Administrator training" name no role); an
    abbreviation as written ("the RPS", "RPS")."""
    spans: list[tuple[int, int]] = []
    if several is not None:
        for match in several.finditer(text):
            spans.append((match.start(), match.end()))
            yield match
    if single is None:
        return
    for match in single.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue
        before = text[max(0, match.start() - 40):match.start()].split()
        if match.group(0).isupper() or (before and before[-1].casefold() in _DETERMINERS):
            yield match


def _role_patterns(names: Iterable[str]) -> tuple[regex.Pattern[str] | None, regex.Pattern[str] | None]:
    """The patterns of a register's role names: those of several words (any case), those of one word (as a
    capitalised title, or an abbreviation as written)."""
    several = _alternation([n for n in names if len(n.split()) > 1], inflected=True)
    words = sorted({n.strip() for n in names if len(n.split()) == 1}, key=len, reverse=True)
    if not words:
        return several, None
    body = "|".join(regex.escape(w if w.isupper() else w[:1].upper() + w[1:]) + _INFLECTED for w in words)
    return several, regex.compile(rf"(?<![\w-])(?:{body})(?![\w-])")


@check(ROLE_NOT_LISTED)
def check_roles_not_listed(corpus: Corpus) -> Iterator[Finding]:
    names = {name: role.id for role in corpus.registers.roles.values() for name in role.names}
    several, single = _role_patterns(names)
    if several is None and single is None:
        return
    by_key = {_key(name): role for name, role in names.items()}
    staff = _staff_roles(corpus)
    for policy in corpus.policies:
        if not policy.has_body or "audience" not in policy.data:
            continue  # no audience to compare with: the schema reports the frontmatter
        linked = _linked_roles(policy, corpus) | (set(corpus.registers.roles) - staff)
        if linked >= set(corpus.registers.roles):
            continue
        reported: set[str] = set()
        for block in policy.parsed.prose:
            for match in _role_mentions(block.text, several, single):
                role = by_key.get(_key(match.group(0)))
                if role is None or role in linked or role in reported:
                    continue
                reported.add(role)
                line, column = block.position(match.start())
                title = corpus.registers.roles[role].title
                named = match.group(0)
                as_named = "" if _key(named) == _key(title) else f" (as '{named}')"
                yield ROLE_NOT_LISTED.at(
                    policy.rel, line, column,
                    f"the {title}{as_named} is named here, but the policy gives the role no duty under roles: and "
                    f"its audience leaves it out: add its duty under roles: ({role}), or add {role} to audience")
