"""Practice: what the policies promise is done on time. Each mutation of a copy of the example gives its
documented finding at the register line that keeps it, appears in `policybook due --format json`, and
makes `due` exit 1; the records commands write chained lines and refuse what would not count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import edit
from icalendar import Calendar

DAY = "2026-12-05"
HOIST = ('  - id: hoist-lift\n    name: patient hoist lift\n    service_interval_months: 6\n'
         '    last_serviced: "2020-11-01"\n')


def _register(root: Path, name: str) -> Path:
    """The register file, started as an empty register when the library has none."""
    path = root / "registers" / f"{name}.yml"
    if not path.exists() or f"{name}: []" in path.read_text(encoding="utf-8"):
        path.write_text(f"{name}:\n", encoding="utf-8")
    return path


def _add(root: Path, name: str, entry: str) -> Path:
    """Append an entry (YAML text of one list item, indented as the example's registers are)."""
    path = _register(root, name)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n" + entry.rstrip("\n") + "\n", encoding="utf-8")
    return path


def _settings(root: Path, **values: int) -> None:
    """Set keys of the settings' practice section (added when the library has none)."""
    path = root / "policybook.yml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if "practice:" not in lines:
        lines.append("practice:")
    start = lines.index("practice:")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")), len(lines))
    section = {ln.split(":")[0].strip(): ln for ln in lines[start + 1:end]
               if ln.strip() and not ln.strip().startswith("#")}
    for key, value in values.items():
        section[key] = f"  {key}: {value}"
    lines[start + 1:end] = list(section.values())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _line_of(path: Path, needle: str, after: str | None = None) -> int:
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    return text.count("\n", 0, text.index(needle, start)) + 1


def _lint(run, root: Path):
    result = run("-C", str(root), "lint", "--today", DAY, "--format", "json")
    return json.loads(result.out)["findings"]


def _due(run, root: Path):
    result = run("-C", str(root), "due", "--today", DAY, "--format", "json")
    return result.code, json.loads(result.out)


def _found(findings: list[dict[str, object]], rule: str, path: str, line: int) -> list[dict[str, object]]:
    return [f for f in findings if f["rule"] == rule and f["path"] == path and f["line"] == line]


def _assert_due(run, root: Path, *, rule: str | None = None, kind: str | None = None, subject: str | None = None
                ) -> dict[str, object]:
    code, report = _due(run, root)
    assert code == 1, report
    if kind is not None:
        items = [i for i in report["items"] if i["kind"] == kind and (subject is None or i["subject"] == subject)]
        assert items and all(i["status"] == "overdue" for i in items), report["items"]
        return items[0]
    hits = [f for f in report["findings"] if f["rule"] == rule]
    assert hits, report["findings"]
    return hits[0]


def test_a_service_six_years_old_is_an_error_at_its_line_and_overdue(example: Path, run) -> None:
    path = _add(example, "equipment", HOIST)
    line = _line_of(path, 'last_serviced: "2020-11-01"')
    hits = _found(_lint(run, example), "service-overdue", "registers/equipment.yml", line)
    assert hits and hits[0]["severity"] == "error" and "hoist-lift" in str(hits[0]["message"])
    item = _assert_due(run, example, kind="servicing", subject="hoist-lift")
    assert item["due"] == "2021-05-01" and item["line"] == line


def test_serviced_records_a_chained_line_and_moves_the_register_forward(example: Path, run) -> None:
    path = _add(example, "equipment", '  - id: hoist-lift # kept comment\n    name: patient hoist lift\n'
                                      '    service_interval_months: 6\n    last_serviced: "2020-11-01"\n')
    result = run("-C", str(example), "serviced", "hoist-lift", "--on", "2026-12-01", "--by", "Lift Co, Ltd")
    assert result.code == 0, result.err
    text = path.read_text(encoding="utf-8")
    assert 'last_serviced: "2026-12-01"' in text and "# kept comment" in text
    assert "Lift Co, Ltd" in (example / "records" / "servicing.csv").read_text(encoding="utf-8")
    assert not _found(_lint(run, example), "service-overdue", "registers/equipment.yml",
                      _line_of(path, 'last_serviced: "2026-12-01"'))
    again = run("-C", str(example), "serviced", "hoist-lift", "--on", "2026-12-01", "--by", "Lift Co, Ltd")
    assert again.code == 2 and "already records this" in again.err
    future = run("-C", str(example), "serviced", "hoist-lift", "--on", "2027-01-01", "--by", "x")
    assert future.code == 2 and "in the future" in future.err


def test_a_check_not_done_for_three_intervals_is_overdue(example: Path, run) -> None:
    staff = next(iter(_staff_with_role(example)))
    member, role = staff
    path = _add(example, "checks", f"  - id: eyewash-check\n    title: Eyewash station check\n    by: {role}\n"
                                   "    every_months: 1\n")
    assert run("-C", str(example), "checked", "eyewash-check", "--by", member, "--on", "2026-09-01").code == 0
    line = _line_of(path, "id: eyewash-check")
    hits = _found(_lint(run, example), "check-overdue", "registers/checks.yml", line)
    assert hits and hits[0]["severity"] == "error"
    item = _assert_due(run, example, kind="check", subject="eyewash-check")
    assert item["due"] == "2026-10-01"


def test_a_check_never_recorded_is_due_now_and_one_done_is_not(example: Path, run) -> None:
    member, role = next(iter(_staff_with_role(example)))
    _add(example, "checks", f"  - id: eyewash-check\n    title: Eyewash station check\n    by: {role}\n"
                            "    every_months: 3\n")
    assert any(f["rule"] == "check-overdue" for f in _lint(run, example))
    assert run("-C", str(example), "checked", "eyewash-check", "--by", member, "--on", "2026-11-30").code == 0
    assert not [f for f in _lint(run, example) if f["rule"].startswith("check-")]


def _staff_with_role(root: Path) -> list[tuple[str, str]]:
    """(staff id, a role they hold) from the example's staff register."""
    import yaml

    data = yaml.safe_load((root / "registers" / "staff.yml").read_text(encoding="utf-8"))
    return [(m["id"], m["roles"][0]) for m in data["staff"]]


RISK = """  - id: {id}
    title: {title}
    owner: {owner}
    likelihood: {likelihood}
    impact: {impact}
    next_review: "{review}"
"""


def test_a_risk_review_of_may_is_a_schema_finding(example: Path, run) -> None:
    path = _add(example, "risks", RISK.format(id="slip", title="Slips on a wet ramp", owner="registered-manager",
                                              likelihood=2, impact=2, review="May"))
    line = _line_of(path, 'next_review: "May"')
    hits = _found(_lint(run, example), "schema", "registers/risks.yml", line)
    assert hits and "next_review" in str(hits[0]["message"])
    finding = _assert_due(run, example, rule="schema")
    assert finding["line"] == line


def test_a_risk_owned_by_a_role_nobody_holds(example: Path, run) -> None:
    held = {role for member in _staff_holding(example).values() for role in member}
    import yaml

    roles = [r["id"] for r in yaml.safe_load((example / "registers" / "roles.yml").read_text())["roles"]]
    nobody = next(r for r in roles if r not in held)
    path = _add(example, "risks", RISK.format(id="slip", title="Slips on a wet ramp", owner=nobody,
                                              likelihood=2, impact=2, review="2027-06-01"))
    line = _line_of(path, f"owner: {nobody}", after="id: slip")
    hits = _found(_lint(run, example), "owner-unheld", "registers/risks.yml", line)
    assert hits and hits[0]["severity"] == "error"
    assert _assert_due(run, example, rule="owner-unheld")["line"] == line
    unknown = _add(example, "risks", RISK.format(id="trip", title="Trips on cables", owner="fire-officer",
                                                 likelihood=2, impact=2, review="2027-06-01"))
    assert _found(_lint(run, example), "unknown-role", "registers/risks.yml",
                  _line_of(unknown, "owner: fire-officer"))


def _staff_holding(root: Path) -> dict[str, list[str]]:
    import yaml

    return {m["id"]: m["roles"] for m in yaml.safe_load((root / "registers" / "staff.yml").read_text())["staff"]}


def test_a_high_risk_with_no_action_is_an_error_and_an_open_action_answers_it(example: Path, run) -> None:
    path = _add(example, "risks", RISK.format(id="crush", title="Crush injury on the tail-lift",
                                              owner="registered-manager", likelihood=4, impact=5, review="2027-06-01"))
    line = _line_of(path, "impact: 5", after="id: crush")
    hits = _found(_lint(run, example), "risk-unmitigated", "registers/risks.yml", line)
    assert hits and "scores 20" in str(hits[0]["message"])
    _assert_due(run, example, rule="risk-unmitigated")
    _add(example, "risks", "    actions:\n      - action: Fit a safety edge to the platform\n"
                           "        owner: registered-manager\n        due: \"2027-02-01\"\n")
    assert not [f for f in _lint(run, example) if f["rule"] == "risk-unmitigated"]


def test_an_overdue_risk_action_and_review(example: Path, run) -> None:
    path = _add(example, "risks", RISK.format(id="crush", title="Crush injury", owner="registered-manager",
                                              likelihood=2, impact=3, review="2026-11-01")
                + "    actions:\n      - action: Train the driver\n        owner: registered-manager\n"
                  "        due: \"2026-10-01\"\n")
    findings = _lint(run, example)
    assert _found(findings, "risk-review-overdue", "registers/risks.yml", _line_of(path, 'next_review: "2026-11-01"'))
    assert _found(findings, "risk-action-overdue", "registers/risks.yml", _line_of(path, 'due: "2026-10-01"'))
    _assert_due(run, example, kind="risk-action", subject="crush/1")


COURSE = """  - id: {id}
    title: {title}
    roles: [{role}]
    renew_months: 12
"""


def test_a_new_role_without_its_course_shows_in_the_next_lint(example: Path, run) -> None:
    _add(example, "training", COURSE.format(id="tail-lift-ops", title="Tail-lift operation", role="unit-driver"))
    holders = _staff_holding(example)
    member = next(m for m, roles in holders.items() if "unit-driver" not in roles)
    staff = example / "registers" / "staff.yml"
    before = [f for f in _found(_lint(run, example), "training-missing", "registers/staff.yml",
                                _line_of(staff, "roles:", after=f"id: {member}\n"))
              if "Tail-lift operation" in str(f["message"])]
    text = staff.read_text(encoding="utf-8")
    start = text.index(f"id: {member}\n")
    roles_at = text.index("roles: [", start)
    staff.write_text(text[:roles_at] + "roles: [unit-driver, " + text[roles_at + len("roles: ["):], encoding="utf-8")
    line = _line_of(staff, "roles: [unit-driver, ")
    hits = [f for f in _found(_lint(run, example), "training-missing", "registers/staff.yml", line)
            if "Tail-lift operation" in str(f["message"])]
    assert hits and not before
    annotations = run("-C", str(example), "lint", "--today", DAY, "--format", "github").out
    assert f"::warning file=registers/staff.yml,line={line},col=" in annotations  # on the pull request
    item = _assert_due(run, example, kind="training", subject=f"{member}/tail-lift-ops")
    assert item["staff"] == member


def test_a_completion_past_its_renewal(example: Path, run) -> None:
    member, role = _staff_with_role(example)[0]
    _add(example, "training", COURSE.format(id="manual-handling-x", title="Manual handling refresher", role=role))
    result = run("-C", str(example), "trained", member, "manual-handling-x", "--on", "2024-10-01")
    assert result.code == 0, result.err
    staff = example / "registers" / "staff.yml"
    line = _line_of(staff, "roles:", after=f"id: {member}\n")
    hits = [f for f in _found(_lint(run, example), "training-expired", "registers/staff.yml", line)
            if "Manual handling refresher" in str(f["message"])]
    assert hits and hits[0]["severity"] == "warning"
    assert _assert_due(run, example, kind="training", subject=f"{member}/manual-handling-x")["due"] == "2025-10-01"
    assert run("-C", str(example), "trained", member, "manual-handling-x", "--on", "2026-12-01").code == 0
    assert not [f for f in _lint(run, example) if "Manual handling refresher" in str(f["message"])]


def test_an_appraisal_two_years_old(example: Path, run) -> None:
    _settings(example, appraisal_interval_months=12)
    member = _staff_with_role(example)[0][0]
    staff = example / "registers" / "staff.yml"
    text = staff.read_text(encoding="utf-8")
    lines = text.splitlines()
    index = lines.index(f"  - id: {member}")
    lines = [ln for ln in lines if not (ln.startswith("    last_appraisal:") and lines.index(ln) > index
                                         and lines.index(ln) < index + 12)]
    lines.insert(index + 1, '    last_appraisal: "2024-11-20"')
    staff.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = _line_of(staff, 'last_appraisal: "2024-11-20"')
    hits = _found(_lint(run, example), "appraisal-overdue", "registers/staff.yml", line)
    assert hits and "2024" in str(hits[0]["message"])
    assert _assert_due(run, example, kind="appraisal", subject=member)["due"] == "2025-11-20"


def test_a_confirmation_thirty_days_past_the_deadline(example: Path, run) -> None:
    _settings(example, read_within_days=14)
    _add(example, "staff", '  - id: nb\n    name: Nadia Brightwater\n    roles: [administrator]\n'
                           '    joined: "2026-10-22"\n')
    staff = example / "registers" / "staff.yml"
    line = _line_of(staff, "roles: [administrator]", after="id: nb")
    hits = _found(_lint(run, example), "reading-overdue", "registers/staff.yml", line)
    assert len(hits) == 1 and "Nadia Brightwater has not confirmed reading" in str(hits[0]["message"])
    assert "due on 5 November 2026 (30 days ago)" in str(hits[0]["message"])
    code, report = _due(run, example)
    owed = [i for i in report["items"] if i["kind"] == "reading" and i["staff"] == "nb"]
    assert code == 1 and owed and all(i["due"] == "2026-11-05" and i["days"] == -30 for i in owed)
    assert len({i["policy"] for i in owed}) == len(owed) > 1  # by person and policy


def test_records_that_cannot_count_are_findings_at_their_line(example: Path, run) -> None:
    member, role = _staff_with_role(example)[0]
    _add(example, "training", COURSE.format(id="fire-safety-x", title="Fire safety", role=role))
    assert run("-C", str(example), "trained", member, "fire-safety-x", "--on", "2026-11-01").code == 0
    records = example / "records" / "training.csv"
    from policybook.evidence.ledger import chain_value

    lines = records.read_text(encoding="utf-8").splitlines()
    previous = lines[-1].rsplit(",", 1)[1]
    for fields in ([member, "fire-safety-x", "2027-01-01", ""], [member, "no-such-course", "2026-11-02", ""],
                   ["zz", "fire-safety-x", "2026-11-03", ""], [member, "fire-safety-x", "2026-11-01", "again"],
                   [member, "fire-safety-x", "May", ""]):
        previous = chain_value(previous, fields)
        lines.append(",".join([*fields, previous]))
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = len(lines) - 4
    findings = [f for f in _lint(run, example) if f["rule"] == "practice-record"]
    assert [f["line"] for f in findings if f["path"] == "records/training.csv"] == list(range(first, first + 5))
    messages = " | ".join(str(f["message"]) for f in findings)
    for said in ("in the future", "not in the training register", "not in the staff register", "already on an earlier",
                 "not a full date"):
        assert said in messages
    assert _assert_due(run, example, rule="practice-record")
    assert run("-C", str(example), "trained", member, "fire-safety-x").code == 0  # still appends


def test_an_edited_record_breaks_the_chain(example: Path, run) -> None:
    member, role = _staff_with_role(example)[0]
    _add(example, "training", COURSE.format(id="fire-safety-x", title="Fire safety", role=role))
    for day in ("2026-10-01", "2026-11-01"):
        assert run("-C", str(example), "trained", member, "fire-safety-x", "--on", day).code == 0
    records = example / "records" / "training.csv"
    lines = records.read_text(encoding="utf-8").splitlines()
    edited = next(i for i, line in enumerate(lines) if line.startswith(f"{member},fire-safety-x,2026-10-01,"))
    lines[edited] = lines[edited].replace("2026-10-01", "2026-10-02")
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chain = [f for f in _lint(run, example) if f["rule"] == "records-chain" and f["path"] == "records/training.csv"]
    assert [f["line"] for f in chain] == [edited + 1]
    refused = run("-C", str(example), "trained", member, "fire-safety-x")
    assert refused.code == 2 and "nothing was recorded" in refused.err


def test_the_untouched_example_lists_only_what_it_deliberately_has_due(run) -> None:
    from conftest import REPO

    code, report = _due(run, REPO)
    assert report["findings"] == []
    overdue = [i for i in report["items"] if i["status"] == "overdue"]
    assert {i["kind"] for i in report["items"]} <= {"training"}, report["items"]
    assert len(overdue) == 1 and code == 1


def test_the_calendar_has_one_event_per_item_with_its_owner(example: Path, run) -> None:
    _add(example, "equipment", HOIST)
    code, report = _due(run, example)
    result = run("-C", str(example), "due", "--today", DAY, "--format", "ics")
    events = list(Calendar.from_ical(result.out).walk("VEVENT"))
    assert code == 1 and len(events) == len(report["items"]) > 0
    owners = {str(i["title"]): str(i["owner"]) for i in report["items"]}
    for event in events:
        title = str(event["summary"])
        assert str(event["description"]).startswith(f"Owner: {owners[title]}.")
    assert len({str(e["uid"]) for e in events}) == len(events)


@pytest.mark.parametrize("within", ["-1"])
def test_a_negative_window_is_refused(example: Path, run, within: str) -> None:
    result = run("-C", str(example), "due", "--within", within)
    assert result.code == 2 and "--within" in result.err


def _records_bytes(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (root / "records").glob("*.csv")}


@pytest.mark.parametrize("note", ["Cert\u2028filed", "x\u0085y", "line\nbreak", "bell\x07", "\udcff"])
def test_a_note_that_would_break_its_line_is_refused(example: Path, run, note: str) -> None:
    before = _records_bytes(example)
    result = run("-C", str(example), "trained", "ot", "moving-handling", "--on", "2026-12-01", "--note", note)
    assert result.code == 2 and "nothing was recorded" in result.err and "Traceback" not in result.err
    assert _records_bytes(example) == before


def test_a_note_that_starts_a_formula_is_kept_as_text(example: Path, run) -> None:
    assert run("-C", str(example), "trained", "ot", "moving-handling", "--on", "2026-12-01",
               "--note", '=HYPERLINK("http://x","y")').code == 0
    last = (example / "records/training.csv").read_text(encoding="utf-8").splitlines()[-1]
    assert ",'=HYPERLINK(" in last.replace('"', "")
    assert not [f for f in _lint(run, example) if f["path"].startswith("records/")]


def test_a_leaver_owes_nothing_and_their_records_still_count(example: Path, run) -> None:
    member, role = _staff_with_role(example)[0]
    _settings(example, appraisal_interval_months=12)
    path = _add(example, "checks", f"  - id: eyewash-check\n    title: Eyewash station check\n    by: {role}\n"
                                   "    every_months: 3\n")
    assert run("-C", str(example), "checked", "eyewash-check", "--by", member, "--on", "2026-11-20").code == 0
    staff = example / "registers" / "staff.yml"
    text = staff.read_text(encoding="utf-8")
    start = text.index(f"  - id: {member}\n")
    staff.write_text(text[:start] + f'  - id: {member}\n    left: "2026-11-30"\n'
                     + text[start + len(f"  - id: {member}\n"):], encoding="utf-8")
    _, report = _due(run, example)
    assert not [i for i in report["items"] if i["staff"] == member]
    assert not [f for f in _lint(run, example) if f["path"].startswith("records/")]
    assert not [i for i in report["items"] if i["kind"] == "check" and i["subject"] == "eyewash-check"
                and i["status"] != "later"]  # the leaver's check still counts
    late = run("-C", str(example), "checked", "eyewash-check", "--by", member, "--on", "2026-12-01")
    assert late.code == 2 and "after" in late.err and "left" in late.err
    assert path.exists()


def test_a_retired_check_falls_due_for_nothing(example: Path, run) -> None:
    _, role = _staff_with_role(example)[0]
    _add(example, "checks", f"  - id: eyewash-check\n    title: Eyewash station check\n    by: {role}\n"
                            '    every_months: 1\n    retired: "2026-06-30"\n')
    assert not [f for f in _lint(run, example) if "Eyewash" in str(f["message"])]


def test_records_are_dated_by_the_real_calendar_not_the_what_if_day(example: Path, run,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    monkeypatch.setenv("POLICYBOOK_TODAY", "2031-01-01")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    refused = run("-C", str(example), "trained", "ot", "moving-handling", "--on", tomorrow)
    assert refused.code == 2 and "in the future" in refused.err
    assert run("-C", str(example), "trained", "ot", "moving-handling").code == 0
    last = (example / "records/training.csv").read_text(encoding="utf-8").splitlines()[-1]
    assert f",{dt.date.today().isoformat()}," in last


def test_serviced_refuses_a_register_it_cannot_edit_before_recording(example: Path, run) -> None:
    equipment = example / "registers/equipment.yml"
    edit(equipment, "  - id: qa-phantom\n", "  - id: qa-phantom\n    aliases: [phantom]\n")
    before = _records_bytes(example)
    result = run("-C", str(example), "serviced", "dexa-scanner", "--by", "Engineer", "--on", "2026-12-01")
    assert result.code == 2 and "nothing was recorded" in result.err and "Traceback" not in result.err
    assert _records_bytes(example) == before


def test_serviced_keeps_line_ends_and_byte_order_mark(example: Path, run) -> None:
    equipment = example / "registers/equipment.yml"
    raw = b"\xef\xbb\xbf" + equipment.read_bytes().replace(b"\n", b"\r\n")
    equipment.write_bytes(raw)
    assert run("-C", str(example), "serviced", "dexa-scanner", "--by", "Engineer", "--on", "2026-12-01").code == 0
    after = equipment.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and b'last_serviced: "2026-12-01"\r\n' in after
    assert after.count(b"\n") == after.count(b"\r\n") and len(after.splitlines()) == len(raw.splitlines())


def test_a_date_far_ahead_is_a_finding_not_a_crash(example: Path, run) -> None:
    path = _add(example, "equipment", '  - id: hoist-lift\n    name: patient hoist lift\n'
                                      '    service_interval_months: 6\n    last_serviced: "9999-12-31"\n')
    findings = _lint(run, example)
    assert _found(findings, "register-date", "registers/equipment.yml", _line_of(path, '"9999-12-31"'))
    code, report = _due(run, example)
    assert code == 1 and any(i["subject"] == "hoist-lift" for i in report["items"])  # never serviced, so due
    _add(example, "checks", "  - id: later-check\n    title: A check from far ahead\n    by: registered-manager\n"
                            '    every_months: 1\n    since: "9999-12-01"\n')
    assert _due(run, example)[0] == 1 and not [f for f in _lint(run, example) if "later-check" in str(f["message"])]


def test_within_adds_to_what_is_due_soon(example: Path, run) -> None:
    _, report = _due(run, example)
    soon = {i["subject"] for i in report["items"]}
    narrow = json.loads(run("-C", str(example), "due", "--today", DAY, "--within", "0", "--format", "json").out)
    wide = json.loads(run("-C", str(example), "due", "--today", DAY, "--within", "400", "--format", "json").out)
    assert {i["subject"] for i in narrow["items"]} == soon
    assert {i["subject"] for i in wide["items"]} > soon


def test_a_records_file_that_is_a_folder(example: Path, run) -> None:
    (example / "records/checks.csv").unlink(missing_ok=True)
    (example / "records/checks.csv").mkdir()
    assert [f["line"] for f in _lint(run, example) if f["path"] == "records/checks.csv"] == [1]
    result = run("-C", str(example), "checked", "first-aid-kit", "--by", "jc", "--on", "2026-12-01")
    assert result.code == 2 and "Traceback" not in result.err


def test_a_broken_register_does_not_condemn_its_records(example: Path, run) -> None:
    checks = example / "registers/checks.yml"
    text = checks.read_text(encoding="utf-8")
    checks.write_text(text.replace("  - id: ", "   - id: ", 1) if "  - id: " in text else "checks: [\n",
                      encoding="utf-8")
    findings = _lint(run, example)
    assert any(f["path"] == "registers/checks.yml" for f in findings)
    assert not [f for f in findings if f["path"] == "records/checks.csv"]
    result = run("-C", str(example), "checked", "first-aid-kit", "--by", "jc", "--on", "2026-12-01")
    assert result.code == 2 and "registers/checks.yml" in result.err and "fix the register first" in result.err


def test_a_full_name_or_swapped_arguments_are_answered_with_the_id(example: Path, run) -> None:
    named = run("-C", str(example), "trained", "Owen Tregarth", "moving-handling", "--on", "2026-12-01")
    assert named.code == 2 and "Owen Tregarth is 'ot'" in named.err
    swapped = run("-C", str(example), "trained", "moving-handling", "ot", "--on", "2026-12-01")
    assert swapped.code == 2 and "policybook trained ot moving-handling" in swapped.err
