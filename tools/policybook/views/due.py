"""The due list as people read it: a text table, JSON, and an iCalendar file with one event per item
(the manager's calendar, and the staff site's review-calendar.ics)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from urllib.parse import quote

from icalendar import Alarm, Calendar, Event, vText

from policybook.corpus import Corpus
from policybook.dates import days_text, long_date
from policybook.evidence.due import KIND_TITLES, DueItem, Kind, Status
from policybook.findings import printable
from policybook.tables import text_table

ALARMS = (dt.timedelta(days=30), dt.timedelta(days=7))


def when(item: DueItem) -> str:
    """'Overdue by 3 days', 'Due in 12 days', 'Due now (never done)'."""
    if item.due is None or item.days is None:
        return "Due now (never done)" if item.never else "Due now"
    if item.days < 0:
        return f"Overdue by {days_text(-item.days)}"
    if item.days == 0:
        return "Due today"
    return f"Due in {days_text(item.days)}"


STATUS_LABELS = {Status.OVERDUE: "Overdue", Status.DUE_SOON: "Due soon", Status.LATER: "Current"}


def by_subject(items: list[DueItem], kind: Kind) -> dict[str, DueItem]:
    """The items of one kind by their subject (an equipment, check or risk id; "staff/course" for training)."""
    return {i.subject: i for i in items if i.kind is kind}


def counts(items: list[DueItem]) -> dict[str, int]:
    """How many items are overdue and due soon."""
    tally = Counter(i.status for i in items)
    return {"overdue": tally[Status.OVERDUE], "due_soon": tally[Status.DUE_SOON]}


def overdue_by_kind(items: list[DueItem]) -> list[tuple[Kind, int]]:
    """(kind, how many are overdue) for each kind with any, in the order of the kinds."""
    tally = Counter(i.kind for i in items if i.overdue)
    return [(kind, tally[kind]) for kind in Kind if tally[kind]]


def as_dict(corpus: Corpus, items: list[DueItem], within_days: int | None) -> dict[str, object]:
    return {"today": corpus.today.isoformat(), "within_days": within_days, **counts(items),
            "items": [i.as_dict() for i in items]}


def as_table(items: list[DueItem], within_days: int | None) -> str:
    if not items:
        window = f" in the next {within_days} days" if within_days is not None else ""
        return f"Nothing is overdue or due{window}.\n"
    rows = [("Due", "Status", "What", "Owner", "Kind", "Where")]
    for item in items:
        rows.append((item.due.isoformat() if item.due else "now", when(item), item.title, item.owner,
                     KIND_TITLES[item.kind], f"{item.path}:{item.line}"))
    tally = counts(items)
    later = len(items) - tally["overdue"] - tally["due_soon"]
    return text_table(rows) + (f"{tally['overdue']} overdue, {tally['due_soon']} due soon"
                               + (f", {later} due later" if later else "") + ".\n")


def as_ics(corpus: Corpus, items: list[DueItem], title: str = "what falls due") -> bytes:
    """One all-day event per item with its owner, and a UID that stays the same while the item is due on
    the same day, so calendar apps update rather than duplicate. An item with no date (never done) is
    placed on today. Text from registers is written with control characters escaped."""
    calendar = Calendar()
    calendar.add("prodid", "-//policybook//due calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", vText(f"{corpus.config.name}: {title}"))  # text: line ends escaped
    domain = (corpus.config.site_url.split("//", 1)[-1].split("/", 1)[0] or "policybook.invalid")
    stamp = dt.datetime.combine(corpus.today, dt.time(), tzinfo=dt.UTC)
    for item in items:
        day = item.due or corpus.today
        event = Event()
        when_due = item.due.isoformat() if item.due else "now"
        event.add("uid", f"{item.kind.value}-{quote(item.subject, safe='')}-{when_due}@{domain}")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + dt.timedelta(days=1))
        event.add("summary", printable(item.title))
        event.add("description", printable(f"Owner: {item.owner}. {KIND_TITLES[item.kind]}: {when(item)} "
                                           f"({item.basis}). Kept in {item.path}, line {item.line}."))
        event.add("categories", [KIND_TITLES[item.kind]])
        if item.due is not None:
            for before in ALARMS:  # reminders while there is still time, not only on the day
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", printable(f"Due on {long_date(item.due)}: {item.title}"))
                alarm.add("trigger", -before)
                event.add_component(alarm)
        calendar.add_component(event)
    ical: bytes = calendar.to_ical()  # icalendar leaves it unannotated
    return ical
