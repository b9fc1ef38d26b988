"""``policybook confirmations remind``: who has confirmations outstanding, and, with ``--send``, an
e-mail to each of them, at most once per ``remind.every_days``, with a copy to the owner of any policy
outstanding for ``remind.escalate_after_days`` or more (the members of staff who hold the owning role).

Each reminder sent is a row in the database, which is how the next run knows not to send it again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from policybook.config import ConfirmationSettings
from policybook.confirm.database import reading, reminders
from policybook.confirm.ledger import stamp, utc_now
from policybook.confirm.mail import message, one_line, send
from policybook.confirm.people import address_of, holders
from policybook.confirm.progress import everything_outstanding
from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.evidence.records import Outstanding
from policybook.registers import StaffMember
from policybook.views.addresses import confirm_page


@dataclass
class Reminder:
    member: StaffMember
    address: str | None
    items: list[Outstanding]
    last_sent: dt.date | None
    due: bool  # no reminder within the interval
    copy_to: list[str] = field(default_factory=list)  # owners' addresses, for items past the escalation
    sent: bool = False
    problem: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"staff": self.member.id, "name": self.member.name, "address": self.address,
                "policies": [{"policy": i.policy.id, "version": i.policy.version_text, "days": i.days}
                             for i in self.items],
                "last_reminded": self.last_sent.isoformat() if self.last_sent else None, "due": self.due,
                "copy_to": self.copy_to, "sent": self.sent, "problem": self.problem}


def _last_sent(engine: Engine, today: dt.date) -> dict[str, dt.date]:
    """The day each person was last reminded, up to ``today``. A row dated later, or not a date, was not
    written by ``remind`` (it dates rows today): it is ignored, so that a row added to the table by hand
    holds reminders back for one interval at most, and never stops the run."""
    with reading(engine) as connection:
        rows = connection.execute(sa.select(reminders.c.staff, reminders.c.sent_on)
                                  .where(reminders.c.sent_on <= today.isoformat())).all()
    last: dict[str, dt.date] = {}
    for staff, text in rows:
        try:
            day = dt.date.fromisoformat(str(text))
        except ValueError:
            continue
        if day <= today and (staff not in last or day > last[staff]):
            last[staff] = day
    return last


def plan(corpus: Corpus, engine: Engine, settings: ConfirmationSettings) -> list[Reminder]:
    """One entry per person with anything outstanding, in staff id order."""
    last = _last_sent(engine, corpus.today)
    by_person: dict[str, list[Outstanding]] = {}
    for item in everything_outstanding(corpus, engine):
        by_person.setdefault(item.staff.id, []).append(item)
    found = []
    for staff, items in sorted(by_person.items()):
        member = items[0].staff
        address = address_of(corpus, member)
        sent = last.get(staff)
        due = sent is None or (corpus.today - sent).days >= settings.remind_every_days
        copy: list[str] = []
        for item in items:
            if item.days is not None and item.days >= settings.escalate_after_days and item.policy.owner:
                for owner in holders(corpus, item.policy.owner):
                    owner_address = address_of(corpus, owner)
                    if owner.id != staff and owner_address and owner_address not in copy:
                        copy.append(owner_address)
        found.append(Reminder(member, address, items, sent, due, copy))
    return found


def _text(corpus: Corpus, settings: ConfirmationSettings, reminder: Reminder) -> str:
    lines = [f"Dear {one_line(reminder.member.name)},", "",
             "Please read these policies and confirm that you have read and understood them:", ""]
    for item in reminder.items:
        days = f", outstanding for {item.days} days" if item.days is not None else ""
        lines.append(f"- {item.policy.id} {one_line(item.policy.title or '')}, version {item.policy.version_text}"
                     f"{days}: {confirm_page(settings.base_url, item.policy)}")
    lines += ["", f"Sign in at {settings.base_url}/ with your work e-mail address.", ""]
    if reminder.copy_to:
        lines += ["A copy goes to the owner of each policy outstanding for "
                  f"{settings.escalate_after_days} days or more.", ""]
    lines.append(f"{one_line(corpus.config.name)}")
    return "\n".join(lines) + "\n"


def send_reminders(corpus: Corpus, engine: Engine, settings: ConfirmationSettings,
                   planned: list[Reminder]) -> list[Reminder]:
    """E-mail each reminder that is due and has an address; record each one sent."""
    if settings.mail is None:
        raise PolicybookError("confirmations.mail is not set: reminders cannot be sent")
    for reminder in planned:
        if not reminder.due or reminder.address is None:
            continue
        count = len(reminder.items)
        subject = f"{count} polic{'ies' if count != 1 else 'y'} to read and confirm"
        try:  # an address that is not one single address is this reminder's problem, not the run's
            send(settings.mail, message(settings.mail, reminder.address, subject, _text(corpus, settings, reminder),
                                        copy=reminder.copy_to))
        except PolicybookError as exc:
            reminder.problem = str(exc)
            continue
        reminder.sent = True
        with reading(engine) as connection:
            connection.execute(reminders.insert().values(
                staff=reminder.member.id, sent_on=corpus.today.isoformat(), sent_at=stamp(utc_now()),
                policies=",".join(i.policy.id or "" for i in reminder.items)[:2000],
                copied_to=",".join(reminder.copy_to)[:2000]))
    return planned
