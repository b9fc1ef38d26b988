"""One gate: whatever `policybook lint` passes, `policybook build` publishes, images and attachments
included; and a policy with an image beside it shows that image on the site and in the PDF."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TODAY, edit, strip_fingerprints
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sitetools import copy_example, png_bytes, policybook

CLEANING = "policies/infection-control/cleaning-decontamination.md"
needs_poppler = pytest.mark.skipif(shutil.which("pdfimages") is None, reason="needs poppler-utils (see .ci/run)")


@needs_poppler
def test_the_example_image_shows_on_the_site_and_in_the_handbook(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "org")
    result = policybook(root, "build", "--today", TODAY)
    assert result.returncode == 0, result.stderr
    page = (root / "site/policies/infection-control/cleaning-decontamination/index.html").read_text(encoding="utf-8")
    assert '<img src="../scan-table-cleaning.png" alt="Poster: between patients' in page
    assert '<a href="../cleaning-schedule.pdf">daily cleaning schedule</a>' in page
    assert '<a href="#spills">spills</a>' in page
    published = root / "site/policies/infection-control"
    assert (published / "scan-table-cleaning.png").read_bytes() == (root / "policies/infection-control/"
                                                                     "scan-table-cleaning.png").read_bytes()
    assert (published / "cleaning-schedule.pdf").is_file()
    handbook = policybook(root, "handbook", "--audience", "radiographer", "--out", str(tmp_path / "r.pdf"),
                          "--today", TODAY)
    assert handbook.returncode == 0, handbook.stderr
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "r.pdf")], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert [line.split()[3:5] for line in listing] == [["1200", "660"]]  # the poster, at its own size


# -- lint-clean implies a successful build -------------------------------------------------------------
PIECES = {
    "image": "![Poster of the steps](steps.png)",
    "svg": "![Diagram of the room](room.svg)",
    "attachment": "Print the [form](forms/incident-form.pdf).",
    "anchor": "See [the purpose](#purpose).",
    "cross-anchor": "See [hand hygiene technique](IPC-002#technique).",
    "policy-file": "See [the hand hygiene policy](hand-hygiene.md).",
    "nested": "1. First\n    - nested at four spaces\n2. Second\n  - at two spaces",
    "table": "| A | B |\n|---|---|\n| one | two |",
    "missing-anchor": "See [nothing](#no-such-heading).",
    "missing-image": "![A missing picture](missing.png)",
    "remote-image": "![Remote picture](https://example.org/x.png)",
    "unpublished": "See [the roles](../../registers/roles.yml).",
    "not-an-image": "![The form](forms/incident-form.pdf)",
    "outside": "![Outside](../../../outside.png)",
    "code-image": "```\n![not an image in code](nothing.png)\n```",
    "rule": "Above the line.\n\n***\n\nBelow the line.",
    "deep-emphasis": "".join("*a " if n % 2 else "_a " for n in range(30)) + "must"
                     + "".join(" b*" if n % 2 else " b_" for n in reversed(range(30))),
    "untitled-note": '!!! note ""\n    Read the [leaflet](https://example.org/leaflet) and keep -? a copy.',
}
CLEAN = ["image", "svg", "attachment", "anchor", "cross-anchor", "policy-file", "nested", "table", "code-image",
         "rule", "deep-emphasis", "untitled-note"]


@pytest.fixture(scope="module")
def gate_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("gate")
    root = strip_fingerprints(copy_example(base / "org"))
    folder = root / "policies/infection-control"
    (folder / "steps.png").write_bytes(png_bytes(4, 4))
    (folder / "room.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                                     '<rect width="10" height="10" fill="#036"/></svg>', encoding="utf-8")
    (folder / "forms").mkdir()
    (folder / "forms/incident-form.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (base / "outside.png").write_bytes(png_bytes(4, 4))
    (root / "original.md").write_text((root / CLEANING).read_text(encoding="utf-8"), encoding="utf-8")
    return root


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted(PIECES)), min_size=1, max_size=5, unique=True))
@example(CLEAN)
@example(["missing-anchor", "image"])
def test_a_lint_clean_repository_always_builds(gate_project: Path, pieces: list[str]) -> None:
    root = gate_project
    original = (root / "original.md").read_text(encoding="utf-8")
    body = "\n\n".join(PIECES[p] for p in pieces)
    (root / CLEANING).write_text(original.replace("## Scanner", f"{body}\n\n## Scanner", 1), encoding="utf-8")
    lint = policybook(root, "lint", "--today", TODAY, "--format", "json")
    errors = [f for f in json.loads(lint.stdout)["findings"] if f["severity"] == "error"]
    if set(pieces) <= set(CLEAN):
        assert lint.returncode == 0, errors  # the pieces meant to be valid are valid
    else:
        assert lint.returncode == 1 and errors  # each other piece is a mistake lint must catch ...
        assert {f["path"] for f in errors} == {CLEANING}  # ... at its place
        return
    build = policybook(root, "build", "--today", TODAY)
    assert build.returncode == 0, build.stderr[-2000:]
    handbook = policybook(root, "handbook", "--audience", "radiographer", "--out", str(root / "h.pdf"),
                          "--today", TODAY)
    assert handbook.returncode == 0, handbook.stderr[-2000:]


def test_lint_reports_every_kind_of_unpublishable_reference_at_its_line(gate_project: Path) -> None:
    root = gate_project
    original = (root / "original.md").read_text(encoding="utf-8")
    broken = ["missing-anchor", "missing-image", "remote-image", "unpublished", "not-an-image", "outside"]
    body = "\n\n".join(PIECES[p] for p in broken)
    (root / CLEANING).write_text(original.replace("## Scanner", f"{body}\n\n## Scanner", 1), encoding="utf-8")
    lint = policybook(root, "lint", "--today", TODAY, "--format", "json")
    found = {(f["line"], f["rule"]) for f in json.loads(lint.stdout)["findings"] if f["severity"] == "error"}
    text = (root / CLEANING).read_text(encoding="utf-8").split("\n")
    expected = set()
    for name, rule in zip(broken, ["broken-anchor", "image-file", "image-file", "broken-link", "image-file",
                                   "image-file"], strict=True):
        line = next(i for i, t in enumerate(text, start=1) if t == PIECES[name])
        expected.add((line, rule))
    assert found == expected
    (root / CLEANING).write_text(original, encoding="utf-8")
    edit(root / CLEANING, "## Scanner", "## Scanner")  # the original is clean again
    assert policybook(root, "lint", "--today", TODAY).returncode == 0


# -- what would stop the build (or publish something unsafe) is a lint error at its place ---------------
XSLT_SVG = (b'<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="x.svg"?>\n'
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
            b'xsl:version="1.0" width="10" height="10"><xsl:element name="script" '
            b'namespace="http://www.w3.org/2000/svg">alert(1)</xsl:element></svg>')
REFUSED = [
    ("damaged-png", "![A damaged picture](damaged.png)", {"damaged.png": b"\x89PNG\r\n\x1a\ngarbagegarbage"},
     "image-file"),
    ("damaged-gif", "![A damaged picture](damaged.gif)", {"damaged.gif": b"GIF89ajunkjunkjunk"}, "image-file"),
    ("damaged-jpeg", "![A damaged picture](damaged.jpg)", {"damaged.jpg": b"\xff\xd8\xffjunkjunk"}, "image-file"),
    ("damaged-webp", "![A damaged picture](damaged.webp)", {"damaged.webp": b"RIFF\x10\0\0\0WEBPjunk"},
     "image-file"),
    ("sizeless-svg", "![An empty drawing](empty.svg)",
     {"empty.svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"></svg>'}, "image-file"),
    ("xslt-svg-image", "![A drawing](x.svg)", {"x.svg": XSLT_SVG}, "image-file"),
    ("xslt-svg-attachment", "See the [drawing](x.svg).", {"x.svg": XSLT_SVG}, "broken-link"),
    ("empty-heading", "## ", {}, "empty-heading"),
    ("comment-heading", "## <!-- heading to write -->", {}, "empty-heading"),
    ("image-heading", "## ![A chart](steps.png)", {}, "empty-heading"),
    ("deep-quotes", ">" * 20 + " deep", {}, "nesting-depth"),
    ("skipped-heading", "#### Deep heading\n\nText under it.", {}, "heading-skip"),
]


@pytest.mark.parametrize(("name", "body", "files", "rule"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_would_stop_the_build_is_a_lint_error_at_its_line(gate_project: Path, name: str, body: str,
                                                               files: dict[str, bytes], rule: str) -> None:
    root = gate_project
    folder = root / "policies/infection-control"
    original = (root / "original.md").read_text(encoding="utf-8")
    for file_name, content in files.items():
        (folder / file_name).write_bytes(content)
    try:
        (root / CLEANING).write_text(original.replace("## Scanner", f"{body}\n\n## Scanner", 1), encoding="utf-8")
        lint = policybook(root, "lint", "--today", TODAY, "--format", "json")
        errors = [(f["path"], f["line"], f["rule"]) for f in json.loads(lint.stdout)["findings"]
                  if f["severity"] == "error"]
        first = body.split("\n")[0].rstrip()
        written = (root / CLEANING).read_text(encoding="utf-8").split("\n")
        line = written.index(first) + 1 if first in written else None
        assert lint.returncode == 1
        assert [(p, r) for p, _, r in errors] == [(CLEANING, rule)], errors
        if line is not None:
            assert errors[0][1] == line
    finally:
        (root / CLEANING).write_text(original, encoding="utf-8")
        for file_name in files:
            (folder / file_name).unlink()


@pytest.mark.parametrize("case", ["symlink-file", "symlink-folder", "html-page", "xslt-svg"])
def test_unsafe_files_among_the_sites_own_pages_are_refused_by_lint_and_build(tmp_path: Path, case: str) -> None:
    root = copy_example(tmp_path / "org")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nNot for the site.\n", encoding="utf-8")
    if case == "symlink-file":
        (root / "docs/leak.md").symlink_to(outside / "secret.md")
    elif case == "symlink-folder":
        (root / "docs/linked").symlink_to(outside, target_is_directory=True)
    elif case == "html-page":
        (root / "docs/evil.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    else:
        (root / "docs/drawing.svg").write_bytes(XSLT_SVG)
    lint = policybook(root, "lint", "--today", TODAY, "--format", "json")
    findings = json.loads(lint.stdout)["findings"]
    assert lint.returncode == 1 and [f["rule"] for f in findings] == ["site-file"], findings
    build = policybook(root, "build", "--today", TODAY)
    assert build.returncode == 1 and "cannot be published" in build.stderr
    assert not (root / "site/leak").exists() and not (root / "site/linked").exists()


def test_a_policy_file_name_with_escapes_builds(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "org")
    source = root / "policies/governance/complaints.md"
    source.rename(source.with_name("complaints%20and (concerns).md"))
    assert policybook(root, "lint", "--today", TODAY).returncode == 0
    build = policybook(root, "build", "--today", TODAY)
    assert build.returncode == 0, build.stderr[-2000:]
    assert (root / "site/policies/governance/complaints%20and (concerns)/index.html").is_file()


@pytest.mark.parametrize("name", ["complaints/index.md", "index.md", "Complaints.md", "complaints/versions/1.2.md",
                                  "complaints/versions/1.3-changes.md"])
def test_two_policies_at_one_address_are_refused(tmp_path: Path, name: str) -> None:
    root = copy_example(tmp_path / "org")
    source = (root / "policies/governance/complaints.md").read_text(encoding="utf-8")
    target = root / "policies/governance" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    # Complaints.md differs from complaints.md only in case: one address on many servers and file systems.
    target.write_text(source.replace("id: GOV-004", "id: GOV-950").replace("title: Complaints", "title: Other"),
                      encoding="utf-8")
    lint = policybook(root, "lint", "--today", TODAY, "--format", "json")
    rules = {f["rule"] for f in json.loads(lint.stdout)["findings"] if f["severity"] == "error"}
    assert "page-address" in rules, rules


@needs_poppler
def test_the_handbook_keeps_what_a_note_without_a_title_and_typst_shorthand_say(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "org")
    edit(root / "policies/infection-control/hand-hygiene.md", "## Technique",
         '!!! note ""\n    Read the [hand rub leaflet](https://example.org/leaflet) first.\n\n'
         "Rub for 20 -? 30 seconds.\n\n***\n\n## Technique")
    strip_fingerprints(root)
    result = policybook(root, "handbook", "--out", str(tmp_path / "h.pdf"), "--today", TODAY)
    assert result.returncode == 0, result.stderr
    text = " ".join(subprocess.run(["pdftotext", str(tmp_path / "h.pdf"), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Read the hand rub leaflet first." in text and "Rub for 20 -? 30 seconds." in text
