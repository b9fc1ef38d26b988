"""The review calendar: which approved policies are overdue or due for review, as a table, JSON or an
iCalendar file for the manager's calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from icalendar import Alarm, Calendar, Event, vText

from policybook.corpus import Corpus
from policybook.evidence.inforce import in_force
from policybook.model import Policy
from policybook.tables import text_table


@dataclass(frozen=True)
class Due:
    policy: Policy
    owner: str
    days: int  # negative when overdue

    def as_dict(self) -> dict[str, object]:
        p = self.policy
        return {"id": p.id, "title": p.title, "version": p.version_text, "owner": self.owner,
                "next_review": p.next_review.isoformat() if p.next_review else None, "days": self.days,
                "status": "overdue" if self.days < 0 else "due", "path": p.rel}


def due_reviews(corpus: Corpus, within_days: int | None) -> list[Due]:
    """Approved policies due within ``within_days`` (all of them when None), soonest first."""
    found = []
    for policy in in_force(corpus):
        if policy.next_review is None:
            continue
        days = (policy.next_review - corpus.today).days
        if within_days is None or days <= within_days:
            found.append(Due(policy, corpus.role_title(policy.owner or ""), days))
    return sorted(found, key=lambda d: (d.days, d.policy.id or ""))


def as_table(due: list[Due], within_days: int | None) -> str:
    if not due:
        window = f"in the next {within_days} days" if within_days is not None else ""
        return f"No policy is overdue or due for review {window}.".replace("  ", " ").strip() + "\n"
    rows = [("Next review", "Status", "Id", "Policy", "Owner")]
    for item in due:
        status = f"overdue {-item.days} days" if item.days < 0 else f"due in {item.days} days"
        rows.append((str(item.policy.next_review), status, item.policy.id or "", item.policy.title or "", item.owner))
    return text_table(rows)


ALARMS = (dt.timedelta(days=30), dt.timedelta(days=7))


def as_ics(corpus: Corpus, due: list[Due]) -> bytes:
    """One all-day event per review, with a stable UID so calendar apps update rather than duplicate."""
    calendar = Calendar()
    calendar.add("prodid", "-//policybook//review calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", vText(f"{corpus.config.name}: policy reviews"))  # text: line ends escaped
    domain = (corpus.config.site_url.split("//", 1)[-1].split("/", 1)[0] or "policybook.invalid")
    stamp = dt.datetime.combine(corpus.today, dt.time(), tzinfo=dt.UTC)
    for item in due:
        policy = item.policy
        if policy.next_review is None:  # due() lists only policies with a review date
            continue
        event = Event()
        event.add("uid", f"review-{policy.id}-{policy.version_text}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", policy.next_review)
        event.add("dtend", policy.next_review + dt.timedelta(days=1))
        event.add("summary", f"Review due: {policy.id} {policy.title}")
        event.add("description", f"Owner: {item.owner}. Version {policy.version_text}, file {policy.rel}.")
        for before in ALARMS:  # reminders while there is still time to review, not only on the day
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Review due in {before.days} days: {policy.id} {policy.title}")
            alarm.add("trigger", -before)
            event.add_component(alarm)
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()  # icalendar leaves it unannotated
    return ical
