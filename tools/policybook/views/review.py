"""Where a policy stands against its review date, in the words the site's badge and the handbook use."""

from __future__ import annotations

import datetime as dt

from policybook.dates import days_text
from policybook.model import Policy


def review_status(policy: Policy, today: dt.date, due_soon_days: int) -> tuple[str, str]:
    """(status key, label) for the next-review badge: current, due-soon or overdue."""
    if policy.next_review is None:
        return "overdue", "No review date"
    days = (policy.next_review - today).days
    if days < 0:
        return "overdue", f"Overdue by {days_text(-days)}"
    if days == 0:
        return "due-soon", "Due today"
    if days <= due_soon_days:
        return "due-soon", f"Due in {days_text(days)}"
    return "current", "Current"


def is_overdue(policy: Policy, today: dt.date) -> bool:
    """Whether the review date has passed (a policy without one is not said to be overdue in print)."""
    return policy.next_review is not None and policy.next_review < today


def interval_text(months: int | None) -> str:
    """'Every 12 months', as the printed document control says it."""
    if months is None:
        return "Not set"
    return "Every month" if months == 1 else f"Every {months} months"
