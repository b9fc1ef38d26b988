"""A policy may quote other scripts (an interpreter's greeting, a patient's language): the handbook sets them
in the Noto faces, and a character no installed face has is one line that says which fonts to install."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import TODAY, edit, strip_fingerprints

from policybook.typefaces import font_folders, missing_glyph

AUDIT = "policies/clinical/clinical-audit.md"  # CLN-003, in the radiographer's handbook
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (see .ci/run)")


def _handbook(run, root: Path, out: Path):  # type: ignore[no-untyped-def]
    strip_fingerprints(root, folders=("policies",))  # the edit is the test's, not a new version
    return run("-C", str(root), "handbook", "--role", "radiographer", "--out", str(out), "--today", TODAY)


def test_a_policy_quoting_arabic_and_bengali_is_typeset_with_its_text(example: Path, run, tmp_path: Path) -> None:
    edit(example / AUDIT, "## Purpose\n", "## Purpose\n\nGreet patients: مرحبا, নমস্কার.\n")
    assert _handbook(run, example, tmp_path / "h.pdf").code == 0
    text = subprocess.run(["pdftotext", str(tmp_path / "h.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Greet patients" in text and "নমস্কার" in text and "مرحبا" in text


def test_a_character_no_installed_face_has_is_one_line_naming_the_fonts_to_install(example: Path, run,
                                                                                 tmp_path: Path) -> None:
    edit(example / AUDIT, "## Purpose\n", "## Purpose\n\nA private character: \U000F0041.\n")
    result = _handbook(run, example, tmp_path / "h.pdf")
    assert result.code != 0 and not (tmp_path / "h.pdf").exists()
    assert "Traceback" not in result.err and AUDIT in result.err
    assert "the character '\\u{f0041}' is in a script none of the installed typefaces covers" in result.err
    assert "fonts-noto-core" in result.err


def test_only_policybook_s_own_faces_and_the_system_s_noto_folders_are_read(tmp_path: Path) -> None:
    folders = font_folders(tmp_path)
    assert folders[0] == str(tmp_path) and all("noto" in folder for folder in folders[1:])


def test_other_typesetting_errors_are_left_as_they_are() -> None:
    assert missing_glyph("error: unknown variable: foo") is None
