"""What the templates show for a policy: plain values worked out from the model, never raw HTML."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.model import Policy
from policybook.registers import ALL_STAFF, Guidance


def review_status(policy: Policy, today: dt.date, due_soon_days: int) -> tuple[str, str]:
    """(status key, label) for the next-review badge: current, due-soon or overdue."""
    if policy.next_review is None:
        return "overdue", "No review date"
    days = (policy.next_review - today).days
    if days < 0:
        return "overdue", f"Overdue by {-days} days"
    if days <= due_soon_days:
        return "due-soon", f"Due in {days} days"
    return "current", "Current"


@dataclass(frozen=True)
class Link:
    text: str
    url: str = ""
    detail: str = ""


def role_title(corpus: Corpus, role_id: str) -> str:
    if role_id == ALL_STAFF:
        return "All staff"
    role = corpus.registers.roles.get(role_id)
    return role.title if role else role_id


def guidance_detail(item: Guidance, section: str | None) -> str:
    """'Publisher, year; section' for a cited guidance entry."""
    return f"{item.publisher}, {item.published[:4]}" + (f"; {section}" if section else "")


def panel(corpus: Corpus, policy: Policy) -> dict[str, Any]:
    """The document-control panel's values for ``policy``."""
    registers = corpus.registers
    status, label = review_status(policy, corpus.today, corpus.config.due_soon_days)
    guidance = []
    for ref in policy.guidance:
        item = registers.guidance.get(ref.id)
        if item:
            guidance.append(Link(item.title, item.url, guidance_detail(item, ref.section)))
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
        "owner": role_title(corpus, policy.owner or ""),
        "author": policy.author,
        "approved_by": role_title(corpus, policy.approved_by or ""),
        "approved_on": long_date(policy.approved_on),
        "created": long_date(policy.created),
        "next_review": long_date(policy.next_review),
        "review_interval": policy.review_interval,
        "review_status": status,
        "review_label": label,
        "audience": [role_title(corpus, r) for r in policy.audience],
        "acknowledge": policy.acknowledge,
        "roles": [(role_title(corpus, r), duties) for r, duties in policy.roles.items()],
        "guidance": guidance,
        "standards": standards,
        "equipment": equipment,
        "history": [{"version": h.version_text, "date": long_date(h.date), "author": h.author,
                     "summary": h.summary} for h in policy.history],
    }
