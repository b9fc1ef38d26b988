"""Generated pages: category indexes, the all-policies and review registers, retired-policy notices, the home
page's contents (the declared registers' own pages are in register_pages.py).

Every value from a policy or register goes through md_text, so it shows as written. Links point at
the .md source of the target page, so MkDocs checks and rewrites them like any other link.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from policybook.corpus import Corpus
from policybook.dates import add_months, long_date
from policybook.evidence.due import KIND_TITLES, Kind, shared_items
from policybook.model import Policy
from policybook.registers import declared_registers
from policybook.site.tables import scrolling
from policybook.views.addresses import link, policy_uri
from policybook.views.due import overdue_by_kind
from policybook.views.review import review_status
from policybook.views.text import md_text

RECENT_CHANGES = "registers/recent-changes.md"
RECENT_MONTHS = 12
UrlOf = Callable[[Policy], str]  # a policy's page, as a src_uri such as 'policies/ipc/hand-hygiene.md'


def _status_badge(policy: Policy, corpus: Corpus) -> str:
    status, label = review_status(policy, corpus.today, corpus.config.due_soon_days)
    return f'<span class="pb-badge pb-badge--{status}">{md_text(label)}</span>'


def category_index(corpus: Corpus, category_id: str, uri: str, published: list[Policy]) -> str:
    category = corpus.config.categories[category_id]
    title = md_text(category.title)
    rows = ["| Id | Policy | Version | Next review |", "|---|---|---|---|"]
    for policy in sorted(published, key=lambda p: p.id or ""):
        rows.append(f"| {md_text(policy.id)} | {link(uri, policy_uri(policy, corpus), policy.title or '')} | "
                    f"{md_text(policy.version_text)} | {long_date(policy.next_review)} |")
    return "\n".join([f"# {title}", "", *scrolling(title, rows)]) + "\n"


def home_contents(corpus: Corpus, home_uri: str, published: list[Policy], handbook: bool = False) -> str:
    """The policy library's table of contents, appended to the home page."""
    by_category: dict[str, list[Policy]] = defaultdict(list)
    for policy in published:
        by_category[policy.category or ""].append(policy)
    lines = ["", *overdue_summary(corpus, home_uri), "## Policies by category", ""]
    if not published:
        lines.append("No policy has been approved yet.")
    for category in corpus.config.categories.values():
        count = len(by_category.get(category.id, []))
        if count:
            noun = "policy" if count == 1 else "policies"
            lines.append(f"- {link(home_uri, f'policies/{category.id}/index.md', category.title)} ({count} {noun})")
    if handbook:
        from policybook.handbook.editions import role_editions

        lines += ["", "## Staff handbook", "",
                  "Every policy for all staff in one document, to read offline or print:", "",
                  f"- {link(home_uri, 'handbook/staff-handbook.pdf', 'Staff handbook (PDF)')}",
                  f"- {link(home_uri, 'handbook/staff-handbook-large-print.pdf', 'Large print edition (PDF)')}"]
        editions = role_editions(corpus)
        if editions:
            lines += ["", "## Handbooks by role", "",
                      "The policies addressed to one role, to read with the staff handbook:", ""]
            for edition in editions:
                noun = "policy" if edition.policies == 1 else "policies"
                lines.append(f"- {link(home_uri, f'handbook/{edition.path()}', f'{edition.title} (PDF)')}, "
                             f"{edition.policies} {noun} "
                             f"({link(home_uri, f'handbook/{edition.path(True)}', 'large print edition')})")
    lines += ["", "## Registers", "",
              f"- {link(home_uri, 'registers/index.md', 'All policies')}",
              f"- {link(home_uri, 'registers/review.md', 'Due for review')}",
              f"- {link(home_uri, RECENT_CHANGES, 'Recent changes')}",
              *(f"- {link(home_uri, r.page.uri, r.page.title)}" for r in declared_registers() if r.page), ""]
    return "\n".join(lines)


# Where each kind of item is listed: the register page of its register (a policy review, the review page).
_LISTED_IN = {Kind.SERVICING: "equipment", Kind.CHECK: "checks", Kind.RISK_REVIEW: "risks", Kind.RISK_ACTION: "risks",
              Kind.TRAINING: "training"}


def overdue_summary(corpus: Corpus, home_uri: str) -> list[str]:
    """How many things are overdue, by kind, each linked to the page that lists them; nothing when none is."""
    tally = overdue_by_kind(shared_items(corpus))
    if not tally:
        return []
    pages = {r.name: r.page.uri for r in declared_registers() if r.page}
    lines = ["## Overdue", "", f"As on {long_date(corpus.today)}, these are past the date they were due:", ""]
    for kind, count in tally:
        title = KIND_TITLES[kind]
        target = "registers/review.md" if kind is Kind.REVIEW else pages.get(_LISTED_IN.get(kind, ""))
        name = link(home_uri, target, title) if target else md_text(title)
        lines.append(f"- {name}: {count} overdue")
    return [*lines, ""]


def _date(day: dt.date | None) -> str:
    """A date as staff read it elsewhere on the site, sortable by the ISO date it carries."""
    return f'<time datetime="{day.isoformat()}">{long_date(day)}</time>' if day else ""


def default_home(corpus: Corpus, published: list[Policy], handbook: bool) -> str:
    """The home page of a library whose docs/ has no index.md: without it the site's address is a 404
    and the handbook is linked from nowhere."""
    name = md_text(corpus.config.name)
    intro = [f"# {name} policies", "",
             f"These are the policies of {name}. Every policy here is the current approved version. Printed or "
             "saved copies are not controlled: always check this site before you rely on one.", ""]
    return "\n".join(intro) + home_contents(corpus, "index.md", published, handbook=handbook)


def all_policies(corpus: Corpus, published: list[Policy]) -> str:
    uri = "registers/index.md"
    lines = ["# All policies", "",
             f"{len(published)} policies are in force. Select a column heading to sort the table.", "",
             ]
    rows = ["| Id | Policy | Category | Version | Owner | Approved | Next review | Review |",
            "|---|---|---|---|---|---|---|---|"]
    for policy in sorted(published, key=lambda p: p.id or ""):
        category = corpus.config.categories.get(policy.category or "")
        rows.append(
            f"| {md_text(policy.id)} | {link(uri, policy_uri(policy, corpus), policy.title or '')} | "
            f"{md_text(category.title if category else policy.category)} | {md_text(policy.version_text)} | "
            f"{md_text(corpus.role_title(policy.owner or ''))} | {_date(policy.approved_on)} | "
            f"{_date(policy.next_review)} | {_status_badge(policy, corpus)} |")
    return "\n".join([*lines, *scrolling("All policies", rows, "pb-sortable")])


def due_for_review(corpus: Corpus, published: list[Policy], window_days: int = 90, calendar: bool = True) -> str:
    uri = "registers/review.md"
    due = [p for p in published if p.next_review is None or (p.next_review - corpus.today).days <= window_days]
    lines = ["# Due for review", "",
             f"Policies that are overdue or due for review in the next {window_days} days, as on "
             f"{long_date(corpus.today)}.", ""]
    if calendar:
        lines += ["Every review date, with everything else that falls due (servicing, checks, risk reviews and "
                  "actions, training), is also in the [calendar](../review-calendar.ics), which you can add to a "
                  "calendar app.", ""]
    if not due:
        lines.append("No policy is overdue or due for review in this period.")
        return "\n".join(lines) + "\n"
    rows = ["| Next review | Policy | Owner | Status |", "|---|---|---|---|"]
    for policy in sorted(due, key=lambda p: (p.next_review is not None, p.next_review)):
        rows.append(f"| {long_date(policy.next_review)} | {link(uri, policy_uri(policy, corpus), policy.title or '')}"
                    f" | {md_text(corpus.role_title(policy.owner or ''))} | {_status_badge(policy, corpus)} |")
    return "\n".join([*lines, *scrolling("Due for review", rows)]) + "\n"


def retired_notice(corpus: Corpus, policy: Policy, uri: str, published: list[Policy]) -> str:
    successors = [p for p in published if policy.id and policy.id in p.supersedes]
    lines = [f"# {md_text(policy.title)} (retired)", "",
             f"Policy {md_text(policy.id)} is retired and no longer in force.", ""]
    if successors:
        lines.append("It was superseded by " + ", ".join(
            link(uri, policy_uri(p, corpus), f"{p.id} {p.title}") for p in successors) + ".")
    else:
        lines.append(f"See {link(uri, 'registers/index.md', 'all policies in force')}.")
    return "\n".join(lines) + "\n"


def recent_changes(corpus: Corpus, published: list[Policy], changes: dict[tuple[str, str], str]) -> str:
    """The new versions of the policies in force approved in the last RECENT_MONTHS months, newest first, each
    with its history's summary and, where the site has one, the page of what changed (``changes``: (policy id,
    version) -> that page's source address)."""
    uri = RECENT_CHANGES
    since = add_months(corpus.today, -RECENT_MONTHS)
    found = [(entry.date, policy, entry) for policy in published for entry in policy.history
             if entry.date is not None and since <= entry.date <= corpus.today]
    lines = ["# Recent changes", "",
             f"New versions of the policies in force approved in the {RECENT_MONTHS} months to "
             f"{long_date(corpus.today)}, newest first.", ""]
    if not found:
        return "\n".join([*lines, "No policy in force has had a new version in this period."]) + "\n"
    rows = ["| Approved | Policy | Version | What changed |", "|---|---|---|---|"]
    for day, policy, entry in sorted(found, key=lambda f: (f[0], f[1].id or ""), reverse=True):
        version = entry.version_text or ""
        page = changes.get((policy.id or "", version))
        detail = md_text(entry.summary or "")
        if page:
            detail += f" ({link(uri, page, 'every change')})" if detail else link(uri, page, "Every change")
        rows.append(f"| {_date(day)} | {link(uri, policy_uri(policy, corpus), f'{policy.id} {policy.title}')} | "
                    f"{md_text(version)} | {detail} |")
    return "\n".join([*lines, *scrolling("Recent changes", rows)]) + "\n"
