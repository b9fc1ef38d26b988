"""What the templates show for a policy: plain values worked out from the model, never raw HTML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.model import Policy


def review_status(policy: Policy, today: dt.date, due_soon_days: int) -> tuple[str, str]:
    """(status key, label) for the next-review badge: current, due-soon or overdue."""
    if policy.next_review is None:
        return "overdue", "No review date"
    days = (policy.next_review - today).days
    if days < 0:
        return "overdue", f"Overdue by {_days(-days)}"
    if days == 0:
        return "due-soon", "Due today"
    if days <= due_soon_days:
        return "due-soon", f"Due in {_days(days)}"
    return "current", "Current"


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


@dataclass(frozen=True)
class Link:
    text: str
    url: str = ""
    detail: str = ""


def panel(corpus: Corpus, policy: Policy) -> dict[str, Any]:
    """The document-control panel's values for ``policy``."""
    registers = corpus.registers
    status, label = review_status(policy, corpus.today, corpus.config.due_soon_days)
    guidance = []
    for ref in policy.guidance:
        item = registers.guidance.get(ref.id)
        if item:
            guidance.append(Link(item.title, item.url, item.detail(ref.section)))
    standards = [Link(registers.standards[s].title, registers.standards[s].url, registers.standards[s].framework)
                 for s in policy.standards if s in registers.standards]
    equipment = [registers.equipment[e].name for e in policy.equipment if e in registers.equipment]
    category = corpus.config.categories.get(policy.category or "")
    return {
        "id": policy.id,
        "title": policy.title,
        "version": policy.version_text,
        "status": policy.status,
        "category": category.title if category else policy.category,
        "owner": corpus.role_title(policy.owner or ""),
        "author": policy.author,
        "approved_by": corpus.role_title(policy.approved_by or ""),
        "approved_on": long_date(policy.approved_on),
        "created": long_date(policy.created),
        "next_review": long_date(policy.next_review),
        "review_interval": policy.review_interval,
        "review_status": status,
        "review_label": label,
        "audience": [corpus.role_title(r) for r in policy.audience],
        "acknowledge": policy.acknowledge,
        "roles": [(corpus.role_title(r), duties) for r, duties in policy.roles.items()],
        "guidance": guidance,
        "standards": standards,
        "equipment": equipment,
        "history": [{"version": h.version_text, "date": long_date(h.date), "author": h.author,
                     "summary": h.summary} for h in policy.history],
    }
