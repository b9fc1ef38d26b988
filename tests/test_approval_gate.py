"""The approval gate, as a provider meets it: copy the example, bump a policy, edit a sentence into it and
approve, review or sign it. Every lint finding on the policy is shown; errors refuse; the warnings
approvals.blocking_warnings names refuse until accepted with a reason, which the history entry and the
signed statement keep. A version that changes nothing is refused. Keys are the fictional staff's test keys
in tests/keys/."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, TODAY, edit, position_of
from conftest import commit as _commit
from conftest import git as _git
from sitetools import copy_example

from policybook.loader import load_markdown

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs OpenSSH's ssh-keygen (see .ci/run)")

HAND = "policies/infection-control/hand-hygiene.md"  # IPC-002 1.3, approved by the registered manager (pl)
CANDOUR = "policies/governance/duty-of-candour.md"  # GOV-005
HEDGE = "Cardiac arrest will probably be handled by a hospital staff member."
MONTH = "Review the poster by May."  # Policybook.Dates: a month with no year
STATEMENT = "records/approvals/IPC-002/1.4.txt"
REASON = "The sentence quotes the host hospital's own leaflet word for word."





@pytest.fixture
def library(tmp_path: Path) -> Path:
    """The signed example, as the provider keeps it: under git, signatures required."""
    root = copy_example(tmp_path / "org", signed=True)
    _git(root, "init", "-q", "-b", "main")
    _commit(root, "the example organisation")
    return root


def _add(root: Path, *sentences: str, before: str = "## Monitoring and audit\n") -> None:
    """Write sentences into IPC-002 as a paragraph of their own, before one of its headings."""
    edit(root / HAND, before, " ".join(sentences) + "\n\n" + before)


def _history(root: Path, path: str = HAND) -> list[dict[str, object]]:
    data = load_markdown(root / path, path).data
    return data["history"]


def _errors(run, root: Path) -> list[tuple[str, str]]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json")
    return [(f["path"], f["rule"]) for f in json.loads(result.out)["findings"] if f["severity"] == "error"]


def _verify(root: Path, stem: str, signer: str = "pl") -> subprocess.CompletedProcess[str]:
    """What an inspector runs: OpenSSH alone, against records/allowed_signers."""
    with open(root / f"records/approvals/IPC-002/{stem}.txt", "rb") as statement:
        return subprocess.run(["ssh-keygen", "-Y", "verify", "-f", str(root / "records/allowed_signers"), "-I", signer,
                               "-n", "policybook", "-s", str(root / f"records/approvals/IPC-002/{stem}.sig")],
                              stdin=statement, capture_output=True, text=True, check=False)


def _approve(run, root: Path, key: Path, *extra: str):
    return run("-C", str(root), "approve", "IPC-002", "--by", "registered-manager", "--key", str(key),
               "--today", TODAY, *extra)


def _bump(run, root: Path, level: str = "--minor") -> None:
    assert run("-C", str(root), "bump", "IPC-002", level, "--summary", "Emergencies on a host site.",
               "--today", TODAY).code == 0


def test_a_hedged_duty_is_refused_then_approved_with_the_reason_signed_and_in_the_history(
        library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library)
    _add(library, HEDGE)
    before = (library / HAND).read_bytes()
    refused = _approve(run, library, keys["pl"])
    line, column = position_of(library / HAND, "probably")
    assert refused.code == 2
    assert refused.out.splitlines() == [
        f"{HAND}:{line}:{column} warning Policybook.Hedging 'probably' is hedging: say what must happen, who does "
        "it and when."]
    assert "Policybook.Hedging" in refused.err and "--accept RULE --because TEXT" in refused.err
    assert refused.err.count("\n") == 1
    assert (library / HAND).read_bytes() == before and not (library / STATEMENT).exists()

    approved = _approve(run, library, keys["pl"], "--accept", "Policybook.Hedging", "--because", REASON)
    assert approved.code == 0, approved.err
    assert approved.out.splitlines()[0].startswith(f"{HAND}:{line}:{column} warning Policybook.Hedging")
    assert "signed by Priya Lindqvist" in approved.out and f"accepted Policybook.Hedging: {REASON}" in approved.out
    statement = (library / STATEMENT).read_text(encoding="utf-8")
    assert statement.endswith(f"earlier_history: {statement.split('earlier_history: ')[1].splitlines()[0]}\n"
                              f"accepted: Policybook.Hedging: {REASON}\n")
    assert _history(library)[0]["accepted"] == [{"rule": "Policybook.Hedging", "because": REASON}]
    assert _errors(run, library) == []  # the signature verifies and matches the policy as it stands
    verified = _verify(library, "1.4")
    assert verified.returncode == 0, verified.stderr

    _commit(library, "IPC-002 1.4 approved")
    history = json.loads(run("-C", str(library), "history", "IPC-002", "--format", "json").out)["versions"]
    assert history[-1]["version"] == "1.4"
    assert history[-1]["accepted"] == [{"rule": "Policybook.Hedging", "because": REASON}]
    assert history[-2]["accepted"] == []
    table = run("-C", str(library), "history", "IPC-002").out
    assert f"Version 1.4 accepted Policybook.Hedging: {REASON}" in table


def test_every_finding_is_shown_and_each_held_warning_needs_its_own_acceptance(
        library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library)
    _add(library, HEDGE, MONTH, "The leaflet should be on the table.")  # "should": no one's duty, so not held
    before = (library / HAND).read_bytes()
    refused = _approve(run, library, keys["pl"], "--accept", "Policybook.Hedging", "--because", REASON)
    assert refused.code == 2 and (library / HAND).read_bytes() == before
    shown = refused.out.splitlines()
    places = [(rule, position_of(library / HAND, word)) for rule, word in (
        ("Policybook.Hedging", "probably"), ("Policybook.Dates", "May."), ("Policybook.Duties", "should be"))]
    assert [(line.split(" ")[2], line.split(" ")[1]) for line in shown] == [
        ("Policybook.Hedging", "warning"), ("Policybook.Dates", "warning"), ("Policybook.Duties", "suggestion")]
    for (rule, (line, column)), printed in zip(places, shown, strict=True):
        assert printed.startswith(f"{HAND}:{line}:{column} ") and rule in printed
    assert "Policybook.Dates" in refused.err and "Policybook.Hedging" not in refused.err

    approved = _approve(run, library, keys["pl"], "--accept", "Policybook.Hedging", "--because", REASON,
                        "--accept", "Policybook.Dates", "--because", "The poster is reviewed each May.")
    assert approved.code == 0, approved.err
    statement = (library / STATEMENT).read_text(encoding="utf-8").splitlines()
    assert statement[-2:] == [f"accepted: Policybook.Hedging: {REASON}",
                              "accepted: Policybook.Dates: The poster is reviewed each May."]
    assert _errors(run, library) == []


def test_should_holds_back_approval_only_on_a_line_that_gives_a_role_a_duty(
        library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library)
    _add(library, "The Registered Manager should check the audit results each month.")
    refused = _approve(run, library, keys["pl"])
    assert refused.code == 2 and "Policybook.Duties" in refused.err
    assert "suggestion Policybook.Duties Use 'must' instead of 'should'" in refused.out
    edit(library / HAND, "The Registered Manager should check", "The audit results should reach")
    edit(library / HAND, "the audit results each month.", "the team each month.")
    approved = _approve(run, library, keys["pl"])
    assert approved.code == 0, approved.err
    assert "suggestion Policybook.Duties" in approved.out  # shown, and not held back


def test_an_error_is_never_accepted(library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library)
    _add(library, HEDGE, "Read the [old audit tool](old-audit-tool.md).")
    before = (library / HAND).read_bytes()
    for extra in (("--accept", "broken-link", "--because", "The file is added next week."),
                  ("--accept", "Policybook.Hedging", "--because", REASON)):
        refused = _approve(run, library, keys["pl"], *extra)
        assert refused.code == 2 and (library / HAND).read_bytes() == before
        assert any(" error broken-link " in line for line in refused.out.splitlines())
    refused = _approve(run, library, keys["pl"], "--accept", "broken-link", "--because", "Added next week.")
    assert "an error cannot be accepted" in refused.err
    refused = _approve(run, library, keys["pl"], "--accept", "Policybook.Hedging", "--because", REASON)
    assert "lint error(s) to fix before approval" in refused.err and "broken-link" in refused.err
    assert not (library / STATEMENT).exists()


@pytest.mark.parametrize(("extra", "why"), [
    (("--accept", "Policybook.Hedging", "--because", "   "), "--because"),
    (("--accept", "Policybook.Hedging", "--because", ""), "--because"),
    (("--accept", "Policybook.Hedging"), "its own --because"),
    (("--accept", "Policybook.Hedging", "--because", REASON, "--accept", "Policybook.Dates", "--because", REASON),
     "no Policybook.Dates warning holds back IPC-002"),
    (("--accept", "Policybook.Hedging", "--because", REASON, "--accept", "Policybook.Hedging", "--because", "Again."),
     "given twice"),
])
def test_an_acceptance_needs_a_reason_and_a_warning_to_accept(
        extra: tuple[str, ...], why: str, library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library)
    _add(library, HEDGE)
    before = (library / HAND).read_bytes()
    refused = _approve(run, library, keys["pl"], *extra)
    assert refused.code == 2 and why in refused.err and refused.err.count("\n") == 1
    assert (library / HAND).read_bytes() == before and not (library / STATEMENT).exists()


def test_a_passage_copied_from_another_policy_holds_back_approval_where_it_was_pasted(
        library: Path, keys: dict[str, Path], run) -> None:
    candour = (library / CANDOUR).read_text(encoding="utf-8")
    passage = candour.split("\n---\n", 1)[1].split("## ", 2)[2].split("\n", 1)[1].split("\n\n## ", 1)[0].strip()
    passage = " ".join(passage.split("\n\n")[0].split())
    assert len(passage.split()) >= 40, passage
    _bump(run, library)
    _add(library, passage)
    lint = json.loads(run("-C", str(library), "lint", "--today", TODAY, "--format", "json").out)["findings"]
    assert [f["path"] for f in lint if f["rule"] == "duplicate-content"] == [CANDOUR]  # lint: at the first place
    refused = _approve(run, library, keys["pl"])
    line, column = position_of(library / HAND, passage[:30])
    assert refused.code == 2 and "duplicate-content" in refused.err
    assert any(out.startswith(f"{HAND}:{line}:{column} warning duplicate-content this passage of ")
               and CANDOUR in out for out in refused.out.splitlines())


def test_reviewed_is_gated_and_keeps_its_own_acceptance(library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library)
    _add(library, HEDGE)
    assert _approve(run, library, keys["pl"], "--accept", "Policybook.Hedging", "--because", REASON).code == 0
    before = (library / HAND).read_bytes()
    review = ("-C", str(library), "reviewed", "IPC-002", "--by", "ipc-lead", "--key", str(keys["ho"]),
              "--today", TODAY)
    refused = run(*review)
    assert refused.code == 2 and "hold back a review" in refused.err and "Policybook.Hedging" in refused.out
    assert (library / HAND).read_bytes() == before
    because = "Checked with the host hospital: the leaflet is unchanged."
    reviewed = run(*review, "--accept", "Policybook.Hedging", "--because", because)
    assert reviewed.code == 0, reviewed.err
    data = load_markdown(library / HAND, HAND).data
    assert data["reviews"][0]["accepted"] == [{"rule": "Policybook.Hedging", "because": because}]
    assert data["history"][0]["accepted"] == [{"rule": "Policybook.Hedging", "because": REASON}]
    statement = (library / f"records/approvals/IPC-002/1.4-review-{TODAY}.txt").read_text(encoding="utf-8")
    assert statement.endswith(f"accepted: Policybook.Hedging: {because}\n")
    assert _errors(run, library) == []
    verified = _verify(library, f"1.4-review-{TODAY}", "ho")
    assert verified.returncode == 0, verified.stderr


def test_sign_is_gated_and_records_what_it_accepts(tmp_path: Path, keys: dict[str, Path], run) -> None:
    """A policy approved on paper, before the gate held hedging back, is signed afterwards."""
    root = copy_example(tmp_path / "org")  # unsigned, signatures off
    edit(root / "policybook.yml", "  signatures: off\n", "  signatures: off\n  blocking_warnings: []\n")
    _bump(run, root)
    _add(root, HEDGE)
    assert run("-C", str(root), "approve", "IPC-002", "--by", "registered-manager", "--today", TODAY).code == 0
    edit(root / "policybook.yml", "  signatures: off\n  blocking_warnings: []\n", "  signatures: required\n")
    before = (root / HAND).read_bytes()
    sign = ("-C", str(root), "sign", "IPC-002", "--key", str(keys["pl"]), "--today", TODAY)
    refused = run(*sign)
    assert refused.code == 2 and "hold back signing" in refused.err and "Policybook.Hedging" in refused.out
    assert (root / HAND).read_bytes() == before and not (root / STATEMENT).exists()
    assert run(*sign, "--accept", "broken-link", "--because", REASON).code == 2  # nothing of the kind
    signed = run(*sign, "--accept", "Policybook.Hedging", "--because", REASON)
    assert signed.code == 0, signed.err
    assert _history(root)[0]["accepted"] == [{"rule": "Policybook.Hedging", "because": REASON}]
    assert (root / STATEMENT).read_text(encoding="utf-8").endswith(f"accepted: Policybook.Hedging: {REASON}\n")
    assert [e for e in _errors(run, root) if e[0] == HAND] == []
    # Signed again (a new key, say), what the history entry accepts stays accepted.
    again = run(*sign)
    assert again.code == 0, again.err
    assert (root / STATEMENT).read_text(encoding="utf-8").endswith(f"accepted: Policybook.Hedging: {REASON}\n")


def test_the_setting_names_the_rules_and_an_unknown_one_is_refused_at_its_line(
        library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library)
    _add(library, HEDGE)
    config = library / "policybook.yml"
    edit(config, "  signatures: required\n", "  signatures: required\n  blocking_warnings: [Policybook.Hedgeing]\n")
    before = (library / HAND).read_bytes()
    refused = _approve(run, library, keys["pl"])
    line, column = position_of(config, "Policybook.Hedgeing")
    assert refused.code == 2 and refused.err.startswith(f"policybook: policybook.yml:{line}:{column}: ")
    assert "did you mean 'Policybook.Hedging'" in refused.err and (library / HAND).read_bytes() == before
    lint = json.loads(run("-C", str(library), "lint", "--today", TODAY, "--format", "json").out)["findings"]
    assert ("blocking-warning-unknown", "policybook.yml", line, column) in [
        (f["rule"], f["path"], f["line"], f["column"]) for f in lint]
    edit(config, "[Policybook.Hedgeing]", "[]")  # nothing held back: the warning is shown, not refused
    approved = _approve(run, library, keys["pl"])
    assert approved.code == 0, approved.err
    assert "warning Policybook.Hedging" in approved.out and "accepted" not in _history(library)[0]


def test_a_version_that_changes_nothing_is_refused_and_a_one_word_change_is_not(
        library: Path, keys: dict[str, Path], run) -> None:
    _bump(run, library, "--major")
    before = (library / HAND).read_bytes()
    refused = _approve(run, library, keys["pl"])
    assert refused.code == 2 and refused.err.count("\n") == 1
    assert "IPC-002 version 2.0 changes nothing" in refused.err and "version 1.3" in refused.err
    assert "read it again" in refused.err  # a major version would send everyone back to it
    assert (library / HAND).read_bytes() == before and not (library / "records/approvals/IPC-002/2.0.txt").exists()
    # Without the fingerprint the draft still carries, git shows the version before is the same.
    text = before.decode("utf-8")
    (library / HAND).write_text("".join(line for line in text.splitlines(keepends=True)
                                        if not line.startswith("fingerprint:")), encoding="utf-8")
    refused = _approve(run, library, keys["pl"])
    assert refused.code == 2 and "changes nothing" in refused.err
    edit(library / HAND, "## Monitoring and audit\n\n", "## Monitoring and audit\n\nEach ")  # one word
    line = (library / HAND).read_text(encoding="utf-8").split("## Monitoring and audit\n\nEach ", 1)[1]
    edit(library / HAND, "Each " + line[:1], "Each " + line[:1].lower())
    approved = _approve(run, library, keys["pl"])
    assert approved.code == 0, approved.err
    assert _errors(run, library) == []


def test_a_statement_without_acceptances_is_as_it_always_was() -> None:
    """The stored statements of the example, signed before acceptances existed, are still what the policy
    gives, byte for byte (lint recomputes them)."""
    from policybook.evidence.signatures import approval_statement

    data = load_markdown(REPO / HAND, HAND).data
    stored = (REPO / "records/approvals/IPC-002/1.3.txt").read_text(encoding="utf-8")
    assert approval_statement(data, load_markdown(REPO / HAND, HAND).body, "pl").text == stored
    assert stored.splitlines()[-1].startswith("earlier_history: sha256:") and "accepted" not in stored


def test_the_site_shows_what_was_accepted_escaped(tmp_path: Path) -> None:
    import datetime as dt

    from jinja2 import Environment, FileSystemLoader

    from policybook.corpus import load_corpus
    from policybook.views.control import Output, document_control

    root = copy_example(tmp_path / "org")
    edit(root / HAND, "    summary: Audit tool updated; results now shared with each person observed.\n",
         "    summary: Audit tool updated; results now shared with each person observed.\n    accepted:\n"
         "      - rule: Policybook.Hedging\n        because: \"Quoted <script>alert(1)</script> & kept\"\n")
    corpus = load_corpus(root, dt.date.fromisoformat(TODAY))
    policy = corpus.by_id()["IPC-002"]
    view = document_control(corpus, policy, Output.SITE)
    assert view.history[0].accepted == (("Policybook.Hedging", "Quoted <script>alert(1)</script> & kept"),)
    folder = REPO / "tools/policybook/site/overrides/partials"
    html = Environment(loader=FileSystemLoader(folder)).get_template("policybook-history.html").render(
        view=view, pb={"previous": [], "changes": None})
    assert "Accepted <code>Policybook.Hedging</code>: Quoted &lt;script&gt;alert(1)&lt;/script&gt; &amp; kept" in html
    assert "<script>" not in html
