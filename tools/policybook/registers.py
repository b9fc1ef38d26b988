"""The service's registers: the roles, guidance, equipment, standards and staff it really has."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policybook.findings import Finding, Scope, Severity, declare
from policybook.loader import Document, load_yaml
from policybook.schema_messages import schema_findings
from policybook.schemas import SCHEMA, validator

DUPLICATE_ID = declare(
    "duplicate-id", Severity.ERROR, Scope.CORPUS,
    'Two files, or two register entries, share an id. Both are reported.')

REGISTER_NAMES = ("roles", "guidance", "equipment", "standards", "staff")
# Registers a service may have nothing to list in (a provider with no equipment of its own writes
# `equipment: []`); roles and standards always have entries.
MAY_BE_EMPTY = ("guidance", "equipment", "staff")
ALL_STAFF = "all-staff"


def _empty_message(name: str) -> str:
    """What to write in a register file that lists nothing."""
    if name in MAY_BE_EMPTY:
        return f"register {name}.yml lists nothing: write '{name}: []' when the service has no {name} to list"
    return f"register {name}.yml is empty: list the service's {name} under '{name}:'"


@dataclass(frozen=True)
class Role:
    id: str
    title: str
    description: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every way a policy may name this role."""
        return (self.title, *self.aliases)


@dataclass(frozen=True)
class Guidance:
    id: str
    title: str
    publisher: str
    published: str
    url: str
    status: str
    superseded_by: str | None = None

    def detail(self, section: str | None = None) -> str:
        """'Publisher, year; section' for a citation of this guidance."""
        return f"{self.publisher}, {self.published[:4]}" + (f"; {section}" if section else "")


@dataclass(frozen=True)
class Equipment:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    service_interval_months: int | None = None
    last_serviced: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Standard:
    id: str
    framework: str
    title: str
    url: str


@dataclass(frozen=True)
class StaffMember:
    id: str
    name: str
    roles: tuple[str, ...]
    signing_keys: tuple[str, ...] = ()  # OpenSSH public keys for signing approvals
    email: str | None = None  # where the confirmations service sends sign-in codes and reminders


@dataclass
class Registers:
    roles: dict[str, Role] = field(default_factory=dict)
    guidance: dict[str, Guidance] = field(default_factory=dict)
    equipment: dict[str, Equipment] = field(default_factory=dict)
    standards: dict[str, Standard] = field(default_factory=dict)
    staff: dict[str, StaffMember] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def role_exists(self, role_id: str) -> bool:
        return role_id == ALL_STAFF or role_id in self.roles


def _entries(doc: Document, name: str) -> Iterable[tuple[int, dict[str, Any]]]:
    items = doc.data.get(name) if isinstance(doc.data, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            yield index, item


def _build(name: str, item: dict[str, Any]) -> object:
    if name == "roles":
        return Role(item["id"], str(item.get("title", "")), str(item.get("description", "")),
                    tuple(str(a) for a in item.get("aliases") or []))
    if name == "guidance":
        return Guidance(item["id"], str(item.get("title", "")), str(item.get("publisher", "")),
                        str(item.get("published", "")), str(item.get("url", "")),
                        str(item.get("status", "current")), item.get("superseded_by"))
    if name == "equipment":
        return Equipment(item["id"], str(item.get("name", "")),
                         tuple(str(a) for a in item.get("aliases") or []),
                         item.get("service_interval_months"), item.get("last_serviced"))
    if name == "standards":
        return Standard(item["id"], str(item.get("framework", "")), str(item.get("title", "")),
                        str(item.get("url", "")))
    return StaffMember(item["id"], str(item.get("name", "")),
                       tuple(str(r) for r in item.get("roles") or [] if isinstance(r, str)),
                       tuple(str(k) for k in item.get("signing_keys") or [] if isinstance(k, str)),
                       item["email"] if isinstance(item.get("email"), str) else None)


def load_registers(folder: Path, root: Path, max_bytes: int) -> Registers:
    """Load every register; problems become findings on the register file, never exceptions."""
    registers = Registers()
    for name in REGISTER_NAMES:
        path = folder / f"{name}.yml"
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        if not path.is_file():
            registers.findings.append(SCHEMA.at(rel, 1, 1, f"register {name}.yml is missing"))
            continue
        doc = load_yaml(path, rel, max_bytes)
        registers.documents[name] = doc
        registers.findings.extend(doc.findings)
        if doc.data is None and not doc.findings:
            registers.findings.append(SCHEMA.at(rel, 1, 1, _empty_message(name)))
            continue
        if isinstance(doc.data, dict) and name in doc.data and doc.data[name] is None:
            line, column = doc.position((name,))  # `equipment:` with nothing under it
            registers.findings.append(SCHEMA.at(rel, line, column, _empty_message(name)))
            errors = [e for e in validator(name).iter_errors(doc.data) if list(e.absolute_path) != [name]]
            registers.findings.extend(schema_findings(doc, errors))
        elif doc.data is not None:
            registers.findings.extend(schema_findings(doc, list(validator(name).iter_errors(doc.data))))
        table: dict[str, object] = getattr(registers, name)
        for index, item in _entries(doc, name):
            if item["id"] in table:
                line, column = doc.position((name, index, "id"))
                registers.findings.append(DUPLICATE_ID.at(rel, line, column,
                                                  f"{name} id '{item['id']}' is listed twice"))
                continue
            table[item["id"]] = _build(name, item)
    return registers
