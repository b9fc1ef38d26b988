"""The document-control facts an imported document states, whatever it calls them.

Word templates and other tools' frontmatter name the same facts differently ("Date approved",
``approval_date``, "Ratified on"). Every label is normalised and looked up here, so the control-table
reader and the frontmatter reader agree. A fact is kept with where it was found; a label nobody
knows is kept too, as unmapped, so the migration report can list it instead of dropping it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from policybook.importing.dates import read_date
from policybook.registers import ALL_STAFF, Registers

TITLE = "title"
VERSION = "version"
AUTHOR = "author"
OWNER = "owner"
APPROVED_BY = "approved_by"
APPROVED_ON = "approved_on"
CREATED = "created"
ISSUED = "issued"  # the date of the current version
NEXT_REVIEW = "next_review"
REVIEW_INTERVAL = "review_interval"
AUDIENCE = "audience"
DATES = {APPROVED_ON, CREATED, ISSUED, NEXT_REVIEW}

_ALIASES: dict[str, tuple[str, ...]] = {
    TITLE: ("title", "document title", "policy title", "policy name", "document name", "name of policy",
            "name of document", "name"),
    VERSION: ("version", "version number", "version no", "current version", "issue number", "issue no",
              "revision", "revision number", "ver"),
    AUTHOR: ("author", "authors", "written by", "prepared by", "drafted by", "policy author", "document author",
             "created by", "originator"),
    OWNER: ("owner", "policy owner", "document owner", "responsible person", "policy lead", "lead",
            "accountable", "responsible", "owned by"),
    APPROVED_BY: ("approved by", "approver", "authorised by", "authorized by", "ratified by", "signed off by",
                  "approving body", "approved"),
    APPROVED_ON: ("date approved", "approved on", "approval date", "date of approval", "approved date",
                  "ratified on", "date ratified", "ratification date", "date of ratification", "approved at",
                  "date signed off"),
    CREATED: ("created", "date created", "created on", "creation date", "first issued", "date first issued",
              "original issue date", "date of first issue", "first published", "original date", "first issue"),
    ISSUED: ("date", "issue date", "date of issue", "date issued", "issued", "effective date", "effective from",
             "date effective", "implementation date", "publication date", "published", "published on",
             "version date"),
    NEXT_REVIEW: ("review date", "next review", "next review date", "date of next review", "review due",
                  "due for review", "review by", "review", "next review due", "review due date"),
    REVIEW_INTERVAL: ("review interval", "review frequency", "review period", "review cycle", "frequency of review",
                      "review every"),
    AUDIENCE: ("audience", "target audience", "applies to", "distribution", "intended audience"),
}
LABELS: dict[str, str] = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}

# Columns of a version-history table.
HISTORY_VERSION = "version"
HISTORY_DATE = "date"
HISTORY_AUTHOR = "author"
HISTORY_SUMMARY = "summary"
_HISTORY_ALIASES: dict[str, tuple[str, ...]] = {
    HISTORY_VERSION: ("version", "version number", "version no", "ver", "issue", "issue no", "rev", "revision", "no"),
    HISTORY_DATE: ("date", "date issued", "issue date", "date of change", "revision date", "date approved",
                   "approved", "approval date", "date of issue", "changed on", "updated"),
    HISTORY_AUTHOR: ("author", "by", "changed by", "amended by", "editor", "made by", "updated by", "reviewer",
                     "reviewed by", "name", "owner"),
    HISTORY_SUMMARY: ("changes", "change", "summary", "summary of changes", "description", "description of change",
                      "description of changes", "details", "amendments", "amendment", "reason", "comments",
                      "comment", "reason for change", "nature of change", "notes", "what changed"),
}
HISTORY_COLUMNS: dict[str, str] = {alias: name for name, aliases in _HISTORY_ALIASES.items() for alias in aliases}


def normalise_label(label: str) -> str:
    """A label as looked up: lower case, words only ("Date approved:" and ``date_approved`` agree)."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", label.lower()).split())


def fact_name(label: str) -> str | None:
    """The fact a label names, or None."""
    return LABELS.get(normalise_label(label))


def history_column(label: str) -> str | None:
    return HISTORY_COLUMNS.get(normalise_label(label))


_VERSION = re.compile(r"^(?:v(?:ersion)?\.?\s*)?(\d{1,4})(?:\.(\d{1,4}))?$", re.I)


def read_version(text: str) -> str | None:
    """``MAJOR.MINOR`` from "2.1", "v2.1", "Version 2" (2.0) or "1.01" (1.1); None for anything else."""
    match = _VERSION.match(" ".join(text.split()))
    if not match:
        return None
    return f"{int(match[1])}.{int(match[2] or 0)}"


def version_key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


MAX_MONTHS = 120  # the longest interval the policy schema allows
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "twelve": 12, "eighteen": 18}
_INTERVAL = re.compile(r"^(?:every\s+)?(\d+|[a-z]+)[\s-]*(year|month)s?(?:ly)?$")
_YEARLY = {"annual": 12, "annually": 12, "yearly": 12, "every year": 12, "biennial": 24, "biennially": 24,
           "triennial": 36, "triennially": 36, "every other year": 24, "6 monthly": 6, "six monthly": 6}


def read_interval(value: object) -> int | None:
    """Months from "2 years", "24 months", "annually", "every three years" or a bare number of months."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        months: int | None = value
    else:
        text = normalise_label(str(value))
        match = _INTERVAL.match(text)
        if text.isdigit():
            months = int(text)
        elif text in _YEARLY:
            months = _YEARLY[text]
        elif match:
            count = int(match[1]) if match[1].isdigit() else _WORD_NUMBERS.get(match[1], 0)
            months = count * 12 if match[2] == "year" else count
        else:
            months = None
    return months if months is not None and 0 < months <= MAX_MONTHS else None


_PARTS = re.compile(r"\s*(?:[,;/()\[\]]|\s[-–—]\s)\s*")


def match_role(text: str, registers: Registers) -> str | None:
    """The registered role ``text`` names, by id, title or alias, as the whole text or one part of it
    ("Pat Example, Registered Manager"). A name that is not registered is never turned into a role."""
    names: dict[str, str] = {}
    for role in registers.roles.values():
        for name in (role.id, *role.names):
            names.setdefault(normalise_label(name), role.id)
    names.setdefault("all staff", ALL_STAFF)
    whole = normalise_label(text)
    if whole in names:
        return names[whole]
    found = {names[part] for part in (normalise_label(p) for p in _PARTS.split(text)) if part in names}
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class Found:
    """One value as the document gives it, and where."""

    value: object
    where: str


@dataclass(frozen=True)
class HistoryRow:
    version: str
    date: str
    author: str
    summary: str
    where: str


@dataclass
class Facts:
    """Everything an imported document says about itself."""

    values: dict[str, Found] = field(default_factory=dict)
    unmapped: list[tuple[str, str, str]] = field(default_factory=list)  # (label, value, where)
    history: list[HistoryRow] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # what was taken out of the body, and why
    notes: list[str] = field(default_factory=list)  # anything else a person should check

    def add(self, name: str, value: object, where: str) -> None:
        """Keep the first value of a fact; a different second value is reported, not lost."""
        if _blank(value):
            return
        if name in self.values:
            first = self.values[name]
            if name in DATES and read_date(first.value).day is None and read_date(value).day is not None:
                self.conflicts.append(f"{name.replace('_', ' ')}: '{_text(value)}' ({where}) used; "
                                      f"'{_text(first.value)}' ({first.where}) gives no day")
                self.values[name] = Found(value, where)
                return
            if _text(first.value) != _text(value):
                self.conflicts.append(f"{name.replace('_', ' ')}: '{_text(first.value)}' ({first.where}) kept; "
                                      f"'{_text(value)}' ({where}) not used")
            return
        self.values[name] = Found(value, where)

    def add_labelled(self, label: str, value: object, where: str) -> None:
        """A label and its value: a known fact, or an unmapped one for the report."""
        name = _by_value(fact_name(label), value)
        if name is not None:
            self.add(name, value, where)
        elif not _blank(value):
            self.unmapped.append((" ".join(label.split()), _text(value), where))

    def text(self, name: str) -> str | None:
        found = self.values.get(name)
        return None if found is None else _text(found.value)


def _by_value(name: str | None, value: object) -> str | None:
    """Labels that mean one of two facts, told apart by the value: "Approved: 3 March 2024" is a date,
    "Approved: Registered Manager" is not; "Review: 2 years" is an interval, "Review: 1 May 2026" a date."""
    if name == APPROVED_BY and read_date(value).day is not None:
        return APPROVED_ON
    if name == NEXT_REVIEW and read_interval(value) is not None:
        return REVIEW_INTERVAL
    return name


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value) or (
        isinstance(value, str) and not value.strip())


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return " ".join(str(value).split())
