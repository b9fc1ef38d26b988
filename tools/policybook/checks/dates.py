"""Review and date rules: ``review-overdue``, ``review-due-soon``, ``review-interval``,
``date-order`` and ``history``. Only full ISO dates are compared; the schema reports the rest."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from policybook.corpus import Corpus
from policybook.dates import add_months, long_date
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.model import Status

REVIEW_OVERDUE = declare(
    "review-overdue", Severity.ERROR, Scope.POLICY,
    "An approved policy's `next_review` has passed.")
REVIEW_DUE_SOON = declare(
    "review-due-soon", Severity.WARNING, Scope.POLICY,
    "An approved policy's review is due within `review.due_soon_days`.")
REVIEW_INTERVAL = declare(
    "review-interval", Severity.ERROR, Scope.POLICY,
    '`next_review` is later than `approved_on` plus `review_interval` months, or the interval is above the maximum.')
DATE_ORDER = declare(
    "date-order", Severity.ERROR, Scope.POLICY,
    '`created` after `approved_on`, approval in the future, `next_review` not after approval, or history out of'
    ' date order.')
HISTORY = declare(
    "history", Severity.ERROR, Scope.POLICY,
    "The first history entry is not the current version, or an approved policy's current entry is not dated "
    "`approved_on`; or versions repeat or are out of order.")


@check(REVIEW_OVERDUE, REVIEW_DUE_SOON, REVIEW_INTERVAL)
def check_review_dates(corpus: Corpus) -> Iterator[Finding]:
    today, soon = corpus.today, corpus.config.due_soon_days
    maximum = corpus.config.max_interval_months
    for policy in corpus.policies:
        if policy.status is not Status.APPROVED:
            continue
        next_review = policy.next_review
        line, column = policy.doc.position(("next_review",))
        if next_review is not None:
            days = (next_review - today).days
            if days < 0:
                yield REVIEW_OVERDUE.at(policy.rel, line, column,
                              f"review was due on {long_date(next_review)} ({-days} days ago); "
                              "review the policy and record it")
            elif days <= soon:
                yield REVIEW_DUE_SOON.at(policy.rel, line, column,
                              f"review is due on {long_date(next_review)}, in {days} days")
        interval = policy.review_interval
        if interval is None:
            continue
        if interval > maximum:
            i_line, i_column = policy.doc.position(("review_interval",))
            yield REVIEW_INTERVAL.at(policy.rel, i_line, i_column,
                          f"review_interval of {interval} months is above the maximum of {maximum} "
                          "(review.max_interval_months)")
        approved_on = policy.approved_on
        reviewed_on = policy.last_reviewed
        base = max(d for d in (approved_on, reviewed_on) if d) if (approved_on or reviewed_on) else None
        if base is not None and next_review is not None:
            latest = add_months(base, min(interval, maximum))
            if next_review > latest:
                what = "the last review" if base == reviewed_on and base != approved_on else "approval"
                yield REVIEW_INTERVAL.at(policy.rel, line, column,
                              f"next_review {next_review} is after {what} ({base}) plus "
                              f"{min(interval, maximum)} months; set it to {latest} or earlier")


@check(DATE_ORDER)
def check_date_order(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        created, approved_on = policy.created, policy.approved_on
        if created and approved_on and created > approved_on:
            line, column = policy.doc.position(("created",))
            yield DATE_ORDER.at(policy.rel, line, column,
                          f"created ({created}) is after approved_on ({approved_on})")
        if approved_on and approved_on > corpus.today:
            line, column = policy.doc.position(("approved_on",))
            yield DATE_ORDER.at(policy.rel, line, column,
                          f"approved_on ({approved_on}) is in the future")
        if approved_on and policy.next_review and policy.next_review <= approved_on:
            line, column = policy.doc.position(("next_review",))
            yield DATE_ORDER.at(policy.rel, line, column,
                          f"next_review ({policy.next_review}) is not after approved_on ({approved_on})")
        history = policy.history
        for newer, older in pairwise(history):
            if newer.date and older.date and newer.date < older.date:
                line, column = policy.doc.position(("history", older.index, "date"))
                yield DATE_ORDER.at(policy.rel, line, column,
                              f"history is not newest first: {older.date} comes after {newer.date}")
        if history and history[0].date and created and history[-1].date and history[-1].date < created:
            line, column = policy.doc.position(("history", history[-1].index, "date"))
            yield DATE_ORDER.at(policy.rel, line, column,
                          f"history entry dated {history[-1].date} is before created ({created})")


@check(HISTORY)
def check_history(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        history, version = policy.history, policy.version
        if not history or version is None:
            continue
        first = history[0]
        if first.version is not None and first.version != version:
            line, column = policy.doc.position(("history", 0, "version"))
            yield HISTORY.at(policy.rel, line, column,
                          f"the first history entry is version {first.version_text}, but the policy is "
                          f"version {policy.version_text}: add an entry for {policy.version_text}")
        elif (policy.status is Status.APPROVED and first.version == version and first.date and policy.approved_on
              and first.date != policy.approved_on):
            # The current version's entry records its issue; a second date for the same approval leaves
            # staff and inspectors unsure which is true (and the site and handbook show both).
            line, column = policy.doc.position(("history", 0, "date"))
            yield HISTORY.at(policy.rel, line, column,
                          f"the history entry for version {policy.version_text} is dated {first.date}, but "
                          f"approved_on is {policy.approved_on}: give the current version's entry the date "
                          "it was approved")
        seen: dict[tuple[int, int], int] = {}
        previous = None
        for entry in history:
            if entry.version is None:
                continue
            line, column = policy.doc.position(("history", entry.index, "version"))
            if entry.version in seen:
                yield HISTORY.at(policy.rel, line, column,
                              f"version {entry.version_text} appears twice in the history")
            elif previous is not None and entry.version > previous:
                yield HISTORY.at(policy.rel, line, column,
                              f"history is not newest first: {entry.version_text} comes after a lower "
                              "version")
            seen.setdefault(entry.version, entry.index)
            previous = entry.version
