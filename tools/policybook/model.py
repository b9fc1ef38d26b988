"""Typed views of loaded documents. Built defensively: a field of the wrong type reads as None,
so that one schema error does not stop the other checks from running on the rest of the policy."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, Self

from policybook.dates import parse_date
from policybook.loader import Document
from policybook.markdown import URGENT_HEADING, Link, ParsedBody, parse_body, word_hashes

_VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


def parse_version(text: object) -> tuple[int, int] | None:
    """MAJOR.MINOR compared as integers, never as floats: ``'1.10'`` -> ``(1, 10)``, after ``(1, 9)``;
    anything else -> None."""
    if not isinstance(text, str):
        return None
    match = _VERSION.fullmatch(text)  # not match: "$" would let a trailing line end through
    return (int(match.group(1)), int(match.group(2))) if match else None


def normalise_title(title: str) -> str:
    """Titles compare ignoring case and spacing: 'Hand  Hygiene' is 'hand hygiene'."""
    return " ".join(title.casefold().split())


class Status(StrEnum):
    """A policy's status: only an approved policy is in force and shown to staff."""

    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"

    @classmethod
    def of(cls, value: object) -> Status | None:
        """The status a frontmatter value names, or None (the schema reports anything else)."""
        return cls(value) if isinstance(value, str) and value in cls._value2member_map_ else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _str_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def accepted_of(entry: object) -> tuple[tuple[str, str], ...]:
    """The warnings a history or review entry records as accepted at approval, review or signing: its
    ``accepted`` list of ``{rule, because}``, each as (rule, reason) on one line (a line break in a
    hand-edited reason reads as a space; the schema refuses one)."""
    items = entry.get("accepted") if isinstance(entry, dict) else None
    return tuple((" ".join(str(item.get("rule", "")).split()), " ".join(str(item.get("because", "")).split()))
                 for item in (items if isinstance(items, list) else []) if isinstance(item, dict))


@dataclass(frozen=True)
class HistoryEntry:
    index: int
    version: tuple[int, int] | None
    version_text: str | None
    date: dt.date | None
    author: str | None
    summary: str | None
    accepted: tuple[tuple[str, str], ...] = ()  # (rule, reason): warnings accepted when it was approved


@dataclass(frozen=True)
class GuidanceRef:
    index: int
    id: str
    section: str | None


@dataclass(frozen=True)
class BodySummary:
    """What the cross-file checks need from a body: small enough to send between processes."""

    links: tuple[Link, ...]
    word_hashes: bytes  # one machine word per prose word, for duplicate-content shingles
    anchors: frozenset[str] = frozenset()  # heading ids, for links to #headings


@dataclass
class Policy:
    """A policy file: its Document plus typed access to the frontmatter."""

    doc: Document
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_document(cls, doc: Document) -> Self:
        return cls(doc=doc, data=doc.data if isinstance(doc.data, dict) else {})

    @property
    def rel(self) -> str:
        return self.doc.rel

    @property
    def id(self) -> str | None:
        return _str(self.data.get("id"))

    @property
    def title(self) -> str | None:
        return _str(self.data.get("title"))

    @property
    def status(self) -> Status | None:
        return Status.of(self.data.get("status"))

    @property
    def status_text(self) -> str:
        """The status as written, for messages (it may be a value the schema refuses)."""
        value = self.data.get("status")
        return value if isinstance(value, str) else "without a status"

    @property
    def category(self) -> str | None:
        return _str(self.data.get("category"))

    @property
    def owner(self) -> str | None:
        return _str(self.data.get("owner"))

    @property
    def author(self) -> str | None:
        return _str(self.data.get("author"))

    @property
    def approved_by(self) -> str | None:
        return _str(self.data.get("approved_by"))

    @property
    def version_text(self) -> str | None:
        return _str(self.data.get("version"))

    @property
    def version(self) -> tuple[int, int] | None:
        return parse_version(self.data.get("version"))

    @property
    def created(self) -> dt.date | None:
        return parse_date(self.data.get("created"))

    @property
    def approved_on(self) -> dt.date | None:
        return parse_date(self.data.get("approved_on"))

    @property
    def next_review(self) -> dt.date | None:
        return parse_date(self.data.get("next_review"))

    @property
    def fingerprint(self) -> str | None:
        return _str(self.data.get("fingerprint"))

    @property
    def last_reviewed(self) -> dt.date | None:
        """The latest recorded review of this version (reviews are newest first)."""
        reviews = self.data.get("reviews")
        dates = [parse_date(r.get("date")) for r in reviews if isinstance(r, dict)] if isinstance(reviews, list) else []
        return max((d for d in dates if d), default=None)

    @property
    def review_interval(self) -> int | None:
        value = self.data.get("review_interval")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def audience(self) -> list[str]:
        value = self.data.get("audience")
        return ["all-staff"] if value == "all-staff" else _str_list(value)

    @property
    def urgent(self) -> str | None:
        """The heading of the section readers must find first (the `urgent` field, else a section headed
        URGENT_HEADING when the body has one): the site and the handbook show it before everything else."""
        return _str(self.data.get("urgent")) or URGENT_HEADING

    @property
    def urgent_declared(self) -> bool:
        """Whether the frontmatter names the urgent section (a name the body must have: lint says so)."""
        return bool(_str(self.data.get("urgent")))

    @property
    def acknowledge(self) -> bool:
        return self.data.get("acknowledge", True) is not False

    @property
    def roles(self) -> dict[str, list[str]]:
        value = self.data.get("roles")
        if not isinstance(value, dict):
            return {}
        return {k: _str_list(v) for k, v in value.items()}

    @property
    def guidance(self) -> list[GuidanceRef]:
        refs = []
        for index, item in enumerate(self.data.get("guidance") or [] if isinstance(
                self.data.get("guidance"), list) else []):
            if isinstance(item, str):
                refs.append(GuidanceRef(index, item, None))
            elif isinstance(item, dict) and isinstance(item.get("id"), str):
                refs.append(GuidanceRef(index, item["id"], _str(item.get("section"))))
        return refs

    @property
    def standards(self) -> list[str]:
        return _str_list(self.data.get("standards"))

    @property
    def equipment(self) -> list[str]:
        return _str_list(self.data.get("equipment"))

    @property
    def supersedes(self) -> list[str]:
        return _str_list(self.data.get("supersedes"))

    @property
    def related(self) -> list[str]:
        """The ids of related policies, written as ids or as ``{id, reason}`` items."""
        value = self.data.get("related")
        ids = []
        for item in value if isinstance(value, list) else []:
            if isinstance(item, str):
                ids.append(item)
            elif isinstance(item, dict) and isinstance(item.get("id"), str):
                ids.append(item["id"])
        return ids

    @property
    def related_reasons(self) -> dict[str, str]:
        """Related policy id -> the reason given for both standing (``{id, reason}`` items with a reason)."""
        value = self.data.get("related")
        reasons = {}
        for item in value if isinstance(value, list) else []:
            if not isinstance(item, dict):
                continue
            reason = item.get("reason")
            if isinstance(item.get("id"), str) and isinstance(reason, str) and reason.strip():
                reasons[item["id"]] = reason.strip()
        return reasons

    @cached_property
    def history(self) -> list[HistoryEntry]:
        value = self.data.get("history")
        entries = []
        for index, item in enumerate(value if isinstance(value, list) else []):
            if isinstance(item, dict):
                entries.append(HistoryEntry(index, parse_version(item.get("version")),
                                            _str(item.get("version")), parse_date(item.get("date")),
                                            _str(item.get("author")), _str(item.get("summary")),
                                            accepted_of(item)))
        return entries

    @cached_property
    def parsed(self) -> ParsedBody:
        """The body parsed once, shared by every check, the site and the handbook."""
        return parse_body(self.doc.body, self.doc.body_line)

    @cached_property
    def summary(self) -> BodySummary:
        return BodySummary(tuple(self.parsed.links), word_hashes(self.parsed), frozenset(self.parsed.heading_ids()))

    @property
    def has_body(self) -> bool:
        return bool(self.doc.text)

    @property
    def in_force(self) -> bool:
        return self.status is Status.APPROVED

    @property
    def label(self) -> str:
        return self.id or self.rel

    @property
    def statement_key(self) -> str:
        """What its signed approval and review statements name it by, and their folder under
        records/approvals/: a policy's id."""
        return self.id or ""
