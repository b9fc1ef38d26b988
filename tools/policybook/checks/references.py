"""References: every id a policy cites is in the register its field cites, and other policies exist."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.dates import add_months, parse_date
from policybook.findings import Finding, Rule, Scope, Severity, check, declare
from policybook.model import Status
from policybook.registers import ALL_STAFF, DECLARED, POLICIES, Register, citations, declared_registers

UNKNOWN_ROLE = declare(
    "unknown-role", Severity.ERROR, Scope.POLICY,
    '`owner`, `approved_by`, `audience`, a key of `roles`, or a role held by a member of staff, is not in the '
    'roles register.')
UNKNOWN_GUIDANCE = declare(
    "unknown-guidance", Severity.ERROR, Scope.POLICY,
    'A guidance id is not in the guidance register.')
MISSING_GUIDANCE = declare(
    "missing-guidance", Severity.ERROR, Scope.POLICY,
    'The category requires external guidance and the policy cites none.')
SUPERSEDED_GUIDANCE = declare(
    "superseded-guidance", Severity.WARNING, Scope.POLICY,
    'Cited guidance is superseded or withdrawn; the message names the replacement.')
GUIDANCE_CATEGORY = declare(
    "guidance-category", Severity.WARNING, Scope.POLICY,
    "Cited guidance does not serve the policy's category: its entry in registers/guidance.yml lists `categories` "
    "and the policy's is not one of them (an entry without `categories` serves every category).")
UNKNOWN_CATEGORY = declare(
    "unknown-category", Severity.ERROR, Scope.CORPUS,
    "A guidance entry's `categories` names a category that policybook.yml does not have.")
GUIDANCE_UNCHECKED = declare(
    "guidance-unchecked", Severity.WARNING, Scope.CORPUS,
    "A guidance entry's `checked_on` is older than `guidance.check_interval_months` in policybook.yml allows "
    "(12 months by default): compare the publisher's page again (`policybook guidance check`).")
GUIDANCE_CHANGED = declare(
    "guidance-changed", Severity.WARNING, Scope.POLICY,
    "Cited guidance changed: `policybook guidance check --write` recorded a change to its page (`changed_on` in "
    "registers/guidance.yml) after the policy's version was approved and after its last review. Reported at the "
    "citation until the policy is reviewed against it (`policybook reviewed`) or a new version is approved.")
DUTY_HOLDER_AUDIENCE = declare(
    "duty-holder-audience", Severity.ERROR, Scope.POLICY,
    "A role given duties under `roles` is not in the policy's `audience` (and the audience is not `all-staff`): "
    "the people who must carry out the duties are never asked to read the policy. Roles marked `external` in the "
    "roles register are not staff, and need not be.")
UNKNOWN_STANDARD = declare(
    "unknown-standard", Severity.ERROR, Scope.POLICY,
    'A standard id is not in the standards register.')
UNKNOWN_EQUIPMENT = declare(
    "unknown-equipment", Severity.ERROR, Scope.POLICY,
    'An equipment id is not in the equipment register.')
UNKNOWN_POLICY_REF = declare(
    "unknown-policy-ref", Severity.ERROR, Scope.CORPUS,
    '`supersedes`, `related` or a link names a policy id that does not exist.')
SUPERSEDED_STILL_APPROVED = declare(
    "superseded-still-approved", Severity.ERROR, Scope.CORPUS,
    "A policy named in an approved policy's `supersedes` is still approved.")


UNKNOWN_REFERENCE = declare(
    "unknown-reference", Severity.ERROR, Scope.POLICY,
    'An id in a field that cites a register is not in that register (for registers without a rule of their '
    'own).')
_UNKNOWN = {rule.id: rule for rule in (UNKNOWN_ROLE, UNKNOWN_GUIDANCE, UNKNOWN_STANDARD, UNKNOWN_EQUIPMENT,
                                       UNKNOWN_REFERENCE)}


def _rule(register: Register) -> Rule:
    """The rule a register's unknown ids are reported under."""
    return _UNKNOWN.get(register.unknown_rule, UNKNOWN_REFERENCE)


def _builtin(register: Register, allowed: bool) -> set[str]:
    """The register's built-in ids (all-staff), where the citing field allows them."""
    return {item[0] for item in register.builtin} if allowed else set()


def _did_you_mean(table: dict[str, object], wanted: str) -> str:
    """The closest id the register lists, as the end of a message (or nothing)."""
    close = difflib.get_close_matches(wanted, list(table), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _hint(register: Register, table: dict[str, object], wanted: str) -> str:
    """What to do instead: the closest id the register lists, or how to fill an empty register."""
    if register.suggest:
        return _did_you_mean(table, wanted)
    if table:
        return ""
    return (f", which lists nothing yet: add the entry to registers/{register.name}.yml, "
            "or remove it here")


@check(*_UNKNOWN.values())
def check_references(corpus: Corpus) -> Iterator[Finding]:
    """Every id a policy cites is in the register its field cites (or is one of the register's own)."""
    checked = [(r, c, _builtin(r, c.builtin)) for r, c in citations() if c.checked]
    for policy in corpus.policies:
        for register, citation, builtin in checked:
            table = corpus.registers.table(register.name)
            for path, value in citation.ids(policy.data):
                if value in table or value in builtin:
                    continue
                line, column = policy.doc.position(path)
                message = register.unknown_message.format(field=citation.field, id=value, register=register.name)
                yield _rule(register).at(policy.rel, line, column, message + _hint(register, table, value))


# Findings on the register files, not on a policy: checked across the corpus, so that linting only the
# registers (`policybook lint registers/`) or a relint of the editor's policies still reports them.
@check(*_UNKNOWN.values(), UNKNOWN_POLICY_REF, scope=Scope.CORPUS)
def check_register_entries(corpus: Corpus) -> Iterator[Finding]:
    """A register entry cites only ids its target register lists: a member of staff holds only roles the
    service has designated, since read-and-understood duties and approvals follow these roles; a risk is
    owned by a designated role and concerns equipment the service owns and policies that exist."""
    registers = corpus.registers
    policies = corpus.by_id()
    # While a policy file cannot be read, or two files share an id, a cited id that is missing may be that
    # file's: its own finding says what to fix, and the citations are checked again once it is fixed.
    ids = [p.id for p in corpus.policies]
    policy_ids_known = None not in ids and len(set(ids)) == len(ids)
    for register in declared_registers():
        doc = registers.documents.get(register.name)
        if doc is None or not isinstance(doc.data, dict) or not register.entry_citations:
            continue
        entries = doc.data.get(register.name)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if not isinstance(entry, dict):
                continue
            for cited in register.entry_citations:
                for where, value in cited.ids(entry):
                    if cited.register == POLICIES:
                        if value in policies or not policy_ids_known:
                            continue
                        rule, table = UNKNOWN_POLICY_REF, dict.fromkeys(policies)
                        message = f"policy '{value}' does not exist"
                    else:
                        target = DECLARED[cited.register]
                        table = registers.table(target.name)
                        if value in table or value in _builtin(target, cited.builtin):
                            continue
                        rule = _rule(target)
                        message = f"{target.noun} '{value}' is not in the {target.name} register"
                    line, column = doc.position((register.name, index, *where))
                    yield rule.at(doc.rel, line, column, f"{register.name} '{entry.get('id', index + 1)}': "
                                  f"{message}{_did_you_mean(table, value)}")


@check(MISSING_GUIDANCE, SUPERSEDED_GUIDANCE, GUIDANCE_CATEGORY)
def check_guidance(corpus: Corpus) -> Iterator[Finding]:
    """Guidance a category requires, guidance that is no longer current, and guidance that serves other
    categories than the policy's (unknown ids are reported with every other register reference)."""
    register = corpus.registers.guidance
    categories = corpus.config.categories
    for policy in corpus.policies:
        category = categories.get(policy.category or "")
        refs = policy.guidance
        if category and category.requires_guidance and not refs and policy.doc.ok:
            line, column = policy.doc.position(("guidance",) if "guidance" in policy.data else ("category",))
            yield MISSING_GUIDANCE.at(policy.rel, line, column,
                          f"policies in '{category.title}' must cite external guidance (guidance:)")
        for ref in refs:
            item = register.get(ref.id)
            if item is not None and item.status != "current":
                line, column = policy.doc.position(("guidance", ref.index))
                replacement = f"; use '{item.superseded_by}' instead" if item.superseded_by else ""
                if not replacement and item.replacement_url:
                    named = f"'{item.replacement_title}' " if item.replacement_title else ""
                    replacement = f"; the publisher names {named}({item.replacement_url}) as its replacement"
                yield SUPERSEDED_GUIDANCE.at(policy.rel, line, column,
                              f"guidance '{ref.id}' ({item.title}) is {item.status}{replacement}")
            if item is not None and category is not None and not item.serves(category.id):
                line, column = policy.doc.position(("guidance", ref.index))
                served = ", ".join(f"'{categories[c].title}'" if c in categories else f"'{c}'"
                                   for c in item.categories)
                yield GUIDANCE_CATEGORY.at(
                    policy.rel, line, column,
                    f"guidance '{ref.id}' ({item.title}) serves {served}, not the policy's category "
                    f"'{category.title}' ({category.id}): cite guidance for '{category.title}', or add "
                    f"'{category.id}' to its categories in registers/guidance.yml if it serves it")


@check(GUIDANCE_CHANGED)
def check_guidance_changed(corpus: Corpus) -> Iterator[Finding]:
    """A change the guidance check recorded brings the review of each citing policy in force forward: the
    policy is reported at its citation until a review or an approval on or after the change date."""
    register = corpus.registers.guidance
    for policy in corpus.policies:
        if policy.status is not Status.APPROVED:
            continue
        seen = max((d for d in (policy.approved_on, policy.last_reviewed) if d), default=None)
        for ref in policy.guidance:
            item = register.get(ref.id)
            changed = parse_date(item.changed_on) if item is not None else None
            if item is None or changed is None or (seen is not None and seen >= changed):
                continue
            line, column = policy.doc.position(("guidance", ref.index))
            yield GUIDANCE_CHANGED.at(
                policy.rel, line, column,
                f"guidance '{ref.id}' ({item.title}) changed on {changed.isoformat()}, after this version was "
                "approved or last reviewed: read what changed (policybook guidance check), then record a "
                "review (policybook reviewed) or approve a new version")


@check(UNKNOWN_CATEGORY)
def check_guidance_categories(corpus: Corpus) -> Iterator[Finding]:
    """Each category a guidance entry serves is one policybook.yml has."""
    registers = corpus.registers
    doc = registers.documents.get("guidance")
    categories = corpus.config.categories
    if doc is None or not isinstance(doc.data, dict) or not isinstance(doc.data.get("guidance"), list):
        return
    for index, entry in enumerate(doc.data["guidance"]):
        listed = entry.get("categories") if isinstance(entry, dict) else None
        for at, category in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(category, str) and category not in categories:
                line, column = doc.position(("guidance", index, "categories", at))
                yield UNKNOWN_CATEGORY.at(doc.rel, line, column,
                                          f"guidance '{entry.get('id', index + 1)}': category '{category}' is not "
                                          f"in policybook.yml{_did_you_mean(dict.fromkeys(categories), category)}")


@check(GUIDANCE_UNCHECKED)
def check_guidance_checked(corpus: Corpus) -> Iterator[Finding]:
    """Each guidance entry that records when it was checked was checked within the allowed months, reported
    at the entry's line. An entry that records no check is not reported (it predates the routine)."""
    doc = corpus.registers.documents.get("guidance")
    if doc is None or not isinstance(doc.data, dict) or not isinstance(doc.data.get("guidance"), list):
        return
    months = corpus.config.guidance_check_months
    for index, entry in enumerate(doc.data["guidance"]):
        checked = parse_date(entry.get("checked_on")) if isinstance(entry, dict) else None
        if checked is None or add_months(checked, months) >= corpus.today:
            continue
        line, column = doc.position(("guidance", index))
        name = entry.get("id", index + 1)
        yield GUIDANCE_UNCHECKED.at(doc.rel, line, column,
                                    f"guidance '{name}' was last checked on {checked.isoformat()}, "
                                    f"more than {months} months ago: compare its page again "
                                    "(policybook guidance check) and record the date in checked_on")


@check(DUTY_HOLDER_AUDIENCE)
def check_duty_holders_read(corpus: Corpus) -> Iterator[Finding]:
    """Every role a policy gives duties to is among those who must read it (all-staff covers every role
    but an external one, which is nobody on the staff; an external role needs no place in the audience)."""
    roles = corpus.registers.roles
    for policy in corpus.policies:
        if policy.status is Status.RETIRED or not policy.doc.ok:
            continue
        audience = set(policy.audience)
        if ALL_STAFF in audience:
            continue
        for role_id in policy.roles:
            role = roles.get(role_id)
            if role_id == ALL_STAFF or role_id in audience or role is None or role.external:
                continue  # an unknown role is unknown-role's to report
            line, column = policy.doc.position(("roles", role_id))
            yield DUTY_HOLDER_AUDIENCE.at(
                policy.rel, line, column,
                f"'{role_id}' ({role.title}) has duties under this policy but is not in its audience: add "
                f"'{role_id}' to audience, so that whoever holds the role reads the policy and confirms it")


@check(UNKNOWN_POLICY_REF)
def check_policy_refs(corpus: Corpus) -> Iterator[Finding]:
    ids = {p.id for p in corpus.policies if p.id}
    for policy in corpus.policies:
        for key in ("supersedes", "related"):
            values = policy.data.get(key)
            for index, value in enumerate(values if isinstance(values, list) else []):
                if isinstance(value, dict) and key == "related":  # {id, reason}
                    value = value.get("id")
                if isinstance(value, str) and value not in ids:
                    line, column = policy.doc.position((key, index))
                    yield UNKNOWN_POLICY_REF.at(policy.rel, line, column,
                                  f"{key}: no policy has the id '{value}'")
                elif value == policy.id:
                    line, column = policy.doc.position((key, index))
                    yield UNKNOWN_POLICY_REF.at(policy.rel, line, column,
                                  f"{key}: the policy refers to itself")


@check(SUPERSEDED_STILL_APPROVED)
def check_superseded_still_approved(corpus: Corpus) -> Iterator[Finding]:
    by_id = corpus.by_id()
    for policy in corpus.published():
        for old_id in policy.supersedes:
            old = by_id.get(old_id)
            if old is not None and old is not policy and old.status is Status.APPROVED:
                line, column = old.doc.position(("status",))
                yield SUPERSEDED_STILL_APPROVED.at(old.rel, line, column,
                              f"{old_id} is superseded by {policy.id} ({policy.rel}) but is still "
                              "approved; set its status to retired")
