"""What the register pages share: a page's address and heading, the policies in force citing each entry,
links to policies named by id, and status badges for what falls due."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.evidence.due import DueItem, Status
from policybook.model import Policy
from policybook.registers import Register
from policybook.views.addresses import link, policy_uri
from policybook.views.text import md_text


def page_uri(register: Register) -> str:
    assert register.page is not None  # only registers with a page are rendered
    return register.page.uri


def heading(register: Register) -> list[str]:
    page = register.page
    assert page is not None
    return [f"# {md_text(page.title)}", "", *([md_text(page.intro), ""] if page.intro else [])]


def citing_policies(published: list[Policy], register: Register) -> dict[str, list[Policy]]:
    """Entry id -> the policies in force citing it, in id order: one pass over the policies."""
    index: dict[str, list[Policy]] = defaultdict(list)
    for policy in sorted(published, key=lambda p: p.id or ""):
        cited = (value for citation in register.cited_by for _, value in citation.ids(policy.data))
        for key in dict.fromkeys(cited):
            index[key].append(policy)
    return index


def policy_links(corpus: Corpus, uri: str, published: list[Policy], ids: Iterable[str]) -> str:
    """The policies named by ``ids``, each linked to its page when it is in force, else its id with
    "(not in force)"; "None" for none."""
    shown = {p.id: p for p in published if p.id}
    found = []
    for policy_id in ids:
        policy = shown.get(policy_id)
        found.append(link(uri, policy_uri(policy, corpus), f"{policy.id} {policy.title}") if policy
                     else f"{md_text(policy_id)} (not in force)")
    return ", ".join(found) or "None"


def badge(style: str, text: str) -> str:
    """A status in words, styled: the words say it without the colour."""
    return f'<span class="pb-badge pb-badge--{style}">{md_text(text)}</span>'


_STYLES = {Status.OVERDUE: "overdue", Status.DUE_SOON: "due-soon", Status.LATER: "current"}


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def due_status(item: DueItem) -> str:
    """'Overdue by 3 days', 'Overdue (never done)', 'Due soon: in 12 days', 'Current', as a badge."""
    if item.status is Status.OVERDUE:
        text = (f"Overdue by {_days(-item.days)}" if item.days is not None
                else "Overdue (never done)" if item.never else "Overdue")
    elif item.status is Status.DUE_SOON:
        text = "Due soon: today" if item.days == 0 else f"Due soon: in {_days(item.days or 0)}"
    else:
        text = "Current"
    return badge(_STYLES[item.status], text)


def due_date(item: DueItem) -> str:
    """The date an item is due, or 'Now' when there is nothing to count from."""
    return long_date(item.due) if item.due else "Now (never done)" if item.never else "Now"
