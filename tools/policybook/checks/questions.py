"""Rule ``question-answer``: a comprehension question (``questions:``) must have its right answer among
its options, and name a section the policy has, or staff could never confirm it (see questions.py)."""

from __future__ import annotations

from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.markdown import heading_text
from policybook.questions import questions_of

QUESTION_ANSWER = declare(
    "question-answer", Severity.ERROR, Scope.POLICY,
    "A comprehension question (`questions:`) whose `answer` is not one of its `options`, or whose `section` "
    "is not a heading of the policy: staff could never answer it, or would be shown nothing after a wrong answer.")


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


@check(QUESTION_ANSWER)
def check_question_answers(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        questions = questions_of(policy)
        if not questions:
            continue
        headings = {_normal(heading_text(h.text)) for h in policy.parsed.headings}
        for question in questions:
            if question.answer_index is None:
                line, column = policy.doc.position(("questions", question.index, "answer"))
                choices = "; ".join(f"'{option}'" for option in question.options)
                yield QUESTION_ANSWER.at(policy.rel, line, column,
                                         f"the answer '{question.answer}' is not one of the options ({choices}): "
                                         "write it exactly as one of them")
            if question.section is not None and _normal(question.section) not in headings:
                line, column = policy.doc.position(("questions", question.index, "section"))
                yield QUESTION_ANSWER.at(policy.rel, line, column,
                                         f"'{question.section}' is not a heading of {policy.label}: name the "
                                         "section that holds the answer as its heading is written")
