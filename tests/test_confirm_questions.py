"""The ``questions:`` frontmatter field: lint's ``question-answer`` rule (every answer one of its options,
every section a heading of the policy), the schema's shape, and that questions are part of the approval
fingerprint (what staff are asked to show they understood is approved with what they are told)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TODAY, edit, position_of, set_confirmations

from policybook.corpus import load_corpus
from policybook.evidence.fingerprint import fingerprint
from policybook.loader import parse_markdown
from policybook.questions import Question, questions_of, wrong_answers

HAND_HYGIENE = "policies/infection-control/hand-hygiene.md"
GOOD = """questions:
  - question: How long does hand rub take?
    options: ["5 seconds", "20 to 30 seconds", "2 minutes"]
    answer: 20 to 30 seconds
    section: Technique
  - question: When do you use soap and water rather than hand rub?
    options: [When hands are visibly dirty, Never]
    answer: When hands are visibly dirty
"""


def _lint(run, root: Path) -> list[dict[str, object]]:
    result = run("-C", str(root), "lint", "--format", "json", "--today", TODAY)
    return json.loads(result.out)["findings"]


def _with_questions(root: Path, text: str) -> Path:
    """IPC-002 with ``text`` as its questions, its fingerprint recorded again as an approval would (these
    tests are of the questions themselves, not of change control)."""
    path = root / HAND_HYGIENE
    edit(path, "fingerprint:", text + "fingerprint:")
    source = path.read_text(encoding="utf-8")
    doc = parse_markdown(source, path, HAND_HYGIENE)
    if isinstance(doc.data, dict) and isinstance(doc.data.get("fingerprint"), str):
        path.write_text(source.replace(doc.data["fingerprint"], fingerprint(doc.data, doc.body)), encoding="utf-8")
    return path


def test_questions_are_part_of_the_approval_fingerprint(example: Path, run) -> None:
    edit(example / HAND_HYGIENE, "fingerprint:", GOOD + "fingerprint:")
    assert [(f["rule"], f["path"]) for f in _lint(run, example)] == [("changed-since-approval", HAND_HYGIENE)]


def test_questions_with_right_answers_lint_clean(example: Path, run) -> None:
    _with_questions(example, GOOD)
    assert _lint(run, example) == []
    policy = next(p for p in load_corpus(example, __import__("datetime").date.fromisoformat(TODAY)).policies
                  if p.id == "IPC-002")
    questions = questions_of(policy)
    assert [(q.text, q.answer_index, q.section) for q in questions] == [
        ("How long does hand rub take?", 1, "Technique"),
        ("When do you use soap and water rather than hand rub?", 0, None)]


def test_an_answer_that_is_not_an_option_is_an_error_at_the_answer(example: Path, run) -> None:
    path = _with_questions(example, GOOD.replace("answer: 20 to 30 seconds", "answer: 20 to 30 secs"))
    findings = _lint(run, example)
    assert [(f["rule"], f["severity"]) for f in findings] == [("question-answer", "error")]
    line, column = position_of(path, "answer: 20 to 30 secs")
    assert (findings[0]["line"], findings[0]["column"]) == (line, column)
    assert "'20 to 30 secs' is not one of the options ('5 seconds'; '20 to 30 seconds'; '2 minutes')" in \
        str(findings[0]["message"])


def test_a_section_the_policy_does_not_have_is_an_error_at_the_section(example: Path, run) -> None:
    path = _with_questions(example, GOOD.replace("section: Technique", "section: Techniques"))
    findings = _lint(run, example)
    assert [f["rule"] for f in findings] == ["question-answer"]
    assert (findings[0]["line"], findings[0]["column"]) == position_of(path, "section: Techniques")
    assert "'Techniques' is not a heading of IPC-002" in str(findings[0]["message"])


def test_a_section_matches_its_heading_whatever_the_case_and_spacing(example: Path, run) -> None:
    _with_questions(example, GOOD.replace("section: Technique", "section: '  technique '"))
    assert _lint(run, example) == []


@pytest.mark.parametrize("shape", [
    GOOD.replace('options: ["5 seconds", "20 to 30 seconds", "2 minutes"]', 'options: ["20 to 30 seconds"]'),
    GOOD.replace('options: ["5 seconds", "20 to 30 seconds", "2 minutes"]',
                 'options: ["20 to 30 seconds", "20 to 30 seconds"]'),
    GOOD.replace("    section: Technique\n", "    hint: Read the technique\n"),
    GOOD.replace("    answer: 20 to 30 seconds\n", ""),
    "questions: []\n",
    GOOD.replace("How long does hand rub take?", '"How long\\a does hand rub take?"'),  # a control character
])
def test_a_question_of_the_wrong_shape_is_a_schema_error(example: Path, run, shape: str) -> None:
    _with_questions(example, shape)
    rules = {f["rule"] for f in _lint(run, example)}
    assert "schema" in rules


def test_wrong_answers_are_those_not_chosen_rightly() -> None:
    questions = [Question(0, "A?", ("x", "y"), "y"), Question(1, "B?", ("p", "q"), "p"),
                 Question(2, "C?", ("m", "n"), "not an option")]
    assert [q.index for q in wrong_answers(questions, {0: 1, 1: 0, 2: 0})] == [2]
    assert [q.index for q in wrong_answers(questions, {0: 0, 1: None})] == [0, 1, 2]


def test_a_staff_register_email_is_where_codes_go(example: Path) -> None:
    """The address in registers/staff.yml wins over confirmations.addresses in policybook.yml."""
    import datetime as dt

    from policybook.confirm.people import address_of, by_address

    edit(example / "registers/staff.yml", "    email: jc@harbourside-dexa.example\n",
         "    email: Jamie.Castellan@Harbourside-DEXA.example\n")
    set_confirmations(example, "confirmations:\n  base_url: https://confirm.harbourside-dexa.example\n"
                               "  sign_in: [proxy]\n  proxy:\n    header: X-Forwarded-Email\n    trusted: [127.0.0.1]\n"
                               "  addresses:\n    jc: jc.elsewhere@harbourside-dexa.example\n")
    edit(example / "registers/staff.yml", "    email: pl@harbourside-dexa.example\n", "")
    corpus = load_corpus(example, dt.date.fromisoformat(TODAY))
    member = corpus.registers.staff["jc"]
    assert address_of(corpus, member) == "jamie.castellan@harbourside-dexa.example"
    assert by_address(corpus)["jamie.castellan@harbourside-dexa.example"].id == "jc"
    assert address_of(corpus, corpus.registers.staff["pl"]) is None  # no address anywhere
