"""The register pages of what the service does: equipment and its servicing, scheduled checks, the risk
register with its matrix, and training by role and by person.

Dates and statuses come from the one list of what falls due (evidence/due.py) and the records of what
was done (evidence/practice.py), so these pages, ``policybook due``, the calendar and the home page agree.
Every value from a register goes through md_text or link.
"""

from __future__ import annotations

import datetime as dt

from policybook.corpus import Corpus
from policybook.dates import long_date, parse_date
from policybook.evidence.due import DueItem, Kind, Status, due_items
from policybook.evidence.practice import practice_records
from policybook.model import Policy
from policybook.registers import ALL_STAFF, Course, Register, Risk, RiskAction, ScheduledCheck, declared_registers
from policybook.site.register_parts import badge, citing_policies, due_date, due_status, heading, page_uri, policy_links
from policybook.site.tables import Table, anchor
from policybook.views.addresses import link, policy_uri
from policybook.views.due import by_subject
from policybook.views.text import md_text

LIKELIHOOD = {1: "rare", 2: "unlikely", 3: "possible", 4: "likely", 5: "almost certain"}
IMPACT = {1: "negligible", 2: "minor", 3: "moderate", 4: "major", 5: "catastrophic"}
LOW_BELOW = 5  # a score under 5 is low; at or above practice.high_risk_score, high; moderate between


def _day(text: str | None, missing: str) -> str:
    """A register's date written out; as written (escaped) when it is not a full date; ``missing`` without one."""
    day = parse_date(text)
    return long_date(day) if day else md_text(text) if text else missing


def _every(months: int | None) -> str:
    if not months:
        return "No interval set"
    return "Every month" if months == 1 else f"Every {months} months"


def _equipment_links(corpus: Corpus, uri: str, ids: tuple[str, ...]) -> str:
    """Equipment named by id, each linked to the equipment register; "None" for none."""
    equipment = corpus.registers.equipment
    register = next((r for r in declared_registers() if r.name == "equipment" and r.page), None)
    names = [equipment[i].name if i in equipment else i for i in ids]
    if register is None or register.page is None:
        return ", ".join(md_text(n) for n in names) or "None"
    return ", ".join(link(uri, register.page.uri, n) for n in names) or "None"


def _empty(lines: list[str], noun: str) -> str:
    return "\n".join([*lines, f"The register lists no {noun} yet."]) + "\n"


# -- equipment ---------------------------------------------------------------------------------------------
def equipment_page(corpus: Corpus, published: list[Policy], register: Register) -> str:
    uri, lines = page_uri(register), heading(register)
    equipment = corpus.registers.equipment
    if not equipment:
        return _empty(lines, "equipment")
    servicing = by_subject(due_items(corpus), Kind.SERVICING)
    records = practice_records(corpus)
    done = records.latest_by_subject(records.servicing)
    index = citing_policies(published, register)
    rows = []
    for item in equipment.values():
        dates = [d for d in (parse_date(item.last_serviced), done.get(item.id)) if d]
        last = long_date(max(dates)) if dates else "Not recorded"
        due = servicing.get(item.id)
        if due is None:
            next_due, status = "Not scheduled", "Not serviced on a schedule"
        else:
            next_due, status = due_date(due), due_status(due)
        owner = md_text(corpus.role_title(item.owner)) if item.owner else "No owner set"
        policies = ", ".join(link(uri, policy_uri(p, corpus), p.id or "") for p in index.get(item.id, [])) or "None"
        rows.append((md_text(item.name), [status, next_due, last, md_text(_every(item.service_interval_months)),
                                          owner, policies]))
    lines.append(Table("equipment-table", "Equipment and its servicing",
                       ["Equipment", "Status", "Next service due", "Last serviced", "Serviced", "Owner",
                        "Policies"], rows).markdown())
    return "\n".join(lines) + "\n"


# -- scheduled checks --------------------------------------------------------------------------------------
def checks_page(corpus: Corpus, published: list[Policy], register: Register) -> str:
    uri, lines = page_uri(register), heading(register)
    checks: dict[str, ScheduledCheck] = corpus.registers.checks
    if not checks:
        return _empty(lines, "scheduled checks")
    due = by_subject(due_items(corpus), Kind.CHECK)
    records = practice_records(corpus)
    latest: dict[str, tuple[dt.date, str]] = {}
    for record in records.checks:
        if record.subject not in latest or record.day >= latest[record.subject][0]:
            latest[record.subject] = (record.day, record.staff)
    staff = corpus.registers.staff
    rows = []
    for check in checks.values():
        item = due.get(check.id)
        if check.id in latest:
            day, who = latest[check.id]
            last = f"{long_date(day)} ({md_text(staff[who].name if who in staff else who)})"
        else:
            last = "Not recorded"
        next_due, status = (due_date(item), due_status(item)) if item else ("Not scheduled", "No interval set")
        concerns = []
        if check.equipment:
            concerns.append(f"Equipment: {_equipment_links(corpus, uri, check.equipment)}")
        if check.policies:
            concerns.append(f"Policies: {policy_links(corpus, uri, published, check.policies)}")
        rows.append((md_text(check.title), [status, next_due, last, md_text(_every(check.every_months)),
                                            md_text(corpus.role_title(check.by)), "; ".join(concerns) or "None"]))
    lines.append(Table("checks-table", "Scheduled checks",
                       ["Check", "Status", "Next due", "Last done", "How often", "Carried out by", "Concerns"],
                       rows).markdown())
    return "\n".join(lines) + "\n"


# -- risks -------------------------------------------------------------------------------------------------
def band(score: int, high: int) -> str:
    """A score's band in words: high, moderate or low."""
    return "high" if score >= high else "low" if score < LOW_BELOW else "moderate"


def risks_page(corpus: Corpus, published: list[Policy], register: Register) -> str:
    uri, lines = page_uri(register), heading(register)
    risks: dict[str, Risk] = corpus.registers.risks
    if not risks:
        return _empty(lines, "risks")
    high = corpus.config.practice.high_risk_score
    ordered = sorted(risks.values(), key=lambda r: (-(r.score or 0), r.title.casefold(), r.id))
    lines += [f"Each risk is scored as likelihood (1, rare, to 5, almost certain) times impact (1, negligible, to 5, "
              f"catastrophic), with the controls in place. A score of {high} or more is high, {LOW_BELOW} to "
              f"{high - 1} moderate and under {LOW_BELOW} low.", "", "## Risk matrix", "",
              "Each cell gives its score and band, and the risks in it.", "", _matrix(ordered, high)]
    unscored = [r for r in ordered if r.score is None]
    if unscored:
        lines += ["Not scored yet: " + ", ".join(_risk_link(r) for r in unscored) + ".", ""]
    lines += ["## Risks, highest score first", ""]
    items = due_items(corpus)
    reviews, actions = by_subject(items, Kind.RISK_REVIEW), by_subject(items, Kind.RISK_ACTION)
    for risk in ordered:
        lines += _risk(corpus, uri, published, risk, high, reviews.get(risk.id), actions)
    return "\n".join(lines) + "\n"


def _risk_link(risk: Risk) -> str:
    target = anchor("risk", risk.id)
    return f"[{md_text(risk.id)}](#{target})" if target else md_text(risk.id)


def _matrix(risks: list[Risk], high: int) -> str:
    cells: dict[tuple[int, int], list[Risk]] = {}
    for risk in risks:
        if risk.likelihood in LIKELIHOOD and risk.impact in IMPACT:
            cells.setdefault((risk.likelihood or 0, risk.impact or 0), []).append(risk)
    columns = ["Likelihood (rows) by impact (columns)", *(f"Impact {i}: {IMPACT[i]}" for i in IMPACT)]
    rows = []
    for likelihood in sorted(LIKELIHOOD, reverse=True):
        row = []
        for impact in IMPACT:
            score = likelihood * impact
            found = cells.get((likelihood, impact), [])
            level = band(score, high)
            listed = ", ".join(_risk_link(r) for r in found) if found else "No risks"
            row.append(f'<span class="pb-band pb-band--{level}">Score {score}, {level}</span><br>{listed}')
        rows.append((f"Likelihood {likelihood}: {LIKELIHOOD[likelihood]}", row))
    return Table("risk-matrix", "Risks by likelihood and impact", columns, rows, kind="matrix").markdown()


def _risk(corpus: Corpus, uri: str, published: list[Policy], risk: Risk, high: int, review: DueItem | None,
          actions: dict[str, DueItem]) -> list[str]:
    target = anchor("risk", risk.id)
    score = (f"{risk.score}, {band(risk.score, high)} (likelihood {risk.likelihood}, impact {risk.impact})"
             if risk.score is not None else "Not scored")
    next_review = (f"{due_date(review)} {due_status(review)}" if review
                   else md_text(risk.next_review or "Not set"))
    lines = [f'<section class="pb-risk" id="{target}" markdown>' if target else '<section class="pb-risk" markdown>',
             "", f"### {md_text(risk.title)}", ""]
    if risk.description:
        lines += [md_text(risk.description), ""]
    lines += [f"- **Id:** {md_text(risk.id)}",
              f"- **Owner:** {md_text(corpus.role_title(risk.owner) if risk.owner else 'No owner set')}",
              f"- **Score:** {score}",
              f"- **Last reviewed:** {_day(risk.last_reviewed, 'Not recorded')}",
              f"- **Next review:** {next_review}",
              f"- **Policies:** {policy_links(corpus, uri, published, risk.policies)}",
              f"- **Equipment:** {_equipment_links(corpus, uri, risk.equipment)}", "",
              "**Controls in place**", ""]
    lines += [f"- {md_text(c)}" for c in risk.controls] or ["None recorded."]
    lines += ["", "**Actions**", ""]
    threshold = corpus.config.practice.high_risk_score
    if risk.score is not None and risk.score >= threshold and not risk.open_actions:
        lines += [f"**No open action.** A risk scoring {threshold} or more needs one: what will be done, by whom "
                  "and by when.", ""]
    elif not risk.actions:
        lines += ["None.", ""]
    for index, action in sorted(enumerate(risk.actions), key=lambda a: not a[1].open):
        lines.append(f"- {_action(corpus, action, actions.get(f'{risk.id}/{index + 1}'))}")
    lines += ["", "</section>", ""]
    return lines


def _action(corpus: Corpus, action: RiskAction, item: DueItem | None) -> str:
    owner = md_text(corpus.role_title(action.owner) if action.owner else "No owner set")
    due = _day(action.due, "no date set")
    if not action.open:
        done = _day(action.done, "")
        return f"{md_text(action.action)} ({owner}; due {due}) {badge('done', 'Done')} {done}"
    status = due_status(item) if item else badge("due-soon", "Open")
    return f"{md_text(action.action)} ({owner}; due {due}) {status}"


# -- training ----------------------------------------------------------------------------------------------
def _course_heading(course: Course) -> str:
    renew = _every(course.renew_months).lower() if course.renew_months else "held once"
    return f"{md_text(course.label)}: {md_text(renew)}"


def training_page(corpus: Corpus, published: list[Policy], register: Register) -> str:
    uri, lines = page_uri(register), heading(register)
    courses: dict[str, Course] = corpus.registers.training
    if not courses:
        return _empty(lines, "courses")
    lines += ["## Courses", ""]
    rows = [(md_text(c.title), [md_text(c.level or "None"),
                                md_text(_every(c.renew_months) if c.renew_months else "Held once"),
                                ", ".join(md_text(corpus.role_title(r)) for r in c.roles) or "No role",
                                policy_links(corpus, uri, published, c.policies)]) for c in courses.values()]
    lines.append(Table("courses-table", "The courses",
                       ["Course", "Level", "Renewed", "Required of", "Policies"], rows).markdown())
    lines += ["## Courses by role", "", "The roles the courses name. A course for all staff is required of every role.",
              "", _roles_matrix(corpus, courses), "## Courses by member of staff", "",
              "Each member of staff's latest completion of each course, from the training records. Expired: "
              "past its renewal date; missing: never completed; due soon: renewal within the next weeks.", "",
              _staff_matrix(corpus, courses)]
    return "\n".join(lines) + "\n"


def _roles_matrix(corpus: Corpus, courses: dict[str, Course]) -> str:
    named = {r for c in courses.values() for r in c.roles}
    roles = [r for r in (ALL_STAFF, *corpus.registers.roles) if r in named]
    rows = []
    for role in roles:
        cells = []
        for course in courses.values():
            if role in course.roles:
                cells.append("Required")
            elif ALL_STAFF in course.roles:
                cells.append("Required (all staff)")
            else:
                cells.append("Not required")
        rows.append((md_text(corpus.role_title(role)), cells))
    columns = ["Role", *map(_course_heading, courses.values())]
    return Table("roles-training", "Courses by role", columns, rows, kind="matrix").markdown()


def _staff_matrix(corpus: Corpus, courses: dict[str, Course]) -> str:
    staff = corpus.registers.staff
    if not staff:
        return "The staff register lists nobody yet.\n"
    training = by_subject(due_items(corpus), Kind.TRAINING)
    records = practice_records(corpus)
    latest = records.latest(records.training)
    rows = []
    for member in staff.values():
        held = {ALL_STAFF, *member.roles}
        cells = []
        for course in courses.values():
            last = latest.get((course.id, member.id))
            required = bool(held & set(course.roles))
            cells.append(_training_cell(last, required, training.get(f"{member.id}/{course.id}")))
        rows.append((md_text(member.name), cells))
    return Table("staff-training", "Training by member of staff",
                 ["Member of staff", *map(_course_heading, courses.values())], rows, kind="matrix").markdown()


def _training_cell(last: dt.date | None, required: bool, item: DueItem | None) -> str:
    """A person's standing on a course, in words: current, due soon, expired, missing or not required."""
    done = f"completed {long_date(last)}" if last else "never completed"
    if not required:
        return "Not required" + (f"; {done}" if last else "")
    if item is None:  # held once, and held
        return f"{badge('current', 'Current')} {done}"
    if item.never:
        by = f"; due by {long_date(item.due)}" if item.due else ""
        return f"{badge('overdue' if item.overdue else 'due-soon', 'Missing')} {done}{by}"
    if item.overdue:
        return f"{badge('overdue', 'Expired')} {done}; expired {long_date(item.due)}"
    if item.status is Status.DUE_SOON:
        return f"{badge('due-soon', 'Due soon')} {done}; renew by {long_date(item.due)}"
    return f"{badge('current', 'Current')} {done}; renew by {long_date(item.due)}"
