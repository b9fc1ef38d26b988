"""Each rule fires on one defect introduced into a copy of the example, at the right place, and
stays quiet on the near miss next to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TODAY, edit, position_of, strip_fingerprints
from rule_cases import BODY_ANCHOR, CANDOUR, FIRES, QUIET, QUIET_EDITS, RATING, RATING_SETTING, Case, body
from sitetools import png_bytes

from policybook.checks import RULES
from policybook.findings import Severity


@pytest.fixture
def example(example: Path) -> Path:
    """The example without approval fingerprints: these tests edit policy text to exercise other rules
    (changed-since-approval has its own tests in test_changes.py)."""
    return strip_fingerprints(example)


def _lint(run, root: Path, *extra: str) -> tuple[int, list[dict[str, object]]]:
    """Exit code and findings of the core rules (house style rules are tested in test_style.py)."""
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json", *extra)
    findings = json.loads(result.out)["findings"]
    return result.code, [f for f in findings if not str(f["rule"]).startswith("Policybook.")]


@pytest.mark.parametrize("case", FIRES, ids=lambda c: f"{c.rule}:{c.new.strip()[:30]}")
def test_rule_fires_at_the_right_place(case: Case, example: Path, run) -> None:
    (example / "policies/governance/poster.png").write_bytes(png_bytes())
    target = example / case.file
    edit(target, case.old, case.new)
    for old, new in case.also:
        edit(target, old, new)
    code, findings = _lint(run, example)
    assert {f["rule"] for f in findings} == {case.rule}, findings
    anchor_path = example / (case.anchor_file or case.file)
    expected_path = case.anchor_file or case.file
    if case.anchor is None:
        line, column = 1, 1
    else:
        line, column = position_of(anchor_path, case.anchor)
    located = [(f["path"], f["line"], f["column"]) for f in findings]
    if case.column_from_anchor:
        assert (expected_path, line, column) in located, located
    else:
        assert any(p == expected_path and ln == line for p, ln, _ in located), located
    blocking = RULES[case.rule].severity is Severity.ERROR
    assert code == (1 if blocking else 0)


def test_encoding_finding_points_at_the_bad_byte(example: Path, run) -> None:
    target = example / RATING
    text = target.read_text(encoding="utf-8").replace("## Purpose", "## Purpose café", 1)
    target.write_bytes(text.encode("latin-1"))
    line, column = position_of(example / "policies/governance/document-control.md", "## Purpose")
    line = text[: text.index("café")].count("\n") + 1
    column = len(text[: text.index("é")].rsplit("\n", 1)[-1]) + 1
    code, findings = _lint(run, example)
    assert code == 1
    assert [(f["rule"], f["line"], f["column"]) for f in findings] == [("encoding", line, column)]


def test_file_too_large_is_refused_without_parsing(example: Path, run) -> None:
    target = example / RATING
    target.write_text(target.read_text(encoding="utf-8") + "word " * 230_000, encoding="utf-8")
    code, findings = _lint(run, example)
    assert code == 1
    assert [(f["rule"], f["line"]) for f in findings] == [("file-too-large", 1)]


def test_duplicate_content_is_reported_once_at_the_first_place_naming_the_others(example: Path, run) -> None:
    source = example / "policies/infection-control/hand-hygiene.md"
    passage = source.read_text(encoding="utf-8").split("## Bare below the elbows\n\n", 1)[1]
    passage = passage.split("## Monitoring", 1)[0].strip()
    assert len(passage.split()) > 40
    edit(example / RATING, BODY_ANCHOR, f"{passage}\n\n{BODY_ANCHOR}")
    edit(example / CANDOUR, "## Purpose\n", f"## Purpose\n\n{passage}\n\n")
    code, findings = _lint(run, example)
    assert code == 0  # a warning does not block
    # governance/display-of-rating.md, governance/duty-of-candour.md and infection-control/hand-hygiene.md
    # share it: one finding, at the first of them in the library's order, naming the other two.
    assert [(f["rule"], f["path"]) for f in findings] == [("duplicate-content", RATING)], findings
    assert (findings[0]["line"], findings[0]["column"]) == position_of(example / RATING, passage[:20])
    candour, hygiene = position_of(example / CANDOUR, passage[:20]), position_of(source, passage[:20])
    words, rest = findings[0]["message"].removeprefix("this passage of ").split(" words", 1)
    assert int(words) >= 40 and rest == (
        f" also stands in {CANDOUR} at line {candour[0]} and policies/infection-control/hand-hygiene.md at "
        f"line {hygiene[0]}: keep it in one policy and link to it")
    code, _ = _lint(run, example, "--strict")
    assert code == 1


def test_duplicate_content_of_two_passages_is_two_findings(example: Path, run) -> None:
    hygiene = (example / "policies/infection-control/hand-hygiene.md").read_text(encoding="utf-8")
    first = hygiene.split("## Bare below the elbows\n\n", 1)[1].split("## Monitoring", 1)[0].strip()
    second = " ".join(f"Step {n} of the drill is written down and checked by the Registered Manager." for n in range(6))
    edit(example / RATING, BODY_ANCHOR, f"{first}\n\n{BODY_ANCHOR}")
    edit(example / RATING, "## Purpose\n", f"## Purpose\n\n{second}\n\n")
    edit(example / CANDOUR, "## Purpose\n", f"## Purpose\n\n{second}\n\n")
    _, findings = _lint(run, example)
    assert [(f["rule"], f["path"], f["message"].split(" also stands in ")[1].split(" at line")[0])
            for f in findings] == [("duplicate-content", RATING, CANDOUR),
                                   ("duplicate-content", RATING, "policies/infection-control/hand-hygiene.md")]


def test_duplicate_id_reports_both_files(example: Path, run) -> None:
    edit(example / RATING, "id: GOV-006", "id: GOV-005")
    _, findings = _lint(run, example)
    assert sorted(f["path"] for f in findings if f["rule"] == "duplicate-id") == sorted([CANDOUR, RATING])


@pytest.mark.parametrize(("rule", "text"), QUIET, ids=[f"{r}:{t[:25]}" for r, t in QUIET])
def test_rule_stays_quiet_on_correct_text(rule: str, text: str, example: Path, run) -> None:
    (example / "policies/governance/poster.png").write_bytes(png_bytes())
    edit(example / RATING, *body(text))
    code, findings = _lint(run, example)
    assert findings == [] and code == 0


@pytest.mark.parametrize(("rule", "file", "old", "new"), QUIET_EDITS,
                         ids=[f"{r}:{n.strip()[:25]}" for r, _, _, n in QUIET_EDITS])
def test_rule_stays_quiet_on_the_near_miss(rule: str, file: str, old: str, new: str, example: Path, run) -> None:
    edit(example / file, old, new)
    code, findings = _lint(run, example)
    assert findings == [] and code == 0


SAF_001 = "policies/safeguarding/safeguarding-adults.md"
SAF_2019 = "policies/safeguarding/adult-safeguarding-2019.md"


def _adult_safeguarding_2019(example: Path, related: str = "") -> Path:
    """'Adult safeguarding policy 2019': SAF-001's body under another id and title, approved in 2019 and never
    retired, as an inspection found it."""
    head, body_text = (example / SAF_001).read_text(encoding="utf-8").split("\n---\n", 1)
    head = (head.replace("id: SAF-001", "id: SAF-005")
            .replace("title: Safeguarding adults at risk", "title: Adult safeguarding policy 2019")
            .replace('approved_on: "2026-11-26"', 'approved_on: "2019-04-08"')
            .replace('next_review: "2028-11-26"', 'next_review: "2021-04-08"')
            .replace('created: "2021-04-12"', 'created: "2019-04-08"'))
    head = head.split("related:\n", 1)[0] + related + "history:\n" + (
        '  - version: "2.0"\n    date: "2019-04-08"\n    author: Priya Lindqvist\n    summary: First issue.\n')
    target = example / SAF_2019
    target.write_text(head + "---\n" + body_text, encoding="utf-8")
    return target


def _parallel(findings: list[dict[str, object]]) -> list[dict[str, object]]:
    return [f for f in findings if f["rule"] in ("parallel-version", "duplicate-content")]


def test_a_parallel_version_in_force_is_an_error_naming_both_files_and_the_share(example: Path, run) -> None:
    _adult_safeguarding_2019(example)
    code, findings = _lint(run, example, "--today", "2020-01-06")
    assert code == 1
    found = _parallel(findings)
    # One error, not a duplicate-content warning: at the copy approved earlier, naming SAF-001's file.
    assert [(f["rule"], f["path"], f["line"]) for f in found] == [
        ("parallel-version", SAF_2019, position_of(example / SAF_2019, "title:")[0])], found
    message = str(found[0]["message"])
    assert message.startswith("100% of this policy's text (282 of 282 words) also stands in "
                              f"{SAF_001} (SAF-001, in force)"), message


def test_a_parallel_version_declared_related_with_a_reason_is_accepted(example: Path, run) -> None:
    reason = "  - id: SAF-001\n    reason: The host hospital's version, which our staff follow on its sites.\n"
    _adult_safeguarding_2019(example, "related:\n" + reason)
    _, findings = _lint(run, example, "--today", "2020-01-06")
    assert _parallel(findings) == []
    # Named as related without a reason, it is still a parallel version.
    _adult_safeguarding_2019(example, "related:\n  - SAF-001\n")
    _, findings = _lint(run, example, "--today", "2020-01-06")
    assert [f["rule"] for f in _parallel(findings)] == ["parallel-version"]


def test_a_retired_version_named_under_supersedes_is_not_a_parallel_version(example: Path, run) -> None:
    old = _adult_safeguarding_2019(example)
    edit(old, "status: approved", "status: retired")
    edit(example / SAF_001, "related:\n", "supersedes:\n  - SAF-005\nrelated:\n")
    _, findings = _lint(run, example)
    assert _parallel(findings) == []


def test_a_draft_copy_of_a_policy_in_force_is_a_parallel_version(example: Path, run) -> None:
    draft = _adult_safeguarding_2019(example)
    edit(draft, "status: approved", "status: draft")
    _, findings = _lint(run, example)
    assert [(f["rule"], f["path"]) for f in _parallel(findings)] == [("parallel-version", SAF_2019)]


def test_a_passage_below_the_parallel_percent_stays_duplicate_content(example: Path, run) -> None:
    """Two sections of SAF-001 in the display of rating policy: a passage shared, under half the text."""
    passage = (example / SAF_001).read_text(encoding="utf-8").split("## Recognising abuse\n\n", 1)[1]
    passage = passage.split("\n## ", 1)[0].strip()
    edit(example / RATING, *body(passage))
    _, findings = _lint(run, example)
    assert [f["rule"] for f in _parallel(findings)] == ["duplicate-content"]
    # With a lower threshold in the settings, the same text is a parallel version.
    edit(example / "policybook.yml", "limits:\n", "duplication:\n  parallel_percent: 20\nlimits:\n")
    _, findings = _lint(run, example)
    assert [(f["rule"], f["path"]) for f in _parallel(findings)] == [("parallel-version", RATING)]


@pytest.mark.parametrize(("setting", "message"), [
    ("duplication:\n  parallel_percent: 101\n", "duplication.parallel_percent must be at most 100, not 101"),
    ("duplication:\n  parallel_percent: 0.5\n", "duplication.parallel_percent must be a whole number, not the "
     "text '0.5'"),
    ("duplication:\n  share: 50\n", "unknown field 'share'"),
    ("cqc_rating: not rated\n", "cqc_rating must be 'not yet rated' or a set of 'field: value' lines, not the "
     "text 'not rated'"),
])
def test_a_wrong_setting_is_refused_in_one_line(setting: str, message: str, example: Path, run) -> None:
    settings = example / "policybook.yml"
    text = settings.read_text(encoding="utf-8")
    text = text.split("cqc_rating:\n", 1)[0] if setting.startswith("cqc_rating") else text
    settings.write_text(text.replace("limits:\n", setting + "limits:\n", 1), encoding="utf-8")
    result = run("-C", str(example), "lint", "--today", TODAY)
    assert result.code == 2
    assert message in result.err and len(result.err.strip().splitlines()) == 1, result.err


def test_the_rating_may_be_given_as_not_yet_rated(example: Path, run) -> None:
    edit(example / "policybook.yml", RATING_SETTING, "cqc_rating: not yet rated\n")
    _, findings = _lint(run, example)
    assert findings == []
    edit(example / "policybook.yml", "cqc_rating: not yet rated\n", "")
    code, findings = _lint(run, example)
    assert code == 1
    assert [(f["rule"], f["path"], f["line"]) for f in findings] == [
        ("cqc-rating-missing", "policybook.yml", position_of(example / "policybook.yml", "organisation:")[0])]
    assert "not yet rated" in str(findings[0]["message"])


def test_review_due_soon_is_quiet_outside_the_window(example: Path, run) -> None:
    edit(example / RATING, 'next_review: "2028-01-15"', 'next_review: "2027-01-26"')
    _, findings = _lint(run, example)
    assert findings == []  # 61 days ahead, the window is 60
    _, findings = _lint(run, example, "--today", "2026-11-27")
    assert [f["rule"] for f in findings] == ["review-due-soon"]


def test_duplicate_content_is_quiet_below_forty_words(example: Path, run) -> None:
    source = example / "policies/infection-control/hand-hygiene.md"
    passage = source.read_text(encoding="utf-8").split("## Bare below the elbows\n\n", 1)[1]
    words = passage.split()[:39]
    edit(example / RATING, *body(" ".join(words)))
    _, findings = _lint(run, example)
    assert findings == []


def test_retired_policy_may_share_a_title(example: Path, run) -> None:
    edit(example / RATING, "title: Display of the CQC rating", "title: Duty of candour")
    edit(example / RATING, "status: approved", "status: retired")
    _, findings = _lint(run, example)
    # (no duplicate-title; the retired policy was the only one citing Regulation 20A, which is now uncovered)
    assert [(f["rule"], f["path"]) for f in findings] == [("standard-uncovered", "registers/standards.yml")]


def test_a_broken_file_does_not_stop_the_others(example: Path, run) -> None:
    (example / RATING).write_bytes(b"\x00\x01binary")
    edit(example / CANDOUR, "owner: registered-manager", "owner: chief-executive")
    _, findings = _lint(run, example)
    assert {(f["path"], f["rule"]) for f in findings} == {(RATING, "encoding"), (CANDOUR, "unknown-role")}


def test_placeholder_message_shows_the_text_as_written(example: Path, run) -> None:
    edit(example / RATING, *body(r"Send it to \[insert email address here\] each month."))
    _, findings = _lint(run, example)
    assert [(f["rule"], f["message"]) for f in findings] == [
        ("placeholder", "unfinished text '[insert email address here]': complete it before approval")]


def test_history_date_is_only_checked_against_the_approval_of_the_version_in_force(example: Path, run) -> None:
    # A draft of the next version carries the last approval's date: its own entry has the date it was written.
    edit(example / RATING, 'version: "1.1"\nstatus: approved', 'version: "1.2"\nstatus: draft')
    edit(example / RATING, "history:\n", 'history:\n  - version: "1.2"\n    date: "2026-11-20"\n'
         "    author: Priya Lindqvist\n    summary: Poster moved.\n")
    _, findings = _lint(run, example)
    assert findings == []


def test_a_reference_to_an_empty_register_says_the_register_is_empty(example: Path, run) -> None:
    (example / "registers/equipment.yml").write_text("equipment: []\n", encoding="utf-8")
    for path in (example / "policies").rglob("*.md"):  # no policy lists equipment by id
        text = path.read_text(encoding="utf-8")
        if "\nequipment:\n" in text:
            head, _, rest = text.partition("\nequipment:\n")
            rest = rest.split("\n", 1)[1] if rest.startswith("  - ") else rest
            while rest.startswith("  - "):
                rest = rest.split("\n", 1)[1]
            path.write_text(head + "\n" + rest, encoding="utf-8")
    edit(example / RATING, *body("Fetch the oxygen cylinder from the cupboard."))
    _, findings = _lint(run, example)
    mine = [f for f in findings if f["path"] == RATING]
    assert [(f["rule"], f["message"]) for f in mine] == [
        ("undeclared-equipment", "'oxygen cylinder' is not in the equipment register, which lists no equipment: do "
         "not give instructions for equipment the service does not have (or add it to registers/equipment.yml)")]


@pytest.mark.parametrize(("text", "message"), [
    ("# The service has no equipment of its own.\n", "register equipment.yml lists nothing: write 'equipment: []' "
     "when the service has no equipment to list"),
    ("equipment:\n", "register equipment.yml lists nothing: write 'equipment: []' when the service has no "
     "equipment to list"),
])
def test_an_empty_register_file_says_how_to_write_an_empty_register(text: str, message: str, example: Path,
                                                                     run) -> None:
    (example / "registers/equipment.yml").write_text(text, encoding="utf-8")
    _, findings = _lint(run, example)
    # (registers/checks.yml, which cites equipment, then reports each item it names as unknown)
    assert [(f["path"], f["rule"], f["message"]) for f in findings if f["path"] == "registers/equipment.yml"] == [
        ("registers/equipment.yml", "schema", message)]


# -- coverage of the standards register ------------------------------------------------------------------
NOT_APPLICABLE = "  not_applicable:\n"


def test_a_standard_another_policy_cites_is_covered(example: Path, run) -> None:
    edit(example / RATING, "  - cqc-responsive-providing-information\n", "")  # IG-004 cites it too
    assert _lint(run, example) == (0, [])


def test_a_standard_listed_as_not_applicable_is_not_uncovered(example: Path, run) -> None:
    edit(example / RATING, "  - hsca-reg-20a\n", "")
    edit(example / "policybook.yml", NOT_APPLICABLE,
         f"{NOT_APPLICABLE}    hsca-reg-20a: The service's rating is shown by another provider.\n")
    assert _lint(run, example) == (0, [])


def test_an_uncovered_standard_names_the_standard_and_is_a_suggestion_by_default(example: Path, run) -> None:
    edit(example / RATING, "  - hsca-reg-20a\n", "")
    code, findings = _lint(run, example)
    assert code == 0
    assert [(f["rule"], f["severity"], f["message"]) for f in findings] == [
        ("standard-uncovered", "suggestion", "no policy in force cites 'hsca-reg-20a' (Regulation 20A: Requirement "
         "as to display of performance assessments): cite it in a policy that meets it, or give the reason it does "
         "not apply under standards.not_applicable in policybook.yml")]
    assert _lint(run, example, "--strict")[0] == 1


def test_standards_uncovered_raises_the_finding_to_a_warning(example: Path, run) -> None:
    edit(example / RATING, "  - hsca-reg-20a\n", "")
    edit(example / "policybook.yml", NOT_APPLICABLE, f"  uncovered: warning\n{NOT_APPLICABLE}")
    code, findings = _lint(run, example)
    assert code == 0 and [(f["rule"], f["severity"]) for f in findings] == [("standard-uncovered", "warning")]
    edit(example / "policybook.yml", "  uncovered: warning\n", "  uncovered: suggestion\n")
    assert [f["severity"] for f in _lint(run, example)[1]] == ["suggestion"]


@pytest.mark.parametrize("setting", ["  uncovered: error\n", "  uncovered: off\n", "  coverage: warning\n"])
def test_an_unknown_standards_setting_is_refused(setting: str, example: Path, run) -> None:
    edit(example / "policybook.yml", NOT_APPLICABLE, f"{setting}{NOT_APPLICABLE}")
    result = run("-C", str(example), "lint", "--today", TODAY)
    assert result.code == 2 and "policybook.yml:" in result.err


def test_a_draft_that_cites_an_uncovered_standard_is_named(example: Path, run) -> None:
    assert run("-C", str(example), "new", "--category", "governance", "--title", "Ratings on the website",
               "--author", "Priya Lindqvist", "--guidance", "cqc-display-of-ratings", "--today", TODAY).code == 0
    draft = example / "policies/governance/ratings-on-the-website.md"
    edit(draft, "history:\n", "standards:\n  - hsca-reg-20a\nhistory:\n")
    edit(example / RATING, "  - hsca-reg-20a\n", "")
    _, findings = _lint(run, example)
    assert [f["message"].split(": cite it")[0] for f in findings if f["rule"] == "standard-uncovered"] == [
        "no policy in force cites 'hsca-reg-20a' (Regulation 20A: Requirement as to display of performance "
        "assessments) (the draft GOV-008 cites it, and covers it once approved)"]


def test_a_bumped_policy_whose_approved_version_cannot_be_read_is_not_judged(example: Path, run) -> None:
    # Without git, the approved version of a bumped policy is unknown; version-in-force says so on a build.
    edit(example / RATING, 'version: "1.1"\nstatus: approved', 'version: "1.2"\nstatus: draft')
    edit(example / RATING, "history:\n", 'history:\n  - version: "1.2"\n    date: "2026-11-20"\n'
         "    author: Priya Lindqvist\n    summary: Poster moved.\n")
    assert _lint(run, example) == (0, [])


def test_an_unreadable_policy_suspends_the_coverage_findings(example: Path, run) -> None:
    (example / RATING).write_bytes(b"\x00\x01binary")  # the only policy that cites Regulation 20A
    _, findings = _lint(run, example)
    assert [f["rule"] for f in findings] == ["encoding"]


@pytest.mark.parametrize("reason", ['""', '"   "', "", "null"])
def test_a_standard_not_applicable_without_a_reason_is_an_error_at_its_line(reason: str, example: Path,
                                                                             run) -> None:
    config = example / "policybook.yml"
    edit(config, "    hsca-reg-9a: >-\n", f"    hsca-reg-9a: {reason}\n    hsca-reg-9a-was: >-\n")
    edit(config, "    hsca-reg-9a-was: >-\n", "    hsca-reg-9a-reason: >-\n")
    code, findings = _lint(run, example)
    blank = [f for f in findings if "gives no reason" in f["message"]]
    assert code == 1 and [(f["rule"], f["path"], f["line"], f["column"]) for f in blank] == [
        ("not-applicable-invalid", "policybook.yml", *position_of(config, "hsca-reg-9a:"))]
    assert blank[0]["message"] == ("standards.not_applicable: 'hsca-reg-9a' gives no reason: say in words why it does "
                                   "not apply to the service")


def test_a_standard_not_applicable_that_the_register_lacks_is_an_error_with_a_suggestion(example: Path, run) -> None:
    config = example / "policybook.yml"
    edit(config, NOT_APPLICABLE, f"{NOT_APPLICABLE}    cqc-safe-medicine: The service gives no medicines.\n")
    code, findings = _lint(run, example)
    assert code == 1
    assert [(f["rule"], f["line"], f["column"], f["message"]) for f in findings] == [
        ("not-applicable-invalid", *position_of(config, "cqc-safe-medicine:"),
         "standards.not_applicable: 'cqc-safe-medicine' is not in the standards register; did you mean "
         "'cqc-safe-medicines'?")]


def test_a_standard_not_applicable_that_a_policy_cites_is_a_warning_naming_the_policy(example: Path, run) -> None:
    config = example / "policybook.yml"
    edit(config, NOT_APPLICABLE, f"{NOT_APPLICABLE}    cqc-safe-ipc: Not ours.\n")
    code, findings = _lint(run, example)
    assert code == 0
    assert [(f["rule"], f["severity"], f["line"], f["message"]) for f in findings] == [
        ("not-applicable-cited", "warning", position_of(config, "cqc-safe-ipc:")[0],
         "'cqc-safe-ipc' (Safe: Infection prevention and control) is listed as not applicable, but IPC-003, IPC-002, "
         "IPC-001 and IPC-005 cite it: remove it from standards.not_applicable, or the citation from the "
         "policy")]


def test_a_draft_citing_a_standard_not_applicable_is_not_a_contradiction_yet(example: Path, run) -> None:
    assert run("-C", str(example), "new", "--category", "governance", "--title", "Refreshments",
               "--author", "Priya Lindqvist", "--guidance", "cqc-guidance-for-providers", "--today", TODAY).code == 0
    edit(example / "policies/governance/refreshments.md", "history:\n", "standards:\n  - hsca-reg-14\nhistory:\n")
    _, findings = _lint(run, example)
    assert "not-applicable-cited" not in {f["rule"] for f in findings}


def test_the_settings_give_the_standards_not_applicable_with_their_reasons(example: Path) -> None:
    from policybook.config import load_config

    config = load_config(example)
    assert set(config.standards_not_applicable) == {
        "hsca-reg-9a", "hsca-reg-14", "cqc-safe-medicines", "cqc-effective-healthier-lives",
        "cqc-responsive-planning-for-future"}
    assert all(len(reason) > 20 and "\n" not in reason for reason in config.standards_not_applicable.values())
    assert config.standards_uncovered is Severity.SUGGESTION
    assert config.where("standards", "not_applicable", "cqc-safe-medicines") == (
        "policybook.yml", *position_of(example / "policybook.yml", "cqc-safe-medicines:"))


def test_job_title_messages_name_the_nearest_role_and_what_to_add(example: Path, run) -> None:
    edit(example / RATING, *body("The Operations Manager and the Safeguarding Lead check the poster."))
    _, findings = _lint(run, example)
    assert [(f["rule"], f["message"]) for f in findings] == [
        ("unknown-job-title", "'Operations Manager' is not a role in the roles register: name the role that does "
         "this work, such as the Registered Manager (or add the title to registers/roles.yml, as a role or as an "
         "alias of one)"),
        ("role-not-listed", "the Safeguarding Lead is named here, but the policy gives the role no duty under roles: "
         "and its audience leaves it out: add its duty under roles: (safeguarding-lead), or add safeguarding-lead "
         "to audience")]


def test_job_titles_settings_add_words_and_ignore_phrases(example: Path, run) -> None:
    edit(example / RATING, *body("The Site Steward and the Police Officer, or a Visiting Officer, see the poster."))
    _, findings = _lint(run, example)
    assert [f["message"].split("'")[1] for f in findings] == ["Visiting Officer"]
    edit(example / "policybook.yml", "equipment_terms:\n",
         "job_titles:\n  words: [Steward]\n  ignore: [Visiting Officer]\nequipment_terms:\n")
    _, findings = _lint(run, example)
    assert [f["message"].split("'")[1] for f in findings] == ["Site Steward"]
