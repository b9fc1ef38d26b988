"""The reading age of documents for patients: what text is measured, the formula, and the example's figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

from rule_cases import ABOVE_READING_AGE
from textstat.textstat import textstatistics

from policybook.checks.readability import GRADE_TO_AGE, prose_units, reading_age

TODAY = "2026-12-05"


def test_each_paragraph_and_list_item_is_a_sentence_and_nothing_else_is_measured() -> None:
    body = ("## A heading with pharmacological terminology\n\n"
            "Your doctor asked for a scan. Bring your [letter](letter.pdf)\n"
            "and your glasses\n\n"
            "- your name\n- your date of birth.\n\n"
            "![Densitometry apparatus](scan.svg)\n\n"
            "| Examination | Equivalence |\n|---|---|\n| Densitometry | Irradiation |\n\n"
            "```\nradiological-protection\n```\n\n"
            "Call `0117 496 0000` now!\n\n"
            "Tell us if:\n\n- you are pregnant;\n- your period is late\n")
    units = prose_units(body, 20)
    assert [(unit.line, unit.text) for unit in units] == [
        (22, "Your doctor asked for a scan. Bring your letter and your glasses."),
        (25, "your name."),
        (26, "your date of birth."),
        (38, "Call now!"),
        (40, "Tell us if:."),  # textstat ends sentences at . ! and ? only
        (42, "you are pregnant;."),
        (43, "your period is late."),
    ]


def test_reading_age_is_the_flesch_kincaid_grade_plus_five() -> None:
    text = ("The scan uses a very small dose of X-rays, about the same as a few hours of natural background "
            "radiation. It does not hurt.")
    statistics = textstatistics()
    statistics.set_lang("en_GB")
    assert reading_age(text) == statistics.flesch_kincaid_grade(text) + GRADE_TO_AGE == reading_age(text)
    assert reading_age("The cat sat on the mat. It was warm.") < reading_age(text)


def _reading_age_findings(run, root: Path) -> dict[str, str]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json")
    return {f["path"]: f["message"] for f in json.loads(result.out)["findings"] if f["rule"] == "reading-age"}


def test_the_example_documents_above_their_target_are_reported_with_their_figures(example: Path, run) -> None:
    """The example's figures: PUB-001 9.5 (target 9), PUB-003 9.6 (9), PUB-004 11.9 (9), PUB-005 12.2 (11); PUB-002
    (9.4, target 10) and the easy-read edition (6.6, held to PUB-001's 9) are within their targets."""
    found = _reading_age_findings(run, example)
    assert set(found) == ABOVE_READING_AGE
    figures = {path: re.search(r"reading age of ([\d.]+) .* target of (\d+)", message).groups()  # type: ignore[union-attr]
               for path, message in found.items()}
    assert figures == {"public/leaflets/what-to-expect.md": ("9.5", "9"), "public/notices/chaperones.md": ("9.6", "9"),
                       "public/notices/how-to-complain.md": ("11.9", "9"),
                       "public/notices/privacy-notice.md": ("12.2", "11")}
    assert "the hardest paragraphs start on lines 50, 41, 56" in found["public/notices/how-to-complain.md"]
