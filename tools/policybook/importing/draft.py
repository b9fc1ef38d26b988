"""The imported policy's document control, decided from what the document says and the command line.

Nothing is invented: a role the roles register does not hold is never made up (the owner falls back
to ``--owner`` or registered-manager, as for ``policybook new``), a date that cannot be read for
certain is not guessed, and every such decision is noted for the migration report. The policy is
always a draft; with ``--approved`` its original approval is kept in the history, ready for
``policybook approve --on`` to record it in policybook.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import PurePath

from policybook.corpus import Corpus
from policybook.dates import add_months, long_date
from policybook.errors import PolicybookError
from policybook.importing.dates import read_date
from policybook.importing.fields import (
    APPROVED_BY,
    APPROVED_ON,
    AUDIENCE,
    AUTHOR,
    CREATED,
    ISSUED,
    MAX_MONTHS,
    NEXT_REVIEW,
    OWNER,
    REVIEW_INTERVAL,
    VERSION,
    Facts,
    match_role,
    read_interval,
    read_version,
    version_key,
)
from policybook.model import Status, normalise_title
from policybook.registers import ALL_STAFF

DEFAULT_OWNER = "registered-manager"
DEFAULT_INTERVAL = 24
FIRST_VERSION = "0.1"


@dataclass(frozen=True)
class Entry:
    version: str
    date: dt.date
    author: str
    summary: str


@dataclass(frozen=True)
class Choices:
    """What the command line says about every imported document."""

    category: str
    approved: bool = False
    owner: str | None = None
    author: str | None = None
    guidance: tuple[str, ...] = ()


@dataclass
class Draft:
    title: str
    version: str
    owner: str
    author: str
    created: dt.date
    review_interval: int
    next_review: dt.date
    audience: str | list[str]
    history: list[Entry]
    used: list[tuple[str, str, str]] = field(default_factory=list)  # (field, value, where it came from)
    attention: list[str] = field(default_factory=list)
    approved_by: str | None = None  # the registered role that approved the original, when known
    approved_on: dt.date | None = None  # the original approval, kept with --approved


class _Decider:
    """Reads the facts once, noting every value that cannot be used as it stands."""

    def __init__(self, corpus: Corpus, facts: Facts, name: str) -> None:
        self.corpus, self.facts, self.name = corpus, facts, name
        self.today = corpus.today
        self.used: list[tuple[str, str, str]] = []
        self.attention: list[str] = list(facts.notes) + [f"conflicting values: {c}" for c in facts.conflicts]

    def date(self, fact: str, future: bool = False) -> dt.date | None:
        found = self.facts.values.get(fact)
        if found is None:
            return None
        reading = read_date(found.value)
        label = fact.replace("_", " ")
        if reading.day is None:
            self.attention.append(f"{label} '{reading.text}' ({found.where}) {reading.problem}")
            return None
        if reading.note:
            self.attention.append(f"{label} '{reading.text}' ({found.where}) {reading.note}")
        if not future and reading.day > self.today:
            self.attention.append(f"{label} '{reading.text}' ({found.where}) is in the future: not used")
            return None
        self.used.append((label, reading.day.isoformat(), found.where))
        return reading.day

    def role(self, fact: str) -> tuple[str | None, str | None]:
        """(the registered role the fact names, the words the document used)."""
        words = self.facts.text(fact)
        if words is None:
            return None, None
        return match_role(words, self.corpus.registers), words


def decide(corpus: Corpus, facts: Facts, title: str, choices: Choices, name: str,
           git_author: str | None) -> Draft:
    """The frontmatter of the imported policy; refuses in one line what cannot be imported as asked."""
    decider = _Decider(corpus, facts, name)
    attention, used = decider.attention, decider.used
    today = corpus.today

    author = _one_line(choices.author or facts.text(AUTHOR) or git_author or "")
    if len(author) < 2:
        raise PolicybookError(f"{name}: say who wrote it with --author (the document names no author, and git "
                              "config user.name is not set)")
    if facts.text(AUTHOR):
        used.append(("author", facts.text(AUTHOR) or "", facts.values[AUTHOR].where))
        if choices.author and _one_line(choices.author) != facts.text(AUTHOR):
            attention.append(f"the document names its author as '{facts.text(AUTHOR)}'; --author "
                             f"'{choices.author}' was used")

    owner = _owner(decider, choices)
    history, stated_version = _history(decider, author, name)
    version = max([v for v in (stated_version, *(e.version for e in history)) if v] or [FIRST_VERSION],
                  key=version_key)
    if stated_version and version != stated_version:
        attention.append(f"the document says version {stated_version}, but its history goes up to {version}: "
                         f"{version} was used")

    created_stated = decider.date(CREATED)
    issued = decider.date(ISSUED)
    approved_on = decider.date(APPROVED_ON, future=True)
    next_review = decider.date(NEXT_REVIEW, future=True)
    approver, approver_words = decider.role(APPROVED_BY)
    if approver_words is not None:
        used.append(("approved by", approver_words, facts.values[APPROVED_BY].where))
        if approver is None:
            attention.append(f"approved by '{approver_words}' is not a role in the roles register: name the "
                             "approving role when you approve it (--by ROLE)")

    oldest = min((e.date for e in history), default=None)
    created = created_stated or oldest or issued or (approved_on if choices.approved else None) or today
    if created_stated and oldest and oldest < created_stated:
        attention.append(f"the history has a version dated {oldest}, before the created date {created_stated}: "
                         "correct one of them (lint reports it as date-order)")

    current = next((e for e in history if e.version == version), None)
    if choices.approved:
        current = _approval(decider, history, current, version, created, approved_on, approver_words, author, name)
    elif current is None:
        short = PurePath(name).name
        summary = (f"Imported from {short}." if version == FIRST_VERSION
                   else f"Version {version}, imported from {short}.")
        current = Entry(version, max([issued or today, *(e.date for e in history)]), author, summary)
    if approved_on is not None and not choices.approved:
        attention.append(f"the document records an approval on {approved_on}"
                         + (f" by '{approver_words}'" if approver_words else "")
                         + ": it was not kept; import with --approved to keep it in the history")
    history = [current, *(e for e in history if e.version != version)]

    interval = _interval(decider, approved_on, next_review)
    if next_review is None:
        next_review = add_months(approved_on if choices.approved and approved_on else today, interval)
    elif next_review < today:
        attention.append(f"the document's review date {next_review} has passed: review the policy after approving it")
    draft = Draft(title=title, version=version, owner=owner, author=author, created=created,
                  review_interval=interval, next_review=next_review, audience=_audience(decider), history=history,
                  used=used, attention=attention, approved_by=approver,
                  approved_on=approved_on if choices.approved else None)
    return draft


def _owner(decider: _Decider, choices: Choices) -> str:
    registers = decider.corpus.registers
    if choices.owner is not None and choices.owner not in registers.roles:
        raise PolicybookError(f"--owner: '{choices.owner}' is not a role in the roles register")
    role, words = decider.role(OWNER)
    if words is not None:
        decider.used.append(("owner", words, decider.facts.values[OWNER].where))
    if choices.owner:
        if words is not None and role != choices.owner:
            decider.attention.append(f"the document names its owner as '{words}'; --owner {choices.owner} was used")
        return choices.owner
    if role is not None and role in registers.roles:
        return role
    if DEFAULT_OWNER not in registers.roles:
        raise PolicybookError(f"--owner: say which registered role owns it ('{DEFAULT_OWNER}' is not in the roles "
                              "register)")
    if words is not None:
        decider.attention.append(f"owner '{words}' is not a role in the roles register: the owner is {DEFAULT_OWNER} "
                                 "for now; change it to the registered role that owns the policy")
    return DEFAULT_OWNER


def _history(decider: _Decider, author: str, name: str) -> tuple[list[Entry], str | None]:
    """Readable history rows, newest version first, and the version the document states."""
    stated_text = decider.facts.text(VERSION)
    stated = read_version(stated_text) if stated_text else None
    if stated_text and stated is None:
        decider.attention.append(f"version '{stated_text}' ({decider.facts.values[VERSION].where}) is not MAJOR.MINOR: "
                                 "not used")
    elif stated_text:
        decider.used.append(("version", stated_text, decider.facts.values[VERSION].where))
    entries: dict[str, Entry] = {}
    for row in decider.facts.history:
        version = read_version(row.version)
        reading = read_date(row.date)
        if version is None or reading.day is None:
            why = (f"version '{row.version}' is not MAJOR.MINOR" if version is None
                   else f"date '{reading.text}' {reading.problem}")
            decider.attention.append(f"history row ({row.where}) not used: {why}; it said: {row.version} | "
                                     f"{row.date} | {row.author} | {row.summary}")
            continue
        if reading.day > decider.today:
            decider.attention.append(f"history row ({row.where}) not used: its date {reading.day} is in the future")
            continue
        if reading.note:
            decider.attention.append(f"history date '{reading.text}' ({row.where}) {reading.note}")
        if version in entries:
            decider.attention.append(f"history row ({row.where}) not used: version {version} is already in the history")
            continue
        summary = _one_line(row.summary)
        entries[version] = Entry(version, reading.day, _one_line(row.author) if len(_one_line(row.author)) >= 2
                                 else author, summary if len(summary) >= 3 else f"Version {version}.")
    history = sorted(entries.values(), key=lambda e: version_key(e.version), reverse=True)
    for newer, older in pairwise(history):
        if newer.date < older.date:
            decider.attention.append(f"the history dates version {newer.version} ({newer.date}) before version "
                                     f"{older.version} ({older.date}): correct it (lint reports it as date-order)")
    return history, stated


def _approval(decider: _Decider, history: list[Entry], current: Entry | None, version: str, created: dt.date,
              approved_on: dt.date | None, approver_words: str | None, author: str, name: str) -> Entry:
    """The current version's history entry, dated by the original approval."""
    if approved_on is None:
        raise PolicybookError(f"--approved: {name} gives no approval date that can be read (such as 'Date approved: "
                              "3 March 2024')")
    if approved_on > decider.today:
        raise PolicybookError(f"--approved: the approval date in {name}, {approved_on}, is in the future")
    if approved_on < created:
        raise PolicybookError(f"--approved: the approval date in {name}, {approved_on}, is before the policy was "
                              f"created ({created})")
    earlier = [e for e in history if e.version != version]
    latest = max(earlier, key=lambda e: e.date, default=None)
    if latest is not None and approved_on < latest.date:
        raise PolicybookError(f"--approved: the approval date in {name}, {approved_on}, is before version "
                              f"{latest.version} in its history ({latest.date})")
    who = f"by {approver_words} " if approver_words else ""
    before = current.summary.rstrip(".") + ". " if current else ""
    return Entry(version, approved_on, current.author if current else author,
                 f"{before}Approved {who}on {long_date(approved_on)}, before import into policybook.")


def _interval(decider: _Decider, approved_on: dt.date | None, next_review: dt.date | None) -> int:
    maximum = min(decider.corpus.config.max_interval_months, MAX_MONTHS)
    found = decider.facts.values.get(REVIEW_INTERVAL)
    months = read_interval(found.value) if found else None
    if found and months is None:
        decider.attention.append(f"review interval '{decider.facts.text(REVIEW_INTERVAL)}' ({found.where}) cannot be "
                                 "read as months or years: not used")
    elif found:
        decider.used.append(("review interval", f"{months} months", found.where))
    if months is None and approved_on and next_review:
        months = next((m for m in range(1, MAX_MONTHS + 1) if add_months(approved_on, m) == next_review), None)
    months = months or min(DEFAULT_INTERVAL, maximum)
    if months > maximum:
        decider.attention.append(f"the review interval of {months} months is over the maximum of {maximum} "
                                 f"(review.max_interval_months): {maximum} was used")
        months = maximum
    return months


def _audience(decider: _Decider) -> str | list[str]:
    words = decider.facts.text(AUDIENCE)
    if words is None:
        return ALL_STAFF
    parts = [p.strip() for p in words.replace(" and ", ",").replace(";", ",").split(",") if p.strip()]
    roles = [match_role(part, decider.corpus.registers) for part in parts]
    if not parts or any(role is None for role in roles):
        decider.attention.append(f"audience '{words}' names someone not in the roles register: the audience is "
                                 "all-staff for now")
        return ALL_STAFF
    decider.used.append(("audience", words, decider.facts.values[AUDIENCE].where))
    chosen = list(dict.fromkeys(r for r in roles if r))
    return ALL_STAFF if ALL_STAFF in chosen else chosen


def check_title(corpus: Corpus, title: str, taken: set[str], name: str) -> str:
    """A one-line title, unique among policies in force and the other documents being imported."""
    title = _one_line(title)
    if len(title) < 3:
        raise PolicybookError(f"{name}: its title '{title}' is shorter than three characters")
    clash = next((p for p in corpus.policies if p.title and p.status is not Status.RETIRED
                  and normalise_title(p.title) == normalise_title(title)), None)
    if clash is not None:
        raise PolicybookError(f"{name}: its title '{title}' is already the title of {clash.id} ({clash.rel})")
    if normalise_title(title) in taken:
        raise PolicybookError(f"{name}: its title '{title}' is the title of another document being imported")
    taken.add(normalise_title(title))
    return title


def _one_line(text: str) -> str:
    """Text fit for a one-line field: control characters and line breaks become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())
