"""Each rule fires on one defect introduced into a copy of the example, at the right place, and
stays quiet on the near miss next to it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TODAY, edit, position_of, strip_fingerprints
from rule_cases import BODY_ANCHOR, CANDOUR, FIRES, QUIET, RATING, Case, body
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
    assert [f["rule"] for f in findings] == []


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
