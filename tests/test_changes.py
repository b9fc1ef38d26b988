"""Change control on a copy of the example: new, approve, bump, reviewed, the fingerprint and
version checks, history from git, the review calendar and read-and-understood records."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from conftest import TODAY, edit, unread
from conftest import commit as _commit
from conftest import git as _git
from icalendar import Calendar

HAND = "policies/infection-control/hand-hygiene.md"




@pytest.fixture
def repo(example: Path) -> Path:
    _git(example, "init", "-q", "-b", "main")
    _commit(example, "example organisation")
    return example


def _lint(run, root: Path, *extra: str) -> tuple[int, list[dict[str, object]]]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json", *extra)
    return result.code, json.loads(result.out)["findings"]


def _frontmatter(path: Path) -> dict[str, object]:
    from policybook.loader import load_markdown

    return load_markdown(path, path.name).data


def _write_sections(path: Path) -> None:
    """Fill the template's sections, as the author does before approval."""
    import re

    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"<!--.*?-->", "Staff follow this section as written.", text), encoding="utf-8")


def _revise(path: Path, sentence: str) -> None:
    """Add a sentence at the end of the body, as the author does in a new version (a version that
    changes nothing is refused)."""
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + f"\n\n{sentence}\n", encoding="utf-8")


def test_an_untouched_template_cannot_be_approved(example: Path, run) -> None:
    assert run("-C", str(example), "new", "--category", "health-safety", "--title", "Lone working",
               "--author", "Priya Lindqvist", "--guidance", "mhsw-1999", "--today", TODAY).code == 0
    path = example / "policies/health-safety/lone-working.md"
    code, findings = _lint(run, example)
    assert code == 0 and {f["rule"] for f in findings} == {"empty-section"}  # a draft: warnings only
    assert all(f["severity"] == "warning" for f in findings) and len(findings) == 6
    before = path.read_bytes()
    result = run("-C", str(example), "approve", "HS-005", "--by", "registered-manager", "--today", TODAY)
    assert result.code == 2 and "empty-section" in result.err and "Purpose" in result.err
    assert path.read_bytes() == before
    _write_sections(path)
    assert run("-C", str(example), "approve", "HS-005", "--by", "registered-manager", "--today", TODAY).code == 0


def test_new_approve_bump_approve_gives_three_history_entries_and_lints_clean(example: Path, run) -> None:
    created = run("-C", str(example), "new", "--category", "health-safety", "--title", "Lone working",
                  "--owner", "registered-manager", "--author", "Priya Lindqvist", "--guidance", "mhsw-1999",
                  "--today", "2026-01-05")
    assert created.code == 0, created.err
    path = example / "policies/health-safety/lone-working.md"
    data = _frontmatter(path)
    assert (data["id"], data["version"], data["status"], data["created"]) == ("HS-005", "0.1", "draft", "2026-01-05")
    assert "## Procedure" in path.read_text(encoding="utf-8")
    _write_sections(path)

    assert run("-C", str(example), "approve", "HS-005", "--by", "nominated-individual", "--on", "2026-02-02",
               "--today", "2026-02-03").code == 0
    assert run("-C", str(example), "bump", "HS-005", "--major", "--summary", "Check-in calls every hour.",
               "--today", "2026-06-01").code == 0
    assert _frontmatter(path)["status"] == "draft"
    _revise(path, "Staff on their own call the unit every hour.")
    approved = run("-C", str(example), "approve", "HS-005", "--by", "nominated-individual", "--on", "2026-06-10",
                   "--today", "2026-06-10")
    assert approved.code == 0, approved.err
    data = _frontmatter(path)
    assert data["version"] == "2.0" and data["status"] == "approved"
    assert data["approved_on"] == "2026-06-10" and data["next_review"] == "2028-06-10"
    assert [(h["version"], h["date"]) for h in data["history"]] == [
        ("2.0", "2026-06-10"), ("1.0", "2026-02-02"), ("0.1", "2026-01-05")]
    assert data["history"][0]["summary"] == "Check-in calls every hour."
    code, findings = _lint(run, example)  # staff now owe the new policy's reading, long past its 14 days
    assert code == 0 and findings and {(f["rule"], f["path"]) for f in findings} == {
        ("reading-overdue", "registers/staff.yml")}
    assert all("reading 1 policy within 14 days: HS-005 (" in f["message"] for f in findings)


@pytest.mark.parametrize("args", [
    ("new", "--category", "governance", "--title", "Document  CONTROL", "--author", "A B"),
    ("new", "--category", "nowhere", "--title", "Something new", "--author", "A B"),
    ("new", "--category", "governance", "--title", "Something new", "--owner", "chief-executive", "--author", "A"),
    ("approve", "IPC-002", "--by", "registered-manager"),
    ("approve", "IPC-999", "--by", "registered-manager"),
    ("bump", "IPC-002", "--minor", "--summary", "x"),
    ("reviewed", "IPC-002", "--by", "fire-officer"),
    ("ack", "zz", "IPC-002"),
    ("ack", "ho", "IPC-002", "--version", "1.2"),
])
def test_refused_commands_change_nothing(args: tuple[str, ...], example: Path, run) -> None:
    before = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    result = run("-C", str(example), *args, "--today", TODAY)
    assert result.code == 2 and result.err.startswith("policybook: ") and result.err.count("\n") == 1
    after = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}
    assert before == after


def test_bump_keeps_comments_and_every_untouched_line(example: Path, run) -> None:
    path = example / HAND
    edit(path, "owner: ipc-lead\n", "owner: ipc-lead  # agreed at the March governance meeting\n")
    edit(path, "roles:\n", "# Duties are reviewed with the staff who do them.\nroles:\n")
    before = path.read_text(encoding="utf-8").splitlines()
    assert run("-C", str(example), "bump", "IPC-002", "--minor", "--summary", "Poster reference corrected.",
               "--author", "Hannah Okonjo", "--today", TODAY).code == 0
    after = path.read_text(encoding="utf-8").splitlines()
    changes = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert sorted(changes) == sorted([
        '-version: "1.3"', '+version: "1.4"', "-status: approved", "+status: draft",
        '+  - version: "1.4"', f'+    date: "{TODAY}"', "+    author: Hannah Okonjo",
        "+    summary: Poster reference corrected."])
    assert "owner: ipc-lead  # agreed at the March governance meeting" in after


def test_editing_an_approved_policy_without_a_new_version_fails_lint(example: Path, run) -> None:
    edit(example / HAND, "Clean hands are the most effective way", "Clean hands are the best way")
    code, findings = _lint(run, example)
    assert code == 1
    assert [(f["rule"], f["path"]) for f in findings] == [("changed-since-approval", HAND)]
    # Layout-only edits are not changes.
    edit(example / HAND, "Clean hands are the best way", "Clean hands are the most effective way")
    (example / HAND).write_text((example / HAND).read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    assert _lint(run, example) == (0, [])


def test_version_not_bumped_against_a_git_base(repo: Path, run) -> None:
    edit(repo / HAND, "Clean hands are the most effective way", "Clean hands are the best way")
    code, findings = _lint(run, repo, "--base", "HEAD")
    rules = sorted(f["rule"] for f in findings)
    assert code == 1 and rules == ["changed-since-approval", "version-not-bumped"]
    version = next(f for f in findings if f["rule"] == "version-not-bumped")
    assert version["line"] == 4  # the version line
    assert run("-C", str(repo), "bump", "IPC-002", "--minor", "--summary", "Wording.", "--today", TODAY).code == 0
    assert run("-C", str(repo), "approve", "IPC-002", "--by", "registered-manager", "--today", TODAY).code == 0
    assert _lint(run, repo, "--base", "HEAD") == (0, [])
    assert run("-C", str(repo), "lint", "--base", "no-such-ref").code == 2


def test_history_and_asof_read_three_committed_versions(repo: Path, run) -> None:
    assert run("-C", str(repo), "new", "--category", "workforce", "--title", "Induction", "--author", "A Writer",
               "--guidance", "cstf", "--today", "2024-01-02").code == 0
    _write_sections(repo / "policies/workforce/induction.md")
    _commit(repo, "draft")
    for on, step in (("2024-01-10", None), ("2025-02-01", "--minor"), ("2026-03-01", "--major")):
        if step:
            assert run("-C", str(repo), "bump", "WF-004", step, "--summary", f"Change {on}.", "--today", on).code == 0
            _revise(repo / "policies/workforce/induction.md", f"Staff follow the change made {step[2:]}.")
            _commit(repo, f"bump {on}")
        result = run("-C", str(repo), "approve", "WF-004", "--by", "registered-manager", "--on", on, "--today", on)
        assert result.code == 0, result.err
        _commit(repo, f"approve {on}")
    history = json.loads(run("-C", str(repo), "history", "WF-004", "--format", "json").out)["versions"]
    assert [(v["version"], v["approved_on"], v["in_force_to"]) for v in history] == [
        ("1.0", "2024-01-10", "2025-02-01"), ("1.1", "2025-02-01", "2026-03-01"), ("2.0", "2026-03-01", None)]
    assert history[1]["summary"] == "Change 2025-02-01." and history[0]["approved_by"] == "registered-manager"

    def version_on(day: str) -> str | None:
        payload = json.loads(run("-C", str(repo), "asof", day, "--format", "json").out)
        return next(p["version"] for p in payload["policies"] if p["id"] == "WF-004")

    assert version_on("2023-12-31") is None
    assert version_on("2024-06-01") == "1.0"
    assert version_on("2025-02-01") == "1.1"
    assert version_on("2026-11-01") == "2.0"
    table = run("-C", str(repo), "history", "WF-004").out
    assert "2.0" in table and "now" in table


def test_a_library_adopted_late_reads_its_earlier_versions_from_their_own_history(repo: Path, run) -> None:
    """The example's git history starts with one commit today; IPC-002's history records 1.0 to 1.2 from
    2021 on. asof and history use those entries, marked as the document's word, not git's."""
    def on(day: str) -> dict[str, object]:
        payload = json.loads(run("-C", str(repo), "asof", day, "--format", "json").out)
        return next(p for p in payload["policies"] if p["id"] == "IPC-002")

    assert on("2020-01-01")["version"] is None
    assert (on("2022-06-01")["version"], on("2022-06-01")["source"]) == ("1.1", "document")
    assert (on("2026-11-01")["version"], on("2026-11-01")["source"]) == ("1.3", "git")
    history = json.loads(run("-C", str(repo), "history", "IPC-002", "--format", "json").out)["versions"]
    assert [(v["version"], v["source"], v["in_force_to"]) for v in history] == [
        ("1.0", "document", "2022-04-11"), ("1.1", "document", "2023-10-09"), ("1.2", "document", "2025-10-13"),
        ("1.3", "git", None)]
    assert history[0]["commit"] is None and history[-1]["commit"]
    table = run("-C", str(repo), "asof", "2022-06-01").out
    assert "1.1 *" in table and "not proven by git" in table


def test_reviewed_moves_the_next_review_without_a_new_version(example: Path, run) -> None:
    result = run("-C", str(example), "reviewed", "IPC-002", "--by", "ipc-lead", "--on", "2026-11-20", "--today", TODAY)
    assert result.code == 0, result.err
    data = _frontmatter(example / HAND)
    assert data["version"] == "1.3" and data["next_review"] == "2028-11-20"
    assert data["reviews"][0]["date"] == "2026-11-20" and data["reviews"][0]["by"] == "ipc-lead"
    assert _lint(run, example) == (0, [])


def test_review_calendar_table_json_and_ics(example: Path, run) -> None:
    table = run("-C", str(example), "review", "--within", "180", "--today", TODAY)
    assert "GOV-005" in table.out and "Registered Manager" in table.out and "IPC-002" not in table.out
    payload = json.loads(run("-C", str(example), "review", "--within", "180", "--format", "json",
                             "--today", TODAY).out)
    due = {r["id"] for r in payload["reviews"]}
    result = run("-C", str(example), "review", "--within", "180", "--format", "ics", "--today", TODAY)
    calendar = Calendar.from_ical(result.out)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == len(due) >= 2
    event = next(e for e in events if "GOV-005" in str(e["summary"]))
    assert event.decoded("dtstart").isoformat() == "2027-05-12"


def test_ack_and_report_follow_major_versions(example: Path, run) -> None:
    records = unread(example, ("ho", "CLN-001")) / "records/acknowledgements.csv"
    original = records.read_bytes()

    def outstanding() -> set[tuple[str, str]]:
        payload = json.loads(run("-C", str(example), "ack", "report", "--format", "json", "--today", TODAY).out)
        return {(o["staff"], o["policy"]) for o in payload["outstanding"]}

    assert ("ho", "CLN-001") in outstanding()
    assert run("-C", str(example), "ack", "ho", "CLN-001", "--today", TODAY).code == 0
    assert ("ho", "CLN-001") not in outstanding()
    assert records.read_bytes().startswith(original)  # appended, never rewritten
    last = records.read_text(encoding="utf-8").splitlines()[-1]
    assert last.startswith(f"ho,CLN-001,3.1,{TODAY},") and len(last.rsplit(",", 1)[1]) == 64  # with its chain
    assert run("-C", str(example), "ack", "verify", "--today", TODAY).code == 0

    # A minor version does not ask staff to read again; a major one does.
    for level, expect in (("--minor", False), ("--major", True)):
        assert run("-C", str(example), "bump", "IPC-002", level, "--summary", "Change.", "--today", TODAY).code == 0
        _revise(example / HAND, f"Staff follow the {level[2:]} change.")
        assert run("-C", str(example), "approve", "IPC-002", "--by", "registered-manager", "--today", TODAY).code == 0
        assert (("jc", "IPC-002") in outstanding()) is expect
    report = run("-C", str(example), "ack", "report", "--today", TODAY).out
    assert "Jamie Castellan (jc)" in report and "IPC-002 Hand hygiene" in report
    csv_report = run("-C", str(example), "ack", "report", "--format", "csv", "--today", TODAY).out
    assert csv_report.startswith("staff,name,policy,title,version,since,days_outstanding\n")


def test_ack_refuses_a_draft_policy(example: Path, run) -> None:
    assert run("-C", str(example), "bump", "IPC-002", "--minor", "--summary", "Change.", "--today", TODAY).code == 0
    result = run("-C", str(example), "ack", "jc", "IPC-002", "--today", TODAY)
    assert result.code == 2 and "only a published policy" in result.err


def test_site_shows_previous_versions_redlines_and_the_review_calendar(repo: Path, run) -> None:
    from sitetools import add_site_files, policybook

    add_site_files(repo)
    _commit(repo, "site")
    assert run("-C", str(repo), "bump", "IPC-002", "--minor", "--summary", "Wording.", "--today", TODAY).code == 0
    edit(repo / HAND, "Clean hands are the most effective way", "Clean hands are the single most effective way")
    assert run("-C", str(repo), "approve", "IPC-002", "--by", "registered-manager", "--today", TODAY).code == 0
    _commit(repo, "IPC-002 1.4")
    result = policybook(repo, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    site = repo / "site/policies/infection-control/hand-hygiene"
    old = (site / "versions/1.3/index.html").read_text(encoding="utf-8")
    assert "Superseded version" in old and "in force from 13 October 2025 to 26 November 2026" in old
    changes = (site / "versions/1.4-changes/index.html").read_text(encoding="utf-8")
    assert "<ins><span class=\"pb-sr\">Inserted: </span>single</ins>" in changes
    page = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="versions/1.3/"' in page and "What changed in version 1.4" in page
    calendar = Calendar.from_ical((repo / "site/review-calendar.ics").read_bytes())
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    kinds = [str(e["categories"].cats[0]) for e in events]
    assert kinds.count("Document review") == 38  # 30 policies and 8 documents for patients (3 editions)
    assert set(kinds) >= {"Servicing", "Check", "Risk review", "Training"}


@pytest.mark.parametrize(("on", "why"), [("2021-01-01", "before the policy was created"),
                                         ("2025-01-01", "before the last version in the history"),
                                         ("2027-01-01", "in the future")])
def test_approve_refuses_a_date_that_cannot_be_true(example: Path, run, on: str, why: str) -> None:
    assert run("-C", str(example), "bump", "IPC-002", "--minor", "--summary", "Wording.", "--today", TODAY).code == 0
    before = (example / HAND).read_bytes()
    result = run("-C", str(example), "approve", "IPC-002", "--by", "registered-manager", "--on", on, "--today", TODAY)
    assert result.code == 2 and why in result.err
    assert (example / HAND).read_bytes() == before


@pytest.mark.parametrize(("on", "why"), [("2025-10-01", "before the approval of this version"),
                                         ("2026-11-10", "before the last recorded review"),
                                         ("2027-01-01", "in the future")])
def test_reviewed_refuses_a_date_that_cannot_be_true(example: Path, run, on: str, why: str) -> None:
    assert run("-C", str(example), "reviewed", "IPC-002", "--by", "ipc-lead", "--on", "2026-11-20",
               "--today", TODAY).code == 0
    before = (example / HAND).read_bytes()
    result = run("-C", str(example), "reviewed", "IPC-002", "--by", "ipc-lead", "--on", on, "--today", TODAY)
    assert result.code == 2 and why in result.err and len(result.err.strip().splitlines()) == 1
    assert (example / HAND).read_bytes() == before


def test_bump_credits_whoever_makes_the_change(example: Path, run) -> None:
    from conftest import GIT_USER

    assert run("-C", str(example), "bump", "IPC-002", "--minor", "--summary", "Wording.", "--today", TODAY).code == 0
    text = (example / HAND).read_text(encoding="utf-8")
    assert f'  - version: "1.4"\n    date: "{TODAY}"\n    author: {GIT_USER}\n' in text  # not the previous author
    assert "author: Hannah Okonjo\n" in text.split("history:")[0]  # the policy's author is unchanged
