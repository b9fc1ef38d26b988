"""Everything that falls due, in one list: policy reviews, equipment servicing, scheduled checks, risk
reviews and actions, training renewals, appraisals, supervision and reading deadlines.

Each item comes from a full date in a register or a record, never from prose, and carries its owner
and the file and line where it is kept, so lint reports it there and ``policybook due``, the calendar
and the home page all show the same list. Something never done, with no date to count from, is due
now.
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from enum import StrEnum

from policybook.corpus import Corpus
from policybook.dates import add_months, long_date, parse_date
from policybook.errors import PolicybookError
from policybook.evidence.inforce import under_review
from policybook.evidence.practice import practice_records
from policybook.evidence.records import outstanding
from policybook.registers import ALL_STAFF, StaffMember


class Kind(StrEnum):
    REVIEW = "review"
    SERVICING = "servicing"
    CHECK = "check"
    RISK_REVIEW = "risk-review"
    RISK_ACTION = "risk-action"
    TRAINING = "training"
    APPRAISAL = "appraisal"
    SUPERVISION = "supervision"
    READING = "reading"


class Status(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due-soon"
    LATER = "later"


# Items about one person's employment (their appraisal, supervision, what they have still to read): listed
# for the manager (`policybook due`, lint), never published on the staff site, which every member of staff reads.
PERSONAL = frozenset({Kind.APPRAISAL, Kind.SUPERVISION, Kind.READING})

KIND_TITLES = {Kind.REVIEW: "Document review", Kind.SERVICING: "Servicing", Kind.CHECK: "Check",
               Kind.RISK_REVIEW: "Risk review", Kind.RISK_ACTION: "Risk action", Kind.TRAINING: "Training",
               Kind.APPRAISAL: "Appraisal", Kind.SUPERVISION: "Supervision", Kind.READING: "Reading"}


@dataclass(frozen=True)
class DueItem:
    """One thing that falls due: what, by when, whose it is and where it is kept."""

    kind: Kind
    subject: str  # a stable key: the policy, equipment, check or risk id; "staff/course" for training
    title: str  # what is due, in words: "Service the DEXA scanner"
    owner: str  # who must do it: a role's title, or a member of staff's name
    due: dt.date | None  # None: never done, and nothing to count from
    status: Status
    days: int | None  # days from today (negative when overdue); None when ``due`` is None
    path: str
    line: int
    column: int
    basis: str  # why it is due then: "last serviced 14 September 2026, every 6 months"
    never: bool = False  # never done (a course never completed, a check never recorded)
    staff: str | None = None  # the member of staff it concerns (training, appraisal, reading)
    policy: str | None = None  # the policy it concerns (review, reading)

    @property
    def overdue(self) -> bool:
        return self.status is Status.OVERDUE

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind.value, "subject": self.subject, "title": self.title, "owner": self.owner,
                "due": self.due.isoformat() if self.due else None, "status": self.status.value, "days": self.days,
                "basis": self.basis, "staff": self.staff, "policy": self.policy, "path": self.path,
                "line": self.line, "column": self.column}


def _status(due: dt.date | None, today: dt.date, window: int) -> tuple[Status, int | None]:
    if due is None:
        return Status.OVERDUE, None
    days = (due - today).days
    if days < 0:
        return Status.OVERDUE, days
    return (Status.DUE_SOON if days <= window else Status.LATER), days


def _window(corpus: Corpus, months: int | None) -> int:
    """How many days before its date an item is due soon: the settings' window, or a quarter of the
    item's own interval when that is shorter (a monthly check is due soon in its last week, not always)."""
    days = corpus.config.practice.due_soon_days
    return min(days, months * 30 // 4) if months else days


def _day(text: str | None) -> str:
    day = parse_date(text)
    return long_date(day) if day else "never"


def _every(months: int) -> str:
    return "every month" if months == 1 else f"every {months} months"


def _later(day: dt.date | None, months: int = 0, days: int = 0) -> dt.date | None:
    """``day`` plus ``months`` and ``days``, or the last day there is for a date beyond the calendar
    (a register date in year 9999 is never due, and never a crash)."""
    if day is None:
        return None
    try:
        return (add_months(day, months) if months else day) + dt.timedelta(days=days)
    except (ValueError, OverflowError):
        return dt.date.max


def ended(text: str | None, today: dt.date) -> bool:
    """Whether a ``left`` or ``retired`` date has come: a leaver, or an item no longer in use, owes nothing."""
    end = parse_date(text)
    return end is not None and end <= today


def past(text: str | None, today: dt.date) -> dt.date | None:
    """A register's date of something done (a service, an appraisal): None when it is in the future, which
    lint reports (register-date) rather than counting."""
    day = parse_date(text)
    return day if day is not None and day <= today else None


class _Builder:
    """Collects the items of one corpus: one method per kind of thing that falls due."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.today = corpus.today
        self.items: list[DueItem] = []
        self.records = practice_records(corpus)

    def add(self, kind: Kind, subject: str, title: str, owner: str, due: dt.date | None, where: tuple[str, int, int],
            basis: str, window: int, *, never: bool = False, staff: str | None = None,
            policy: str | None = None) -> None:
        status, days = _status(due, self.today, window)
        self.items.append(DueItem(kind, subject, title, owner, due, status, days, *where, basis, never or due is None,
                                  staff, policy))

    def owner(self, role: str | None) -> str:
        return self.corpus.role_title(role) if role else "No owner set"

    def reviews(self) -> None:
        window = self.corpus.config.due_soon_days
        for policy in under_review(self.corpus):
            if policy.next_review is None or not policy.statement_key:
                continue
            where = (policy.rel, *policy.doc.position(("next_review",)))
            self.add(Kind.REVIEW, policy.statement_key, f"Review {policy.label} {policy.title}",
                     self.owner(policy.owner), policy.next_review, where,
                     f"version {policy.version_text}, next review set in the file", window, policy=policy.id)

    def servicing(self) -> None:
        registers = self.corpus.registers
        done = self.records.latest_by_subject(self.records.servicing)
        for item in registers.equipment.values():
            months = item.service_interval_months
            if not months or ended(item.retired, self.today):
                continue
            dates = [d for d in (past(item.last_serviced, self.today), done.get(item.id)) if d]
            last = max(dates) if dates else None
            key = "last_serviced" if item.last_serviced else "service_interval_months"
            where = registers.where("equipment", item.id, key)
            basis = (f"last serviced {_day(last.isoformat())}, {_every(months)}" if last
                     else f"no service recorded, {_every(months)}")
            self.add(Kind.SERVICING, item.id, f"Service the {item.name}", self.owner(item.owner),
                     _later(last, months), where, basis, _window(self.corpus, months))

    def checks(self) -> None:
        registers = self.corpus.registers
        done = self.records.latest_by_subject(self.records.checks)
        for check in registers.checks.values():
            months = check.every_months
            if not months or ended(check.retired, self.today):
                continue
            last = done.get(check.id)
            due = _later(last, months) if last else _later(parse_date(check.since), months)
            basis = (f"last done {_day(last.isoformat())}, {_every(months)}" if last
                     else f"never recorded, {_every(months)}")
            self.add(Kind.CHECK, check.id, check.title, self.owner(check.by), due,
                     registers.where("checks", check.id, "id"), basis, _window(self.corpus, months),
                     never=last is None)

    def risks(self) -> None:
        registers = self.corpus.registers
        window = self.corpus.config.practice.due_soon_days
        for risk in registers.risks.values():
            review = parse_date(risk.next_review)
            if review is not None:
                self.add(Kind.RISK_REVIEW, risk.id, f"Review the risk: {risk.title}", self.owner(risk.owner),
                         review, registers.where("risks", risk.id, "next_review"),
                         f"next review set in the risk register, score {risk.score or 'not set'}", window)
            for index, action in enumerate(risk.actions):
                due = parse_date(action.due)
                if not action.open or due is None:
                    continue
                self.add(Kind.RISK_ACTION, f"{risk.id}/{index + 1}", f"{action.action} (risk: {risk.title})",
                         self.owner(action.owner), due, registers.where("risks", risk.id, "actions", index, "due"),
                         "an open action on the risk register", window)

    def training(self) -> None:
        corpus, registers = self.corpus, self.corpus.registers
        done = self.records.latest(self.records.training)
        induction = corpus.config.practice.induction_days
        courses = [c for c in registers.training.values() if not ended(c.retired, self.today)]
        for member in registers.staff.values():
            if ended(member.left, self.today):
                continue
            held = {ALL_STAFF, *member.roles}
            joined = parse_date(member.joined)
            where = registers.where("staff", member.id, "roles")
            for course in courses:
                if not held & set(course.roles):
                    continue
                last = done.get((course.id, member.id))
                if last is None:
                    due = _later(joined, days=induction)
                    basis = (f"not completed; due within {induction} days of joining" if joined
                             else "not completed")
                elif course.renew_months:
                    due = _later(last, course.renew_months)
                    basis = f"completed {_day(last.isoformat())}, renewed {_every(course.renew_months)}"
                else:
                    continue  # held once, and held
                action = "complete" if last is None else "renew"
                self.add(Kind.TRAINING, f"{member.id}/{course.id}", f"{member.name}: {action} {course.label}",
                         member.name,
                         due, where, basis, _window(corpus, course.renew_months), staff=member.id,
                         never=last is None)

    def appraisals(self) -> None:
        practice = self.corpus.config.practice
        for kind, months, field in ((Kind.APPRAISAL, practice.appraisal_interval_months, "last_appraisal"),
                                    (Kind.SUPERVISION, practice.supervision_interval_months, "last_supervision")):
            if not months:
                continue
            for member in self.corpus.registers.staff.values():
                if not ended(member.left, self.today):
                    self._meeting(kind, months, field, member)

    def _meeting(self, kind: Kind, months: int, field: str, member: StaffMember) -> None:
        last = past(getattr(member, field), self.today)
        joined = parse_date(member.joined)
        base = last or joined
        noun = "appraisal" if kind is Kind.APPRAISAL else "supervision"
        basis = (f"last {noun} {_day(last.isoformat())}, {_every(months)}" if last
                 else f"no {noun} recorded since joining" if joined else f"no {noun} recorded")
        where = self.corpus.registers.where("staff", member.id, field if last else "id")
        self.add(kind, member.id, f"{noun.capitalize()} of {member.name}", member.name,
                 _later(base, months), where, basis,
                 _window(self.corpus, months), staff=member.id, never=last is None)

    def reading(self) -> None:
        corpus = self.corpus
        deadline = corpus.config.practice.read_within_days
        if not deadline:
            return
        basis = f"not confirmed; staff confirm within {deadline} days of a new version"
        try:
            owed = outstanding(corpus)
        except PolicybookError:
            return  # a damaged records file is lint's records-chain finding; no deadline can be read from it
        people: dict[str, tuple[tuple[str, int, int], dt.date | None]] = {}
        named: dict[int, tuple[str, str]] = {}  # id(policy) -> (policy id, "GOV-001 Title (version 1.0)")
        for item in owed:
            member, policy = item.staff, item.policy
            if member.id not in people:  # each person's line and joining date, found once
                people[member.id] = (corpus.registers.where("staff", member.id, "roles"), parse_date(member.joined))
            where, joined = people[member.id]
            if id(policy) not in named:
                named[id(policy)] = (policy.id or "", f"{policy.id} {policy.title} (version {policy.version_text})")
            policy_id, label = named[id(policy)]
            since = item.since
            starts = (since if joined is None or (since is not None and since > joined) else joined)
            due = _later(starts, days=deadline)
            self.add(Kind.READING, f"{member.id}/{policy_id}", f"{member.name}: read {label}", member.name, due, where,
                     basis, deadline, staff=member.id, policy=policy_id)


_MEMO: weakref.WeakKeyDictionary[Corpus, list[DueItem]] = weakref.WeakKeyDictionary()


def due_items(corpus: Corpus) -> list[DueItem]:
    """Every item that falls due, whatever its date, soonest first (undated, never-done items first)."""
    items = _MEMO.get(corpus)
    if items is None:
        builder = _Builder(corpus)
        for collect in (builder.reviews, builder.servicing, builder.checks, builder.risks, builder.training,
                        builder.appraisals, builder.reading):
            collect()
        items = sorted(builder.items, key=lambda i: (i.due or dt.date.min, i.kind.value, i.subject))
        _MEMO[corpus] = items
    return items


def shared_items(corpus: Corpus) -> list[DueItem]:
    """The items the staff site shows: every one but the personal kinds."""
    return [i for i in due_items(corpus) if i.kind not in PERSONAL]


def due_now(corpus: Corpus, within_days: int | None = None) -> list[DueItem]:
    """What is overdue or due soon by each item's own window, and, with ``within_days``, everything else
    due within that many days too."""
    items = due_items(corpus)
    if within_days is None:
        return [i for i in items if i.status is not Status.LATER]
    return [i for i in items if i.status is not Status.LATER or i.days is None or i.days <= within_days]
