"""The example organisation is the reference: it must lint with no findings but the practice ones it
keeps on purpose (a training renewal overdue, three due soon), so the due list has something to show."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, TODAY

from policybook.checks import RULES

# (rule, path, staff, course): the example's training, deliberately not all current on the test day.
DELIBERATE = {
    ("training-expired", "registers/staff.yml", "Owen Tregarth", "Moving and handling"),
    ("training-due", "registers/staff.yml", "Jamie Castellan", "Basic life support and defibrillator use"),
    ("training-due", "registers/staff.yml", "Martin Fairclough", "Equality, diversity and human rights"),
    ("training-due", "registers/staff.yml", "Ruth Abernethy", "Fire safety"),
}


def _deliberate(finding: dict[str, object]) -> tuple[object, ...]:
    who, _, what = str(finding["message"]).partition(": ")
    course = what.split(" is due on ")[0].split(" was due on ")[0].removeprefix("renew ")
    return finding["rule"], finding["path"], who, course


def test_example_has_no_findings_but_its_deliberate_training_ones(run) -> None:
    for today in (TODAY, "2026-12-05"):
        result = run("-C", str(REPO), "lint", "--today", today, "--format", "json")
        payload = json.loads(result.out)
        assert result.code == 0
        assert {_deliberate(f) for f in payload["findings"]} == DELIBERATE, today
        assert len(payload["findings"]) == len(DELIBERATE)
        assert payload["summary"]["files"] >= 29


def test_example_due_list_holds_only_the_deliberate_training(run) -> None:
    result = run("-C", str(REPO), "due", "--today", "2026-12-05", "--format", "json")
    payload = json.loads(result.out)
    assert result.code == 1  # one renewal is overdue
    assert payload["findings"] == []
    assert (payload["overdue"], payload["due_soon"]) == (1, 3)
    assert {(i["kind"], i["subject"], i["status"]) for i in payload["items"]} == {
        ("training", "ot/moving-handling", "overdue"), ("training", "jc/basic-life-support", "due-soon"),
        ("training", "mf/equality-diversity", "due-soon"), ("training", "ra/fire-safety", "due-soon")}


def test_example_uses_every_practice_register() -> None:
    """Checks, risks and training are declared, and every serviced item has an owner."""
    import yaml

    def entries(name: str) -> list[dict[str, object]]:
        return yaml.safe_load((REPO / "registers" / f"{name}.yml").read_text(encoding="utf-8"))[name]

    assert len(entries("checks")) >= 6 and len(entries("training")) >= 11
    risks = entries("risks")
    assert any(r["likelihood"] * r["impact"] >= 15 for r in risks)
    assert all(e.get("owner") for e in entries("equipment") if e.get("service_interval_months"))
    for name in ("servicing", "checks", "training"):
        assert len((REPO / "records" / f"{name}.csv").read_text(encoding="utf-8").splitlines()) > 10


def test_example_has_enough_approved_policies_for_a_real_service() -> None:
    policies = sorted((REPO / "policies").rglob("*.md"))
    approved = [p for p in policies if "\nstatus: approved\n" in p.read_text(encoding="utf-8")]
    assert len(approved) >= 24
    ids = {p.read_text(encoding="utf-8").split("\nid: ", 1)[1].split("\n", 1)[0] for p in policies}
    assert len(ids) == len(policies)


def test_example_first_aid_uses_uk_emergency_numbers() -> None:
    text = (REPO / "policies/health-safety/first-aid.md").read_text(encoding="utf-8")
    assert "999" in text and "911" not in text


def test_rules_lists_every_rule(run) -> None:
    result = run("rules")
    assert result.code == 0
    listed = {line.split()[0] for line in result.out.splitlines() if line.strip()}
    assert set(RULES) <= listed
    for rule_id in ("duplicate-content", "patient-identifiable", "superseded-still-approved"):
        assert rule_id in listed


def test_registers_declare_their_schema_for_editors() -> None:
    for register in (REPO / "registers").glob("*.yml"):
        first = register.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../schemas/{register.stem}.schema.json"


def test_standards_register_ships_every_hsca_regulation() -> None:
    text = (REPO / "registers/standards.yml").read_text(encoding="utf-8")
    for regulation in ["9", "9a", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "20a"]:
        assert f"id: hsca-reg-{regulation}\n" in text
    assert text.count("framework: CQC quality statements") == 34


def test_schemas_are_valid_draft_2020_12() -> None:
    from jsonschema import Draft202012Validator

    for schema in Path(REPO / "schemas").glob("*.schema.json"):
        Draft202012Validator.check_schema(json.loads(schema.read_text(encoding="utf-8")))
