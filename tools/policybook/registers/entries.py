"""The entry types of the registers a service keeps, and how each is built from a YAML mapping.

The builders are lenient: the register's schema reports what is wrong with an entry, and an entry
with an id is still built so that references to it resolve while the author fixes the rest.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Role:
    id: str
    title: str
    description: str
    aliases: tuple[str, ...] = ()
    external: bool = False  # held outside the service (a referrer, an external adviser), by nobody on its staff

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
    categories: tuple[str, ...] = ()  # the policy categories it serves; none declared serves every category
    checked_on: str | None = None  # when the publisher's page was last compared with this entry (YYYY-MM-DD)
    edition: str | None = None  # the edition or date the publisher's page shows, as last checked
    fingerprint: str | None = None  # "sha256:..." of the page's main text, as last checked
    changed_on: str | None = None  # when a check last found the main text changed (YYYY-MM-DD)
    replacement_url: str | None = None  # the page that replaces it, where the register has no entry for it
    replacement_title: str | None = None

    def serves(self, category: str) -> bool:
        """Whether a policy of ``category`` may cite it: one of its categories, or any while it declares none."""
        return not self.categories or category in self.categories

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
    owner: str | None = None  # the role that arranges its servicing
    retired: str | None = None  # when it was taken out of use

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
    joined: str | None = None  # full dates as written (YYYY-MM-DD); the schema reports any other text
    last_appraisal: str | None = None
    last_supervision: str | None = None
    left: str | None = None  # when they left the service: a leaver owes nothing more


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value or [] if isinstance(v, str)) if isinstance(value, list) else ()


def build_role(item: dict[str, Any]) -> Role:
    return Role(item["id"], str(item.get("title", "")), str(item.get("description", "")),
                tuple(str(a) for a in item.get("aliases") or []), item.get("external") is True)


def build_guidance(item: dict[str, Any]) -> Guidance:
    return Guidance(item["id"], str(item.get("title", "")), str(item.get("publisher", "")),
                    str(item.get("published", "")), str(item.get("url", "")),
                    str(item.get("status", "current")), item.get("superseded_by"),
                    tuple(str(c) for c in item.get("categories") or [] if isinstance(c, str))
                    if isinstance(item.get("categories"), list) else (),
                    _text_or_none(item.get("checked_on")), _text_or_none(item.get("edition")),
                    _text_or_none(item.get("fingerprint")), _text_or_none(item.get("changed_on")),
                    _text_or_none(item.get("replacement_url")), _text_or_none(item.get("replacement_title")))


def build_equipment(item: dict[str, Any]) -> Equipment:
    return Equipment(item["id"], str(item.get("name", "")), tuple(str(a) for a in item.get("aliases") or []),
                     _whole(item.get("service_interval_months")), _text_or_none(item.get("last_serviced")),
                     _text_or_none(item.get("owner")), _text_or_none(item.get("retired")))


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def build_standard(item: dict[str, Any]) -> Standard:
    return Standard(item["id"], str(item.get("framework", "")), str(item.get("title", "")),
                    str(item.get("url", "")))


def build_staff_member(item: dict[str, Any]) -> StaffMember:
    return StaffMember(item["id"], str(item.get("name", "")),
                       tuple(str(r) for r in item.get("roles") or [] if isinstance(r, str)),
                       tuple(str(k) for k in item.get("signing_keys") or [] if isinstance(k, str)),
                       item["email"] if isinstance(item.get("email"), str) else None,
                       *(_text_or_none(item.get(key))
                         for key in ("joined", "last_appraisal", "last_supervision", "left")))


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _convert(value: object, annotation: object) -> object:
    """``value`` as the field's declared type: text, a tuple of texts, a whole number, or None."""
    options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    if value is None and type(None) in options:
        return None
    if tuple in options or any(typing.get_origin(o) is tuple for o in options):
        return _strings(value)
    if int in options and isinstance(value, int) and not isinstance(value, bool):
        return value
    if str in options:
        return "" if value is None else str(value)
    return None if type(None) in options else value


def from_mapping(entry_type: type, item: dict[str, Any]) -> object:
    """A dataclass entry from a YAML mapping, field by field: what a register without its own builder
    uses. A missing field takes the dataclass default, or an empty value of its type."""
    hints = typing.get_type_hints(entry_type)
    values: dict[str, object] = {}
    for spec in dataclasses.fields(entry_type):
        if spec.name not in item and (spec.default is not dataclasses.MISSING
                                      or spec.default_factory is not dataclasses.MISSING):
            continue
        values[spec.name] = _convert(item.get(spec.name), hints[spec.name])
    return entry_type(**values)
