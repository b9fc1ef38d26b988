"""The inspection's own failures, written into a copy of the signed example as a provider would write them
(bump, edit, approve with a key, or a settings change): each is refused at `approve`, or fails lint with
exit 1, naming the rule and the line. A held-back warning is approved once accepted with a reason, which
the signed statement and the history keep."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import TODAY, position_of
from conftest import git as _git
from sitetools import copy_example

from policybook.loader import load_markdown

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen (see .ci/run)")

HAND = "policies/infection-control/hand-hygiene.md"  # IPC-002, for all staff, approved by the registered manager
REFERRAL = "policies/clinical/referral-criteria.md"  # CLN-001, for named roles, approved by the registered manager
CHAPERONES = "policies/safeguarding/chaperones.md"  # SAF-003
ADULTS = "policies/safeguarding/safeguarding-adults.md"  # SAF-001
REASON = "The sentence quotes the host hospital's own leaflet word for word."

# (sentence written into IPC-002, the rule that must name it, the word the finding points at)
SENTENCES = [
    ("Cardiac arrest will probably be handled by a hospital staff member.", "Policybook.Hedging", "probably"),
    ("The 150 Joule shock is generally effective.", "Policybook.Hedging", "generally"),
    ("Staff should probably check battery and lighting points where possible.", "Policybook.Hedging", "probably"),
    ("The risk assessment is dated May.", "Policybook.Dates", "May."),
    ("Review date: May.", "Policybook.Dates", "May."),
    ("Reviewed Spring 2019.", "Policybook.Dates", "Spring 2019"),
    ("Next review: next year.", "Policybook.Dates", "next year"),
    ("In an emergency, dial 9-1-1.", "Policybook.EmergencyNumber", "9-1-1"),
    ("Phone 000 for an ambulance.", "Policybook.EmergencyNumber", "000"),
    ("Directors and senior managers sign the log.", "undesignated-role", "Directors"),
    ("The Operations Manager signs the cleaning log.", "unknown-job-title", "Operations Manager"),
    ("The Health and Safety Manager signs the cleaning log.", "unknown-job-title", "Health and Safety Manager"),
    ("The duty nurse signs the cleaning log.", "undesignated-role", "duty nurse"),
]




@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = copy_example(tmp_path / "org", signed=True)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "the example organisation")
    return root


def _bump(run, root: Path, policy: str, level: str = "--minor") -> None:
    result = run("-C", str(root), "bump", policy, level, "--summary", "Changes after the inspection.", "--today", TODAY)
    assert result.code == 0, result.err


def _approve(run, root: Path, policy: str, key: Path, *extra: str):
    return run("-C", str(root), "approve", policy, "--by", "registered-manager", "--key", str(key), "--today", TODAY,
               *extra)


def _write(root: Path, path: str, sentence: str) -> None:
    """The sentence as a paragraph of its own at the end of the policy."""
    with open(root / path, "a", encoding="utf-8") as policy:
        policy.write("\n" + sentence + "\n")


def _names(output: str, path: str, line: int, rule: str) -> bool:
    return any(text.startswith(f"{path}:{line}:") and f" {rule} " in text for text in output.splitlines())


@pytest.mark.parametrize(("sentence", "rule", "word"), SENTENCES, ids=[s[1] + ":" + s[2] for s in SENTENCES])
def test_each_sentence_of_the_inspection_is_refused_at_approval(library: Path, keys: dict[str, Path], run,
                                                               sentence: str, rule: str, word: str) -> None:
    _bump(run, library, "IPC-002")
    _write(library, HAND, sentence)
    before = (library / HAND).read_bytes()
    refused = _approve(run, library, "IPC-002", keys["pl"])
    line, _ = position_of(library / HAND, word)
    assert refused.code != 0 and _names(refused.out, HAND, line, rule), (refused.out, refused.err)
    assert (library / HAND).read_bytes() == before


def test_a_held_back_warning_is_approved_with_its_reason_in_the_statement_and_the_history(
        library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library, "IPC-002")
    _write(library, HAND, SENTENCES[0][0])
    approved = _approve(run, library, "IPC-002", keys["pl"], "--accept", "Policybook.Hedging", "--because", REASON)
    assert approved.code == 0, approved.err
    statement = (library / "records/approvals/IPC-002/1.4.txt").read_text(encoding="utf-8")
    assert f"accepted: Policybook.Hedging: {REASON}\n" in statement
    history = load_markdown(library / HAND, HAND).data["history"]
    assert history[0]["accepted"] == [{"rule": "Policybook.Hedging", "because": REASON}]


def test_a_role_named_but_neither_given_duties_nor_told_is_refused(library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library, "CLN-001")
    _write(library, REFERRAL, "The Safeguarding Lead reviews every declined offer.")
    refused = _approve(run, library, "CLN-001", keys["pl"])
    line, _ = position_of(library / REFERRAL, "Safeguarding Lead reviews")
    assert refused.code != 0 and _names(refused.out, REFERRAL, line, "role-not-listed"), refused.out


def test_a_duty_holder_left_out_of_the_audience_is_refused(library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library, "CLN-001")
    data = load_markdown(library / REFERRAL, REFERRAL).data
    holder = next(role for role in data["roles"] if role in data["audience"] and role != "all-staff")
    text = (library / REFERRAL).read_text(encoding="utf-8")
    audience = text.index("audience:")
    entry = re.compile(rf"\n  - {re.escape(holder)}\n")
    found = entry.search(text, audience)
    assert found is not None
    (library / REFERRAL).write_text(text[:found.start()] + "\n" + text[found.end():], encoding="utf-8")
    refused = _approve(run, library, "CLN-001", keys["pl"])
    assert refused.code != 0 and "duty-holder-audience" in refused.out and holder in refused.out, refused.out
    lint = run("-C", str(library), "lint", "--today", TODAY)
    assert lint.code == 1 and "duty-holder-audience" in lint.out


def test_a_parallel_version_of_a_policy_in_force_is_refused(library: Path, keys: dict[str, Path], run) -> None:
    made = run("-C", str(library), "new", "--category", "safeguarding", "--title", "Adult safeguarding policy 2019",
               "--author", "Test Author", "--guidance", "care-act-2014", "--today", TODAY)
    assert made.code == 0, made.err
    path = next(p for p in (library / "policies/safeguarding").glob("*2019*.md"))
    rel = path.relative_to(library).as_posix()
    body = load_markdown(library / ADULTS, ADULTS).body
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("\n---\n", 4) + 5] + body, encoding="utf-8")
    policy = load_markdown(path, rel).data["id"]
    refused = _approve(run, library, policy, keys["pl"])
    assert refused.code != 0 and "parallel-version" in refused.out and ADULTS in refused.out, refused.out


def test_guidance_cited_for_forms_sake_is_refused(library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library, "SAF-003")
    text = (library / CHAPERONES).read_text(encoding="utf-8")
    start = text.index("guidance:")
    end = re.compile(r"\n[a-z_]+:").search(text, start + 1)
    assert end is not None
    (library / CHAPERONES).write_text(text[:start] + "guidance:\n  - coshh-2002" + text[end.start():],
                                      encoding="utf-8")
    refused = _approve(run, library, "SAF-003", keys["pl"])
    assert refused.code != 0 and "guidance-category" in refused.out, (refused.out, refused.err)


def test_a_version_that_changes_nothing_is_refused(library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library, "IPC-002", "--major")
    refused = _approve(run, library, "IPC-002", keys["pl"])
    assert refused.code != 0 and "nothing" in refused.err.lower(), refused.err


def test_a_rating_removed_from_the_settings_fails_lint(library: Path, run) -> None:
    config = library / "policybook.yml"
    text = config.read_text(encoding="utf-8")
    start = text.index("cqc_rating:")
    end = re.compile(r"\n[a-z_]+:").search(text, start + 1)
    config.write_text(text[:start] + (text[end.start() + 1:] if end else ""), encoding="utf-8")
    lint = run("-C", str(library), "lint", "--today", TODAY, "--format", "json")
    assert lint.code == 1
    assert "cqc-rating-missing" in {f["rule"] for f in json.loads(lint.out)["findings"]}
