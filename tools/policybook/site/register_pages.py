"""The register pages of the staff site and their navigation, one for each declared register with a page.

A register declares its page (address, heading, navigation title); a page with a layout of its own
names it, and its function is in LAYOUTS below (the practice registers' are in practice_pages.py); any
other is a table of the declared columns with the policies in force that cite each entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from policybook.corpus import Corpus
from policybook.model import Policy
from policybook.registers import Register, Standard, declared_registers
from policybook.site.practice_pages import checks_page, equipment_page, risks_page, training_page
from policybook.site.register_parts import citing_policies, heading, page_uri
from policybook.site.tables import scrolling
from policybook.views.addresses import link, policy_uri
from policybook.views.text import md_text, md_url

Renderer = Callable[[Corpus, list[Policy], Register], str]


def register_pages(corpus: Corpus, published: list[Policy]) -> list[tuple[str, str]]:
    """(source address, Markdown) of every register page, in the declarations' order."""
    return [(r.page.uri, _renderer(r)(corpus, published, r)) for r in declared_registers() if r.page]


def register_nav() -> list[dict[str, str]]:
    """The navigation entries of the register pages."""
    return [{r.page.nav: r.page.uri} for r in declared_registers() if r.page]


def _renderer(register: Register) -> Renderer:
    if register.page is None or register.page.layout is None:
        return table_page
    return LAYOUTS[register.page.layout]


def _cell(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ", ".join(md_text(v) for v in value)
    return "" if value is None else md_text(value)


def table_page(corpus: Corpus, published: list[Policy], register: Register) -> str:
    """A register's entries as a table, each with the policies in force that cite it."""
    uri = page_uri(register)
    label = register.completion.label
    default = (("Id", "id"), (label.capitalize(), label))
    columns = register.page.columns if register.page and register.page.columns else default
    lines = heading(register)
    entries = corpus.registers.table(register.name)
    if not entries:
        return "\n".join([*lines, "The register lists nothing yet."]) + "\n"
    rows = ["| " + " | ".join(md_text(h) for h, _ in columns) + " | Policies |", "|" + "---|" * (len(columns) + 1)]
    index = citing_policies(published, register)
    for item in entries.values():
        policies = ", ".join(link(uri, policy_uri(p, corpus), p.id or "") for p in index.get(item.id, [])) or "None"
        rows.append("| " + " | ".join(_cell(getattr(item, attribute, None)) for _, attribute in columns)
                    + f" | {policies} |")
    assert register.page is not None  # only registers with a page are rendered
    return "\n".join([*lines, *scrolling(md_text(register.page.title), rows)]) + "\n"


def roles_page(corpus: Corpus, published: list[Policy], register: Register) -> str:
    uri, lines = page_uri(register), heading(register)
    role_ids = [*corpus.registers.roles, *(builtin[0] for builtin in register.builtin)]
    by_roles = [(p, p.roles) for p in sorted(published, key=lambda p: p.id or "")]  # each read once
    for role_id in role_ids:
        role = corpus.registers.roles.get(role_id)
        lines += [f"## {md_text(corpus.role_title(role_id))}", ""]
        if role:
            lines += [md_text(role.description) + (" (Held outside the service.)" if role.external else ""), ""]
        duties = [(p, roles[role_id]) for p, roles in by_roles if role_id in roles]
        if not duties:
            lines += ["No policy gives this role duties.", ""]
            continue
        for policy, items in duties:
            lines.append(f"- {link(uri, policy_uri(policy, corpus), f'{policy.id} {policy.title}')}")
            lines.extend(f"    - {md_text(duty)}" for duty in items)
        lines.append("")
    return "\n".join(lines)


def guidance_page(corpus: Corpus, published: list[Policy], register: Register) -> str:
    uri, lines = page_uri(register), heading(register)
    index = citing_policies(published, register)
    for item in sorted(corpus.registers.guidance.values(), key=lambda g: g.title.casefold()):
        citing = index.get(item.id, [])
        status = "" if item.status == "current" else f" **{md_text(item.status.capitalize())}.**"
        lines += [f"## {md_text(item.title)}", "",
                  f"{md_text(item.publisher)}, {md_text(item.published)}. "
                  f"[Read the guidance]({md_url(item.url)}){status}", ""]
        if item.categories:
            categories = corpus.config.categories
            served = ", ".join(md_text(categories[c].title if c in categories else c) for c in item.categories)
            lines += [f"For policies on: {served}.", ""]
        if citing:
            lines += [f"- {link(uri, policy_uri(p, corpus), f'{p.id} {p.title}')}" for p in citing]
        else:
            lines.append("No policy in force cites this guidance.")
        lines.append("")
    return "\n".join(lines)


def standards_page(corpus: Corpus, published: list[Policy], register: Register) -> str:
    uri, lines = page_uri(register), heading(register)
    frameworks: dict[str, list[Standard]] = defaultdict(list)
    for standard in corpus.registers.standards.values():
        frameworks[standard.framework].append(standard)
    index = citing_policies(published, register)
    for framework, standards in frameworks.items():
        rows = ["| Standard | Policies |", "|---|---|"]
        for standard in standards:
            citing = index.get(standard.id, [])
            policies = ", ".join(link(uri, policy_uri(p, corpus), p.id or "") for p in citing) or "None"
            rows.append(f"| [{md_text(standard.title)}]({md_url(standard.url)}) | {policies} |")
        lines += [f"## {md_text(framework)}", "", *scrolling(md_text(framework), rows)]
    return "\n".join(lines)


# Register pages with a layout of their own, by the name their declaration gives (Page.layout).
LAYOUTS: dict[str, Renderer] = {"roles": roles_page, "guidance": guidance_page, "standards": standards_page,
                                "equipment": equipment_page, "checks": checks_page, "risks": risks_page,
                                "training": training_page}
