"""Register references: roles, guidance, standards, equipment and other policies must exist."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.model import Status
from policybook.registers import ALL_STAFF

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


@check(UNKNOWN_ROLE)
def check_roles(corpus: Corpus) -> Iterator[Finding]:
    registers = corpus.registers
    for policy in corpus.policies:
        named: list[tuple[tuple[str | int, ...], str, str]] = []
        for key in ("owner", "approved_by"):
            value = policy.data.get(key)
            if isinstance(value, str):
                named.append(((key,), value, key))
        audience = policy.data.get("audience")
        if isinstance(audience, list):
            named.extend(((("audience", i)), v, "audience") for i, v in enumerate(audience)
                         if isinstance(v, str))
        for role in policy.roles:
            named.append((("roles", role), role, "roles"))
        for path, role, where in named:
            if role == ALL_STAFF and where in ("audience", "roles"):
                continue
            if role not in registers.roles:
                line, column = policy.doc.position(path)
                close = difflib.get_close_matches(role, list(registers.roles), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                yield UNKNOWN_ROLE.at(policy.rel, line, column,
                              f"{where}: role '{role}' is not in the roles register{hint}")
    yield from _staff_roles(corpus)


def _staff_roles(corpus: Corpus) -> Iterator[Finding]:
    """A member of staff holds only roles the service has designated: read-and-understood duties and
    approvals follow these roles."""
    registers = corpus.registers
    doc = registers.documents.get("staff")
    if doc is None or not isinstance(doc.data, dict):
        return
    entries = doc.data.get("staff")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        roles = entry.get("roles") if isinstance(entry, dict) else None
        for position, role in enumerate(roles if isinstance(roles, list) else []):
            if isinstance(role, str) and role not in registers.roles and role != ALL_STAFF:
                line, column = doc.position(("staff", index, "roles", position))
                close = difflib.get_close_matches(role, list(registers.roles), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                yield UNKNOWN_ROLE.at(doc.rel, line, column,
                                      f"staff '{entry.get('id', index + 1)}': role '{role}' is not in the roles "
                                      f"register{hint}")


@check(MISSING_GUIDANCE, UNKNOWN_GUIDANCE, SUPERSEDED_GUIDANCE)
def check_guidance(corpus: Corpus) -> Iterator[Finding]:
    register = corpus.registers.guidance
    for policy in corpus.policies:
        category = corpus.config.categories.get(policy.category or "")
        refs = policy.guidance
        if category and category.requires_guidance and not refs and policy.doc.ok:
            line, column = policy.doc.position(("guidance",) if "guidance" in policy.data else ("category",))
            yield MISSING_GUIDANCE.at(policy.rel, line, column,
                          f"policies in '{category.title}' must cite external guidance (guidance:)")
        for ref in refs:
            line, column = policy.doc.position(("guidance", ref.index))
            item = register.get(ref.id)
            if item is None:
                empty = "" if register else (", which lists nothing yet: add the entry to registers/guidance.yml, "
                                             "or remove it here")
                yield UNKNOWN_GUIDANCE.at(policy.rel, line, column,
                              f"guidance '{ref.id}' is not in the guidance register{empty}")
            elif item.status != "current":
                replacement = f"; use '{item.superseded_by}' instead" if item.superseded_by else ""
                yield SUPERSEDED_GUIDANCE.at(policy.rel, line, column,
                              f"guidance '{ref.id}' ({item.title}) is {item.status}{replacement}")


@check(UNKNOWN_STANDARD, UNKNOWN_EQUIPMENT)
def check_register_refs(corpus: Corpus) -> Iterator[Finding]:
    registers = corpus.registers
    for policy in corpus.policies:
        for key, table, rule in (("standards", registers.standards, UNKNOWN_STANDARD),
                                 ("equipment", registers.equipment, UNKNOWN_EQUIPMENT)):
            values = policy.data.get(key)
            for index, value in enumerate(values if isinstance(values, list) else []):
                if isinstance(value, str) and value not in table:
                    line, column = policy.doc.position((key, index))
                    empty = "" if table else (f", which lists nothing yet: add the entry to registers/{key}.yml, "
                                              f"or remove it here")
                    yield rule.at(policy.rel, line, column, f"{key}: '{value}' is not in the {key} register{empty}")


@check(UNKNOWN_POLICY_REF)
def check_policy_refs(corpus: Corpus) -> Iterator[Finding]:
    ids = {p.id for p in corpus.policies if p.id}
    for policy in corpus.policies:
        for key in ("supersedes", "related"):
            values = policy.data.get(key)
            for index, value in enumerate(values if isinstance(values, list) else []):
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
