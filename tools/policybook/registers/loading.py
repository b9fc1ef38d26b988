"""Reading every declared register from registers/<name>.yml into typed entries, with findings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policybook.findings import Finding, Scope, Severity, declare
from policybook.loader import Document, load_yaml, parse_yaml_bytes
from policybook.registers.declaration import Register, declared_registers
from policybook.registers.declared import ALL_STAFF
from policybook.registers.entries import Equipment, Guidance, Role, StaffMember, Standard, from_mapping
from policybook.registers.practice import Course, Risk, ScheduledCheck
from policybook.registers.schema import register_validator
from policybook.schema_messages import schema_findings
from policybook.schemas import SCHEMA

DUPLICATE_ID = declare(
    "duplicate-id", Severity.ERROR, Scope.CORPUS,
    'Two files, or two register entries, share an id. Both are reported.')


@dataclass
class Registers:
    """Each register's entries by id (``tables[name]``), the documents they came from, and findings."""

    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    _indexes: dict[str, dict[str, int]] = field(default_factory=dict, repr=False, compare=False)

    def table(self, name: str) -> dict[str, Any]:
        """The entries of register ``name`` by id (empty when it is missing or unreadable)."""
        return self.tables.get(name, {})

    @property
    def roles(self) -> dict[str, Role]:
        return self.table("roles")

    @property
    def guidance(self) -> dict[str, Guidance]:
        return self.table("guidance")

    @property
    def equipment(self) -> dict[str, Equipment]:
        return self.table("equipment")

    @property
    def standards(self) -> dict[str, Standard]:
        return self.table("standards")

    @property
    def staff(self) -> dict[str, StaffMember]:
        return self.table("staff")

    @property
    def checks(self) -> dict[str, ScheduledCheck]:
        return self.table("checks")

    @property
    def risks(self) -> dict[str, Risk]:
        return self.table("risks")

    @property
    def training(self) -> dict[str, Course]:
        return self.table("training")

    def where(self, name: str, entry_id: str, *keys: str | int) -> tuple[str, int, int]:
        """(file, line, column) of ``keys`` within the entry ``entry_id`` of register ``name`` (of the
        entry's nearest present key), for a finding about that entry."""
        doc = self.documents.get(name)
        if doc is None:
            return f"{name}.yml", 1, 1
        index = self._positions(name).get(entry_id)
        if index is None:
            return (doc.rel, 1, 1)
        return (doc.rel, *doc.position((name, index, *keys)))

    def _positions(self, name: str) -> dict[str, int]:
        """Entry id -> its index in the register's list (the first, where an id repeats), worked out once."""
        known = self._indexes.get(name)
        if known is None:
            doc = self.documents.get(name)
            items = doc.data.get(name) if doc is not None and isinstance(doc.data, dict) else None
            known = {}
            for index, item in enumerate(items if isinstance(items, list) else []):
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    known.setdefault(item["id"], index)
            self._indexes[name] = known
        return known

    def unreadable(self, name: str) -> Finding | None:
        """Why register ``name``'s file could not be read whole (broken YAML, a bad encoding, an empty
        file), or None: while it cannot, what it lists is unknown, so nothing is judged against it."""
        doc = self.documents.get(name)
        if doc is None:
            return None
        problem = next((f for f in doc.findings if f.severity is Severity.ERROR), None)
        if problem is None and doc.data is None:
            problem = next((f for f in self.findings if f.path == doc.rel and f.severity is Severity.ERROR), None)
        return problem

    def role_exists(self, role_id: str) -> bool:
        return role_id == ALL_STAFF or role_id in self.roles


def _empty_message(register: Register) -> str:
    """What to write in a register file that lists nothing."""
    name = register.name
    if register.may_be_empty:
        return f"register {name}.yml lists nothing: write '{name}: []' when the service has no {name} to list"
    return f"register {name}.yml is empty: list the service's {name} under '{name}:'"


def _entries(doc: Document, name: str) -> Iterable[tuple[int, dict[str, Any]]]:
    items = doc.data.get(name) if isinstance(doc.data, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            yield index, item


def _schema_findings(register: Register, doc: Document) -> list[Finding]:
    name, rel = register.name, doc.rel
    if doc.data is None and not doc.findings:
        return [SCHEMA.at(rel, 1, 1, _empty_message(register))]
    if isinstance(doc.data, dict) and name in doc.data and doc.data[name] is None:
        line, column = doc.position((name,))  # `equipment:` with nothing under it
        errors = [e for e in register_validator(register).iter_errors(doc.data) if list(e.absolute_path) != [name]]
        return [SCHEMA.at(rel, line, column, _empty_message(register)), *schema_findings(doc, errors)]
    if doc.data is not None:
        return schema_findings(doc, list(register_validator(register).iter_errors(doc.data)))
    return []


def _document(path: Path, rel: str, max_bytes: int, texts: Mapping[Path, bytes]) -> Document:
    """The register's file as read from disk, or from ``texts`` (an editor's unsaved copy) when it is there."""
    raw = texts.get(path)
    return load_yaml(path, rel, max_bytes) if raw is None else parse_yaml_bytes(raw, path, rel, max_bytes)


def load_register(register: Register, folder: Path, root: Path, max_bytes: int, registers: Registers,
                  texts: Mapping[Path, bytes] | None = None) -> None:
    """Read one register into ``registers``: its entries, its document and its findings."""
    name = register.name
    path = folder / f"{name}.yml"
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    table: dict[str, Any] = registers.tables.setdefault(name, {})
    texts = texts or {}
    if not path.is_file() and path not in texts:
        if register.optional_file and not path.is_symlink():
            return
        registers.findings.append(SCHEMA.at(rel, 1, 1, f"register {name}.yml is missing"))
        return
    doc = _document(path, rel, max_bytes, texts)
    registers.documents[name] = doc
    registers.findings.extend(doc.findings)
    problems = _schema_findings(register, doc)
    registers.findings.extend(problems)
    if doc.data is None and problems:
        return
    build = register.build or (lambda item: from_mapping(register.entry, item))
    for index, item in _entries(doc, name):
        if item["id"] in table:
            line, column = doc.position((name, index, "id"))
            registers.findings.append(DUPLICATE_ID.at(rel, line, column, f"{name} id '{item['id']}' is listed twice"))
            continue
        table[item["id"]] = build(item)


def load_registers(folder: Path, root: Path, max_bytes: int, texts: Mapping[Path, bytes] | None = None) -> Registers:
    """Load every declared register; problems become findings on the register file, never exceptions. A
    register whose path is in ``texts`` is read from that text (the editor's unsaved copy), not the disk."""
    registers = Registers()
    for register in declared_registers():
        load_register(register, folder, root, max_bytes, registers, texts)
    return registers
