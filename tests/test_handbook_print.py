"""What every printed page and every control block of the handbook says, where the running head and
foot sit, how tables break, role editions, overdue reviews and hostile text: read back from the PDFs
with poppler (pdftotext, -bbox-layout) and pypdf."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import EXAMPLE_PARTS, REPO, TODAY, edit, strip_fingerprints, unsign
from pypdf import PdfReader

from policybook.corpus import Corpus, load_corpus
from policybook.dates import long_date
from policybook.handbook.builder import Variant, build_handbooks, select, select_role
from policybook.handbook.editions import role_editions, safe_stem
from policybook.views.addresses import site_urls

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (.ci/run)")

MM = 72 / 25.4  # points in a millimetre
EDGE = 10 * MM  # what any printer prints: nothing of ours closer to an edge than this
HOSTILE_TITLE = '#import "x.typ": * #read("/etc/passwd") $x^2$ ] [ // not a comment \\ #eval("1+1")'
HOSTILE_DUTY = 'Run #read("/etc/passwd") and $ math $ ] */ // \\\\ #set page(fill: red)'
ROWS = 40
LONG_CELL_WORDS = 700


def _policy(policy_id: str, title: str, body: str, *, audience: str = "all-staff", related: str = "",
            duty: str = "Keeps this policy up to date.") -> str:
    """A complete approved policy in the example's style (ids and registers that exist)."""
    return f"""---
id: {policy_id}
title: {title}
version: "1.0"
status: approved
category: health-safety
owner: registered-manager
author: Kit Marlowe-Best
created: "2025-01-06"
approved_by: registered-manager
approved_on: "2025-01-06"
review_interval: 24
next_review: "2027-01-06"
audience: {audience}
roles:
  registered-manager:
    - {duty}
guidance:
  - hse-first-aid-l74
standards:
  - hsca-reg-12
{related}history:
  - version: "1.0"
    date: "2025-01-06"
    author: Kit Marlowe-Best
    summary: First issue.
---

## Purpose

{body}
"""


def _long_table() -> str:
    rows = ["| Step | What to do |", "|---|---|"]
    for number in range(1, ROWS + 1):
        words = " ".join(f"detail{number:02d}x{word}" for word in range(22))
        rows.append(f"| R{number:02d}start | {words} R{number:02d}end |")
    tall = " ".join(f"w{word:04d}" for word in range(LONG_CELL_WORDS))
    return ("Each step of the check, in order.\n\n" + "\n".join(rows) + "\n\nOne step is longer than a page.\n\n"
            f"| Step | What to do |\n|---|---|\n| Tall | {tall} |\n")


@dataclass(frozen=True)
class Editions:
    root: Path
    corpus: Corpus
    standard: Path
    large: Path
    role: Path
    role_large: Path


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Editions:
    """The example with: a policy with a long table, a policy whose title and duty are Typst markup (a
    related document of GOV-001), an overdue review and a related document only on the staff site."""
    root = tmp_path_factory.mktemp("library") / "org"
    root.mkdir()
    for part in EXAMPLE_PARTS:
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / part)
    strip_fingerprints(unsign(root))
    folder = root / "policies/health-safety"
    (folder / "long-table.md").write_text(_policy("HS-090", "Daily unit checks", _long_table()), encoding="utf-8")
    quoted = '"' + HOSTILE_TITLE.replace("\\", "\\\\").replace('"', '\\"') + '"'
    duty = '"' + HOSTILE_DUTY.replace("\\", "\\\\").replace('"', '\\"') + '"'
    (folder / "hostile.md").write_text(_policy("HS-091", quoted, "Plain text.", duty=duty), encoding="utf-8")
    edit(root / "policies/governance/document-control.md", "related:\n  - WF-001",
         "related:\n  - WF-001\n  - HS-091\n  - CLN-001")
    edit(root / "policies/infection-control/hand-hygiene.md", 'next_review: "2027-10-13"', 'next_review: "2026-03-02"')
    corpus = load_corpus(root, dt.date.fromisoformat(TODAY))
    out = root / "out"
    paths = build_handbooks(corpus, [Variant(out / "standard.pdf"), Variant(out / "large.pdf", True),
                                     Variant(out / "role.pdf", role="radiographer"),
                                     Variant(out / "role-large.pdf", True, "radiographer")])
    return Editions(root, corpus, *paths)


# -- reading the PDFs ------------------------------------------------------------------------------------
def _text(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else []) + [str(pdf), "-"]
    flat = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return " ".join(flat.split())


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _in_order(pdf: Path) -> str:
    """The text in the order it was written (a table cell's lines together), without spaces."""
    return _squeezed(subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True,
                                    check=True).stdout)


def _pages(pdf: Path) -> list[str]:
    """The text of each page, in order (pdftotext separates pages with a form feed)."""
    raw = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in raw.split("\f")][: len(PdfReader(pdf).pages)]


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def _words(pdf: Path) -> list[tuple[float, float, list[list[Word]]]]:
    """Each page's width, height and lines of words with their boxes (points, from the top left)."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    space = "{http://www.w3.org/1999/xhtml}"
    pages = []
    for page in ElementTree.fromstring(xml).iter(f"{space}page"):
        lines = [[Word(w.text or "", *(float(w.get(k) or 0) for k in ("xMin", "yMin", "xMax", "yMax")))
                  for w in line.iter(f"{space}word")] for line in page.iter(f"{space}line")]
        pages.append((float(page.get("width") or 0), float(page.get("height") or 0), lines))
    return pages


def _runs(pdf: Path, index: int) -> list[tuple[str, float, float]]:
    """(text, font size in points, height above the bottom edge) of each text run on a page."""
    runs: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            runs.append((text, size * abs(tm[3]) * abs(cm[3] or 1), tm[5] * (cm[3] or 1) + cm[5]))

    PdfReader(pdf).pages[index].extract_text(visitor_text=visit)
    return runs


def _policy_pages(pdf: Path, corpus: Corpus, audience: str | None = None,
                  role: str | None = None) -> dict[int, str]:
    """Page number -> id of the policy on it, from the bookmarks (one per policy, at its first page)."""
    reader = PdfReader(pdf)
    policies = select_role(corpus, role) if role else select(corpus, audience)
    starts = [reader.get_destination_page_number(item) + 1 for item in reader.outline]
    assert [item.title for item in reader.outline] == [p.title for p in policies]
    ends = [*starts[1:], len(reader.pages) + 1]
    return {page: policy.id or "" for policy, start, end in zip(policies, starts, ends, strict=True)
            for page in range(start, end)}


# -- every page --------------------------------------------------------------------------------------------
def test_every_page_states_its_policy_version_review_page_edition_and_that_it_is_uncontrolled(
        editions: Editions) -> None:
    corpus = editions.corpus
    by_id = corpus.by_id()
    edition_date = f"Edition of {long_date(corpus.today)}"
    for pdf, role in ((editions.standard, None), (editions.large, None), (editions.role, "radiographer"),
                      (editions.role_large, "radiographer")):
        pages = _pages(pdf)
        owners = _policy_pages(pdf, corpus, role=role)
        assert len(owners) > 5 and min(owners) > 2  # a cover and contents come first
        for number, text in enumerate(pages, start=1):
            assert f"Page {number} of {len(pages)}" in text, (pdf.name, number)
            assert edition_date in text, (pdf.name, number)
            assert "Uncontrolled when printed: check the staff site" in text, (pdf.name, number)
            if number in owners:
                policy = by_id[owners[number]]
                assert f"{policy.id} version {policy.version_text}" in text, (pdf.name, number)
                assert f"Next review {long_date(policy.next_review)}" in text, (pdf.name, number)
            else:
                assert corpus.config.name in text, (pdf.name, number)
        assert f"Uncontrolled when printed: check the staff site at {corpus.config.site_url}" in _text(
            editions.standard, 1)


def test_the_large_print_running_head_and_foot_are_16_point_and_inside_the_printable_area(
        editions: Editions) -> None:
    for pdf in (editions.large, editions.role_large):
        pages = _words(pdf)
        for index, (width, height, lines) in enumerate(pages):
            words = [word for line in lines for word in line]
            assert words, (pdf.name, index)
            for word in words:
                assert word.x0 >= EDGE and word.y0 >= EDGE, (pdf.name, index + 1, word)
                assert width - word.x1 >= EDGE and height - word.y1 >= EDGE, (pdf.name, index + 1, word)
            foot = [line for line in lines if line and line[0].text in ("Page", "Uncontrolled")
                    and line[0].y0 > height * 0.85]
            assert len(foot) == 2, (pdf.name, index + 1, foot)
            head = [line for line in lines if line and line[0].y1 < 34 * MM]
            assert len(head) == 2, (pdf.name, index + 1, head)
            runs = _runs(pdf, index)
            running = [(text, size) for text, size, y in runs if y < 36 * MM or y > height - 34 * MM]
            assert running and all(size >= 16 for _, size in running), (pdf.name, index + 1, running)
    # The standard edition keeps its small running head and foot, inside the same printable area.
    for width, height, lines in _words(editions.standard):
        for word in (word for line in lines for word in line):
            assert min(word.x0, word.y0, width - word.x1, height - word.y1) >= EDGE, word


def test_no_table_row_is_split_across_pages(editions: Editions) -> None:
    for pdf in (editions.standard, editions.large):
        pages = _pages(pdf)
        found = {}
        for number in range(1, ROWS + 1):
            start = [index for index, text in enumerate(pages) if f"R{number:02d}start" in text]
            end = [index for index, text in enumerate(pages) if f"R{number:02d}end" in text]
            assert len(start) == 1 and start == end, (pdf.name, number, start, end)
            found[number] = start[0]
        assert len(set(found.values())) >= 2, pdf.name  # the table did run over more than one page


def test_a_table_cell_longer_than_a_page_is_printed_whole(editions: Editions) -> None:
    """Its rows may break (else the page would cut the cell off): every word of it is in the PDF."""
    for pdf in (editions.standard, editions.large):
        words = set(_text(pdf).split())
        assert {f"w{word:04d}" for word in range(LONG_CELL_WORDS)} <= words, pdf.name


def test_table_columns_follow_their_content_not_the_first_column(editions: Editions) -> None:
    """Large print: a long role title does not squeeze the duties beside it into two words a line."""
    for width, _, lines in _words(editions.large):
        words = [[w for w in line if w.text != "•"] for line in lines]
        duty = next((line for line in words if [w.text for w in line[:3]] == ["Keeps", "the", "annual"]), None)
        if duty is None:
            continue
        text_width = width - 2 * 20 * MM
        assert duty[0].x0 - 20 * MM < 0.45 * text_width  # the role column takes about a third at most
        assert len(duty) >= 4  # it was one or two words a line beside the role's full title
        break
    else:
        pytest.fail("IPC-001's first duty was not found")


# -- the control block ----------------------------------------------------------------------------------
def test_the_control_block_is_as_complete_as_the_staff_sites_panel(editions: Editions) -> None:
    urls = site_urls(editions.corpus)
    for pdf in (editions.standard, editions.large):
        text = _text(pdf)
        control = text[text.index("GOV-001 version 2.1"):text.index("Purpose This policy sets out how")]
        for fact in ("Policy id GOV-001", "Version 2.1", "Status Approved", "Category Governance and quality",
                     "Owner Registered Manager", "Author Priya Lindqvist", "Approved by Nominated Individual",
                     "Approved on 26 November 2026", "First issued 12 April 2021", "Next review 26 November 2028",
                     "Review interval Every 24 months", "Who must read it All staff",
                     "Roles and responsibilities", "External guidance", "Regulations and quality statements",
                     "Regulation 17: Good governance", "Related documents", "WF-001 Mandatory training, page",
                     "CLN-001 Referral and exclusion criteria:"):
            assert fact in control, (pdf.name, fact)
        joined = "".join(control.split())  # addresses may wrap
        assert f"criteria:{urls['CLN-001']}" in joined and f"site{urls['GOV-001']}" in joined, pdf.name
        first_aid = text[text.index("HS-003 version"):]
        assert "Equipment covered • first aid kit" in first_aid[:3000], pdf.name
    # On the page of GOV-001's related documents: CLN-001 is not in this PDF, so its link goes to the staff
    # site; WF-001 is, so its link stays inside the PDF.
    reader = PdfReader(editions.standard)
    [index] = [i for i, text in enumerate(_pages(editions.standard))
               if "GOV-001 version" in text and "WF-001 Mandatory training, page" in text]
    annotations = [a.get_object() for a in reader.pages[index].get("/Annots", [])]
    targets = {str(a.get("/A", {}).get("/URI", "")) for a in annotations}
    assert urls["CLN-001"] in targets and urls["WF-001"] not in targets
    assert any("/Dest" in a or a.get("/A", {}).get("/S") == "/GoTo" for a in annotations)


def test_an_overdue_review_is_marked(editions: Editions) -> None:
    for pdf in (editions.standard, editions.large):
        text = _text(pdf)
        hand = text[text.index("Hand hygiene Item Detail"):]
        assert "Next review 2 March 2026 Overdue since 2 March 2026" in hand[:1500], pdf.name
        assert "Next review 2 March 2026: overdue" in text
        assert "2 March 2026 (overdue)" in text  # the contents of the edition
        assert text.count("Overdue since") == 1  # no other policy is overdue
    # The day the corpus is read decides it: before the date, the policy is not overdue.
    corpus = load_corpus(editions.root, dt.date(2026, 3, 1))
    [early] = build_handbooks(corpus, [Variant(editions.root / "out/early.pdf")])
    text = _text(early)
    assert "Overdue since" not in text and ": overdue" not in text and "(overdue)" not in text


def test_typst_markup_in_a_related_title_and_a_duty_stays_text(editions: Editions) -> None:
    title, duty = _squeezed(HOSTILE_TITLE), _squeezed(HOSTILE_DUTY)
    for pdf in (editions.standard, editions.large):
        text = _in_order(pdf)  # long titles wrap, so spaces are left out of the comparison
        control = text[text.index("GOV-001version2.1"):text.index("PurposeThispolicysetsouthow")]
        assert f"HS-091{title},page" in control, pdf.name
        assert title in text[text.index("HS-091version"):] and duty in text, pdf.name
        assert "root:x:0:0" not in text and "Policiesmovedtothepolicylibrary" in text


# -- role editions ---------------------------------------------------------------------------------------
def test_a_role_edition_holds_the_roles_own_policies_and_lists_the_staff_handbook(editions: Editions) -> None:
    corpus = editions.corpus
    own = select_role(corpus, "radiographer")
    assert own and all("all-staff" not in p.audience and "radiographer" in p.audience for p in own)
    assert [item.title for item in PdfReader(editions.role).outline] == [p.title for p in own]
    text = _text(editions.role)
    assert "Radiographer handbook" in text
    ordered = _in_order(editions.role)
    also = ordered[ordered.index("Alsoread:thestaffhandbook"):]
    for policy in select(corpus, None):
        assert _squeezed(f"{policy.id} {policy.title}") in also, policy.id
    assert f"{corpus.config.site_url}/handbook/staff-handbook.pdf" in also[:400]


def test_every_role_with_policies_of_its_own_has_an_edition() -> None:
    corpus = load_corpus(REPO, dt.date.fromisoformat(TODAY))
    named = {role for p in corpus.published() if "all-staff" not in p.audience for role in p.audience}
    editions = role_editions(corpus)
    assert {e.role for e in editions} == named and len(named) >= 5
    assert {e.policies for e in editions if e.role == "radiographer"} == {len(select_role(corpus, "radiographer"))}
    paths = [e.path() for e in editions] + [e.path(True) for e in editions]
    assert len(set(paths)) == len(paths) and all(p.startswith("roles/") for p in paths)


def test_role_file_names_are_safe_and_distinct() -> None:
    assert safe_stem("../../etc/passwd") == "etc-passwd"
    assert safe_stem("Ward Sister (nights)") == "ward-sister-nights"
    assert safe_stem("...") == "role" and safe_stem("-x-") == "x"


def test_a_long_name_or_address_never_pushes_the_running_head_or_foot_off_the_printable_area(
        tmp_path: Path) -> None:
    root = tmp_path / "org"
    root.mkdir()
    for part in EXAMPLE_PARTS:
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / part)
    name = "Harbourside " + "Mobile Bone Density Scanning Partnership " * 6 + "Ltd"
    edit(root / "policybook.yml", "name: Harbourside Mobile DEXA Ltd", f"name: {name}")
    edit(root / "policybook.yml", "site_url: https://policies.harbourside-dexa.example",
         "site_url: https://policies.harbourside-dexa.example/" + "a-very-long-path/" * 8)
    corpus = load_corpus(root, dt.date.fromisoformat(TODAY))
    for large in (False, True):
        [pdf] = build_handbooks(corpus, [Variant(root / f"{large}.pdf", large)])
        for width, height, lines in _words(pdf):
            for word in (word for line in lines for word in line):
                assert min(word.x0, word.y0, width - word.x1, height - word.y1) >= EDGE, (large, word)
        cover = _text(pdf, 1)
        assert "Harbourside Mobile Bone Density" in cover and "…" in cover  # shortened in the head only
        assert _squeezed(name) in _in_order(pdf)  # in full on the cover
        assert "Uncontrolled when printed: check the staff site" in cover


def test_bodies_converted_together_are_the_bodies_converted_one_at_a_time(tmp_path: Path) -> None:
    """The handbook converts bodies in one pandoc run (convert_all): each comes out as it does alone,
    even a body whose text looks like the marks between them."""
    from policybook.handbook.convert import BodyConverter

    root = tmp_path / "org"
    root.mkdir()
    for part in EXAMPLE_PARTS:
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / part)
    (root / "policies/health-safety/marks.md").write_text(_policy(
        "HS-092", "Marks", "// pb-split-0123456789abcdef-1\n\n    // pb-split-0123456789abcdef-2\n\nEnd."),
        encoding="utf-8")
    corpus = load_corpus(root, dt.date.fromisoformat(TODAY))
    policies = select(corpus, None)
    urls = site_urls(corpus)

    def converter(folder: str) -> BodyConverter:
        (tmp_path / folder).mkdir()
        return BodyConverter(tmp_path / folder, {p.id for p in policies if p.id}, urls, root=corpus.root,
                             policies_dir=corpus.config.policies_path, by_id=corpus.by_id(),
                             site_url=corpus.config.site_url)

    one_at_a_time = converter("alone")
    alone = [one_at_a_time.convert(p) for p in policies]
    all_at_once = converter("together")
    together = all_at_once.convert_all(policies)
    # Each converter marks an urgent section with a key of its own; the rest must be the same.
    assert [a.strip().replace(one_at_a_time.urgent_mark, "URGENT") for a in alone] == \
        [t.strip().replace(all_at_once.urgent_mark, "URGENT") for t in together]
    assert any("URGENT" in a.replace(one_at_a_time.urgent_mark, "URGENT") for a in alone)
    assert any("pb-split-0123456789abcdef-2" in t for t in together)
