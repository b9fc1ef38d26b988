"""The version in force is what staff get: a policy bumped to a draft on main stays on the site, in the
handbook, in `ack` and in the review calendar at its approved version until the draft is approved; and
the page of a new version says what changed, rendered, with changes to duties listed."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, TODAY, edit
from sitetools import copy_example, policybook

COMPLAINTS = "policies/governance/complaints.md"
NEW_WORDS = "Every complaint gets a named case handler"
# The complaints policy's approved version in the example, and the versions a test makes after it.
_MAJOR, _MINOR = (int(part) for part in re.search(r'^version: "(\d+)\.(\d+)"', (REPO / COMPLAINTS).read_text(
    encoding="utf-8"), re.M).groups())  # type: ignore[union-attr]
IN_FORCE, NEXT, AFTER = (f"{_MAJOR}.{_MINOR + step}" for step in (0, 1, 2))


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = copy_example(tmp_path / "org")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "policies")
    return root


def _pdf_text(path: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def _reviews(root: Path) -> list[dict[str, str]]:
    result = policybook(root, "review", "--within", "3650", "--format", "json", "--today", TODAY)
    return json.loads(result.stdout)["reviews"]


def _bump_with_new_words(root: Path) -> None:
    assert policybook(root, "bump", "GOV-004", "--major", "--summary", "Case handlers.",
                      "--today", TODAY).returncode == 0
    edit(root / COMPLAINTS, "## Purpose\n", f"## Purpose\n\n{NEW_WORDS}.\n")
    _git(root, "commit", "-q", "-am", "GOV-004 2.0 draft")


def test_a_draft_on_main_leaves_the_approved_version_in_force_everywhere(library: Path) -> None:
    _bump_with_new_words(library)
    result = policybook(library, "build", "--today", TODAY)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (library / "site/policies/governance/complaints/index.html").read_text(encoding="utf-8")
    assert f"Version {IN_FORCE}" in page and NEW_WORDS not in page
    handbook = _pdf_text(library / "site/handbook/staff-handbook.pdf")
    assert "GOV-004" in handbook and NEW_WORDS not in handbook
    review = _reviews(library)
    assert [r["version"] for r in review if r["id"] == "GOV-004"] == [IN_FORCE]
    ack = policybook(library, "ack", "ho", "GOV-004", "--today", TODAY)
    assert ack.returncode == 0, ack.stderr
    last = (library / "records/acknowledgements.csv").read_text(encoding="utf-8").splitlines()[-1]
    assert last.startswith(f"ho,GOV-004,{IN_FORCE},{TODAY},")

    assert policybook(library, "approve", "GOV-004", "--by", "registered-manager", "--today", TODAY).returncode == 0
    _git(library, "commit", "-q", "-am", "GOV-004 2.0")
    assert policybook(library, "build", "--today", TODAY).returncode == 0
    page = (library / "site/policies/governance/complaints/index.html").read_text(encoding="utf-8")
    assert "Version 2.0" in page and NEW_WORDS in page
    assert NEW_WORDS in _pdf_text(library / "site/handbook/staff-handbook.pdf")
    review = _reviews(library)
    assert [r["version"] for r in review if r["id"] == "GOV-004"] == ["2.0"]


def test_without_git_a_draft_is_reported_not_silently_dropped(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "org")
    assert policybook(root, "bump", "GOV-004", "--minor", "--summary", "Wording.", "--today", TODAY).returncode == 0
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    assert f"GOV-004 is a draft ({NEXT}) and this library is not under git" in result.stderr
    assert not (root / "site/policies/governance/complaints/index.html").exists()


def test_the_page_of_a_new_version_says_what_changed(library: Path) -> None:
    assert policybook(library, "bump", "GOV-004", "--minor", "--summary", "Clearer.", "--today", TODAY).returncode == 0
    text = (library / COMPLAINTS).read_text(encoding="utf-8")
    paragraph = next(line for line in text.split("\n## Purpose\n", 1)[1].splitlines() if len(line.split()) > 6)
    changed = paragraph.replace(paragraph.split()[2], "quickly " + paragraph.split()[2], 1)
    text = text.replace(paragraph, changed, 1)
    item = next(line for line in text.splitlines() if re.match(r"^\d+\. |^- ", line) and len(line.split()) > 4)
    text = text.replace(item, item.rstrip(".") + " and records it.", 1)
    duty = "    - Logs each complaint on the day it arrives"
    assert duty in text
    text = text.replace(duty, "    - Logs each complaint within one hour of its arrival", 1)
    (library / COMPLAINTS).write_text(text, encoding="utf-8")
    assert policybook(library, "approve", "GOV-004", "--by", "registered-manager", "--today", TODAY).returncode == 0
    _git(library, "commit", "-q", "-am", f"GOV-004 {NEXT}")
    assert policybook(library, "build", "--today", TODAY).returncode == 0
    changes = library / f"site/policies/governance/complaints/versions/{NEXT}-changes/index.html"
    html = changes.read_text(encoding="utf-8")
    article = html.split('<article', 1)[1].split("</article>", 1)[0]
    visible = re.sub(r"<[^>]+>", " ", article)
    assert "##" not in visible and "|---|" not in visible and "- Logs" not in visible
    assert "Administrator: new or changed duty: Logs each complaint within one hour of its arrival" in visible
    assert '<ins><span class="pb-sr">Inserted: </span>quickly</ins>' in article
    assert '<span class="pb-sr">Deleted: </span>' in article and "and records it." in visible
    assert "<h2" in article  # headings stay headings
    page = (library / "site/policies/governance/complaints/index.html").read_text(encoding="utf-8")
    assert f"versions/{NEXT}-changes/" in page
    superseded = (library / f"site/policies/governance/complaints/versions/{IN_FORCE}/index.html").read_text(
        encoding="utf-8")
    assert "Superseded version" in superseded and "Logs each complaint on the day it arrives" in superseded
    assert 'data-pb="owner"' in superseded  # the panel as it stood then


def _lint_findings(root: Path) -> list[dict[str, object]]:
    return json.loads(policybook(root, "lint", "--today", TODAY, "--format", "json").stdout)["findings"]


def test_a_commit_cannot_put_unapproved_text_in_force(library: Path) -> None:
    """Two commits: one marks an edited text "approved" (its fingerprint no longer matches), the next turns
    it into a draft. Staff keep the last version whose approval is proven."""
    text = (library / COMPLAINTS).read_text(encoding="utf-8")
    text = text.replace(f'version: "{IN_FORCE}"', f'version: "{NEXT}"', 1)
    text = text.replace("## Purpose\n", f"## Purpose\n\n{NEW_WORDS}.\n", 1)
    (library / COMPLAINTS).write_text(text, encoding="utf-8")
    _git(library, "commit", "-q", "-am", f"{NEXT}, said to be approved")
    text = text.replace("status: approved", "status: draft", 1).replace(f'version: "{NEXT}"', f'version: "{AFTER}"', 1)
    (library / COMPLAINTS).write_text(text, encoding="utf-8")
    _git(library, "commit", "-q", "-am", f"{AFTER} draft")
    assert [r["version"] for r in _reviews(library) if r["id"] == "GOV-004"] == [IN_FORCE]
    ack = policybook(library, "ack", "ho", "GOV-004", "--today", TODAY)
    assert ack.returncode == 0 and IN_FORCE in ack.stdout + ack.stderr
    history = policybook(library, "history", "GOV-004", "--format", "json").stdout
    assert f'"{NEXT}"' not in history  # an approval that does not match its text is no approval


def _pdf_text_if_any(root: Path) -> str:
    pdf = root / "site/handbook/staff-handbook.pdf"
    return _pdf_text(pdf) if pdf.is_file() else ""


def test_a_signed_library_needs_a_signature_on_the_version_in_force(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "org", signed=True)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "policies")
    from policybook.evidence.fingerprint import fingerprint
    from policybook.loader import load_markdown

    doc = load_markdown(root / COMPLAINTS, COMPLAINTS)
    text = (root / COMPLAINTS).read_text(encoding="utf-8").replace(f'version: "{IN_FORCE}"', f'version: "{NEXT}"', 1)
    data = {**doc.data, "version": NEXT}
    text = text.replace(str(doc.data["fingerprint"]), fingerprint(data, doc.body), 1)  # consistent, but unsigned
    (root / COMPLAINTS).write_text(text, encoding="utf-8")
    _git(root, "commit", "-q", "-am", f"{NEXT}, unsigned")
    (root / COMPLAINTS).write_text(text.replace("status: approved", "status: draft", 1)
                                   .replace(f'version: "{NEXT}"', f'version: "{AFTER}"', 1), encoding="utf-8")
    findings = [f for f in _lint_findings(root) if f["rule"] == "version-in-force"]
    assert len(findings) == 1 and "not signed" in str(findings[0]["message"])


def test_a_proper_draft_has_no_version_in_force_finding(library: Path) -> None:
    _bump_with_new_words(library)
    assert [f for f in _lint_findings(library) if f["rule"] == "version-in-force"] == []


def test_the_version_in_force_is_its_last_approved_text(library: Path) -> None:
    """A version whose approved text was corrected and re-fingerprinted in a later commit (as `policybook
    sign` does for a policy adopted from paper) is in force with that later text, the one its record
    covers, not the text of the first commit that carried its number."""
    from policybook.evidence.fingerprint import fingerprint
    from policybook.loader import load_markdown

    edit(library / COMPLAINTS, "## Purpose\n", f"## Purpose\n\n{NEW_WORDS}.\n")
    doc = load_markdown(library / COMPLAINTS, COMPLAINTS)
    edit(library / COMPLAINTS, str(doc.data["fingerprint"]), fingerprint(doc.data, doc.body))
    _git(library, "commit", "-q", "-am", f"{IN_FORCE} corrected and fingerprinted again")
    assert policybook(library, "bump", "GOV-004", "--minor", "--summary", "Wording.", "--today", TODAY).returncode == 0
    (library / COMPLAINTS).write_text((library / COMPLAINTS).read_text(encoding="utf-8").replace(NEW_WORDS, "Draft"),
                                      encoding="utf-8")
    assert policybook(library, "build", "--today", TODAY).returncode == 0
    page = (library / "site/policies/governance/complaints/index.html").read_text(encoding="utf-8")
    assert f"Version {IN_FORCE}" in page and NEW_WORDS in page
