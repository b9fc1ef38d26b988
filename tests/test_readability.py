"""The reading age of documents for patients: what text is measured, the formula, and the example's figures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from conftest import REPO
from textstat.textstat import textstatistics

from policybook.checks.readability import GRADE_TO_AGE, checked_language, prose_units, reading_age
from policybook.corpus import load_corpus

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


# The example's documents in English: (measured reading age, its target). The easy-read edition has no target of
# its own and is held to PUB-001's.
EXAMPLE_AGES = {
    "public/leaflets/what-to-expect.md": (8.9, 9),
    "public/leaflets/what-to-expect.easy-read.md": (6.5, 9),
    "public/leaflets/radiation-and-pregnancy.md": (9.4, 10),
    "public/notices/chaperones.md": (8.5, 9),
    "public/notices/how-to-complain.md": (8.8, 9),
    "public/notices/privacy-notice.md": (10.7, 11),
}


def test_the_example_documents_read_at_or_under_their_targets(example: Path, run) -> None:
    """Each English document for patients measures what it was written to, at or under its target (not far
    under: plain, not childish), and lint reports none of them."""
    corpus = load_corpus(REPO, dt.date.fromisoformat(TODAY))
    targets = {document.label: document.reading_age for document in corpus.public}
    measured = {}
    for document in corpus.public:
        if not checked_language(document, corpus.config.locale):
            continue
        units = prose_units(document.doc.body, document.doc.body_line)
        target = document.reading_age or targets[document.edition_of or ""]
        measured[document.rel] = (round(reading_age(" ".join(unit.text for unit in units)), 1), target)
    assert measured == EXAMPLE_AGES
    assert all(age <= target for age, target in measured.values())
    assert all(target - age <= 1.5 for path, (age, target) in measured.items() if "easy-read" not in path)
    assert _reading_age_findings(run, example) == {}
