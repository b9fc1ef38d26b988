"""The one view of a policy (views/): its document-control rows for the site and for print, and the
templates that render them generically, escaping every value themselves."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import jinja2
import markupsafe
import pytest
from conftest import TODAY, edit

from policybook.corpus import Corpus, load_corpus
from policybook.handbook.builder import build_handbook
from policybook.model import Policy
from policybook.site.plugin import OVERRIDES
from policybook.views.addresses import confirm_page, page_url, policy_uri, site_url
from policybook.views.control import (
    DocumentControl,
    Links,
    Listing,
    Output,
    Row,
    Value,
    document_control,
    listing,
)

HAND = "policies/infection-control/hand-hygiene.md"
SITE = "https://policies.harbourside-dexa.example"
HOSTILE = '<script>alert(1)</script> #panic("typst") ] [ $x$ \\'


def _corpus(root: Path, today: str = TODAY) -> Corpus:
    return load_corpus(root, dt.date.fromisoformat(today))


def _policy(corpus: Corpus, policy_id: str) -> Policy:
    return next(p for p in corpus.policies if p.id == policy_id)


def _row(view: DocumentControl, key: str) -> Row:
    return next(row for row in view.rows if row.key == key)


def _texts(row: Row) -> list[str]:
    return [v.text for v in row.values]


def test_an_approved_policys_rows_on_the_site(example: Path) -> None:
    corpus = _corpus(example)
    hand = _policy(corpus, "IPC-002")
    links = Links({"IPC-001": "policies/infection-control/infection-prevention/"}, corpus.by_id())
    view = document_control(corpus, hand, Output.SITE, links)
    assert [r.label for r in view.facts] == [
        "Policy id", "Version", "Status", "Category", "Owner", "Author", "Approved by", "Approved on",
        "First issued", "Next review", "Reviewed every"]
    assert [r.label for r in view.lists] == [
        "External guidance", "Regulations and quality statements", "Related documents", "Risks that cite it"]
    assert (view.id, view.version, view.status, view.next_review) == ("IPC-002", "1.3", "Approved", "13 October 2027")
    assert _texts(_row(view, "owner")) == ["Infection Prevention and Control Lead"]
    assert _texts(_row(view, "review_interval")) == ["24 months"]
    assert _row(view, "next_review").values == (Value("13 October 2027"),
                                                Value("Current", kind="status", style="current"))
    guidance = _row(view, "guidance").values
    assert guidance[0].kind == "link" and guidance[0].url.startswith("https://")
    assert guidance[0].detail.endswith("Part I, section 21 (the five moments)")
    [related] = _row(view, "related").values
    assert related == Value("IPC-001 Infection prevention and control", "policies/infection-control/"
                            "infection-prevention/", kind="policy", ref="IPC-001")
    assert view.audience == ("All staff",) and view.duties[0][0] == "All staff"
    assert view.history[0].version == "1.3" and view.history[-1].summary == "First issue."


def test_an_approved_policys_rows_in_print(example: Path) -> None:
    corpus = _corpus(example)
    hand = _policy(corpus, "IPC-002")
    links = Links({"IPC-002": f"{SITE}/policies/infection-control/hand-hygiene/"}, {"IPC-002": hand})
    view = document_control(corpus, hand, Output.PRINT, links)
    assert [r.label for r in view.facts] == [
        "Policy id", "Version", "Status", "Category", "Owner", "Author", "Approved by", "Approved on",
        "First issued", "Next review", "Review interval", "Who must read it", "On the staff site"]
    assert [r.label for r in view.lists] == [
        "External guidance", "Regulations and quality statements", "Related documents", "Risks that cite it"]
    assert _texts(_row(view, "review_interval")) == ["Every 24 months"]
    assert _row(view, "next_review").values == (Value("13 October 2027"),)  # not overdue: nothing more
    assert _row(view, "url").values == (Value(f"{SITE}/policies/infection-control/hand-hygiene/",
                                              f"{SITE}/policies/infection-control/hand-hygiene/", kind="link"),)
    # IPC-001 is not among the policies in force given here: named by its id alone.
    assert _row(view, "related").values == (Value("IPC-001", detail="not in force", kind="policy", ref="IPC-001"),)


def test_an_overdue_policy_says_so_on_the_site_and_in_print(example: Path) -> None:
    corpus = _corpus(example, "2027-11-01")
    hand = _policy(corpus, "IPC-002")
    site = document_control(corpus, hand, Output.SITE)
    assert (site.review_status, site.review_label, site.overdue) == ("overdue", "Overdue by 19 days", True)
    printed = document_control(corpus, hand, Output.PRINT)
    assert _row(printed, "next_review").values[1] == Value("Overdue since 13 October 2027", kind="status",
                                                          style="overdue")
    assert _texts(_row(printed, "url")) == ["Not published on a staff site"]
    assert _texts(_row(printed, "related")) == ["IPC-001"]
    assert listing(corpus, hand) == Listing("IPC-002", "Hand hygiene", "1.3", "13 October 2027", True)


def test_a_draft_in_the_preview(example: Path) -> None:
    edit(example / HAND, "status: approved", "status: draft")
    edit(example / HAND, 'version: "1.3"', 'version: "1.4"')
    corpus = _corpus(example)
    draft = _policy(corpus, "IPC-002")
    shown = {"IPC-002": page_url(policy_uri(draft, corpus))}  # the preview shows the draft's page
    view = document_control(corpus, draft, Output.SITE, Links(shown, corpus.by_id()))
    assert (view.status, view.version) == ("Draft", "1.4")
    assert _texts(_row(view, "status")) == ["Draft"]
    # IPC-001 has no page in this preview: named, and said to be not in force.
    [related] = _row(view, "related").values
    assert (related.text, related.url, related.detail) == ("IPC-001 Infection prevention and control", "",
                                                           "not in force")


def test_a_superseded_version_is_marked_so(example: Path) -> None:
    corpus = _corpus(example)
    view = document_control(corpus, _policy(corpus, "IPC-002"), Output.SITE, superseded=True)
    assert (view.review_status, view.review_label) == ("superseded", "Superseded")
    assert _row(view, "next_review").values[1] == Value("Superseded", kind="status", style="superseded")


def test_a_policy_without_guidance_has_no_guidance_row(example: Path) -> None:
    edit(example / HAND, "guidance:\n  - id: who-hand-hygiene-2009\n    section: Part I, section 21 (the five "
                         "moments)\n  - national-ipc-manual\n", "")
    corpus = _corpus(example)
    hand = _policy(corpus, "IPC-002")
    assert hand.guidance == []
    for output in Output:
        view = document_control(corpus, hand, output)
        assert "guidance" not in [r.key for r in view.rows]
        assert "standards" in [r.key for r in view.rows]


def test_the_addresses_of_a_policy(example: Path) -> None:
    corpus = _corpus(example)
    hand = _policy(corpus, "IPC-002")
    assert policy_uri(hand, corpus) == HAND and page_url(HAND) == "policies/infection-control/hand-hygiene/"
    assert site_url(hand, corpus) == f"{SITE}/policies/infection-control/hand-hygiene/"
    assert confirm_page("https://confirm.example", hand) == "https://confirm.example/policies/IPC-002"
    assert confirm_page("https://confirm.example", hand, version=True).endswith("/IPC-002?version=1.3")


def _hostile(example: Path) -> Corpus:
    edit(example / HAND, "title: Hand hygiene", f"title: '{HOSTILE}'")
    edit(example / "registers/guidance.yml", "title: WHO Guidelines on Hand Hygiene in Health Care",
         f"title: '{HOSTILE}'")
    return _corpus(example)


def test_the_view_keeps_untrusted_text_as_written(example: Path) -> None:
    corpus = _hostile(example)
    view = document_control(corpus, _policy(corpus, "IPC-002"), Output.SITE)
    assert view.title == HOSTILE and _row(view, "guidance").values[0].text == HOSTILE


def test_the_site_panel_escapes_every_value(example: Path) -> None:
    corpus = _hostile(example)
    view = document_control(corpus, _policy(corpus, "IPC-002"), Output.SITE)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(OVERRIDES)), autoescape=False)
    env.filters["url"] = lambda value: value
    page = env.get_template("partials/policybook-panel.html").render(view=view, pb={"view": view})
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-pb="id">IPC-002<' in page and 'data-pb="review_status">Current<' in page
    for row in view.rows:  # every row is shown, whatever it is: the template knows none by name
        assert f"{row.label}<" in page
        assert all(str(markupsafe.escape(value.text)) in page for value in row.values), row


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (.ci/run)")
def test_the_handbook_prints_untrusted_text_as_written(example: Path, tmp_path: Path) -> None:
    corpus = _hostile(example)
    pdf = build_handbook(corpus, tmp_path / "handbook.pdf")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert '<script>alert(1)</script> #panic("typst") ] [ $x$ \\' in text
    assert text.count("alert(1)") >= 3  # the title in the contents and over the policy, the guidance
    # A related policy in the same handbook is a reference to its page there.
    assert re.search(r"IPC-001 Infection prevention and control, page \d+", text)
