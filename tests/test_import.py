"""policybook import: Word documents and Markdown with other tools' frontmatter brought in as draft
policies. The Word documents are made here with python-docx, so each test says exactly what it imports."""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import word_fixtures
from conftest import TODAY
from docx import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader
from sitetools import add_site_files, png_bytes, policybook

from policybook.errors import PolicybookError
from policybook.importing import pandoc
from policybook.importing.dates import read_date
from policybook.loader import load_markdown
from policybook.markdown import dialect
from policybook.render import render_body

PICTURE = png_bytes(40, 20)
ALT = "Poster showing the four cleaning steps"
TITLE = "Decontaminating the scan table"
POLICY = "policies/infection-control/decontaminating-the-scan-table.md"
CONTROL = [("Version", "2.1"), ("Author", "Priya Lindqvist"), ("Owner", "IPC Lead"),
           ("Approved by", "Registered Manager"), ("Date approved", "3 March 2025"), ("Review date", "03/03/2027"),
           ("Equality impact assessment", "Completed")]
HISTORY = [("2.1", "3 March 2025", "Priya Lindqvist", "Wipes changed."),
           ("2.0", "12/01/2024", "Priya Lindqvist", "Rewritten for the mobile unit."),
           ("1.0", "1 June 2022", "Tomasz Quill", "First issue.")]
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


# -- making Word documents -----------------------------------------------------------------------------
def _numbering(document: WordDocument, number: int, kind: str) -> int:
    """A three-level list definition (python-docx's template has one level only), as Word writes them."""
    part = document.part.numbering_part.element
    marker = "%{}." if kind == "decimal" else "\u2022"
    levels = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{kind}"/>'
                     f'<w:lvlText w:val="{marker.format(i + 1)}"/><w:pPr><w:ind w:left="{720 * (i + 1)}" '
                     'w:hanging="360"/></w:pPr></w:lvl>' for i in range(3))
    part.find(qn("w:num")).addprevious(parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{number}">{levels}</w:abstractNum>'))
    part.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{number}"><w:abstractNumId w:val="{number}"/></w:num>'))
    return number


def _item(document: WordDocument, text: str, level: int, numbering: int) -> Paragraph:
    paragraph = document.add_paragraph(text, style="List Paragraph")
    paragraph._p.get_or_add_pPr().insert(0, parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{numbering}"/></w:numPr>'))
    return paragraph


def _table(document: WordDocument, rows: list[tuple[str, ...]]) -> None:
    table = document.add_table(rows=0, cols=len(rows[0]))
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _word(path: Path, control: list[tuple[str, str]] = CONTROL, history: list[tuple[str, ...]] = HISTORY,
          title: str = TITLE) -> Path:
    """A policy as a small provider keeps it in Word: title, document-control table, version history,
    headings, nested lists, a table, a link and a picture with alternative text."""
    document = WordDocument()
    document.add_heading(title, 0)
    _table(document, control)
    document.add_heading("Version history", 1)
    _table(document, [("Version", "Date", "Author", "Changes"), *history])
    document.add_heading("Purpose", 1)
    document.add_paragraph("The scan table is cleaned between patients so that no infection passes from one "
                           "patient to the next.")
    document.add_heading("Procedure", 1)
    steps, points = _numbering(document, 90, "decimal"), _numbering(document, 91, "bullet")
    _item(document, "Put on gloves before you start.", 0, steps)
    _item(document, "Take a fresh wipe from the tub.", 1, steps)
    _item(document, "Clean the mattress from head to foot.", 0, steps)
    document.add_heading("Products", 2)
    _table(document, [("Surface", "Product"), ("Mattress", "Combined detergent and disinfectant wipe")])
    paragraph = document.add_paragraph("Read the ")
    relation = document.part.relate_to("https://www.england.nhs.uk/", HYPERLINK, is_external=True)
    paragraph._p.append(parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id="{relation}"><w:r><w:t>national manual'
                                  '</w:t></w:r></w:hyperlink>'))
    paragraph.add_run(" for more detail.")
    _item(document, "Check the wipe is in date.", 0, points)
    _item(document, "Keep the tub closed.", 1, points)
    picture = document.add_picture(io.BytesIO(PICTURE), width=Inches(2))
    picture._inline.docPr.set("descr", ALT)
    document.add_heading("Monitoring", 1)
    document.add_paragraph("The audit each quarter checks the cleaning record.")
    document.save(str(path))
    return path


def _source_paragraphs(path: Path, skip_tables: int = 2) -> list[str]:
    """Every paragraph of the Word file's body and of its tables after the first ``skip_tables`` (the
    document-control tables), except the title and the heading of the version history."""
    document = WordDocument(str(path))
    texts = [p.text for p in document.paragraphs if p.style.name != "Title" and p.text != "Version history"]
    for table in document.tables[skip_tables:]:
        texts += [p.text for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return [" ".join(text.split()) for text in texts if text.strip()]


# -- reading results -----------------------------------------------------------------------------------
def _import(run, root: Path, *args: str):
    return run("-C", str(root), "import", *args, "--today", TODAY)


def _frontmatter(path: Path) -> dict[str, object]:
    return load_markdown(path, path.name).data


def _body(path: Path) -> str:
    return load_markdown(path, path.name).body


def _words(body: str) -> str:
    """The body's text as a reader sees it, parsed in the policy dialect: no markup, escapes or line breaks."""
    parts: list[str] = []
    for token in dialect().parse(body):
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
        parts.append(" ")
    return " ".join("".join(parts).split())


def _lint(run, root: Path) -> tuple[int, list[dict[str, object]]]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json")
    return result.code, json.loads(result.out)["findings"]


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- Word ----------------------------------------------------------------------------------------------
def test_a_word_policy_comes_in_as_a_draft_that_lints_clean(example: Path, run, tmp_path: Path) -> None:
    source = _word(tmp_path / "Scan table cleaning.docx")
    result = _import(run, example, str(source), "--category", "infection-control", "--guidance",
                     "national-ipc-manual")
    assert result.code == 0, result.err
    assert f"as IPC-006 '{TITLE}', draft 2.1, at {POLICY} with 1 picture(s)" in result.out
    path = example / POLICY
    data = _frontmatter(path)
    assert {key: data[key] for key in ("id", "title", "version", "status", "category", "owner", "author", "created",
                                       "review_interval", "next_review", "audience", "guidance")} == {
        "id": "IPC-006", "title": TITLE, "version": "2.1", "status": "draft", "category": "infection-control",
        "owner": "ipc-lead", "author": "Priya Lindqvist", "created": "2022-06-01", "review_interval": 24,
        "next_review": "2027-03-03", "audience": "all-staff", "guidance": ["national-ipc-manual"]}
    assert "approved_by" not in data and "approved_on" not in data
    assert data["history"] == [
        {"version": "2.1", "date": "2025-03-03", "author": "Priya Lindqvist", "summary": "Wipes changed."},
        {"version": "2.0", "date": "2024-01-12", "author": "Priya Lindqvist",
         "summary": "Rewritten for the mobile unit."},
        {"version": "1.0", "date": "2022-06-01", "author": "Tomasz Quill", "summary": "First issue."}]
    assert (path.parent / "decontaminating-the-scan-table" / "image-1.png").read_bytes() == PICTURE

    body = _body(path)
    assert f"![{ALT}](decontaminating-the-scan-table/image-1.png)" in body
    assert "## Purpose" in body and "\n### Products\n" in body and "# " + TITLE not in body
    assert "1.  Put on gloves before you start.\n\n    1.  Take a fresh wipe from the tub." in body
    assert "- Check the wipe is in date.\n\n  - Keep the tub closed." in body
    assert "| Mattress | Combined detergent and disinfectant wipe |" in body
    assert "[national manual](https://www.england.nhs.uk/)" in body
    assert "Version" not in body and "Priya" not in body  # the control tables are frontmatter now
    words = _words(body)
    for paragraph in _source_paragraphs(source):
        assert paragraph in words, paragraph

    code, findings = _lint(run, example)
    assert findings == [] and code == 0
    report = (example / "records/imports/IPC-006.md").read_text(encoding="utf-8")
    assert "| Equality impact assessment | Completed | table 1, row 7 |" in report
    assert "not mapped: Equality impact assessment: Completed (table 1, row 7)" in result.out
    assert "12/01/2024" in report and "read as 12 January 2024 (day first)" in report
    assert "records an approval on 2025-03-03 by 'Registered Manager': it was not kept" in report


def test_with_approved_the_policy_is_approved_as_before_and_is_published_with_its_picture(
        example: Path, run, tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("needs poppler-utils (.ci/run)")
    add_site_files(example)
    source = _word(tmp_path / "scan-table.docx")
    result = _import(run, example, str(source), "--category", "infection-control", "--approved", "--guidance",
                     "national-ipc-manual")
    assert result.code == 0, result.err
    data = _frontmatter(example / POLICY)
    assert data["status"] == "draft" and data["history"][0] == {
        "version": "2.1", "date": "2025-03-03", "author": "Priya Lindqvist",
        "summary": "Wipes changed. Approved by Registered Manager on 3 March 2025, before import into policybook."}
    report = (example / "records/imports/IPC-006.md").read_text(encoding="utf-8")
    assert "`policybook approve IPC-006 --by registered-manager --on 2025-03-03`" in report

    approved = run("-C", str(example), "approve", "IPC-006", "--by", "registered-manager", "--on", "2025-03-03",
                   "--today", TODAY)
    assert approved.code == 0, approved.err
    data = _frontmatter(example / POLICY)
    assert (data["status"], data["version"], data["approved_on"]) == ("approved", "2.1", "2025-03-03")
    assert [h["version"] for h in data["history"]] == ["2.1", "2.0", "1.0"]

    built = policybook(example, "build", "--today", TODAY)
    assert built.returncode == 0, built.stderr
    page = example / "site/policies/infection-control/decontaminating-the-scan-table"
    assert f'<img src="image-1.png" alt="{ALT}">' in (page / "index.html").read_text(encoding="utf-8")
    assert (page / "image-1.png").read_bytes() == PICTURE
    assert not [p for p in (example / "site").rglob("*") if "imports" in p.parts]  # the report stays private
    pdf = example / "site/handbook/staff-handbook.pdf"
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Put on gloves before you start." in text and "Take a fresh wipe from the tub." in text
    assert ALT in _figure_alt_texts(PdfReader(pdf))


def _figure_alt_texts(reader: PdfReader) -> list[str]:
    """The /Alt of every Figure in the PDF's structure tree: a picture really drawn, with its description."""
    found: list[str] = []
    stack: list[object] = [reader.trailer["/Root"]["/StructTreeRoot"]]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        item = item.get_object() if hasattr(item, "get_object") else item
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, list):
            stack.extend(item)
        elif hasattr(item, "get"):
            if item.get("/S") == "/Figure" and "/Alt" in item:
                found.append(str(item["/Alt"]))
            if item.get("/K") is not None:
                stack.append(item["/K"])
    return found


@pytest.mark.parametrize(("approved", "message"), [
    ("3 March 2027", "the approval date in {name}, 2027-03-03, is in the future"),
    ("3 March 2021", "the approval date in {name}, 2021-03-03, is before the policy was created (2022-06-01)"),
    ("March 2025", "gives no approval date that can be read"),
    ("01/05/2023", "is before version 2.0 in its history (2024-01-12)"),
])
def test_approved_refuses_an_approval_date_that_cannot_be_right(example: Path, run, tmp_path: Path, approved: str,
                                                                message: str) -> None:
    control = [(label, approved if label == "Date approved" else value) for label, value in CONTROL]
    source = _word(tmp_path / "scan-table.docx", control=control)
    before = _files(example)
    result = _import(run, example, str(source), "--category", "infection-control", "--approved")
    assert result.code == 2
    assert result.err.startswith("policybook: --approved: ") and message.format(name=source) in result.err
    assert result.err.count("\n") == 1
    assert _files(example) == before


def test_a_table_with_merged_cells_becomes_a_list_keeping_every_cell(example: Path, run, tmp_path: Path) -> None:
    document = WordDocument()
    document.add_heading("Spill response", 0)
    document.add_heading("Who does what", 1)
    table = document.add_table(rows=3, cols=3)
    for row, texts in zip(table.rows, [("Spill", "First step", "Then"), ("Blood", "Put on gloves", "Use granules"),
                                       ("Urine", "Put on gloves", "Use wipes")], strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    table.cell(1, 1).merge(table.cell(2, 1))  # one cell across two rows: not a pipe table
    table.cell(1, 2).add_paragraph("Bag the waste as clinical waste.")
    path = tmp_path / "spills.docx"
    document.save(str(path))
    result = _import(run, example, str(path), "--category", "infection-control")
    assert result.code == 0, result.err
    body = _body(example / "policies/infection-control/spill-response.md")
    assert "|" not in body
    assert "- **Spill:** Blood" in body and "**Then:**" in body
    words = _words(body)
    for paragraph in _source_paragraphs(path, skip_tables=0):
        assert paragraph in words, paragraph
    assert "became a list, one item per row" in result.out


def test_text_that_looks_like_markup_in_word_stays_text(example: Path, run, tmp_path: Path) -> None:
    document = WordDocument()
    document.add_heading("Safe storage", 0)
    document.add_paragraph("!!! note this line starts with three marks")
    document.add_paragraph("Write <b>bold</b> as plain words & keep [brackets] and *stars*.")
    path = tmp_path / "storage.docx"
    document.save(str(path))
    assert _import(run, example, str(path), "--category", "health-safety").code == 0
    body = _body(example / "policies/health-safety/safe-storage.md")
    tokens = dialect().parse(body)
    assert not [t for t in tokens if t.type.startswith("admonition") or t.type == "html_block"]
    assert not [c for t in tokens for c in t.children or [] if c.type == "html_inline"]
    words = _words(body)
    assert "!!! note this line starts with three marks" in words
    assert "Write <b>bold</b> as plain words & keep [brackets] and *stars*." in words


def test_picture_names_from_the_document_never_reach_outside_the_policy_folder(example: Path, run,
                                                                               tmp_path: Path) -> None:
    plain = _word(tmp_path / "plain.docx")
    hostile = tmp_path / "work" / "hostile.docx"
    hostile.parent.mkdir()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            name = info.filename.replace("word/media/image1.png", "word/media/../../../../escaped.png")
            target.writestr(name, data.replace(b"media/image1.png", b"media/../../../../escaped.png"))
    result = _import(run, example, str(hostile), "--category", "infection-control")
    assert result.code == 0, result.err
    assert not list(tmp_path.rglob("escaped.png")) and not list(example.rglob("escaped.png"))
    folder = example / "policies/infection-control/decontaminating-the-scan-table"
    assert [p.name for p in folder.iterdir()] == ["image-1.png"]
    assert (folder / "image-1.png").read_bytes() == PICTURE


# -- lists ---------------------------------------------------------------------------------------------
def _styled_lists(path: Path) -> Path:
    """Lists nested as most people nest them in Word, without a multilevel list: sub-items styled List
    Bullet 2 and 3 or List Number 2, or a List Paragraph indented further. Word numbers each of those
    styles, and each separately numbered paragraph, as a list of its own."""
    document = WordDocument()
    document.add_heading("Hand washing on the mobile unit", 0)
    document.add_heading("When to clean your hands", 1)
    for text, style in [("Before touching a patient.", "List Bullet"), ("Including a handshake.", "List Bullet 2"),
                        ("Even when you will wear gloves.", "List Bullet 3"),
                        ("Before a clean or aseptic task.", "List Bullet 2"),
                        ("After touching a patient.", "List Bullet")]:
        document.add_paragraph(text, style=style)
    document.add_heading("How to clean your hands", 1)
    for text, style in [("Wet your hands.", "List Number"), ("Use warm water.", "List Number 2"),
                        ("Apply soap.", "List Number"), ("Rub for twenty seconds.", "List Number")]:
        document.add_paragraph(text, style=style)
    heading = document.add_heading("Gel dispensers", 1)  # a numbered heading is a heading, not a list
    heading._p.get_or_add_pPr().append(parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="1"/>'
                                                  '</w:numPr>'))
    checks, refills = _numbering(document, 91, "bullet"), _numbering(document, 92, "bullet")
    _item(document, "Check the gel level each morning.", 0, checks)
    _item(document, "Refill from the store room.", 0, refills).paragraph_format.left_indent = Inches(1)
    _item(document, "Report an empty dispenser.", 0, checks)
    document.save(str(path))
    return path


def _outline(body: str) -> list[tuple[int, str, str]]:
    """Each list item as (how deep it is nested, its list's marker, its text), from the policy dialect's
    own parse of the body, and ('---', ...) where one list ends and the next starts."""
    found: list[tuple[int, str, str]] = []
    tokens = dialect().parse(body)
    open_lists: list[str] = []
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            open_lists.append(token.markup)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            open_lists.pop()
            if not open_lists:
                found.append((0, "---", ""))
        elif token.type == "inline" and index >= 2 and tokens[index - 2].type == "list_item_open":
            found.append((len(open_lists), open_lists[-1], token.content))
    return found


def test_lists_nested_with_list_styles_come_in_as_one_nested_list(example: Path, run, tmp_path: Path) -> None:
    source = _styled_lists(tmp_path / "hands.docx")
    result = _import(run, example, str(source), "--category", "infection-control", "--guidance",
                     "national-ipc-manual")
    assert result.code == 0, result.err
    body = _body(example / "policies/infection-control/hand-washing-on-the-mobile-unit.md")
    assert ("- Before touching a patient.\n\n  - Including a handshake.\n\n    - Even when you will wear gloves.\n\n"
            "  - Before a clean or aseptic task.\n\n- After touching a patient.\n") in body
    assert "1.  Wet your hands.\n\n    1.  Use warm water.\n\n2.  Apply soap.\n\n3.  Rub for twenty seconds.\n" in body
    assert ("- Check the gel level each morning.\n\n  - Refill from the store room.\n\n"
            "- Report an empty dispenser.\n") in body
    assert _outline(body) == [
        (1, "-", "Before touching a patient."), (2, "-", "Including a handshake."),
        (3, "-", "Even when you will wear gloves."), (2, "-", "Before a clean or aseptic task."),
        (1, "-", "After touching a patient."), (0, "---", ""),
        (1, ".", "Wet your hands."), (2, ".", "Use warm water."), (1, ".", "Apply soap."),
        (1, ".", "Rub for twenty seconds."), (0, "---", ""),
        (1, "-", "Check the gel level each morning."), (2, "-", "Refill from the store room."),
        (1, "-", "Report an empty dispenser."), (0, "---", "")]
    assert "\n## Gel dispensers\n" in body
    assert "&nbsp;" not in body and "<!--" not in body and "PBLI" not in body
    words = _words(body)
    for paragraph in _source_paragraphs(source, skip_tables=0):
        if paragraph != "Hand washing on the mobile unit":
            assert paragraph in words, paragraph
    html = render_body(body, link=lambda href: href, image=lambda src: None).html
    assert "&nbsp;" not in html and html.count("<ul>") == 5 and html.count("<ol>") == 2
    code, findings = _lint(run, example)
    assert findings == [] and code == 0


def _restarted(document: WordDocument, text: str, numbering: int) -> None:
    """A List Number paragraph in a list that starts again at 1 (Word's "Restart at 1")."""
    paragraph = document.add_paragraph(text, style="List Number")
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{numbering}"/></w:numPr>'))


def test_lists_that_are_separate_stay_apart_without_an_empty_paragraph(example: Path, run, tmp_path: Path) -> None:
    document = WordDocument()
    document.add_heading("Linen handling", 0)
    document.add_heading("Used linen", 1)
    document.add_paragraph("Bag it at the bedside.", style="List Number")
    document.add_paragraph("Tie the bag.", style="List Number")
    numbering = document.part.numbering_part.element
    list_number = document.styles["List Number"].element.pPr.numPr.numId.val
    abstract = numbering.num_having_numId(list_number).abstractNumId.val
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="60"><w:abstractNumId w:val="{abstract}"/>'
                               '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'))
    _restarted(document, "Take clean linen from the cupboard.", 60)
    _restarted(document, "Close the cupboard.", 60)
    path = tmp_path / "linen.docx"
    document.save(str(path))
    assert _import(run, example, str(path), "--category", "infection-control", "--guidance",
                   "national-ipc-manual").code == 0
    body = _body(example / "policies/infection-control/linen-handling.md")
    assert "1.  Bag it at the bedside.\n\n2.  Tie the bag.\n\n<!-- -->\n\n1.  Take clean linen" in body
    assert "&nbsp;" not in body
    html = render_body(body, link=lambda href: href, image=lambda src: None).html
    assert html.count("<ol>") == 2 and "&nbsp;" not in html and "<!--" not in html and "<p></p>" not in html

    source = tmp_path / "waste.md"
    source.write_text("# Waste bags\n\n- Orange: infectious waste.\n\n<!-- -->\n\n- Black: household waste.\n",
                      encoding="utf-8")
    assert _import(run, example, str(source), "--category", "infection-control", "--guidance",
                   "national-ipc-manual").code == 0
    body = _body(example / "policies/infection-control/waste-bags.md")
    assert "- Orange: infectious waste.\n\n<!-- -->\n\n- Black: household waste." in body
    assert "&nbsp;" not in body
    code, findings = _lint(run, example)
    assert findings == [] and code == 0


# -- Markdown with other tools' frontmatter ------------------------------------------------------------
FRONTMATTER = {
    "yaml": ('---\ntitle: Sharps handling\nversion: "1.2"\nauthor: Tomasz Quill\nowner: IPC Lead\n'
             "created: 2022-05-04\ndate: 14 February 2024\nreview_interval: 1 year\nlayout: policy\n---\n"),
    "toml": ('+++\ntitle = "Sharps handling"\nversion = "1.2"\nauthor = "Tomasz Quill"\nowner = "IPC Lead"\n'
             'created = 2022-05-04\ndate = "14 February 2024"\nreview_interval = "1 year"\nlayout = "policy"\n+++\n'),
    "json": ('{\n  "title": "Sharps handling", "version": "1.2", "author": "Tomasz Quill", "owner": "IPC Lead",\n'
             '  "created": "2022-05-04", "date": "14 February 2024", "review_interval": "1 year",\n'
             '  "layout": "policy"\n}\n'),
    "json-semicolons": (';;;\n{"title": "Sharps handling", "version": "1.2", "author": "Tomasz Quill", '
                        '"owner": "IPC Lead", "created": "2022-05-04", "date": "14 February 2024", '
                        '"review_interval": "1 year", "layout": "policy"}\n;;;\n'),
}
MARKDOWN_BODY = """
# Sharps handling

Dispose of sharps at the point of use. Never re-sheath a needle.

!!! warning "Needlestick injury"
    Bleed it, wash it and report it the same day.

| Bin | Lid colour |
|---|---|
| Sharps | Yellow |

![The yellow sharps bin label](label.png)
"""


@pytest.mark.parametrize("convention", sorted(FRONTMATTER))
def test_markdown_with_frontmatter_in_another_convention(example: Path, run, tmp_path: Path,
                                                         convention: str) -> None:
    source = tmp_path / "sharps.md"
    source.write_text(FRONTMATTER[convention] + MARKDOWN_BODY, encoding="utf-8")
    (tmp_path / "label.png").write_bytes(PICTURE)
    result = _import(run, example, str(source), "--category", "infection-control", "--guidance",
                     "national-ipc-manual")
    assert result.code == 0, result.err
    path = example / "policies/infection-control/sharps-handling.md"
    data = _frontmatter(path)
    assert {key: data[key] for key in ("title", "version", "owner", "author", "created", "review_interval")} == {
        "title": "Sharps handling", "version": "1.2", "owner": "ipc-lead", "author": "Tomasz Quill",
        "created": "2022-05-04", "review_interval": 12}
    assert data["history"] == [{"version": "1.2", "date": "2024-02-14", "author": "Tomasz Quill",
                                "summary": "Version 1.2, imported from sharps.md."}]
    body = _body(path)
    assert body.lstrip().startswith("Dispose of sharps")  # the title heading is the frontmatter title
    assert '!!! warning "Needlestick injury"\n    Bleed it, wash it and report it the same day.' in body
    assert "| Sharps | Yellow" in body
    assert "![The yellow sharps bin label](sharps-handling/image-1.png)" in body
    assert (path.parent / "sharps-handling/image-1.png").read_bytes() == PICTURE
    assert "not mapped: layout: policy" in result.out
    report = (example / "records/imports/IPC-006.md").read_text(encoding="utf-8")
    assert "| layout | policy | frontmatter 'layout' |" in report
    code, findings = _lint(run, example)
    assert findings == [] and code == 0


def test_version_history_in_frontmatter_becomes_the_history(example: Path, run, tmp_path: Path) -> None:
    source = tmp_path / "waste.md"
    source.write_text(json.dumps({
        "title": "Waste segregation", "version": "1.1", "authors": ["Dana Whitlow"],
        "history": [{"version": "1.1", "date": "2 May 2024", "author": "Dana Whitlow", "changes": "Orange bags."},
                    {"version": "1.0", "date": "01/04/2023", "changes": "First issue.", "ticket": "Q-12"}],
        "draft": False}, indent=2) + "\n\nSegregate waste where it is made.\n", encoding="utf-8")
    assert _import(run, example, str(source), "--category", "infection-control").code == 0
    data = _frontmatter(example / "policies/infection-control/waste-segregation.md")
    assert (data["created"], data["author"]) == ("2023-04-01", "Dana Whitlow")
    assert data["history"] == [
        {"version": "1.1", "date": "2024-05-02", "author": "Dana Whitlow", "summary": "Orange bags."},
        {"version": "1.0", "date": "2023-04-01", "author": "Dana Whitlow", "summary": "First issue.; ticket: Q-12"}]
    report = (example / "records/imports/IPC-006.md").read_text(encoding="utf-8")
    assert "| draft | False |" in report


def test_html_in_a_markdown_source_is_kept_as_text_and_nothing_runs(example: Path, run, tmp_path: Path) -> None:
    source = tmp_path / "visitors.md"
    source.write_text("---\ntitle: Visitors on the unit\n---\n\nVisitors sign in.<br>Always.\n\n"
                      "<div onclick=\"steal()\">Escort every visitor.</div>\n\n<script>alert(1)</script>\n\n"
                      "[Map](javascript:alert(1)) and ![x](../outside.png) and ![y](/etc/hostname)\n",
                      encoding="utf-8")
    (tmp_path.parent / "outside.png").write_bytes(PICTURE)
    result = _import(run, example, str(source), "--category", "governance")
    assert result.code == 0, result.err
    path = example / "policies/governance/visitors-on-the-unit.md"
    body = _body(path)
    tokens = dialect().parse(body)
    assert not [t for t in tokens if t.type == "html_block"]
    assert not [c for t in tokens for c in t.children or [] if c.type in ("html_inline", "image", "link_open")]
    for gone in ("script", "onclick", "javascript", "outside.png", "/etc/hostname"):
        assert gone not in body, gone
    words = _words(body)
    assert "Visitors sign in. Always." in words and "Escort every visitor." in words and "Map" in words
    assert not (path.parent / "visitors-on-the-unit").exists()
    assert "is not a file inside the document's folder" in result.out


# -- roles, dates and refusals -------------------------------------------------------------------------
def test_roles_the_register_does_not_hold_are_reported_not_invented(example: Path, run, tmp_path: Path) -> None:
    control = [("Version", "1.0"), ("Policy owner", "Practice Manager"), ("Approved by", "Board of Directors"),
               ("Date approved", "3 March 2025"), ("Author", "Priya Lindqvist")]
    source = _word(tmp_path / "scan-table.docx", control=control, history=[("1.0", "3 March 2025", "", "First.")])
    result = _import(run, example, str(source), "--category", "infection-control")
    assert result.code == 0, result.err
    data = _frontmatter(example / POLICY)
    assert data["owner"] == "registered-manager" and list(data["roles"]) == ["registered-manager"]
    assert "owner 'Practice Manager' is not a role in the roles register" in result.out
    assert "approved by 'Board of Directors' is not a role in the roles register" in result.out
    again = _import(run, example, str(source), "--category", "governance")
    assert again.code == 2 and f"its title '{TITLE}' is already the title of IPC-006" in again.err
    chosen = _word(tmp_path / "tub.docx", title="Wipe tub storage")
    with_owner = _import(run, example, str(chosen), "--category", "infection-control", "--owner", "lead-radiographer")
    assert with_owner.code == 0, with_owner.err
    assert _frontmatter(example / "policies/infection-control/wipe-tub-storage.md")["owner"] == "lead-radiographer"
    assert "the document names its owner as 'IPC Lead'; --owner lead-radiographer was used" in with_owner.out


@pytest.mark.parametrize(("text", "day", "problem"), [
    ("3 March 2024", "2024-03-03", ""),
    ("3rd March 2024", "2024-03-03", ""),
    ("Sunday 3 March 2024", "2024-03-03", ""),
    ("03/03/2024", "2024-03-03", ""),
    ("03/04/2024", "2024-04-03", ""),
    ("3.4.24", "2024-04-03", ""),
    ("2024-03-03", "2024-03-03", ""),
    ("March 3, 2024", "2024-03-03", ""),
    ("March 2024", None, "ambiguous"),
    ("2024", None, "ambiguous"),
    ("04/13/2024", None, "there is no month 13"),
    ("31/02/2024", None, "not a real date"),
    ("next spring", None, "not a date"),
])
def test_dates_are_read_the_british_way_and_never_guessed(text: str, day: str | None, problem: str) -> None:
    reading = read_date(text)
    assert (reading.day.isoformat() if reading.day else None) == day
    assert problem in reading.problem
    if text == "03/04/2024":
        assert reading.note == "read as 3 April 2024 (day first)"


@pytest.mark.parametrize(("text", "note"), [
    ("03/04/2024", "read as 3 April 2024 (day first)"),
    ("3.4.24", "read as 3 April 2024 (day first)"),
    ("12/01/2024", "read as 12 January 2024 (day first)"),
    ("14/03/2025", ""),  # 14 cannot be a month
    ("31.12.24", ""),
    ("03/03/2024", ""),  # the same either way
    ("3.3.24", ""),
    ("13/12/2024", ""),
])
def test_only_a_date_that_reads_two_ways_is_noted(text: str, note: str) -> None:
    reading = read_date(text)
    assert reading.day is not None and reading.problem == ""
    assert reading.note == note


def test_an_unambiguous_day_first_date_is_not_in_the_report(example: Path, run, tmp_path: Path) -> None:
    control = [(label, "14/03/2025" if label == "Date approved" else value) for label, value in CONTROL]
    history = [("2.1", "14/03/2025", "Priya Lindqvist", "Wipes changed."), *HISTORY[1:]]
    source = _word(tmp_path / "scan-table.docx", control=control, history=history)
    result = _import(run, example, str(source), "--category", "infection-control")
    assert result.code == 0, result.err
    assert _frontmatter(example / POLICY)["history"][0]["date"] == "2025-03-14"
    report = (example / "records/imports/IPC-006.md").read_text(encoding="utf-8")
    assert "read as 14 March 2025" not in report and "read as 14 March 2025" not in result.out
    assert "'12/01/2024' (table 2, row 3) read as 12 January 2024 (day first)" in report  # this one reads two ways


ERRORS = {
    "missing": ("nowhere.docx", "nowhere.docx: no such file"),
    "binary": ("photo.docx", "photo.docx: is not a Word document (a .docx file is a zip archive; this is not one)"),
    "unknown binary": ("data.bin", "data.bin: is not a Word .docx document or a Markdown file"),
    "truncated": ("truncated.docx", "truncated.docx: is not a readable Word document"),
    "damaged": ("damaged.docx", "damaged.docx: cannot be read as a Word document"),
    "not word": ("archive.docx", "archive.docx: is a zip archive but not a Word document"),
    "old word": ("old.doc", "old.doc: is an old Word document (.doc): open it in Word and save it as .docx"),
    "bad yaml": ("broken.md", "broken.md: its YAML frontmatter cannot be read"),
    "yaml alias": ("alias.md", "alias.md: its YAML frontmatter uses anchors, aliases or tags"),
    "yaml duplicate": ("twice.md", "twice.md: its YAML frontmatter has the key 'version' twice: keep one and "
                                   "delete the other\n"),
    "yaml duplicate in history": ("entry.md", "entry.md: its YAML frontmatter has the key 'date' twice"),
    "json duplicate": ("twice.json.md", "twice.json.md: its JSON frontmatter has the key 'owner' twice"),
    "yaml list": ("list.md", "list.md: its YAML frontmatter is a list, not a set of fields (name: value)\n"),
}


def _broken(folder: Path, case: str) -> Path:
    good = _word(folder / "good.docx").read_bytes()
    name = ERRORS[case][0]
    path = folder / name
    if case == "binary" or case == "unknown binary":
        path.write_bytes(PICTURE)
    elif case == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif case == "damaged":
        data = bytearray(good)
        data[data.index(b"word/document.xml") + 200] ^= 0xFF  # inside the compressed body
        path.write_bytes(bytes(data))
    elif case == "not word":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("notes.txt", "hello")
    elif case == "old word":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    elif case == "bad yaml":
        path.write_text("---\ntitle: [unclosed\n---\n\nText.\n", encoding="utf-8")
    elif case == "yaml alias":
        path.write_text("---\nbase: &b [x, x]\ntitle: *b\n---\n\nText.\n", encoding="utf-8")
    elif case == "yaml duplicate":
        path.write_text('---\ntitle: Hoists\nversion: "1.0"\nversion: "2.0"\n---\n\nText.\n', encoding="utf-8")
    elif case == "yaml duplicate in history":
        path.write_text("---\ntitle: Hoists\nhistory:\n  - version: '1.0'\n    date: 1 May 2024\n"
                        "    date: 1 June 2024\n---\n\nText.\n", encoding="utf-8")
    elif case == "json duplicate":
        path.write_text('{\n  "title": "Hoists", "owner": "IPC Lead", "owner": "Registered Manager"\n}\n\nText.\n',
                        encoding="utf-8")
    elif case == "yaml list":
        path.write_text("---\n- title: Hoists\n- version: 1.0\n---\n\nText.\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_a_document_that_cannot_be_imported_is_one_line_and_exit_2(example: Path, run, tmp_path: Path,
                                                                    case: str) -> None:
    path = _broken(tmp_path, case)
    before = _files(example)
    result = _import(run, example, str(path), "--category", "infection-control")
    assert result.code == 2
    assert result.err.startswith(f"policybook: {tmp_path / ERRORS[case][1]}")
    assert result.err.count("\n") == 1 and "Traceback" not in result.err and result.out == ""
    assert _files(example) == before


def test_an_unknown_category_or_owner_is_refused_before_reading(example: Path, run, tmp_path: Path) -> None:
    source = _word(tmp_path / "scan-table.docx")
    before = _files(example)
    category = _import(run, example, str(source), "--category", "radiology")
    assert category.code == 2 and category.err.startswith("policybook: --category: 'radiology' is not a category")
    owner = _import(run, example, str(source), "--category", "governance", "--owner", "chief-executive")
    assert owner.code == 2
    assert owner.err == "policybook: --owner: 'chief-executive' is not a role in the roles register\n"
    assert _files(example) == before


def test_nothing_is_written_when_any_file_is_in_the_way_or_any_document_fails(example: Path, run,
                                                                               tmp_path: Path) -> None:
    source = _word(tmp_path / "scan-table.docx")
    report = example / "records/imports/IPC-006.md"
    report.parent.mkdir(parents=True)
    report.write_text("an earlier report\n", encoding="utf-8")
    before = _files(example)
    in_the_way = _import(run, example, str(source), "--category", "infection-control")
    assert in_the_way.code == 2 and in_the_way.err == f"policybook: {report} already exists; nothing was written\n"
    assert _files(example) == before
    report.unlink()
    before = _files(example)
    batch = _import(run, example, str(source), str(tmp_path / "missing.docx"), "--category", "infection-control")
    assert batch.code == 2 and "missing.docx: no such file" in batch.err
    assert _files(example) == before
    both = _import(run, example, str(source), str(_word(tmp_path / "copy.docx")), "--category", "infection-control")
    assert both.code == 2 and "is the title of another document being imported" in both.err
    assert _files(example) == before


def test_a_table_of_roles_that_only_looks_like_control_stays_in_the_text(example: Path, run, tmp_path: Path) -> None:
    source = _word(tmp_path / "scan-table.docx")
    document = WordDocument(str(source))
    document.add_heading("Who does what", 1)
    _table(document, [("Owner", "Keeps the cleaning schedule current."), ("Lead", "Trains new staff in cleaning.")])
    document.save(str(source))
    assert _import(run, example, str(source), "--category", "infection-control").code == 0
    body = _body(example / POLICY)
    rows = [" ".join(line.split()) for line in body.splitlines() if line.startswith("| ")]
    assert "| Owner | Keeps the cleaning schedule current. |" in rows
    assert "| Lead | Trains new staff in cleaning. |" in rows
    assert _frontmatter(example / POLICY)["owner"] == "ipc-lead"
    words = _words(body)
    for paragraph in _source_paragraphs(source):
        assert paragraph in words, paragraph


def test_a_picture_in_a_format_the_site_cannot_show_keeps_its_description(example: Path, run, tmp_path: Path) -> None:
    plain = _word(tmp_path / "plain.docx")
    drawing = tmp_path / "drawing.docx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(drawing, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith(".rels") or info.filename == "[Content_Types].xml":
                data = data.replace(b"image1.png", b"image1.emf")
            target.writestr(info.filename.replace("image1.png", "image1.emf"), data)
    result = _import(run, example, str(drawing), "--category", "infection-control")
    assert result.code == 0, result.err
    assert f"*Picture not imported: {ALT}*" in _body(example / POLICY)
    assert not (example / "policies/infection-control/decontaminating-the-scan-table").exists()
    assert "is in EMF format, not PNG, JPEG, GIF, WebP or SVG: save it as PNG" in result.out


# -- documents made to do harm -------------------------------------------------------------------------
def _raw_zip(path: Path, entries: list[tuple[str, bytes, int, int]]) -> Path:
    """A zip written by hand: each entry as (name, raw deflate stream, declared CRC, declared size), so
    an entry can declare sizes its stream does not have."""
    local, central = bytearray(), bytearray()
    for name, stream, crc, size in entries:
        encoded = name.encode("utf-8")
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(stream), size,
                               len(encoded), 0, 0, 0, 0, 0, len(local)) + encoded
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(stream), size, len(encoded),
                             0) + encoded + stream
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(central), len(local), 0)
    path.write_bytes(bytes(local + central + end))
    return path


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _lying_docx(folder: Path, inflated_mb: int) -> Path:
    """A Word document whose body declares 61 bytes (with the checksum of its first 61 bytes) while its
    deflate stream inflates to ``inflated_mb`` megabytes."""
    good = _word(folder / "good.docx")
    entries = []
    with zipfile.ZipFile(good) as archive:
        for info in archive.infolist():
            if info.filename != "word/document.xml":
                data = archive.read(info)
                entries.append((info.filename, _deflate(data), zlib.crc32(data), len(data)))
    head = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:d'
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = bytearray(packer.compress(head))
    block = b" " * (1024 * 1024)
    for _ in range(inflated_mb):
        stream += packer.compress(block)
    stream += packer.flush()
    entries.append(("word/document.xml", bytes(stream), zlib.crc32((head + block)[:61]), 61))
    return _raw_zip(folder / "bomb.docx", entries)


def test_a_word_file_that_lies_about_its_unpacked_size_is_refused_before_pandoc(example: Path,
                                                                              tmp_path: Path) -> None:
    bomb = _lying_docx(tmp_path, 300)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    with zipfile.ZipFile(bomb) as archive:  # what zipfile alone sees: an intact archive of small parts
        assert archive.testzip() is None and archive.getinfo("word/document.xml").file_size == 61
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    before = _files(example)
    limit = 16 * 1024 * 1024  # any file bigger than this (such as the inflated body) would stop the import

    def small_files_only() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    script = Path(sys.executable).parent / "policybook"
    result = subprocess.run([str(script), "-C", str(example), "import", str(bomb), "--category", "infection-control",
                             "--today", TODAY], capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "TMPDIR": str(scratch)}, preexec_fn=small_files_only)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"policybook: {bomb}: word/document.xml declares 61 bytes but unpacks to more: the file "
                             "is damaged or made to exhaust the computer; not imported\n")
    assert result.stdout == "" and _files(example) == before
    assert list(scratch.iterdir()) == []


def test_pandoc_runs_with_a_memory_cap_its_binary_accepts() -> None:
    assert pandoc.heap_cap() == ("+RTS", f"-M{pandoc.MEMORY_MB}m", "-RTS")
    assert pandoc.TIMEOUT_SECONDS <= 300


def _nested_tables(path: Path, depth: int) -> Path:
    """A Word document with ``depth`` tables, each in the only cell of the one before."""
    document = WordDocument()
    document.add_heading("Deep tables", 0)
    holder, end = document.element.body, document.element.body[-1]
    for level in range(depth):
        table = parse_xml(f'<w:tbl {nsdecls("w")}><w:tblGrid><w:gridCol w:w="2000"/></w:tblGrid><w:tr><w:tc><w:p>'
                          f'<w:r><w:t>Level {level}</w:t></w:r></w:p></w:tc></w:tr></w:tbl>')
        if holder is document.element.body:
            end.addprevious(table)
        else:
            holder.extend([table, parse_xml(f'<w:p {nsdecls("w")}/>')])  # a cell ends with a paragraph
        holder = table.find(qn("w:tr")).find(qn("w:tc"))
    document.save(str(path))
    return path


DEEP = {
    "tables": lambda folder: _nested_tables(folder / "tables.docx", 200),
    "list": lambda folder: _text(folder / "list.md", "# Deep list\n\n" + "".join("  " * i + "- item\n"
                                                                                  for i in range(300))),
    "emphasis": lambda folder: _text(folder / "stars.md", "# Stars\n\n" + "*" * 2000 + "word" + "*" * 2000 + "\n"),
    "frontmatter": lambda folder: _text(folder / "fm.md", "---\ntitle: " + "[" * 3000 + "]" * 3000
                                        + "\n---\n\nText.\n"),
}


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(DEEP))
def test_deep_nesting_is_refused_in_one_line(example: Path, run, tmp_path: Path, case: str) -> None:
    source = DEEP[case](tmp_path)
    before = _files(example)
    result = _import(run, example, str(source), "--category", "governance", "--author", "Dana Whitlow")
    assert result.code == 2, result.out
    assert result.err.startswith(f"policybook: {source}: ") and result.err.count("\n") == 1
    assert "Traceback" not in result.err and "Recursion" not in result.err
    assert _files(example) == before


def test_moderate_nesting_still_comes_in(example: Path, run, tmp_path: Path) -> None:
    source = _nested_tables(tmp_path / "tables.docx", 4)
    result = _import(run, example, str(source), "--category", "governance", "--author", "Dana Whitlow")
    assert result.code == 0, result.err
    words = _words(_body(example / "policies/governance/deep-tables.md"))
    assert all(f"Level {level}" in words for level in range(4))


def _paragraph_xml(document: WordDocument, xml: str) -> None:
    document.element.body[-1].addprevious(parse_xml(f'<w:p {nsdecls("w", "wp", "a", "pic", "r")}>{xml}</w:p>'))


def test_hidden_text_tracked_changes_and_linked_pictures_are_reported(example: Path, run, tmp_path: Path) -> None:
    document = WordDocument()
    document.add_heading("Fire evacuation", 0)
    _paragraph_xml(document, '<w:r><w:t xml:space="preserve">Leave by the nearest exit. </w:t></w:r>'
                             '<w:r><w:rPr><w:vanish/></w:rPr><w:t>Editors: check the exits with the landlord.</w:t>'
                             '</w:r><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t xml:space="preserve"> Do not '
                             'stop for belongings.</w:t></w:r>')
    _paragraph_xml(document, '<w:r><w:rPr><w:vanish/></w:rPr><w:t>A whole hidden paragraph.</w:t></w:r>')
    _paragraph_xml(document, '<w:r><w:t xml:space="preserve">Meet at the </w:t></w:r><w:ins w:id="1" w:author="Dana" '
                             'w:date="2024-01-01T00:00:00Z"><w:r><w:t xml:space="preserve">front </w:t></w:r></w:ins>'
                             '<w:del w:id="2" w:author="Dana" w:date="2024-01-01T00:00:00Z"><w:r><w:delText '
                             'xml:space="preserve">rear </w:delText></w:r></w:del><w:r><w:t>car park.</w:t></w:r>')
    relation = document.part.relate_to("file:///S:/Maps/fire-exits.png", RT.IMAGE, is_external=True)
    _paragraph_xml(document, '<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent '
                             'cx="914400" cy="914400"/><wp:docPr id="5" name="Picture 5" descr="Map of the fire '
                             'exits"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006'
                             '/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="5" name="fire-exits.png"/><pic:cNvPicPr/>'
                             f'</pic:nvPicPr><pic:blipFill><a:blip r:link="{relation}"/><a:stretch><a:fillRect/>'
                             '</a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" '
                             'cy="914400"/></a:xfrm><a:prstGeom prst="rect"/></pic:spPr></pic:pic></a:graphicData>'
                             '</a:graphic></wp:inline></w:drawing></w:r>')
    source = tmp_path / "fire.docx"
    document.save(str(source))
    result = _import(run, example, str(source), "--category", "governance", "--author", "Dana Whitlow")
    assert result.code == 0, result.err
    words = _words(_body(example / "policies/governance/fire-evacuation.md"))
    assert "Leave by the nearest exit. Do not stop for belongings." in words
    assert "Editors" not in words and "hidden paragraph" not in words
    assert "Meet at the front car park." in words and "rear" not in words
    assert "Picture not imported: Map of the fire exits" in words
    report = next((example / "records/imports").glob("GOV-*.md")).read_text(encoding="utf-8")
    assert ("hidden text in the original (Word's Hidden setting) is not in the policy: 'Editors: check the exits "
            "with the landlord.'") in report
    assert "is not in the policy: 'A whole hidden paragraph.'" in report
    assert "the original had 1 tracked insertion(s) and 1 tracked deletion(s) pending: all were accepted" in report
    assert ("picture 'Map of the fire exits' is linked to a file outside the document (file:///S:/Maps/fire-exits.png)"
            ", not stored in it") in report


@pytest.mark.parametrize("link", ["records/imports", "policies/governance"])
def test_nothing_is_written_through_a_symbolic_link(example: Path, run, tmp_path: Path, link: str) -> None:
    outside = tmp_path / "outside"
    folder = example / link
    if folder.exists():
        shutil.move(folder, outside)
    else:
        outside.mkdir()
    folder.symlink_to(outside, target_is_directory=True)
    source = _text(tmp_path / "visitors.md", "---\ntitle: Visitors on the unit\n---\n\nVisitors sign in.\n")
    before, outside_before = _files(example), _files(outside)
    result = _import(run, example, str(source), "--category", "governance", "--author", "Dana Whitlow")
    assert result.code == 2
    assert result.err == (f"policybook: {folder} is a symbolic link; policybook does not write through one; "
                          "nothing was written\n")
    assert _files(example) == before and _files(outside) == outside_before


def test_a_file_is_created_only_where_nothing_is(tmp_path: Path) -> None:
    from policybook.writing import create_atomically

    target = tmp_path / "IPC-006.md"
    create_atomically(target, b"first import\n")
    with pytest.raises(PolicybookError, match="already exists"):
        create_atomically(target, b"second import\n")
    assert target.read_bytes() == b"first import\n"
    dangling = tmp_path / "IPC-007.md"
    dangling.symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(PolicybookError, match="already exists"):
        create_atomically(dangling, b"text\n")
    assert not (tmp_path / "elsewhere.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["IPC-006.md", "IPC-007.md"]  # no temporary file left


def test_a_table_whose_only_text_is_its_first_row_keeps_every_cell(example: Path, run, tmp_path: Path) -> None:
    document = WordDocument()
    document.add_heading("Spill kit", 0)
    document.add_paragraph("Use the kit for any spill of body fluids.")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "Put on gloves and an apron."
    table.rows[0].cells[0].add_paragraph("Cover the spill with granules.")
    table.rows[0].cells[1].text = "Wait two minutes before wiping."
    headed = _table_with_head(document, [("Step", "Who"), ("Bag the waste.", "")])
    headed.rows[0].cells[1].add_paragraph("Any trained member of staff.")
    source = tmp_path / "spill.docx"
    document.save(str(source))
    result = _import(run, example, str(source), "--category", "infection-control", "--guidance",
                     "national-ipc-manual")
    assert result.code == 0, result.err
    words = _words(_body(example / "policies/infection-control/spill-kit.md"))
    for text in ("Put on gloves and an apron.", "Cover the spill with granules.", "Wait two minutes before wiping.",
                 "Step", "Who", "Any trained member of staff.", "Bag the waste."):
        assert text in words, text
    assert "became a list" in result.out


def _table_with_head(document: WordDocument, rows: list[tuple[str, ...]]) -> Table:
    """A table whose first row Word repeats as a heading row (pandoc reads it as the table's head)."""
    table = document.add_table(rows=0, cols=len(rows[0]))
    for row in rows:
        added = table.add_row()
        for cell, text in zip(added.cells, row, strict=True):
            cell.text = text
    table.rows[0]._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    return table


def test_control_characters_are_removed_and_reported(example: Path, run, tmp_path: Path) -> None:
    source = _text(tmp_path / "alarm.md", '---\ntitle: "Fire\\a alarm tests"\nauthor: Dana\x02 Whitlow\n'
                                          "owner: IPC Lead\n---\n\n# Fire alarm tests\n\nTest the alarm\x07 "
                                          "every \x1b[31mweek\x1b[0m.\n\n- Log\x0b the test.\n")
    result = _import(run, example, str(source), "--category", "governance")
    assert result.code == 0, result.err
    path = example / "policies/governance/fire-alarm-tests.md"
    text = path.read_text(encoding="utf-8")
    assert not [c for c in text if (ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F]
    data = _frontmatter(path)
    assert (data["title"], data["author"]) == ("Fire alarm tests", "Dana Whitlow")
    assert "Test the alarm every [31mweek[0m." in _words(_body(path)) and "Log the test." in _words(_body(path))
    report = next((example / "records/imports").glob("GOV-*.md")).read_text(encoding="utf-8")
    assert "6 control character(s) (such as an escape or bell character) were removed" in report
    assert "\x1b" not in result.out + report


# -- debris, control details as paragraphs, review frequency, limits ----------------------------------
def test_bold_italic_headings_ending_in_line_breaks_come_in_without_stray_asterisks(example: Path, run,
                                                                                    tmp_path: Path) -> None:
    source = word_fixtures.bold_italic_headings(tmp_path / "Hand washing.docx")
    result = _import(run, example, str(source), "--category", "infection-control", "--author", "Priya Lindqvist",
                     "--guidance", "national-ipc-manual")
    assert result.code == 0, result.err
    path = next((example / "policies/infection-control").glob("washing-hands-on-the-unit.md"))
    body = _body(path)
    for heading in word_fixtures.BOLD_ITALIC_HEADINGS:
        assert f"\n## ***{heading}***\n" in f"\n{body}", body
    assert "***Important:***\\\ngel is no substitute" in body  # the break kept, after the emphasis
    html = render_body(body, link=lambda href: href, image=lambda src: None).html
    assert "*" not in html and html.count("<strong>") == 4  # no literal asterisk on the page
    report = (example / "records/imports/IPC-006.md").read_text(encoding="utf-8")
    repaired = report.split("## Formatting repaired")[1].split("## Next steps")[0]
    for heading in word_fixtures.BOLD_ITALIC_HEADINGS:
        assert f"Heading '{heading}' in bold or italic ended with or held a line break" in repaired
    assert "Bold italic text 'Important:' began or ended with a line break: moved outside it" in repaired
    code, findings = _lint(run, example)
    assert [f for f in findings if f["rule"] == "emphasis-debris"] == [] and code == 0, findings


def test_pandoc_alone_leaves_the_stray_asterisk_that_lint_finds(example: Path, run, tmp_path: Path) -> None:
    """What an import without the repair wrote, as a policy: lint points at the marker."""
    source = word_fixtures.bold_italic_headings(tmp_path / "Hand washing.docx")
    raw = subprocess.run([pandoc.pypandoc.get_pandoc_path(), "--from=docx", f"--to={pandoc.MARKDOWN_OUT}",
                          str(source)], capture_output=True, text=True, check=True).stdout
    assert "***Purpose\\***" in raw
    path = example / "policies/governance/display-of-rating.md"
    text = path.read_text(encoding="utf-8")
    anchor = "## When a new rating is published\n"
    path.write_text(text.replace(anchor, "## ***Purpose\\***\n\nText.\n\n" + anchor), encoding="utf-8")
    line = text[: text.index(anchor)].count("\n") + 1
    _, findings = _lint(run, example)
    debris = [f for f in findings if f["rule"] == "emphasis-debris"]
    assert [(f["line"], f["column"]) for f in debris] == [(line, 4)], findings
    assert "'*' shows as a literal character" in str(debris[0]["message"])


def test_repairs_unwrap_empty_emphasis_and_move_spaces_out() -> None:
    from policybook.importing.blocks import node, plain_text
    from policybook.importing.emphasis import repair_emphasis

    para = node("Para", [node("Strong", []), node("Str", "Sign"), node("Space"),
                         node("Emph", [node("Space"), node("Str", "here"), node("LineBreak")]),
                         node("Strong", [node("Space")]), node("Str", "now")])
    repairs = repair_emphasis([para])
    assert [i["t"] for i in para["c"]] == ["Str", "Space", "Emph", "LineBreak", "Str"]
    assert plain_text(para["c"][2]) == "here"
    assert repairs == ["Empty bold text was removed",
                       "Italic text 'here' began or ended with a line break: moved outside it",
                       "Bold text around nothing but a space or a line break was unwrapped"]


def test_control_details_written_as_paragraphs_are_mapped_and_taken_out(example: Path, run, tmp_path: Path) -> None:
    source = word_fixtures.control_paragraphs(tmp_path / "Lone working.docx")
    result = _import(run, example, str(source), "--category", "health-safety", "--approved",
                     "--guidance", "hse-risk-assessment")
    assert result.code == 0, result.err
    path = example / "policies/health-safety/working-alone-on-the-unit.md"
    data = _frontmatter(path)
    assert (data["version"], data["author"], data["next_review"], data["review_interval"]) == (
        "1.0", "Priya Lindqvist", "2026-09-01", 12)
    assert data["history"][0]["date"] == "2025-03-03"
    assert "Approved by Registered Manager on 3 March 2025" in data["history"][0]["summary"]
    body = _body(path)
    for _form, label, value in word_fixtures.CONTROL_DETAILS:
        assert label not in body and (value not in body or value == "Registered Manager")
    assert body.lstrip().startswith("## Purpose") and word_fixtures.REVIEW_SENTENCE in _words(body)
    report = (example / "records/imports/HS-005.md").read_text(encoding="utf-8")
    for row in ("| version | 1 | paragraph 'Version No: 1' |", "| author | Priya Lindqvist | paragraph 'Author: Priya "
                "Lindqvist' |", "| approved by | Registered Manager | paragraph 'Approved by: Registered Manager' |",
                "| approved on | 2025-03-03 | paragraph 'Date approved: 3 March 2025' |",
                "| next review | 2026-09-01 | list 'Date of next review: 01/09/2026' |",
                "| review interval | 12 months | the sentence 'This policy will be reviewed annually or sooner if the "
                "law changes.' |"):
        assert row in report, report
    assert "'01/09/2026' (list 'Date of next review: 01/09/2026') used; 'September 2026' (list 'Review Date: " \
           "September 2026') gives no day" in report
    assert "created '12 June' (paragraph 'Date created: 12 June') gives no year: not guessed" in report
    assert "8 document-control detail(s) written as paragraphs or a list" in report
    assert "| Policy number | HS-12 | paragraph 'Policy number: HS-12' |" in report  # under Not mapped
    assert "Nothing: the document states no document-control fields." not in report
    _, findings = _lint(run, example)
    assert [f for f in findings if f["rule"] in ("review-frequency", "emphasis-debris")] == []


def test_paragraphs_that_only_look_like_details_stay_in_the_text(example: Path, run, tmp_path: Path) -> None:
    document = WordDocument()
    document.add_heading("Visitors to the unit", 0)
    lines = ["Review the visitor book: every morning.", "Note: visitors sign in at the door.",
             "Version 2 of the visitor badge: blue.", "Approved by the Registered Manager: visitor badges.",
             "Version control of the visitor book is kept by the administrator, who reviews it every week and "
             "files old pages in the office cupboard."]
    for text in lines:
        document.add_paragraph(text)
    source = tmp_path / "Visitors.docx"
    document.save(str(source))
    result = _import(run, example, str(source), "--category", "governance", "--author", "Priya Lindqvist")
    assert result.code == 0, result.err
    words = _words(_body(example / "policies/governance/visitors-to-the-unit.md"))
    for text in lines:
        assert text in words


def test_a_stated_review_frequency_that_disagrees_is_found_after_import(example: Path, run, tmp_path: Path) -> None:
    source = word_fixtures.control_paragraphs(tmp_path / "Lone working.docx")
    result = _import(run, example, str(source), "--category", "health-safety", "--guidance", "hse-risk-assessment")
    assert result.code == 0, result.err
    path = example / "policies/health-safety/working-alone-on-the-unit.md"
    path.write_text(path.read_text(encoding="utf-8").replace("review_interval: 12", "review_interval: 24"),
                    encoding="utf-8")
    _, findings = _lint(run, example)
    stated = [f for f in findings if f["rule"] == "review-frequency"]
    line = path.read_text(encoding="utf-8").split("\n").index(word_fixtures.REVIEW_SENTENCE) + 1
    assert [(f["path"], f["line"], f["column"]) for f in stated] == [
        ("policies/health-safety/working-alone-on-the-unit.md", line, 1)], findings
    assert "'annually' (12 months), but its review_interval is 24 months" in str(stated[0]["message"])


def _limited(preexec_memory: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (preexec_memory, preexec_memory))
    return limit


def test_a_small_word_file_that_unpacks_to_much_text_stops_in_one_line(example: Path, tmp_path: Path) -> None:
    source = word_fixtures.expanding(tmp_path / "expanding.docx", 200_000)
    assert source.stat().st_size < 200 * 1024
    before = _files(example)
    script = Path(sys.executable).parent / "policybook"
    result = subprocess.run([str(script), "-C", str(example), "import", str(source), "--category", "governance",
                             "--author", "Priya Lindqvist", "--today", TODAY], capture_output=True, text=True,
                            timeout=60, check=False, preexec_fn=_limited(1024 * 1024 * 1024))
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"policybook: {source}: unpacks to more than 4,194,304 bytes of text "
                             "(limits.import_max_text_bytes): not imported\n")
    assert result.stdout == "" and _files(example) == before


def test_an_import_that_takes_too_long_stops_in_one_line_and_writes_nothing(example: Path, run,
                                                                            tmp_path: Path) -> None:
    config = example / "policybook.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("limits:\n", "limits:\n  import_max_seconds: 1\n"),
                      encoding="utf-8")
    first = word_fixtures.bold_italic_headings(tmp_path / "first.docx")
    slow = word_fixtures.expanding(tmp_path / "slow.docx", 20_000)
    before = _files(example)
    result = _import(run, example, str(first), str(slow), "--category", "governance", "--author", "Priya Lindqvist")
    assert result.code == 2
    assert result.err == ("policybook: import stopped: it took longer than 1 seconds (limits.import_max_seconds); "
                          "nothing was written\n")
    assert _files(example) == before


def test_a_policy_over_the_file_limit_is_refused_before_it_is_written(example: Path, run, tmp_path: Path) -> None:
    config = example / "policybook.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("max_file_bytes: 1048576", "max_file_bytes: 65536"),
                      encoding="utf-8")
    before = _files(example)
    source = word_fixtures.expanding(tmp_path / "long.docx", 1000)
    result = _import(run, example, str(source), "--category", "governance", "--author", "Priya Lindqvist")
    assert result.code == 2
    assert "(limits.max_file_bytes) that lint applies" in result.err and result.err.count("\n") == 1
    assert _files(example) == before


def test_markers_that_do_not_match_in_markdown_are_rebalanced_or_reported(example: Path, run, tmp_path: Path) -> None:
    source = _text(tmp_path / "fire.md", "---\ntitle: Fire safety on the unit\n---\n\n## **Purpose*\n\nStaff know the "
                   "*exits** and the ***alarm** points.\n\nA **lone marker stays, and 2 * 3 is arithmetic.\n")
    result = _import(run, example, str(source), "--category", "governance", "--author", "Priya Lindqvist")
    assert result.code == 0, result.err
    body = _body(example / "policies/governance/fire-safety-on-the-unit.md")
    assert "## **Purpose**" in body and "the **exits** and the ***alarm*** points" in body
    assert "A \\*\\*lone marker stays" in body  # kept as the reader saw it, and reported
    report = (example / "records/imports/GOV-008.md").read_text(encoding="utf-8")
    assert "Emphasis markers around 'alarm' did not match (one side had more): rebalanced as bold italic" in report
    assert "1 bold or italic marker(s) pair with nothing in the original" in result.out
