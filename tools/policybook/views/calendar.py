"""The review calendar: which approved policies and documents for patients are overdue or due for review,
as a table or JSON (its iCalendar file is views/due.py's, with every other thing that falls due)."""

from __future__ import annotations

from dataclasses import dataclass

from policybook.corpus import Corpus
from policybook.evidence.inforce import under_review
from policybook.model import Policy
from policybook.tables import text_table


@dataclass(frozen=True)
class Due:
    policy: Policy
    owner: str
    days: int  # negative when overdue

    def as_dict(self) -> dict[str, object]:
        p = self.policy
        return {"id": p.statement_key, "title": p.title, "version": p.version_text, "owner": self.owner,
                "next_review": p.next_review.isoformat() if p.next_review else None, "days": self.days,
                "status": "overdue" if self.days < 0 else "due", "path": p.rel}


def due_reviews(corpus: Corpus, within_days: int | None) -> list[Due]:
    """Approved policies and documents for patients due within ``within_days`` (all of them when None),
    soonest first."""
    found = []
    for policy in under_review(corpus):
        if policy.next_review is None:
            continue
        days = (policy.next_review - corpus.today).days
        if within_days is None or days <= within_days:
            found.append(Due(policy, corpus.role_title(policy.owner or ""), days))
    return sorted(found, key=lambda d: (d.days, d.policy.statement_key))


def as_table(due: list[Due], within_days: int | None) -> str:
    if not due:
        window = f"in the next {within_days} days" if within_days is not None else ""
        return f"No policy is overdue or due for review {window}.".replace("  ", " ").strip() + "\n"
    rows = [("Next review", "Status", "Id", "Policy", "Owner")]
    for item in due:
        status = f"overdue {-item.days} days" if item.days < 0 else f"due in {item.days} days"
        rows.append((str(item.policy.next_review), status, item.policy.statement_key, item.policy.title or "",
                     item.owner))
    return text_table(rows)
