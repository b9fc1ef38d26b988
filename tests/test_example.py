"""The example organisation is the reference: it must lint with no findings at all."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, TODAY

from policybook.checks import RULES


def test_example_has_no_findings_of_any_severity(run) -> None:
    result = run("-C", str(REPO), "lint", "--today", TODAY, "--format", "json")
    payload = json.loads(result.out)
    assert result.code == 0
    assert payload["findings"] == []
    assert payload["summary"]["files"] >= 29


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
