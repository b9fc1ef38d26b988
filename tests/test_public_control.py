"""Change control of the documents for patients and their editions with the commands a manager uses:
approve, bump, reviewed and sign find them by id, edition key or path, sign statements named by the
edition key, and the public site shows a bumped document at its approved version."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import TODAY, edit
from sitetools import ARABIC, LEAFLET, signed_clone

from policybook.loader import load_markdown
from policybook.public_site.build import build_public_site

COMPLAINTS = "public/notices/how-to-complain.md"


@pytest.fixture
def signed(tmp_path: Path) -> Path:
    return signed_clone(tmp_path / "org")


def _field(path: Path, key: str) -> object:
    data = load_markdown(path, path.name).data
    assert isinstance(data, dict)
    return data.get(key)


def _findings(run, root: Path, rule: str) -> list[tuple[str, int]]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json")
    return [(f["path"], f["line"]) for f in json.loads(result.out)["findings"] if f["rule"] == rule]


def _set(path: Path, key: str, value: str) -> None:
    text, count = re.subn(rf"^{key}: .*$", f"{key}: {json.dumps(value)}", path.read_text(encoding="utf-8"),
                          count=1, flags=re.M)
    assert count == 1, key
    path.write_text(text, encoding="utf-8")


def test_an_edition_is_bumped_approved_and_signed_under_its_own_key(signed: Path, run, keys) -> None:
    before = str(_field(signed / ARABIC, "version"))
    bumped = run("-C", str(signed), "bump", "PUB-001-ar", "--minor", "--summary", "A clearer sentence.",
                 "--today", TODAY)
    assert bumped.code == 0 and "PUB-001 (ar) is now draft" in bumped.out
    edit(signed / ARABIC, "## الإشعاع\n", "## الإشعاع\n\nالفحص لا يؤلم.\n")
    approved = run("-C", str(signed), "approve", "PUB-001-ar", "--by", "registered-manager", "--key", str(keys["pl"]),
                   "--today", TODAY)
    assert approved.code == 0, approved.out + approved.err
    version = str(_field(signed / ARABIC, "version"))
    assert version != before and "signed by Priya Lindqvist" in approved.out
    statement = (signed / f"records/approvals/PUB-001-ar/{version}.txt").read_text(encoding="utf-8")
    assert statement.startswith("policybook approval v1\npolicy: PUB-001-ar\n")
    assert f"fingerprint: {_field(signed / ARABIC, 'fingerprint')}\n" in statement
    assert _findings(run, signed, "approval-signature") == []
    assert run("-C", str(signed), "lint", "--today", TODAY).code == 0


def test_a_missing_signature_on_a_document_for_patients_is_found_and_sign_puts_it_right(
        signed: Path, run, keys) -> None:
    version = _field(signed / COMPLAINTS, "version")
    for suffix in ("txt", "sig"):
        (signed / f"records/approvals/PUB-004/{version}.{suffix}").unlink()
    line = next(n for n, text in enumerate((signed / COMPLAINTS).read_text().splitlines(), 1)
                if text.startswith("approved_by:"))
    assert _findings(run, signed, "approval-signature") == [(COMPLAINTS, line)]
    found = run("-C", str(signed), "lint", "--today", TODAY)
    assert "policybook sign PUB-004 --key PATH" in found.out
    signed_now = run("-C", str(signed), "sign", "PUB-004", "--key", str(keys["pl"]), "--today", TODAY)
    assert signed_now.code == 0, signed_now.out + signed_now.err
    assert _findings(run, signed, "approval-signature") == []


def test_sign_all_signs_the_documents_for_patients_too(signed: Path, run, keys) -> None:
    for folder in ("PUB-001-en-GB-easy-read", "PUB-002", "GOV-001"):
        for path in (signed / "records/approvals" / folder).iterdir():
            path.unlink()
    assert {path for path, _ in _findings(run, signed, "approval-signature")} == {
        "public/leaflets/what-to-expect.easy-read.md", "public/leaflets/radiation-and-pregnancy.md",
        "policies/governance/document-control.md"}
    result = run("-C", str(signed), "sign", "--all", "--key", str(keys["pl"]), "--today", TODAY)
    assert result.code == 0, result.out + result.err
    assert "signed PUB-001 (en-GB, easy-read)" in result.out and "signed PUB-002" in result.out
    assert "left GOV-001 for a holder of 'nominated-individual' to sign" in result.out
    assert [path for path, _ in _findings(run, signed, "approval-signature")] == [
        "policies/governance/document-control.md"]
    result = run("-C", str(signed), "sign", "--all", "--key", str(keys["mf"]), "--today", TODAY)
    assert result.code == 0 and "signed GOV-001" in result.out
    assert _findings(run, signed, "approval-signature") == []


def test_a_document_is_found_by_the_path_of_its_file(signed: Path, run) -> None:
    result = run("-C", str(signed), "bump", str(signed / LEAFLET), "--minor", "--summary", "Clearer wording.",
                 "--today", TODAY)
    assert result.code == 0 and "PUB-001 is now draft 1.2" in result.out
    assert _field(signed / LEAFLET, "status") == "draft"


def test_an_unknown_id_names_the_edition_keys_there_are(signed: Path, run) -> None:
    result = run("-C", str(signed), "bump", "PUB-001-fr", "--minor", "--summary", "x y z", "--today", TODAY)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "PUB-001-ar" in result.err and "Traceback" not in result.err


def test_two_editions_with_one_key_are_refused_by_name_until_told_apart(signed: Path, run) -> None:
    second = signed / "public/leaflets/what-to-expect.ar-2.md"
    second.write_text((signed / ARABIC).read_text(encoding="utf-8"), encoding="utf-8")
    result = run("-C", str(signed), "bump", "PUB-001-ar", "--minor", "--summary", "x y z", "--today", TODAY)
    assert result.code == 2 and ARABIC in result.err and "what-to-expect.ar-2.md" in result.err
    assert _field(signed / ARABIC, "status") == "approved" and _field(second, "status") == "approved"


@pytest.mark.parametrize("lang", ["../../../tmp/x", "ar/../../x", "a\nb", "ar b"])
def test_a_language_that_is_no_tag_cannot_point_a_signature_outside_records(signed: Path, run, keys,
                                                                              lang: str) -> None:
    text = (signed / ARABIC).read_text(encoding="utf-8")
    (signed / ARABIC).write_text(text.replace("lang: ar\n", f"lang: {json.dumps(lang)}\n", 1), encoding="utf-8")
    linted = run("-C", str(signed), "lint", "--today", TODAY, "--format", "json")
    assert "Traceback" not in linted.err
    assert any(f["path"] == ARABIC and f["rule"] == "schema" for f in json.loads(linted.out)["findings"])
    before = sorted(p.relative_to(signed).as_posix() for p in signed.rglob("*") if p.is_file())
    signing = run("-C", str(signed), "sign", "--all", "--key", str(keys["pl"]), "--today", TODAY, "--yes")
    assert "Traceback" not in signing.err
    after = sorted(p.relative_to(signed).as_posix() for p in signed.rglob("*") if p.is_file())
    assert after == before
    assert not (signed.parent / "tmp").exists() and not (signed / "records/x").exists()


def test_an_approved_edition_claiming_a_newer_source_without_approval_is_found(signed: Path, run) -> None:
    """What an edition was made from is part of what its approval records: moving it on is a new version."""
    _set(signed / ARABIC, "source_version", "9.0")
    assert (ARABIC, _line(signed / ARABIC, "fingerprint:")) in _findings(run, signed, "changed-since-approval")


def _line(path: Path, start: str) -> int:
    return next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text.startswith(start))


def test_a_draft_edition_made_from_an_older_source_is_a_warning_and_cannot_be_approved(signed: Path, run,
                                                                                      keys) -> None:
    assert run("-C", str(signed), "bump", "PUB-001-ar", "--minor", "--summary", "Clearer wording.",
               "--today", TODAY).code == 0
    _set(signed / ARABIC, "source_version", "0.9")
    edit(signed / ARABIC, "## الإشعاع\n", "## الإشعاع\n\nالفحص لا يؤلم.\n")
    result = run("-C", str(signed), "lint", "--today", TODAY, "--format", "json")
    stale = [f for f in json.loads(result.out)["findings"] if f["rule"] == "edition-stale"]
    assert [(f["path"], f["severity"]) for f in stale] == [(ARABIC, "warning")]
    refused = run("-C", str(signed), "approve", "PUB-001-ar", "--by", "registered-manager", "--key", str(keys["pl"]),
                  "--today", TODAY)
    assert refused.code != 0 and "edition-stale" in refused.out + refused.err
    assert _field(signed / ARABIC, "status") == "draft"


def test_a_bumped_document_stays_on_the_public_site_at_its_approved_version(signed: Path, run,
                                                                            tmp_path: Path) -> None:
    approved = str(_field(signed / ARABIC, "version"))
    for key in ("PUB-001", "PUB-001-ar"):
        assert run("-C", str(signed), "bump", key, "--minor", "--summary", "Work in progress.",
                   "--today", TODAY).code == 0
    edit(signed / LEAFLET, "## Radiation\n", "## Radiation\n\nDRAFT SENTENCE NOBODY APPROVED.\n")
    assert build_public_site(signed, dt.date.fromisoformat(TODAY), tmp_path / "site") == 0
    pages = tmp_path / "site/documents/pub-001"
    leaflet, arabic = (pages / "index.html").read_text(encoding="utf-8"), (pages / "ar.html").read_text("utf-8")
    assert "DRAFT SENTENCE" not in leaflet and "What to expect at your DEXA scan" in leaflet
    assert f"{approved}" in arabic and "pb-stale" not in arabic


def test_a_review_of_a_document_for_patients_is_recorded_and_signed(signed: Path, run, keys) -> None:
    result = run("-C", str(signed), "reviewed", "PUB-002", "--by", "registered-manager", "--key", str(keys["pl"]),
                 "--today", TODAY)
    assert result.code == 0, result.out + result.err
    reviews = list((signed / "records/approvals/PUB-002").glob("*-review-*.txt"))
    assert len(reviews) == 1 and "policy: PUB-002\n" in reviews[0].read_text(encoding="utf-8")
    assert _findings(run, signed, "approval-signature") == []


def test_editions_waiting_for_their_update_stop_the_public_site_but_not_the_staff_handbook(signed: Path, run,
                                                                                        keys, tmp_path: Path) -> None:
    assert run("-C", str(signed), "bump", "PUB-001", "--major", "--summary", "The scan also measures the hip.",
               "--today", TODAY).code == 0
    edit(signed / LEAFLET, "## Radiation\n", "## Radiation\n\nThe scan also measures your hip.\n")
    assert run("-C", str(signed), "approve", "PUB-001", "--by", "registered-manager", "--key", str(keys["pl"]),
               "--today", TODAY).code == 0
    stale = _findings(run, signed, "edition-stale")
    assert {path for path, _ in stale} == {ARABIC, "public/leaflets/what-to-expect.bn.md",
                                            "public/leaflets/what-to-expect.easy-read.md"}
    assert run("-C", str(signed), "lint", "--today", TODAY).code == 1  # CI still fails
    handbook = run("-C", str(signed), "handbook", "--out", str(tmp_path / "h.pdf"), "--today", TODAY)
    assert handbook.code == 0, handbook.err
    assert build_public_site(signed, dt.date.fromisoformat(TODAY), tmp_path / "public") == 1


def test_an_edition_behind_its_source_is_not_reviewed_as_needing_no_change(signed: Path, run, keys) -> None:
    assert run("-C", str(signed), "bump", "PUB-001", "--minor", "--summary", "You can bring a drink.",
               "--today", TODAY).code == 0
    edit(signed / LEAFLET, "## Radiation\n", "## Radiation\n\nYou can bring a drink with you.\n")
    assert run("-C", str(signed), "approve", "PUB-001", "--by", "registered-manager", "--key", str(keys["pl"]),
               "--today", TODAY).code == 0
    assert {path for path, _ in _findings(run, signed, "edition-stale")} >= {ARABIC}  # warnings: a minor version
    before = (signed / ARABIC).read_bytes()
    refused = run("-C", str(signed), "reviewed", "PUB-001-ar", "--by", "registered-manager", "--key",
                  str(keys["pl"]), "--today", TODAY)
    assert refused.code != 0 and "edition-stale" in refused.out + refused.err
    assert (signed / ARABIC).read_bytes() == before


# -- starting a document for patients, or an edition of one ----------------------------------------------------
def test_new_public_starts_a_leaflet_as_a_draft_that_lints_without_errors(signed: Path, run) -> None:
    result = run("-C", str(signed), "new", "--public", "--title", "Parking at the scanning unit", "--author",
                 "Priya Lindqvist", "--today", TODAY)
    assert result.code == 0 and "created PUB-006 'Parking at the scanning unit' as draft 0.1" in result.out
    path = signed / "public/parking-at-the-scanning-unit.md"
    assert _field(path, "id") == "PUB-006" and _field(path, "status") == "draft"
    linted = json.loads(run("-C", str(signed), "lint", "--today", TODAY, "--format", "json").out)["findings"]
    assert [f for f in linted if f["path"] == "public/parking-at-the-scanning-unit.md" and f["severity"] == "error"] \
        == []


def test_new_edition_is_made_from_the_source_in_force_and_approved_under_its_key(signed: Path, run, keys) -> None:
    source = signed / "public/leaflets/radiation-and-pregnancy.md"
    made_from = (_field(source, "version"), _field(source, "fingerprint"))
    assert run("-C", str(signed), "bump", "PUB-002", "--minor", "--summary", "Work in progress.",
               "--today", TODAY).code == 0  # the draft is not what patients are given
    result = run("-C", str(signed), "new", "--edition-of", "PUB-002", "--lang", "ur", "--checked-by",
                 "Imran Qureshi", "--author", "Priya Lindqvist", "--today", TODAY)
    assert result.code == 0, result.err
    edition = signed / "public/leaflets/radiation-and-pregnancy.ur.md"
    assert (_field(edition, "source_version"), _field(edition, "source_fingerprint")) == made_from
    assert _field(edition, "edition_of") == "PUB-002" and _field(edition, "checked_by") == "Imran Qureshi"
    edit(edition, "## How much radiation the scan uses\n", "## اسکین میں کتنی تابکاری استعمال ہوتی ہے\n")
    approved = run("-C", str(signed), "approve", "PUB-002-ur", "--by", "registered-manager", "--key",
                   str(keys["pl"]), "--today", TODAY)
    assert approved.code == 0, approved.out + approved.err
    assert (signed / "records/approvals/PUB-002-ur/1.0.txt").is_file()


@pytest.mark.parametrize(("args", "why"), [
    (["--edition-of", "PUB-002", "--lang", "en-GB", "--checked-by", "Ann Lee"], "written in en-GB already"),
    (["--edition-of", "PUB-009", "--lang", "ar", "--checked-by", "Ann Lee"], "no approved document for patients"),
    (["--edition-of", "PUB-002", "--lang", "ar/../../x", "--checked-by", "Ann Lee"], "is not a language tag"),
    (["--edition-of", "PUB-001", "--lang", "ar", "--checked-by", "Ann Lee"], "PUB-001-ar already exists"),
    (["--edition-of", "PUB-002", "--lang", "ar"], "--checked-by"),
    (["--edition-of", "PUB-002", "--checked-by", "Ann Lee"], "--lang"),
    (["--public", "--title", "Parking\x1b[2J"], "on one line"),
    (["--category", "governance", "--title", "Something new", "--lang", "ar"], "only an edition"),
])
def test_new_refuses_in_one_line_and_writes_nothing(signed: Path, run, args: list[str], why: str) -> None:
    before = sorted(p.relative_to(signed).as_posix() for p in signed.rglob("*") if p.is_file())
    result = run("-C", str(signed), "new", *args, "--today", TODAY)
    assert result.code == 2 and why in result.err and result.err.count("\n") == 1
    assert sorted(p.relative_to(signed).as_posix() for p in signed.rglob("*") if p.is_file()) == before
