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
}
CLEAN = ["image", "svg", "attachment", "anchor", "cross-anchor", "policy-file", "nested", "table", "code-image"]


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
