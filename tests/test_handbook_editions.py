"""Role editions on the staff site and on the command line, and what `policybook handbook` exits with."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TODAY, edit
from pypdf import PdfReader
from sitetools import copy_example, policybook

from policybook.corpus import load_corpus
from policybook.handbook.builder import build_handbook, select_role
from policybook.handbook.convert import PolicyContentError
from policybook.handbook.editions import role_editions

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (.ci/run)")


def _text(pdf: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_the_site_publishes_and_links_an_edition_for_each_role_with_policies_of_its_own(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "org")
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr[-2000:]
    corpus = load_corpus(root, dt.date.fromisoformat(TODAY))
    editions = role_editions(corpus)
    assert len(editions) >= 5
    home = (root / "site/index.html").read_text(encoding="utf-8")
    assert "Handbooks by role" in home
    linked = set(re.findall(r'href="(handbook/roles/[^"]+)"', home))
    expected = {f"handbook/{e.path(large)}" for e in editions for large in (False, True)}
    assert linked == expected
    for edition in editions:
        pdf = root / "site/handbook" / edition.path()
        assert pdf.read_bytes().startswith(b"%PDF-"), edition.role
        assert (root / "site/handbook" / edition.path(True)).read_bytes().startswith(b"%PDF-")
        own = select_role(corpus, edition.role)
        assert [item.title for item in PdfReader(pdf).outline] == [p.title for p in own], edition.role
        assert f">{html.escape(edition.title)} (PDF)</a>" in home, edition.role
    # Every policy addressed to a role alone is now in a PDF on the site.
    in_a_pdf = {p.id for e in editions for p in select_role(corpus, e.role)}
    assert in_a_pdf == {p.id for p in corpus.published() if "all-staff" not in p.audience}


def test_handbook_role_writes_the_roles_edition_where_the_site_puts_it(example: Path, run) -> None:
    result = run("-C", str(example), "handbook", "--role", "radiographer", "--today", TODAY)
    assert result.code == 0, result.err
    pdf = example / "site/handbook/roles/radiographer.pdf"
    assert "Radiographer handbook" in _text(pdf) and "Also read: the staff handbook" in _text(pdf)
    result = run("-C", str(example), "handbook", "--role", "radiographer", "--large-print", "--today", TODAY)
    assert result.code == 0, result.err
    assert (example / "site/handbook/roles/large-print/radiographer.pdf").is_file()
    # --audience still prints everything one role must read, in one PDF.
    result = run("-C", str(example), "handbook", "--audience", "radiographer", "--today", TODAY)
    assert result.code == 0, result.err
    text = _text(example / "site/handbook/staff-handbook-radiographer.pdf")
    assert "Document control" in text and "Chaperones" in text


@pytest.mark.parametrize("arguments", [
    ("--role", "nobody"),
    ("--role", "all-staff"),
    ("--role", "caldicott-guardian"),  # a registered role with no policy of its own: no edition to print
    ("--role", "radiographer", "--audience", "radiographer"),
    ("--audience", "nobody"),
])
def test_a_bad_command_line_or_role_exits_2(example: Path, run, arguments: tuple[str, ...]) -> None:
    result = run("-C", str(example), "handbook", *arguments, "--today", TODAY)
    assert result.code == 2, (result.out, result.err)
    assert not (example / "site/handbook").exists()


def test_a_policy_at_fault_exits_1_with_the_finding(example: Path, run) -> None:
    hand = example / "policies/infection-control/hand-hygiene.md"
    edit(hand, "## Technique", "![Poster](poster.png)\n\n## Technique")
    (hand.parent / "poster.png").write_text("not an image", encoding="utf-8")
    result = run("-C", str(example), "handbook", "--today", TODAY)
    assert result.code == 1
    assert "policies/infection-control/hand-hygiene.md:" in result.err and "poster.png" in result.err
    assert not (example / "site/handbook/staff-handbook.pdf").exists()


def test_a_policy_that_cannot_be_typeset_is_named_as_the_fault(example: Path) -> None:
    """When lint is not run first (the library's own scripts), the error still names the policy, as a
    fault of its content rather than of the settings."""
    hand = example / "policies/infection-control/hand-hygiene.md"
    edit(hand, "## Technique", "![Poster](poster.png)\n\n## Technique")
    (hand.parent / "poster.png").write_text("not an image", encoding="utf-8")
    with pytest.raises(PolicyContentError) as caught:
        build_handbook(load_corpus(example, dt.date.fromisoformat(TODAY)), example / "out.pdf")
    assert caught.value.path == "policies/infection-control/hand-hygiene.md" and "poster.png" in caught.value.message
