"""Change control of documents for patients against a hostile or careless author: names that coincide, a
language or id that is no name, editions of a source being revised or withdrawn, lines forged through a
language, and what git proves of versions approved before the fingerprint covered an edition's source."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from conftest import REPO, TODAY, commit, edit
from sitetools import ARABIC, EASY_READ, LEAFLET, signed_clone

from policybook.corpus import load_corpus
from policybook.evidence.fingerprint import fingerprint
from policybook.evidence.history import recorded_versions
from policybook.loader import load_markdown
from policybook.public_site.build import build_public_site
from policybook.public_site.catalogue import catalogue


@pytest.fixture
def signed(tmp_path: Path) -> Path:
    return signed_clone(tmp_path / "org")


def _field(root: Path, rel: str, key: str) -> str:
    found = re.search(rf"^{key}: (.*)$", (root / rel).read_text(encoding="utf-8"), re.M)
    assert found, key
    return found.group(1).strip().strip('"')


def _set(path: Path, key: str, value: str) -> None:
    text, count = re.subn(rf"^{key}: .*$", lambda _: f"{key}: {json.dumps(value)}",
                          path.read_text(encoding="utf-8"), count=1, flags=re.M)
    assert count == 1, key
    path.write_text(text, encoding="utf-8")


def _body(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8").split("\n---\n", 1)[1]


def _draft_edition(root: Path, rel: str, *, title: str, lang: str | None, fmt: str, version: str,
                   body_of: str = EASY_READ) -> Path:
    """A new draft edition of PUB-001, made from its version in force, with the body of ``body_of``."""
    lines = ["---", "edition_of: PUB-001", f"title: {json.dumps(title)}",
             *([f"lang: {json.dumps(lang)}"] if lang is not None else []), f"format: {fmt}",
             f'source_version: "{_field(root, LEAFLET, "version")}"',
             f'source_fingerprint: "{_field(root, LEAFLET, "fingerprint")}"',
             f'version: "{version}"', "status: draft", "owner: registered-manager", "author: Priya Lindqvist",
             "checked_by: Hollie Marsh", 'created: "2026-10-12"', "review_interval: 24",
             'next_review: "2028-11-26"', "history:", f'  - version: "{version}"', '    date: "2026-11-20"',
             "    author: Priya Lindqvist", "    summary: First issue of this edition.", "---"]
    path = root / rel
    path.write_text("\n".join(lines) + "\n" + _body(root, body_of), encoding="utf-8")
    return path


def _lint(run, root: Path) -> list[dict]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json")
    assert "Traceback" not in result.err
    return json.loads(result.out)["findings"]


def _approve(run, root: Path, what: str, keys) -> object:
    return run("-C", str(root), "approve", what, "--by", "registered-manager", "--key", str(keys["pl"]),
               "--today", TODAY)


# -- 1. statement keys that coincide ---------------------------------------------------------------------
def test_an_edition_without_a_language_does_not_overwrite_its_sources_signed_approval(signed: Path, run,
                                                                                     keys) -> None:
    """An edition with ``format: standard`` and no ``lang`` has the statement key of its source (PUB-001):
    approving it (named by its path, as the refusal of the shared key advises) must not replace the
    source's signed statement, and lint should say the two share a key."""
    statement = signed / f"records/approvals/PUB-001/{_field(signed, LEAFLET, 'version')}.txt"
    before = statement.read_text(encoding="utf-8")
    new = "public/leaflets/what-to-expect.plain.md"
    _draft_edition(signed, new, title="What happens at your bone scan (plain words)", lang=None,
                   fmt="standard", version=_field(signed, LEAFLET, "version"))
    result = _approve(run, signed, str(signed / new), keys)
    assert result.code != 0 or statement.read_text(encoding="utf-8") == before, (
        "approving the edition replaced the signed approval of PUB-001 itself")
    source_findings = [f for f in _lint(run, signed) if f["path"] == LEAFLET and f["severity"] == "error"]
    assert source_findings == [], source_findings


def test_lint_names_two_editions_whose_keys_coincide(signed: Path, run) -> None:
    """lang 'en-GB-easy-read' (a tag the schema accepts) in a standard edition gives the key
    PUB-001-en-GB-easy-read, which the easy-read edition in en-GB already has: lint says so before anyone
    signs one over the other."""
    new = "public/leaflets/what-to-expect.en-easy.md"
    _draft_edition(signed, new, title="What happens at your bone scan (easy words)", lang="en-GB-easy-read",
                   fmt="standard", version="1.1")
    findings = [f for f in _lint(run, signed) if f["path"] in (new, EASY_READ)]
    assert any("PUB-001-en-GB-easy-read" in f["message"] or f["rule"] == "public-id-clash" for f in findings), (
        findings)


def test_approving_an_edition_by_path_does_not_overwrite_another_editions_statement(signed: Path, run,
                                                                                   keys) -> None:
    statement = signed / "records/approvals/PUB-001-en-GB-easy-read/1.1.txt"
    before = statement.read_text(encoding="utf-8")
    new = "public/leaflets/what-to-expect.en-easy.md"
    _draft_edition(signed, new, title="What happens at your bone scan (easy words)", lang="en-GB-easy-read",
                   fmt="standard", version="1.1")
    result = _approve(run, signed, str(signed / new), keys)
    assert result.code != 0 and "public-id-clash" in result.out
    assert statement.read_text(encoding="utf-8") == before
    clashes = {f["path"] for f in _lint(run, signed) if f["rule"] == "public-id-clash"}
    assert clashes == {new, EASY_READ}  # both named, so neither is approved until they are told apart


# -- 2. two editions published to one page or one PDF ----------------------------------------------------
def _published(root: Path) -> list[tuple[str, str]]:
    """(output file, the statement key of the document it holds) for every page and PDF of the public site."""
    shown = [s for entry in catalogue(load_corpus(root, dt.date.fromisoformat(TODAY))) for s in entry.versions]
    return [(path, s.document.statement_key) for s in shown for path in (s.page, s.pdf, s.pdf_large)]


def _clashes(root: Path) -> dict[str, set[str]]:
    by_file: dict[str, set[str]] = {}
    for path, key in _published(root):
        by_file.setdefault(path, set()).add(key)
    return {path: keys for path, keys in by_file.items() if len(keys) > 1}


def test_two_approved_easy_read_editions_are_not_published_to_one_page(signed: Path, run, keys) -> None:
    """An easy-read edition with no lang (key PUB-001-easy-read) and the example's one in en-GB (key
    PUB-001-en-GB-easy-read) have keys of their own, are both approved, signed and lint clean, yet the site
    writes both to documents/pub-001/easy-read.md: one silently replaces the other."""
    new = "public/leaflets/what-to-expect.easy-read-2.md"
    _draft_edition(signed, new, title="Your bone scan in easy read (second)", lang=None, fmt="easy-read",
                   version="1.0")
    approved = _approve(run, signed, "PUB-001-easy-read", keys)
    assert approved.code != 0 and "would be published at the same page or PDF" in approved.out
    assert _field(signed, new, "status") == "draft"
    assert {f["path"] for f in _lint(run, signed) if f["rule"] == "public-id-clash"} == {new, EASY_READ}
    assert _clashes(signed) == {}  # the draft is not published meanwhile


def test_an_editions_pdf_is_not_another_editions_large_print_pdf(signed: Path, run, keys) -> None:
    """lang 'ar-large-print' is a tag the schema accepts; its edition's PDF is pub-001-ar-large-print.pdf,
    which is also the large-print PDF of the Arabic edition."""
    new = "public/leaflets/what-to-expect.ar-lp.md"
    _draft_edition(signed, new, title="ماذا تتوقع في فحص كثافة العظام (خط كبير)", lang="ar-large-print",
                   fmt="standard", version="1.0", body_of=ARABIC)
    approved = _approve(run, signed, "PUB-001-ar-large-print", keys)
    assert approved.code != 0 and "would be published at the same page or PDF" in approved.out
    assert {f["path"] for f in _lint(run, signed) if f["rule"] == "public-id-clash"} == {new, ARABIC}
    assert _clashes(signed) == {}


# -- 3. an edition approved ahead of its source -----------------------------------------------------------
def test_an_edition_made_from_a_draft_source_is_not_approved_into_a_lint_error(signed: Path, run, keys) -> None:
    """The gate judges a draft edition against the working source (a draft 1.1), so an edition made from
    that draft is approved; once approved it is judged against the source in force (1.0) and is an error:
    approve let through what lint then refuses, and the public site cannot be published until the source is
    approved (the Arabic edition approved before is gone from it)."""
    for key in ("PUB-001", "PUB-001-ar"):
        assert run("-C", str(signed), "bump", key, "--minor", "--summary", "Clearer wording.",
                   "--today", TODAY).code == 0
    edit(signed / LEAFLET, "## Before your scan\n", "## Before your scan\n\n- Arrive ten minutes early.\n")
    _set(signed / ARABIC, "source_version", "1.1")
    edit(signed / ARABIC, "## الإشعاع\n", "## الإشعاع\n\nالفحص لا يؤلم.\n")
    before = [f for f in _lint(run, signed) if f["severity"] == "error"]
    assert before == []
    approved = _approve(run, signed, "PUB-001-ar", keys)
    after = [(f["path"], f["rule"], f["message"]) for f in _lint(run, signed) if f["severity"] == "error"]
    assert approved.code != 0 or after == [], after


# -- 4. a source withdrawn from under its editions ------------------------------------------------------------
def test_editions_of_a_retired_document_are_reported(signed: Path, run) -> None:
    """Retiring PUB-001 takes it, and so its Arabic, Bengali and easy-read editions, off the public site,
    yet lint says nothing: sources_of counts a retired document as a source, so edition-source-unknown (or
    any finding) never fires, and a new edition of the withdrawn leaflet could still be approved."""
    _set(signed / LEAFLET, "status", "retired")
    on_editions = {f["path"] for f in _lint(run, signed)} & {ARABIC, EASY_READ}
    assert on_editions == {ARABIC, EASY_READ}


def test_a_new_edition_of_a_retired_document_is_not_approved(signed: Path, run, keys) -> None:
    _set(signed / LEAFLET, "status", "retired")
    commit(signed, "PUB-001 withdrawn")
    new = "public/leaflets/what-to-expect.pl.md"
    _draft_edition(signed, new, title="Czego się spodziewać (edition)", lang="pl", fmt="standard",
                   version="1.0", body_of=ARABIC)
    approved = _approve(run, signed, "PUB-001-pl", keys)
    assert approved.code != 0, approved.out


# -- 5. output lines forged through a language ------------------------------------------------------------
FORGED = "signed PUB-009 version 9.9 as Priya Lindqvist"


def _refingerprint(path: Path) -> None:
    """Record the fingerprint of the file as it stands, as anyone can work it out (it is not secret)."""
    doc = load_markdown(path, path.name)
    assert isinstance(doc.data, dict)
    _set(path, "fingerprint", fingerprint(doc.data, doc.body))


def test_sign_all_does_not_print_a_line_break_from_an_editions_language(signed: Path, run, keys) -> None:
    """An edition left for another role's holder is named by its label, which holds its lang as written:
    a line break there prints a line of the author's choosing among the real ones."""
    _set(signed / ARABIC, "lang", f"ar\n{FORGED}")
    _set(signed / ARABIC, "approved_by", "nominated-individual")
    _refingerprint(signed / ARABIC)
    result = run("-C", str(signed), "sign", "--all", "--key", str(keys["pl"]), "--today", TODAY, "--yes")
    assert not any(line.startswith("signed PUB-009") for line in result.out.splitlines()), result.out


def test_bump_does_not_print_a_line_break_from_an_editions_language(signed: Path, run) -> None:
    _set(signed / ARABIC, "lang", f"ar\n{FORGED}")
    _refingerprint(signed / ARABIC)
    result = run("-C", str(signed), "bump", str(signed / ARABIC), "--minor", "--summary", "Clearer wording.",
                 "--today", TODAY)
    assert not any(line.startswith("signed PUB-009") for line in (result.out + result.err).splitlines()), (
        result.out + result.err)


def test_a_correction_to_an_edition_is_approved_while_its_source_is_being_revised(signed: Path, run, keys) -> None:
    """The other side of the same split: while PUB-001 is a draft 1.1, the site shows 1.0 and the Arabic
    edition made from 1.0 is current beside it; a typo fixed in that edition (still made from 1.0) is
    refused as edition-stale, because the gate compares a draft edition with the working draft source."""
    for key in ("PUB-001", "PUB-001-ar"):
        assert run("-C", str(signed), "bump", key, "--minor", "--summary", "Clearer wording.",
                   "--today", TODAY).code == 0
    edit(signed / LEAFLET, "## Before your scan\n", "## Before your scan\n\n- Arrive ten minutes early.\n")
    edit(signed / ARABIC, "## الإشعاع\n", "## الإشعاع\n\nالفحص لا يؤلم.\n")
    approved = _approve(run, signed, "PUB-001-ar", keys)
    assert approved.code == 0, approved.out + approved.err
    assert [f for f in _lint(run, signed) if f["severity"] == "error"] == []


# -- 6. a key too long to name a folder ---------------------------------------------------------------------
def test_approving_an_edition_whose_key_is_too_long_for_a_folder_changes_nothing(signed: Path, run, keys) -> None:
    """The schema takes a language tag of any number of subtags, and names_a_folder any length; an edition
    key longer than a file name can be fails only when the statement is written, after the edition was
    saved as approved: the file is changed, and nothing signed."""
    new = "public/leaflets/what-to-expect.long.md"
    lang = "ar" + "-abcdefgh" * 30
    path = _draft_edition(signed, new, title="ماذا تتوقع (long)", lang=lang, fmt="standard", version="1.0",
                          body_of=ARABIC)
    before = path.read_bytes()
    try:
        result = _approve(run, signed, str(path), keys)
    except OSError as exc:  # what a user sees as a traceback
        pytest.fail(f"approve raised {exc.__class__.__name__}; the edition was changed: {path.read_bytes() != before}")
    assert result.code == 0 or path.read_bytes() == before, (result.code, result.err)


def test_lint_reports_rather_than_crashes_on_an_edition_key_too_long_for_a_folder(signed: Path, run) -> None:
    _set(signed / ARABIC, "lang", "ar" + "-abcdefgh" * 30)
    _refingerprint(signed / ARABIC)
    try:
        findings = _lint(run, signed)
    except OSError as exc:
        pytest.fail(f"lint raised {exc.__class__.__name__}: {str(exc)[:60]}")
    assert any(f["path"] == ARABIC and f["severity"] == "error" for f in findings)


# -- 7. one edition twice, under two spellings --------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en-gb", None])
def test_a_second_easy_read_edition_in_the_same_language_is_reported(signed: Path, run, keys,
                                                                     lang: str | None) -> None:
    """Language tags are case-insensitive, and no lang means the library's locale (en-GB): 'en-gb' and no
    lang name the language of the example's easy-read edition, yet each gets a key of its own, is
    approved and signed, and lint says nothing of a second easy-read edition in one language."""
    new = "public/leaflets/what-to-expect.easy-read-2.md"
    _draft_edition(signed, new, title="Your bone scan in easy read (again)", lang=lang, fmt="easy-read",
                   version="1.0")
    approved = _approve(run, signed, str(signed / new), keys)
    findings = [f for f in _lint(run, signed) if f["path"] in (new, EASY_READ)]
    assert approved.code != 0 or findings, approved.out


# -- 8. a language that passes the schema but names no folder --------------------------------------------
def test_an_unapproved_change_to_an_edition_is_not_published_through_a_trailing_line_break(signed: Path, run,
                                                                                        tmp_path: Path) -> None:
    """A JSON Schema pattern's ``$`` also matches before a final line break, so lang 'ar\\n' passes the
    schema; its key 'PUB-001-ar\\n' fails names_a_folder, and statement_problem then skips the signature
    check altogether (it leaves bad keys to the schema). Text nobody approved, with a fingerprint anyone can
    work out, is then lint clean and published as the Arabic edition."""
    edit(signed / ARABIC, "## الإشعاع\n", "## الإشعاع\n\nنص لم يوافق عليه أحد.\n")
    _set(signed / ARABIC, "lang", "ar\n")
    _refingerprint(signed / ARABIC)
    errors = [(f["rule"], f["message"]) for f in _lint(run, signed) if f["path"] == ARABIC and f["severity"] == "error"]
    built = build_public_site(signed, dt.date.fromisoformat(TODAY), tmp_path / "site")
    pages = (tmp_path / "site").rglob("*.html") if built == 0 else []
    published = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert errors or "نص لم يوافق عليه أحد" not in published, "unsigned text is on the public site"


def test_a_never_approved_edition_is_not_lint_clean_through_a_trailing_line_break(signed: Path, run) -> None:
    new = signed / "public/leaflets/what-to-expect.fa.md"
    _draft_edition(signed, "public/leaflets/what-to-expect.fa.md", title="ترجمه فارسی", lang="fa\n",
                   fmt="standard", version="1.0", body_of=ARABIC)
    _set(new, "status", "approved")
    edit(new, 'created: "2026-10-12"\n', 'created: "2026-10-12"\napproved_by: registered-manager\n'
         'approved_on: "2026-11-20"\n')
    _set(new, "next_review", "2028-11-20")
    edit(new, "\n---\n", '\nfingerprint: "x"\n---\n')
    _refingerprint(new)
    errors = [(f["rule"], f["message"]) for f in _lint(run, signed) if f["path"] == new.relative_to(signed).as_posix()
              and f["severity"] == "error"]
    shown = {s.document.rel for entry in catalogue(load_corpus(signed, dt.date.fromisoformat(TODAY)))
             for s in entry.versions}
    assert errors or new.relative_to(signed).as_posix() not in shown, "a never-approved edition is published"


def test_an_unsigned_change_to_a_staff_policy_is_not_lint_clean_through_a_trailing_line_break(signed: Path,
                                                                                            run) -> None:
    """The same early return now covers every policy: id 'HS-002\\n' passes the schema's pattern, names no
    folder, and so its approval is never checked against a signature."""
    policy = signed / "policies/health-safety/medical-emergencies.md"
    edit(policy, "## If someone collapses\n", "## If someone collapses\n\nA step nobody approved.\n")
    _set(policy, "id", "HS-002\n")
    _refingerprint(policy)
    errors = [(f["rule"], f["message"]) for f in _lint(run, signed)
              if f["path"] == "policies/health-safety/medical-emergencies.md" and f["severity"] == "error"]
    assert errors, "lint finds nothing wrong with an unsigned change to an approved policy"


# -- 9. what the fingerprint covers grew under approvals already in git ----------------------------------------
def test_history_still_proves_an_edition_version_git_holds_approved() -> None:
    """The Arabic edition's version 1.0 was committed approved, with its fingerprint (commit 43cb23f). Once
    the fingerprint also covered edition_of, lang and source_*, that commit no longer matches its own
    fingerprint, so `history` drops it and says 1.0 is 'from before its file's git history: not proven by
    git'. Any library upgrading loses its git proof the same way, and a public policy or document bumped to
    a draft at the upgrade has no proven version in force (it leaves the site)."""
    corpus = load_corpus(REPO, dt.date.fromisoformat(TODAY))
    versions = {v.version: v for v in recorded_versions(REPO, corpus.find("PUB-001-ar"))}
    assert "1.0" in versions and versions["1.0"].proven, versions.get("1.0")


def test_sign_all_does_not_report_two_documents_signed_into_one_statement(signed: Path, run, keys) -> None:
    """An approved standard edition in lang 'en-GB-easy-read' (approved on paper: no statement yet) and the
    example's easy-read edition share the key PUB-001-en-GB-easy-read and the version 1.1: sign --all says it
    signed both, but wrote one statement over the other, and lint then refuses one of them."""
    new = signed / "public/leaflets/what-to-expect.en-easy.md"
    _draft_edition(signed, "public/leaflets/what-to-expect.en-easy.md", title="Your bone scan (easy words)",
                   lang="en-GB-easy-read", fmt="standard", version="1.1")
    _set(new, "status", "approved")
    _set(new, "next_review", "2028-11-20")
    edit(new, 'created: "2026-10-12"\n', 'created: "2026-10-12"\napproved_by: registered-manager\n'
         'approved_on: "2026-11-20"\n')
    result = run("-C", str(signed), "sign", "--all", "--key", str(keys["pl"]), "--today", TODAY, "--yes")
    signed_lines = [line for line in result.out.splitlines() if line.startswith("signed PUB-001 (en-GB")]
    broken = [f["path"] for f in _lint(run, signed) if f["rule"] == "approval-signature"]
    assert result.code != 0 or broken == [], (signed_lines, broken)


def test_an_unsigned_document_does_not_replace_a_leaflet_on_the_public_site(signed: Path, run,
                                                                          tmp_path: Path) -> None:
    """The same gap with a source's id: a copy of PUB-001 with id 'PUB-001\\n' and its own text passes the
    schema, is no public-id-clash (the ids differ by the line break), skips the signature check, and its page
    folder is documents/pub-001 too: it is written after the real leaflet and replaces it."""
    copy = signed / "public/leaflets/what-to-expect-copy.md"
    copy.write_text((signed / LEAFLET).read_text(encoding="utf-8"), encoding="utf-8")
    _set(copy, "id", "PUB-001\n")
    edit(copy, "## Before your scan\n", "## Before your scan\n\n- Stop taking all your medicines a week before.\n")
    _refingerprint(copy)
    errors = [f["rule"] for f in _lint(run, signed) if f["severity"] == "error"]
    built = build_public_site(signed, dt.date.fromisoformat(TODAY), tmp_path / "site")
    page = tmp_path / "site/documents/pub-001/index.html"
    shown = page.read_text(encoding="utf-8") if built == 0 and page.is_file() else ""
    assert errors or "Stop taking all your medicines" not in shown, "an unsigned document replaced PUB-001's page"


@pytest.mark.parametrize("folder", ["policies/governance", ".", "policies"])
def test_a_public_folder_that_overlaps_the_policies_is_one_line(signed: Path, run, folder: str) -> None:
    config = signed / "policybook.yml"
    edit(config, "  registers: registers\n", f"  registers: registers\n  public: {folder}\n")
    result = run("-C", str(signed), "lint", "--today", TODAY)
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1
    assert "overlap: keep the documents for patients in a folder of their own" in result.err
