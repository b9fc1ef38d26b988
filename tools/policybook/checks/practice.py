"""Practice rules: what the policies promise is done on time. Equipment servicing, scheduled checks, risk
reviews and actions, training, appraisals, supervision and reading deadlines are reported at the line of
the register that keeps them (evidence/due.py works out the dates); records that cannot count, risks
without an action or an owner, and checks nobody can carry out are reported too.

Equipment, checks and risks past their date are errors; people's training, meetings and reading are
warnings, since a person's lapse is not a fault in the library. None of them stops a build: staff still
need the policies (lint.publication_blockers), and ``policybook due`` fails the daily run on them.
"""

from __future__ import annotations

from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.dates import days_text, long_date, parse_date
from policybook.evidence.due import DueItem, Kind, Status, due_items
from policybook.evidence.practice import practice_records
from policybook.findings import Finding, Rule, Scope, Severity, check, declare

SERVICE_OVERDUE = declare(
    "service-overdue", Severity.ERROR, Scope.CORPUS,
    "Equipment is past its service date: `last_serviced` (or the latest line of `records/servicing.csv`) plus "
    "`service_interval_months` has passed, or it has an interval and no service recorded.")
SERVICE_DUE_SOON = declare(
    "service-due-soon", Severity.WARNING, Scope.CORPUS,
    "Equipment is due for servicing within `practice.due_soon_days` (or a quarter of its interval).")
CHECK_OVERDUE = declare(
    "check-overdue", Severity.ERROR, Scope.CORPUS,
    "A scheduled check is past its date: its last record in `records/checks.csv` plus `every_months` has passed, "
    "or it has never been recorded.")
CHECK_DUE_SOON = declare(
    "check-due-soon", Severity.WARNING, Scope.CORPUS,
    "A scheduled check is due within `practice.due_soon_days` (or a quarter of its interval).")
RISK_REVIEW_OVERDUE = declare(
    "risk-review-overdue", Severity.ERROR, Scope.CORPUS,
    "A risk's `next_review` has passed.")
RISK_ACTION_OVERDUE = declare(
    "risk-action-overdue", Severity.ERROR, Scope.CORPUS,
    "An open action on a risk (no `done` date) is past its `due` date.")
RISK_DUE_SOON = declare(
    "risk-due-soon", Severity.WARNING, Scope.CORPUS,
    "A risk's review, or an open action on it, is due within `practice.due_soon_days`.")
RISK_UNMITIGATED = declare(
    "risk-unmitigated", Severity.ERROR, Scope.CORPUS,
    "A risk scores `practice.high_risk_score` or more (likelihood x impact) and has no open action.")
OWNER_UNHELD = declare(
    "owner-unheld", Severity.ERROR, Scope.CORPUS,
    "A risk, a risk action, a scheduled check or an item of equipment belongs to a role that no member of "
    "staff holds, so nobody will do it.")
TRAINING_MISSING = declare(
    "training-missing", Severity.WARNING, Scope.CORPUS,
    "A member of staff has never completed a course one of their roles requires, and the induction period "
    "(`practice.induction_days` from `joined`) has passed.")
TRAINING_EXPIRED = declare(
    "training-expired", Severity.WARNING, Scope.CORPUS,
    "A member of staff's latest completion of a required course is older than its `renew_months`.")
TRAINING_DUE = declare(
    "training-due", Severity.SUGGESTION, Scope.CORPUS,
    "A member of staff owes a required course within the induction period, or a renewal falls due soon.")
APPRAISAL_OVERDUE = declare(
    "appraisal-overdue", Severity.WARNING, Scope.CORPUS,
    "A member of staff's `last_appraisal` (or `joined`, with none) is older than "
    "`practice.appraisal_interval_months`, or neither is recorded.")
SUPERVISION_OVERDUE = declare(
    "supervision-overdue", Severity.WARNING, Scope.CORPUS,
    "A member of staff's `last_supervision` (or `joined`, with none) is older than "
    "`practice.supervision_interval_months`, or neither is recorded.")
READING_OVERDUE = declare(
    "reading-overdue", Severity.WARNING, Scope.CORPUS,
    "A member of staff has not confirmed reading a policy they must read within `practice.read_within_days` "
    "of its version (or of joining).")
READING_DUE = declare(
    "reading-due", Severity.SUGGESTION, Scope.CORPUS,
    "A member of staff owes a confirmation of reading a policy, and its deadline has not passed.")
PRACTICE_RECORD = declare(
    "practice-record", Severity.ERROR, Scope.CORPUS,
    "A line of `records/servicing.csv`, `records/checks.csv` or `records/training.csv` does not count: not a "
    "full date, in the future, before the person joined or after they left, after the item was retired, "
    "about an unknown item or person, a duplicate, or the file cannot be read. A break in its hash chain is "
    "`records-chain`.")

REGISTER_DATE = declare(
    "register-date", Severity.ERROR, Scope.CORPUS,
    "A register dates something done in the future: `last_serviced`, `last_appraisal`, `last_supervision`, a "
    "risk's `last_reviewed` or an action's `done`. The date is not counted until it has come.")

# (overdue rule, due-soon rule) by kind; a review's own rules are in checks/dates.py.
_RULES: dict[Kind, tuple[Rule, Rule]] = {
    Kind.SERVICING: (SERVICE_OVERDUE, SERVICE_DUE_SOON),
    Kind.CHECK: (CHECK_OVERDUE, CHECK_DUE_SOON),
    Kind.RISK_REVIEW: (RISK_REVIEW_OVERDUE, RISK_DUE_SOON),
    Kind.RISK_ACTION: (RISK_ACTION_OVERDUE, RISK_DUE_SOON),
    Kind.TRAINING: (TRAINING_EXPIRED, TRAINING_DUE),
    Kind.APPRAISAL: (APPRAISAL_OVERDUE, APPRAISAL_OVERDUE),
    Kind.SUPERVISION: (SUPERVISION_OVERDUE, SUPERVISION_OVERDUE),
    Kind.READING: (READING_OVERDUE, READING_DUE),
}

# What to do about an overdue item: the command that records it, or the register field to set.
_NEXT_STEPS = {Kind.SERVICING: "record it with `policybook serviced {subject} --by WHO`",
               Kind.CHECK: "record it with `policybook checked {subject} --by STAFF`",
               Kind.TRAINING: "record it with `policybook trained {staff} {course}`",
               Kind.READING: "record it with `policybook ack {staff} {policy}`",
               Kind.RISK_REVIEW: "review the risk, then set its `last_reviewed` and `next_review`",
               Kind.RISK_ACTION: "once it is done, set the action's `done` date (or agree a new `due` date)",
               Kind.APPRAISAL: "hold it, then set `last_appraisal`",
               Kind.SUPERVISION: "hold it, then set `last_supervision`"}


def _when(item: DueItem) -> str:
    if item.due is None or item.days is None:
        return "is due now"
    if item.days < 0:
        return f"was due on {long_date(item.due)} ({days_text(-item.days)} ago)"
    if item.days == 0:
        return "is due today"
    return f"is due on {long_date(item.due)}, in {days_text(item.days)}"


def _message(item: DueItem) -> str:
    step = _NEXT_STEPS.get(item.kind)
    course = item.subject.rsplit("/", 1)[-1]
    hint = (f"; {step.format(subject=item.subject, staff=item.staff, course=course, policy=item.policy)}"
            if step and item.overdue else "")
    return f"{item.title} {_when(item)} ({item.basis}){hint}"


@check(*{rule for pair in _RULES.values() for rule in pair}, TRAINING_MISSING)
def check_due(corpus: Corpus) -> Iterator[Finding]:
    """Each item that is overdue or due soon, at the line of the register that keeps it. Appraisals and
    supervision are reported only once overdue; what one person has still to read is one finding for
    all of it (the due list names every policy)."""
    reading: dict[tuple[str, Rule], list[DueItem]] = {}
    for item in due_items(corpus):
        if item.kind is Kind.REVIEW or item.status is Status.LATER:
            continue
        overdue_rule, soon_rule = _RULES[item.kind]
        if item.overdue:
            rule = TRAINING_MISSING if item.kind is Kind.TRAINING and item.never else overdue_rule
        elif item.kind in (Kind.APPRAISAL, Kind.SUPERVISION):
            continue
        else:
            rule = soon_rule
        if item.kind is Kind.READING:
            reading.setdefault((item.staff or "", rule), []).append(item)
            continue
        yield rule.at(item.path, item.line, item.column, _message(item))
    for (_, rule), items in reading.items():
        yield rule.at(items[0].path, items[0].line, items[0].column, _reading_message(corpus, items))


def _reading_message(corpus: Corpus, items: list[DueItem]) -> str:
    """'Ruth Abernethy has not confirmed reading 2 policies within 14 days: GOV-001 (due 5 November 2026,
    30 days ago), ...; record each with `policybook ack ra POLICY`'."""
    first = items[0]
    deadline = corpus.config.practice.read_within_days
    shown = [f"{i.policy} ({_when(i).removeprefix('was ').removeprefix('is ')})" for i in items[:5]]
    more = f" and {len(items) - 5} more" if len(items) > 5 else ""
    count = "1 policy" if len(items) == 1 else f"{len(items)} policies"
    if first.overdue:
        return (f"{first.owner} has not confirmed reading {count} within {deadline} days: {', '.join(shown)}{more}; "
                f"record each with `policybook ack {first.staff} POLICY`")
    return f"{first.owner} has {count} to read and confirm: {', '.join(shown)}{more}"


@check(RISK_UNMITIGATED)
def check_risk_actions(corpus: Corpus) -> Iterator[Finding]:
    threshold = corpus.config.practice.high_risk_score
    registers = corpus.registers
    for risk in registers.risks.values():
        score = risk.score
        if score is not None and score >= threshold and not risk.open_actions:
            rel, line, column = registers.where("risks", risk.id, "actions" if risk.actions else "impact")
            yield RISK_UNMITIGATED.at(rel, line, column,
                                      f"risk '{risk.id}' scores {score} ({risk.likelihood} x {risk.impact}), at or "
                                      f"above {threshold}, and has no open action: add what will be done, by "
                                      "whom and by when")


@check(OWNER_UNHELD)
def check_owners_held(corpus: Corpus) -> Iterator[Finding]:
    """Work given to a designated role that nobody on the staff register holds. A library that lists no
    staff is not checked (a new library starts with none)."""
    registers = corpus.registers
    if not registers.staff:
        return
    held = {role for member in registers.staff.values() for role in member.roles}

    def unheld(role: str | None) -> bool:
        return bool(role) and role in registers.roles and role not in held

    for risk in registers.risks.values():
        if unheld(risk.owner):
            yield _unheld(corpus, "risks", risk.id, ("owner",), risk.owner)
        for index, action in enumerate(risk.actions):
            if action.open and unheld(action.owner):
                yield _unheld(corpus, "risks", risk.id, ("actions", index, "owner"), action.owner)
    for scheduled in registers.checks.values():
        if unheld(scheduled.by):
            yield _unheld(corpus, "checks", scheduled.id, ("by",), scheduled.by)
    for item in registers.equipment.values():
        if item.service_interval_months and unheld(item.owner):
            yield _unheld(corpus, "equipment", item.id, ("owner",), item.owner or "")


def _unheld(corpus: Corpus, register: str, entry: str, keys: tuple[str | int, ...], role: str) -> Finding:
    rel, line, column = corpus.registers.where(register, entry, *keys)
    return OWNER_UNHELD.at(rel, line, column,
                           f"{register} '{entry}': no member of staff holds the role '{role}' "
                           f"({corpus.role_title(role)}): give it to someone in registers/staff.yml, or "
                           "choose a role someone holds")


@check(PRACTICE_RECORD)
def check_practice_records(corpus: Corpus) -> Iterator[Finding]:
    for problem in practice_records(corpus).problems:
        if not problem.chain:
            yield PRACTICE_RECORD.at(problem.ledger.rel, problem.line, 1, problem.message)


# What the service has or has not done: reported, never a reason to withhold the policies from staff.
PRACTICE_RULES: tuple[Rule, ...] = (SERVICE_OVERDUE, CHECK_OVERDUE, RISK_REVIEW_OVERDUE, RISK_ACTION_OVERDUE,
                                    RISK_UNMITIGATED, OWNER_UNHELD, PRACTICE_RECORD, REGISTER_DATE)


@check(REGISTER_DATE)
def check_register_dates(corpus: Corpus) -> Iterator[Finding]:
    """A date of something done that has not happened yet: a typo of the year, or a date written ahead."""
    registers, today = corpus.registers, corpus.today
    dated: list[tuple[str, str, tuple[str | int, ...], str | None, str]] = []
    for item in registers.equipment.values():
        dated.append(("equipment", item.id, ("last_serviced",), item.last_serviced, "serviced"))
    for member in registers.staff.values():
        dated.append(("staff", member.id, ("last_appraisal",), member.last_appraisal, "appraised"))
        dated.append(("staff", member.id, ("last_supervision",), member.last_supervision, "supervised"))
    for risk in registers.risks.values():
        dated.append(("risks", risk.id, ("last_reviewed",), risk.last_reviewed, "reviewed"))
        dated.extend(("risks", risk.id, ("actions", index, "done"), action.done, "done")
                     for index, action in enumerate(risk.actions))
    for register, entry, keys, text, what in dated:
        day = parse_date(text)
        if day is not None and day > today:
            rel, line, column = registers.where(register, entry, *keys)
            yield REGISTER_DATE.at(rel, line, column, f"{register} '{entry}': {what} on {long_date(day)}, which "
                                   "is in the future: write the date it happened")
