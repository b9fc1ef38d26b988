"""The registers every policy library keeps: roles, guidance, standards, equipment and staff."""

from __future__ import annotations

from collections.abc import Callable

from policybook.registers.declaration import (
    Citation,
    Completion,
    EntryCitation,
    Form,
    Page,
    Register,
    declare_register,
)
from policybook.registers.entries import (
    Equipment,
    Guidance,
    Role,
    StaffMember,
    Standard,
    build_equipment,
    build_guidance,
    build_role,
    build_staff_member,
    build_standard,
)
from policybook.resources import standards_register

ALL_STAFF = "all-staff"

Text = Callable[[object], str]


def _also_called(aliases: tuple[str, ...], text: Text) -> list[str]:
    return ["Also called: " + ", ".join(text(a) for a in aliases)] if aliases else []


def _describe_role(role: Role, text: Text, url: Callable[[str], str]) -> list[str]:
    external = ["Held outside the service: need not be in a policy's audience"] if role.external else []
    return [text(role.description), *_also_called(role.aliases, text), *external]


def _describe_guidance(item: Guidance, text: Text, url: Callable[[str], str]) -> list[str]:
    replaced = f", superseded by `{text(item.superseded_by)}`" if item.superseded_by else ""
    if not replaced and item.replacement_url:  # recorded by the guidance check from the publisher's page
        replaced = f", replaced by {text(item.replacement_title or item.replacement_url)} ({url(item.replacement_url)})"
    serves = ["For policies in: " + ", ".join(text(c) for c in item.categories)] if item.categories else []
    return [f"{text(item.publisher)}, {text(item.published)}; status: {text(item.status)}{replaced}", url(item.url),
            *serves]


def _describe_standard(item: Standard, text: Text, url: Callable[[str], str]) -> list[str]:
    return [text(item.framework), url(item.url)]


def _describe_equipment(item: Equipment, text: Text, url: Callable[[str], str]) -> list[str]:
    lines = _also_called(item.aliases, text)
    if item.service_interval_months:
        lines.append(f"Serviced every {text(item.service_interval_months)} months"
                     + (f"; last serviced {text(item.last_serviced)}" if item.last_serviced else ""))
    return lines


ROLES = declare_register(Register(
    "roles", "role", Role, "roles", build_role,
    cited_by=(Citation("owner", Form.ID), Citation("approved_by", Form.ID, governed=False),
              Citation("audience", Form.IDS, builtin=True), Citation("roles", Form.KEYS, builtin=True),
              # A review's reviewer is offered in the editor; lint does not check it against the register.
              Citation("reviews", Form.ITEM_KEY, key="by", governed=False, checked=False)),
    builtin=((ALL_STAFF, "All staff", "Everyone who works for the service (built in)."),),
    unknown_rule="unknown-role", unknown_message="{field}: role '{id}' is not in the roles register", suggest=True,
    page=Page("registers/roles.md", "Roles and responsibilities", "Roles",
              "Each role the service has designated, and what every policy in force asks of it.",
              layout="roles"),
    completion=Completion("Value", "title", describe=_describe_role), terms=("title", "aliases"),
    starter="library/registers/roles.yml"))

GUIDANCE = declare_register(Register(
    "guidance", "guidance", Guidance, "guidance", build_guidance, may_be_empty=True,
    cited_by=(Citation("guidance", Form.ITEMS),),
    unknown_rule="unknown-guidance", unknown_message="guidance '{id}' is not in the guidance register",
    page=Page("registers/guidance.md", "External guidance", "Guidance",
              "The guidance, law and codes of practice our policies follow.",
              layout="guidance"),
    completion=Completion("Reference", "title", withdrawn=lambda g: g.status != "current",
                          describe=_describe_guidance),
    starter="library/registers/guidance.yml"))

STANDARDS = declare_register(Register(
    "standards", "standard", Standard, "standards", build_standard,
    cited_by=(Citation("standards", Form.IDS),),
    unknown_rule="unknown-standard",
    page=Page("registers/standards.md", "Regulations and quality statements", "Standards",
              "Which policies show how the service meets each regulation and CQC quality statement.",
              layout="standards"),
    completion=Completion("Reference", "title", describe=_describe_standard),
    starter=standards_register()))

EQUIPMENT = declare_register(Register(
    "equipment", "equipment", Equipment, "equipment", build_equipment, may_be_empty=True,
    cited_by=(Citation("equipment", Form.IDS),),
    entry_citations=(EntryCitation("owner", "roles", builtin=False, form=Form.ID),),
    unknown_rule="unknown-equipment",
    page=Page("registers/equipment.md", "Equipment", "Equipment",
              "The equipment the service owns, and the policies that cover it.",
              layout="equipment"),
    completion=Completion("Value", "name", describe=_describe_equipment), terms=("name", "aliases"),
    starter="library/registers/equipment.yml"))

STAFF = declare_register(Register(
    "staff", "member of staff", StaffMember, "staff", build_staff_member, may_be_empty=True,
    entry_citations=(EntryCitation("roles", "roles"),),
    completion=Completion("Value", "name"),
    starter="library/registers/staff.yml"))
