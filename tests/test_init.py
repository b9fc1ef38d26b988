"""`policybook init` in-process: what it writes, what it refuses, and untrusted organisation names."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import TODAY, edit, position_of

from policybook.schemas import load_schema, validator

PRACTICE = ("checks", "risks", "training")
NAME = "Harbour Lane Dental Practice"
SPEC = "policybook @ git+https://git.example.org/tools/policybook.git@v0.1.0"


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_refuses_a_folder_that_already_holds_a_library(example: Path, run) -> None:
    before = _listing(example)
    result = run("init", str(example), "--name", "Another Clinic")
    assert result.code == 2 and "already holds a policy library" in result.err
    assert _listing(example) == before


def test_init_never_replaces_a_file_and_writes_nothing_when_one_is_in_the_way(tmp_path: Path, run) -> None:
    (tmp_path / "README.md").write_text("Our notes.\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: mine\n", encoding="utf-8")
    result = run("init", str(tmp_path), "--name", "Harbour Lane Dental Practice")
    assert result.code == 2 and "mkdocs.yml already exists" in result.err and "nothing was written" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "mkdocs.yml"]
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: mine\n"


def test_init_keeps_files_already_in_a_folder_without_a_library(tmp_path: Path, run) -> None:
    (tmp_path / "README.md").write_text("Our notes.\n", encoding="utf-8")
    assert run("init", str(tmp_path), "--name", "Harbour Lane Dental Practice").code == 0
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "Our notes.\n"
    assert (tmp_path / "policybook.yml").is_file() and (tmp_path / "policies").is_dir()


@pytest.mark.parametrize("name", ["", "x", "Clinic\u202eevil", "A" * 121])
def test_init_refuses_a_name_that_cannot_be_shown_safely(tmp_path: Path, run, name: str) -> None:
    result = run("init", str(tmp_path / "lib"), "--name", name)
    assert result.code == 2 and "--name" in result.err
    assert not (tmp_path / "lib").exists()


def test_a_hostile_organisation_name_stays_text(tmp_path: Path, run) -> None:
    name = '</script><script>alert(1)</script> "Quotes" & {{ jinja }} #heading *emph* [link](javascript:x)'
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", name).code == 0
    settings = yaml.safe_load((library / "policybook.yml").read_text(encoding="utf-8"))
    assert settings["organisation"]["name"] == name
    assert yaml.safe_load((library / "mkdocs.yml").read_text(encoding="utf-8"))["site_name"] == f"{name} policies"
    assert run("-C", str(library), "lint", "--today", TODAY).code == 0
    assert run("-C", str(library), "build", "--today", TODAY).code == 0
    home = (library / "site/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in home and 'href="javascript:' not in home
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in home


def test_vscode_kit_matches_lint_output_and_wires_the_language_server(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", "Harbour Lane Dental Practice", "--vscode").code == 0
    settings = json.loads((library / ".vscode/settings.json").read_text(encoding="utf-8"))
    assert settings["glspc.server.command"] == "policybook" and settings["glspc.server.commandArguments"] == ["lsp"]
    for schema, files in settings["yaml.schemas"].items():
        assert (library / schema).is_file() and all((library / f).is_file() for f in files)
    tasks = json.loads((library / ".vscode/tasks.json").read_text(encoding="utf-8"))
    pattern = tasks["tasks"][0]["problemMatcher"]["pattern"]
    path = library / "policies/governance/complaints.md"
    path.parent.mkdir(parents=True)
    assert run("-C", str(library), "new", "--category", "governance", "--title", "Complaints",
               "--author", "Sam Fielding", "--guidance", "cqc-guidance-for-providers", "--today", TODAY).code == 0
    lines = run("-C", str(library), "lint", "--today", TODAY).out.splitlines()[:-1]
    assert lines
    for line in lines:
        match = re.match(pattern["regexp"], line)
        assert match, line
        assert match.group(pattern["file"]) == "policies/governance/complaints.md"
        assert match.group(pattern["code"]) == "empty-section"
    snippets = json.loads((library / ".vscode/policybook.code-snippets").read_text(encoding="utf-8"))
    assert snippets and all(s["prefix"].startswith("pb-") for s in snippets.values())


def test_new_libraries_start_without_signatures_required_and_with_two_year_reviews(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", "Harbour Lane Dental Practice").code == 0
    settings = yaml.safe_load((library / "policybook.yml").read_text(encoding="utf-8"))
    assert settings["approvals"]["signatures"] == "optional"
    assert settings["review"]["max_interval_months"] == 24
    for register in ("staff", "equipment"):
        assert yaml.safe_load((library / f"registers/{register}.yml").read_text(encoding="utf-8"))[register] == []


def test_a_policy_naming_an_entry_of_an_empty_register_is_told_so(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", "Harbour Lane Dental Practice").code == 0
    assert run("-C", str(library), "new", "--category", "health-safety", "--title", "First aid", "--author",
               "Sam Fielding", "--guidance", "hse-first-aid-l74", "--today", TODAY).code == 0
    path = library / "policies/health-safety/first-aid.md"
    path.write_text(path.read_text(encoding="utf-8").replace("history:\n", "equipment:\n  - aed\nhistory:\n", 1),
                    encoding="utf-8")
    result = run("-C", str(library), "lint", "--today", TODAY, "--format", "json")
    messages = [f["message"] for f in json.loads(result.out)["findings"] if f["rule"] == "unknown-equipment"]
    assert messages == ["equipment: 'aed' is not in the equipment register, which lists nothing yet: add the entry "
                        "to registers/equipment.yml, or remove it here"]


def test_site_url_is_written_or_left_as_a_prompt_and_checked(tmp_path: Path, run) -> None:
    with_url = tmp_path / "with"
    assert run("init", str(with_url), "--name", "Harbour Lane Dental Practice", "--site-url",
               "https://policies.harbour-lane.example/").code == 0
    settings = yaml.safe_load((with_url / "policybook.yml").read_text(encoding="utf-8"))
    assert settings["site_url"] == "https://policies.harbour-lane.example"
    without = tmp_path / "without"
    assert run("init", str(without), "--name", "Harbour Lane Dental Practice").code == 0
    text = (without / "policybook.yml").read_text(encoding="utf-8")
    assert "# site_url: https://" in text and "site_url" not in yaml.safe_load(text)
    for bad in ("javascript:alert(1)", "policies.example.org", "https://x.example/\nlocale: en-US", "https://"):
        result = run("init", str(tmp_path / "bad"), "--name", "Harbour Lane Dental Practice", "--site-url", bad)
        assert result.code == 2 and "--site-url" in result.err and not (tmp_path / "bad").exists()


def test_a_library_builds_before_its_first_commit(tmp_path: Path, run) -> None:
    import subprocess

    library = tmp_path / "lib"
    assert run("init", str(library), "--name", "Harbour Lane Dental Practice").code == 0
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=library, check=True)
    assert run("-C", str(library), "new", "--category", "governance", "--title", "Complaints", "--author",
               "Sam Fielding", "--guidance", "cqc-guidance-for-providers", "--today", TODAY).code == 0
    path = library / "policies/governance/complaints.md"
    path.write_text(re.sub(r"<!--.*?-->", "Staff follow this section as written.", path.read_text(encoding="utf-8")),
                    encoding="utf-8")
    assert run("-C", str(library), "approve", "GOV-001", "--by", "registered-manager", "--today", TODAY).code == 0
    result = run("-C", str(library), "build", "--today", TODAY)
    assert result.code == 0, result.err
    assert (library / "site/policies/governance/complaints/index.html").is_file()


def test_init_never_writes_through_a_symbolic_link(tmp_path: Path, run) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    library = tmp_path / "lib"
    library.mkdir()
    (library / "docs").symlink_to(outside)
    result = run("init", str(library), "--name", "Harbour Lane Dental Practice")
    assert result.code == 2 and "symbolic link" in result.err
    assert list(outside.iterdir()) == [] and sorted(p.name for p in library.iterdir()) == ["docs"]


@pytest.mark.parametrize("spec", [
    "policybook @ git+https://git.example.org/p.git@v1\n    hooks: []\n  - repo: https://evil.example/hooks",
    "requests==2.0", "not a requirement !!", ""])
def test_install_from_must_be_one_requirement_for_policybook(tmp_path: Path, run, spec: str) -> None:
    result = run("init", str(tmp_path / "lib"), "--name", "Harbour Lane Dental Practice", "--github",
                 "--pre-commit", "--install-from", spec)
    assert result.code == 2 and "--install-from" in result.err and not (tmp_path / "lib").exists()


def test_the_published_hook_address_is_quoted(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    spec = "policybook @ git+https://git.example.org/tools/policybook.git@v0.1.0"
    assert run("init", str(library), "--name", "Harbour Lane Dental Practice", "--pre-commit",
               "--install-from", spec).code == 0
    config = yaml.safe_load((library / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert config["repos"] == [{"repo": "https://git.example.org/tools/policybook.git", "rev": "v0.1.0",
                                "hooks": [{"id": "policybook-lint"}]}]


def test_lint_changed_names_a_link_as_itself_and_skips_deleted_files(example: Path, run) -> None:
    (example / "policies/governance/alias.md").symlink_to("complaints.md")
    result = run("-C", str(example), "lint", "--today", TODAY, "--format", "json", "--changed",
                 str(example / "policies/governance/alias.md"))
    findings = json.loads(result.out)["findings"]
    assert result.code == 1 and [f["path"] for f in findings] == ["policies/governance/alias.md"]
    gone = run("-C", str(example), "lint", "--today", TODAY, "--changed", str(example / "policies/gone.md"))
    assert gone.code == 1 and "alias.md" in gone.out  # a deletion can break any file: everything is reported


def _field_names(schema: dict[str, Any]) -> set[str]:
    """Every property name an entry of a register may have, nested ones (a risk's actions) included."""
    names: set[str] = set()
    for key, value in schema.get("properties", {}).items():
        names.add(key)
        if isinstance(value, dict):
            names |= _field_names(value.get("items", {}) if value.get("type") == "array" else value)
    return names


def _commented_example(text: str) -> list[Any]:
    """The example entry a starter register shows in its comments, uncommented."""
    lines = [line[2:] for line in text.splitlines() if line.startswith("#   ")]
    assert lines, "no commented example"
    example = yaml.safe_load("\n".join(lines))
    assert isinstance(example, list) and example
    return example


@pytest.mark.parametrize("register", [*PRACTICE, "staff", "equipment"])
def test_a_new_library_explains_every_field_of_its_registers_with_a_valid_example(tmp_path: Path, run,
                                                                                   register: str) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME).code == 0
    text = (library / f"registers/{register}.yml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == {register: []}
    comments = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    entry = load_schema(register)["properties"][register]["items"]
    unexplained = sorted(name for name in _field_names(entry) if f"{name}:" not in comments)
    assert unexplained == [], f"registers/{register}.yml does not explain {unexplained}"
    example = {register: _commented_example(text)}
    for entry_example in example[register]:
        entry_example.pop("signing_keys", None)  # 'AAAA...': a place for the person's own key
    assert [e.message for e in validator(register).iter_errors(example)] == []


def test_a_new_library_has_the_practice_registers_and_settings_and_lints_clean(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME).code == 0
    for register in PRACTICE:
        assert yaml.safe_load((library / f"registers/{register}.yml").read_text(encoding="utf-8")) == {register: []}
    text = (library / "policybook.yml").read_text(encoding="utf-8")
    practice = yaml.safe_load(text)["practice"]
    assert practice == {"due_soon_days": 30, "read_within_days": 14, "induction_days": 28,
                        "appraisal_interval_months": 12, "high_risk_score": 15}
    assert re.search(r"^ +# supervision_interval_months: \d+ +# ", text, re.MULTILINE)
    section = re.search(r"^practice:\n((?:  .*\n)+)", text, re.MULTILINE)
    assert section
    for line in section.group(1).splitlines():  # each key, set or left out, says what it does
        assert re.match(r"^  (# )?[a-z_]+: \d+  # \S", line), line
    result = run("-C", str(library), "lint", "--today", TODAY)
    assert result.code == 0 and result.out.startswith("No findings"), result.out


def test_due_on_a_new_library_owes_nothing(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME).code == 0
    result = run("-C", str(library), "due", "--today", TODAY)
    assert result.code == 0 and result.out == "Nothing is overdue or due.\n", (result.out, result.err)
    report = json.loads(run("-C", str(library), "due", "--today", TODAY, "--format", "json").out)
    assert report["items"] == [] and report["findings"] == []


def _fake_policybook(bin_dir: Path, code: int) -> dict[str, str]:
    """A `policybook` that prints a list (or a calendar, for --format ics) and exits with ``code``."""
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "policybook"
    fake.write_text("#!/bin/sh\n"
                    'case "$*" in *ics*) echo BEGIN:VCALENDAR ;; '
                    '*) echo "*overdue* AED servicing [link](javascript:x)" ;; esac\n'
                    f"exit {code}\n", encoding="utf-8")
    fake.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def _run_script(script: str, folder: Path, env: dict[str, str]) -> int:
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=folder, env=env,
                          check=False).returncode


def test_the_github_kit_runs_due_every_morning_and_fails_while_anything_is_overdue(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME, "--github", "--install-from", SPEC).code == 0
    workflow = yaml.safe_load((library / ".github/workflows/policies.yml").read_text(encoding="utf-8"))
    assert workflow[True]["schedule"][0]["cron"]  # YAML 1.1 reads the key `on` as true
    jobs = {name: job for name, job in workflow["jobs"].items()
            if any("policybook due" in str(step.get("run", "")) for step in job["steps"])}
    assert list(jobs) == ["due"]
    job = jobs["due"]
    assert "github.event_name == 'schedule'" in job["if"] and "pull_request" not in job["if"]
    assert job["permissions"] == {"contents": "read"}
    assert any(step.get("with", {}).get("fetch-depth") == 0 for step in job["steps"])
    assert any(step.get("run") == "pip install -r requirements.txt" for step in job["steps"])
    (step,) = [s for s in job["steps"] if "policybook due" in str(s.get("run", ""))]
    upload = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
    assert upload and upload[0]["if"] == "always()" and "due.txt" in upload[0]["with"]["path"]
    lint = workflow["jobs"]["lint"]
    assert "if" not in lint and any("pull_request" in str(s.get("if", "")) and "--base" in s["run"]
                                    for s in lint["steps"])
    for code in (1, 0):
        folder = tmp_path / f"run-{code}"
        folder.mkdir()
        env = {**_fake_policybook(tmp_path / f"bin-{code}", code), "GITHUB_STEP_SUMMARY": str(folder / "summary")}
        assert _run_script(step["run"], folder, env) == code
        assert (folder / "due.txt").read_text(encoding="utf-8").startswith("*overdue* AED servicing")
        assert (folder / "due.ics").read_text(encoding="utf-8") == "BEGIN:VCALENDAR\n"
        summary = (folder / "summary").read_text(encoding="utf-8")
        assert "\n    *overdue* AED servicing [link](javascript:x)\n" in summary  # shown as code, not Markdown


def test_the_gitlab_kit_runs_due_on_its_schedule_and_fails_while_anything_is_overdue(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME, "--gitlab", "--install-from", SPEC).code == 0
    pipeline = yaml.safe_load((library / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    jobs = {name: job for name, job in pipeline.items()
            if isinstance(job, dict) and "policybook due" in "\n".join(job.get("script", []))}
    assert list(jobs) == ["due"]
    job = jobs["due"]
    assert job["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert job["stage"] in pipeline["stages"]
    assert job["artifacts"]["when"] == "always" and "due.txt" in job["artifacts"]["paths"]
    assert {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'} in pipeline["lint"]["rules"]
    assert "--base" in "\n".join(pipeline["lint"]["script"])
    for code in (1, 0):
        folder = tmp_path / f"run-{code}"
        folder.mkdir()
        env = _fake_policybook(tmp_path / f"bin-{code}", code)
        assert _run_script("\n".join(job["script"]), folder, env) == code
        assert (folder / "due.txt").read_text(encoding="utf-8").startswith("*overdue* AED servicing")
        assert (folder / "due.ics").is_file()


def test_a_check_for_a_role_nobody_holds_and_an_unmitigated_risk_are_found(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME).code == 0
    registers = library / "registers"
    edit(registers / "staff.yml", "staff: []", "staff:\n  - id: ab\n    name: Alex Example\n"
         f"    roles: [registered-manager]\n    joined: \"{TODAY}\"\n    last_appraisal: \"{TODAY}\"")
    edit(registers / "checks.yml", "checks: []", "checks:\n  - id: first-aid-kit-check\n"
         f"    title: First aid kit contents check\n    by: first-aider\n    every_months: 1\n    since: \"{TODAY}\"")
    edit(registers / "risks.yml", "risks: []", "risks:\n  - id: slips\n    title: Patients slip on the wet ramp\n"
         "    owner: registered-manager\n    likelihood: 4\n    impact: 5\n    next_review: \"2027-06-01\"")
    result = run("-C", str(library), "lint", "--today", TODAY, "--format", "json")
    findings = json.loads(result.out)["findings"]
    assert result.code == 1
    assert {f["rule"] for f in findings} == {"owner-unheld", "risk-unmitigated"}, findings
    (unheld,) = [f for f in findings if f["rule"] == "owner-unheld"]
    assert unheld["path"] == "registers/checks.yml"
    assert unheld["line"] == position_of(registers / "checks.yml", "    by: first-aider\n")[0]
    assert "first-aider" in unheld["message"]
    (risk,) = [f for f in findings if f["rule"] == "risk-unmitigated"]
    assert risk["path"] == "registers/risks.yml" and "scores 20" in risk["message"]
    due = run("-C", str(library), "due", "--today", TODAY)
    assert due.code == 1 and "owner-unheld" in due.err


def test_a_new_library_hears_about_uncovered_standards_once_a_policy_is_in_force(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME).code == 0
    assert run("-C", str(library), "new", "--category", "governance", "--title", "Complaints", "--author",
               "Sam Fielding", "--guidance", "cqc-guidance-for-providers", "--today", TODAY).code == 0
    path = library / "policies/governance/complaints.md"
    path.write_text(re.sub(r"<!--.*?-->", "Staff follow this section as written.", path.read_text(encoding="utf-8")),
                    encoding="utf-8")
    edit(path, "history:\n", "standards:\n  - hsca-reg-16\n  - cqc-responsive-listening\nhistory:\n")

    def uncovered() -> list[str]:
        result = run("-C", str(library), "lint", "--today", TODAY, "--format", "json")
        return [f["message"].split("'")[1] for f in json.loads(result.out)["findings"]
                if f["rule"] == "standard-uncovered"]

    assert uncovered() == []  # nothing is in force yet: a new library is not told it covers nothing
    assert run("-C", str(library), "approve", "GOV-001", "--by", "registered-manager", "--today", TODAY).code == 0
    standards = yaml.safe_load((library / "registers/standards.yml").read_text(encoding="utf-8"))["standards"]
    assert uncovered() == [s["id"] for s in standards if s["id"] not in ("hsca-reg-16", "cqc-responsive-listening")]


def test_a_new_library_says_it_is_not_yet_rated_and_how_to_give_the_rating(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    assert run("init", str(library), "--name", NAME).code == 0
    settings = library / "policybook.yml"
    text = settings.read_text(encoding="utf-8")
    assert yaml.safe_load(text)["cqc_rating"] == "not yet rated"
    assert "# cqc_rating:\n#   rating: Good" in text  # the shape to fill in once CQC publishes a rating
    assert run("-C", str(library), "lint", "--today", TODAY).code == 0
    # Saying nothing of the rating is an error at the organisation block.
    settings.write_text(text.replace("cqc_rating: not yet rated\n", ""), encoding="utf-8")
    result = run("-C", str(library), "lint", "--today", TODAY, "--format", "json")
    findings = json.loads(result.out)["findings"]
    assert result.code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [
        ("cqc-rating-missing", "policybook.yml", position_of(settings, "organisation:")[0])]
    # Once CQC rates the service, the rating takes the place of the line.
    rating = 'cqc_rating:\n  rating: Good\n  date: "2026-01-31"\n  report_url: https://www.cqc.org.uk/location/1-000000009\n'
    settings.write_text(text.replace("cqc_rating: not yet rated\n", rating), encoding="utf-8")
    assert run("-C", str(library), "lint", "--today", TODAY).code == 0


# Hostile values for each option init writes into the new library: every one is either refused in one
# line, with nothing written, or gives a library that lints clean.
HOSTILE_INIT_VALUES = [
    *(("--site-url", value) for value in (
        "http://policies.example.org", "policies.example.org", "//policies.example.org", "https://",
        "https:///staff", "https://policies.example.org/staff/area", "https://policies.example.org/?q=1",
        "https://policies.example.org?", "https://policies.example.org/#top", "https://policies.example.org#",
        "https://user:secret@policies.example.org", "https://@policies.example.org",
        "https://pölicies.example.org", "https://xn--plicies-n4a.example.org", "https://policies.example.org  ",
        "  https://policies.example.org", "HTTPS://policies.example.org", "Https://policies.example.org",
        "https://policies.example.org/<script>", 'https://policies.example.org/a"b',
        "https://policies.example.org/a'b", "https://policies.example.org/a`b", "https://policies.example.org\\x",
        "https://policies.example.org:8443", "https://policies.example.org:99999", "https://[::1]/",
        "https://policies.example.org/a b", "https://policies.example.org/\u00a0x",
        "https://policies.example.org/\u200bx", "https://policies.example.org/\x1b[2J", "ftp://policies.example.org",
        "javascript:alert(1)", "https://policies.example.org/%0aevil: 1")),
    *(("--name", value) for value in (
        "null", "yes", "~", "&anchor", "*alias", "- item", "#hash", "key: value", "{{ jinja }}", "${name}", "$name",
        "Clinic\u00a0Name", "Clinic\u2028Name", "Clinic\x85Name", "Ünïcödé Clinic", "Clinic 🦷", "'quote", '"quote',
        "<b>bold</b>", "%", "Clinic\tTab", "Clinic\ufeff", "Clinic\u202eevil", "A" * 121, "back\\\\slash",
        "[link](javascript:x)", "Name\n---\nsite_url: x")),
]


@pytest.mark.parametrize(("option", "value"), HOSTILE_INIT_VALUES,
                         ids=[f"{o} {v!r}"[:60] for o, v in HOSTILE_INIT_VALUES])
def test_init_refuses_in_one_line_what_the_new_librarys_lint_would_refuse(tmp_path: Path, run, option: str,
                                                                          value: str) -> None:
    library = tmp_path / "lib"
    name = value if option == "--name" else NAME
    extra = [option, value] if option != "--name" else []
    result = run("init", str(library), "--name", name, *extra)
    if result.code != 0:
        assert result.code == 2 and not library.exists()
        assert len(result.err.splitlines()) == 1 and result.err.startswith(f"policybook: {option}:"), result.err
        return
    lint = run("-C", str(library), "lint", "--today", TODAY, "--format", "json")
    assert lint.code == 0, lint.err
    assert json.loads(lint.out)["findings"] == []


def test_a_refusal_names_the_option_and_says_what_lint_would_say(tmp_path: Path, run) -> None:
    library = tmp_path / "lib"
    refused = run("init", str(library), "--name", NAME, "--site-url", "HTTPS://policies.harbour-lane.example")
    assert refused.code == 2 and not library.exists()
    assert refused.err == ("policybook: --site-url: the new library's lint would refuse this: site_url: "
                           "'HTTPS://policies.harbour-lane.example' is not a web address: write a full https:// "
                           "address without spaces, quotes or angle brackets; nothing was written\n")
    secret = run("init", str(library), "--name", NAME, "--site-url", "https://staff:hunter2@harbour-lane.example")
    assert secret.code == 2 and "user name or password" in secret.err and not library.exists()
