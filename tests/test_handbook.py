"""The staff handbook PDF, checked with poppler (pdftotext, pdfinfo) and pypdf."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, TODAY, edit, strip_fingerprints
from pypdf import PdfReader
from sitetools import png_bytes

from policybook.corpus import load_corpus
from policybook.errors import PolicybookError
from policybook.handbook.builder import Variant, build_handbook, build_handbooks, select


@pytest.fixture
def example(example: Path) -> Path:
    """The example without approval fingerprints: these tests edit policy text to exercise other rules
    (changed-since-approval has its own tests in test_changes.py)."""
    return strip_fingerprints(example)

ARTEFACTS = REPO / "tests/artefacts"
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (.ci/run)")


def _text(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else []) + [str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _corpus(root: Path):
    import datetime as dt

    return load_corpus(root, dt.date.fromisoformat(TODAY))


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("handbook")
    corpus = _corpus(REPO)
    standard, large = build_handbooks(corpus, [Variant(out / "standard.pdf"), Variant(out / "large.pdf", True)])
    ARTEFACTS.mkdir(exist_ok=True)
    for pdf, page in ((standard, 4), (large, 6)):
        subprocess.run(["pdftoppm", "-r", "60", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                        str(pdf), str(ARTEFACTS / f"handbook-{pdf.stem}-page-{page}")], check=True)
    return {"standard": standard, "large": large}


def test_every_all_staff_policy_is_present_in_order(editions: dict[str, Path]) -> None:
    # Each policy's title is followed by its document control, or first by the section it marks urgent.
    expected = [(p.title, p.data.get("urgent")) for p in select(_corpus(REPO), None)]
    assert len(expected) >= 15 and any(urgent for _, urgent in expected)
    text = " ".join(_text(editions["standard"]).split())
    body = text[text.index("Contents of this edition"):]
    positions = []
    for title, urgent in expected:
        heading = f"{title} {urgent}" if urgent else f"{title} Item Detail Policy id"
        assert heading in body, title
        positions.append(body.index(heading))
    assert positions == sorted(positions)


def test_the_controlled_copy_footer_is_on_every_page(editions: dict[str, Path]) -> None:
    """(tests/test_handbook_print.py checks each page's policy, version and review date.)"""
    for pdf in editions.values():
        pages = len(PdfReader(pdf).pages)
        assert pages > 10
        for number in range(1, pages + 1):
            page = " ".join(_text(pdf, number).split())
            assert "Uncontrolled when printed: check the staff site" in page, (pdf.name, number)
            assert f"Page {number} of {pages}" in page, (pdf.name, number)
        text = " ".join(_text(pdf, 6).split())
        assert "GOV-001 version 2.1" in text and "Next review 26 November 2028" in text


def test_the_outline_has_one_entry_per_policy(editions: dict[str, Path]) -> None:
    expected = [p.title for p in select(_corpus(REPO), None)]
    outline = PdfReader(editions["standard"]).outline
    assert [item.title for item in outline] == expected


def test_the_pdf_is_tagged_and_declares_pdf_ua(editions: dict[str, Path]) -> None:
    for pdf in editions.values():
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert "Tagged:          yes" in info
        assert "Title:           Harbourside Mobile DEXA Ltd: Staff handbook" in info
        reader = PdfReader(pdf)
        assert reader.trailer["/Root"]["/Lang"] == "en-GB"
        xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
        assert "pdfuaid:part" in xmp and ">1<" in xmp.split("pdfuaid:part", 1)[1][:40]
        structure = subprocess.run(["pdfinfo", "-struct", str(pdf)], capture_output=True, text=True,
                                   check=True).stdout
        assert "H1" in structure and "TH" in structure and "THead" in structure


def _body_font_sizes(pdf: Path) -> Counter[float]:
    sizes: Counter[float] = Counter()
    reader = PdfReader(pdf)
    for page in reader.pages[4:12]:
        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if text.strip():
                sizes[round(size * abs(tm[3]) * abs(cm[3] or 1), 1)] += len(text)
        page.extract_text(visitor_text=visit)
    return sizes


def test_large_print_body_text_is_at_least_16_point_sans(editions: dict[str, Path]) -> None:
    common_size = _body_font_sizes(editions["large"]).most_common(1)[0][0]
    assert common_size >= 16
    assert _body_font_sizes(editions["standard"]).most_common(1)[0][0] < 12
    fonts = subprocess.run(["pdffonts", str(editions["large"])], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts and "Italic" not in fonts and "Oblique" not in fonts


def test_audience_selects_that_roles_policies(tmp_path: Path) -> None:
    corpus = _corpus(REPO)
    chosen = {p.id for p in select(corpus, "lead-radiographer")}
    assert "SAF-003" in chosen and "IPC-002" in chosen  # named for the role, and for all staff
    assert "GOV-006" not in chosen  # addressed to other roles only
    out = build_handbook(corpus, tmp_path / "lead.pdf", audience="lead-radiographer")
    assert "Chaperones" in _text(out)
    with pytest.raises(PolicybookError, match="not a role"):
        select(corpus, "chief-executive")


def _png(path: Path) -> None:
    path.write_bytes(png_bytes())


FEATURES = """

### Features

| Step | Who |
|---|---|
| Check the kit | First Aider |

1. First step
    1. A nested step
2. Second step

See the [infection control policy](IPC-001) and the [hand hygiene poster](https://www.who.int).

!!! note "Keep the kit sealed"
    Break the seal only in an emergency.

![The first aid kit in its wall bracket](kit.png)
"""


def test_a_new_approved_policy_appears_with_its_markdown_features_and_a_draft_never(example: Path) -> None:
    first_aid = example / "policies/health-safety/first-aid.md"
    new = example / "policies/health-safety/first-aid-kit-checks.md"
    text = first_aid.read_text(encoding="utf-8").replace("id: HS-003", "id: HS-099")
    text = text.replace("title: First aid", "title: First aid kit checks") + FEATURES
    new.write_text(text, encoding="utf-8")
    _png(example / "policies/health-safety/kit.png")
    draft = example / "policies/health-safety/draft-policy.md"
    draft.write_text(text.replace("id: HS-099", "id: HS-098").replace("title: First aid kit checks",
                                                                      "title: Draft kit checks")
                     .replace("status: approved", "status: draft"), encoding="utf-8")
    pdf = build_handbook(_corpus(example), example / "out.pdf")
    text = " ".join(_text(pdf).split())
    assert "First aid kit checks" in text and "Draft kit checks" not in text
    assert "Check the kit First Aider" in text
    assert "1. First step" in text and "A nested step" in text
    assert "Keep the kit sealed Break the seal only in an emergency." in text
    assert "The first aid kit in its wall bracket" in _figure_alt_texts(PdfReader(pdf))
    annotations = [a.get_object() for page in PdfReader(pdf).pages for a in page.get("/Annots", [])]
    actions = [a.get("/A", {}) for a in annotations]
    assert any(action.get("/URI") == "https://www.who.int" for action in actions)
    # IPC-001 is in the handbook, so its link is internal: a destination, not a web address.
    assert any("/Dest" in a or a.get("/A", {}).get("/S") == "/GoTo" for a in annotations)
    assert not any(str(action.get("/URI", "")).endswith("IPC-001") for action in actions)


def _figure_alt_texts(reader: PdfReader) -> list[str]:
    """The /Alt of every Figure element in the PDF's structure tree."""
    found: list[str] = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            stack.extend(node)
        elif hasattr(node, "get"):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                found.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                stack.append(kids)
    return found


def test_an_image_that_cannot_be_typeset_is_an_error_naming_the_policy(example: Path) -> None:
    hand = example / "policies/infection-control/hand-hygiene.md"
    edit(hand, "## Technique", "![Poster](poster.png)\n\n## Technique")
    (hand.parent / "poster.png").write_text("not an image", encoding="utf-8")
    with pytest.raises(PolicybookError, match=r"policies/infection-control/hand-hygiene\.md"):
        build_handbook(_corpus(example), example / "out.pdf")
    assert not (example / "out.pdf").exists()


def test_handbook_command_writes_into_site_handbook(example: Path, run) -> None:
    result = run("-C", str(example), "handbook", "--today", TODAY, "--large-print")
    assert result.code == 0, result.err
    assert (example / "site/handbook/staff-handbook-large-print.pdf").is_file()
    assert run("-C", str(example), "handbook", "--audience", "nobody").code == 2
