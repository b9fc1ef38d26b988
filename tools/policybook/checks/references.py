"""Register references: roles, guidance, standards, equipment and other policies must exist."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.findings import Finding, finding
from policybook.registers import ALL_STAFF


def check_roles(corpus: Corpus) -> Iterator[Finding]:
    registers = corpus.registers
    for policy in corpus.policies:
        named: list[tuple[tuple[object, ...], str, str]] = []
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
                yield finding("unknown-role", policy.rel, line, column,
                              f"{where}: role '{role}' is not in the roles register{hint}")


def check_guidance(corpus: Corpus) -> Iterator[Finding]:
    register = corpus.registers.guidance
    for policy in corpus.policies:
        category = corpus.config.categories.get(policy.category or "")
        refs = policy.guidance
        if category and category.requires_guidance and not refs and policy.doc.ok:
            line, column = policy.doc.position(("guidance",) if "guidance" in policy.data else ("category",))
            yield finding("missing-guidance", policy.rel, line, column,
                          f"policies in '{category.title}' must cite external guidance (guidance:)")
        for ref in refs:
            line, column = policy.doc.position(("guidance", ref.index))
            item = register.get(ref.id)
            if item is None:
                yield finding("unknown-guidance", policy.rel, line, column,
                              f"guidance '{ref.id}' is not in the guidance register")
            elif item.status != "current":
                replacement = f"; use '{item.superseded_by}' instead" if item.superseded_by else ""
                yield finding("superseded-guidance", policy.rel, line, column,
                              f"guidance '{ref.id}' ({item.title}) is {item.status}{replacement}")


def check_register_refs(corpus: Corpus) -> Iterator[Finding]:
    registers = corpus.registers
    for policy in corpus.policies:
        for key, table, rule in (("standards", registers.standards, "unknown-standard"),
                                 ("equipment", registers.equipment, "unknown-equipment")):
            values = policy.data.get(key)
            for index, value in enumerate(values if isinstance(values, list) else []):
                if isinstance(value, str) and value not in table:
                    line, column = policy.doc.position((key, index))
                    yield finding(rule, policy.rel, line, column,
                                  f"{key}: '{value}' is not in the {key} register")


def check_policy_refs(corpus: Corpus) -> Iterator[Finding]:
    ids = {p.id for p in corpus.policies if p.id}
    for policy in corpus.policies:
        for key in ("supersedes", "related"):
            values = policy.data.get(key)
            for index, value in enumerate(values if isinstance(values, list) else []):
                if isinstance(value, str) and value not in ids:
                    line, column = policy.doc.position((key, index))
                    yield finding("unknown-policy-ref", policy.rel, line, column,
                                  f"{key}: no policy has the id '{value}'")
                elif value == policy.id:
                    line, column = policy.doc.position((key, index))
                    yield finding("unknown-policy-ref", policy.rel, line, column,
                                  f"{key}: the policy refers to itself")


def check_superseded_still_approved(corpus: Corpus) -> Iterator[Finding]:
    by_id = corpus.by_id()
    for policy in corpus.published():
        for old_id in policy.supersedes:
            old = by_id.get(old_id)
            if old is not None and old is not policy and old.status == "approved":
                line, column = old.doc.position(("status",))
                yield finding("superseded-still-approved", old.rel, line, column,
                              f"{old_id} is superseded by {policy.id} ({policy.rel}) but is still "
                              "approved; set its status to retired")
