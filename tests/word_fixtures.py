"""Word documents as small providers really write them, made with python-docx so that each test (and the
first-week walk-through) says exactly what it imports:

- ``bold_italic_headings``: headings in bold italic that end with a line break (pandoc alone turns
  them into ``***Purpose\\***``, a stray asterisk on the site), a bold lead-in ending with a break,
  and an empty bold run;
- ``control_paragraphs``: the document-control details written as paragraphs, bold labels, tab
  separated and as list items instead of a table, with a review date that gives no day;
- ``expanding``: a small file whose body is a highly compressible run of the same paragraph, so
  that it unpacks to many times its size.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from docx import Document as WordDocument

BOLD_ITALIC_TITLE = "Washing hands on the unit"
BOLD_ITALIC_HEADINGS = ("Purpose", "Scope", "When to wash your hands")
CONTROL_TITLE = "Working alone on the unit"
REVIEW_SENTENCE = "This policy will be reviewed annually or sooner if the law changes."


def bold_italic_headings(path: Path) -> Path:
    document = WordDocument()
    document.add_heading(BOLD_ITALIC_TITLE, 0)
    for text in BOLD_ITALIC_HEADINGS:
        heading = document.add_paragraph(style="Heading 1")
        run = heading.add_run(text)
        run.bold = run.italic = True
        run.add_break()
        document.add_paragraph(f"Staff follow this part of the policy: {text.lower()} matters to every patient.")
    lead = document.add_paragraph()
    run = lead.add_run("Important:")
    run.bold = run.italic = True
    run.add_break()
    lead.add_run("gel is no substitute for soap when hands are visibly dirty.")
    empty = document.add_paragraph()
    empty.add_run(" ").bold = True
    empty.add_run("Dry hands with a paper towel.")
    document.save(str(path))
    return path


# (how the detail is written, the label, the value): the forms real documents use.
CONTROL_DETAILS = [
    ("paragraph", "Version No", "1"),
    ("bold", "Author", "Priya Lindqvist"),
    ("tab", "Approved by", "Registered Manager"),
    ("paragraph", "Date approved", "3 March 2025"),
    ("paragraph", "Date created", "12 June"),
    ("paragraph", "Policy number", "HS-12"),
    ("list", "Review Date", "September 2026"),
    ("list", "Date of next review", "01/09/2026"),
]


def control_paragraphs(path: Path) -> Path:
    document = WordDocument()
    document.add_heading(CONTROL_TITLE, 0)
    for form, label, value in CONTROL_DETAILS:
        if form == "paragraph":
            document.add_paragraph(f"{label}: {value}")
        elif form == "bold":
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{label}:").bold = True
            paragraph.add_run(f" {value}")
        elif form == "tab":
            document.add_paragraph(f"{label}\t{value}")
        else:
            document.add_paragraph(f"{label}: {value}", style="List Bullet")
    document.add_heading("Purpose", 1)
    document.add_paragraph("Staff who work alone on the unit stay safe and can call for help at any time.")
    document.add_paragraph(REVIEW_SENTENCE)
    document.add_heading("Checking in", 1)
    document.add_paragraph("Ring the Registered Manager at the start and the end of every lone shift.")
    document.save(str(path))
    return path


def expanding(path: Path, paragraphs: int) -> Path:
    """A Word file of ``paragraphs`` copies of one paragraph: a few hundred kilobytes that unpack to
    tens of megabytes of XML and many more of text for pandoc to hold."""
    document = WordDocument()
    document.add_heading("Expanding", 0)
    document.save(str(path))
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    body = parts["word/document.xml"].decode("utf-8")
    paragraph = ('<w:p><w:r><w:t>Staff wash their hands before and after every patient, every time, without '
                 'exception.</w:t></w:r></w:p>')
    at = body.index("<w:sectPr")
    parts["word/document.xml"] = (body[:at] + paragraph * paragraphs + body[at:]).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path
