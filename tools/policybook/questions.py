"""Comprehension questions: the optional ``questions:`` frontmatter field of a policy.

Each question has its options, the right answer (one of the options, checked by lint's
``question-answer`` rule) and, optionally, the heading of the section that explains it, shown again
after a wrong answer. Read defensively, like the rest of the model: an entry the schema refuses is
left out here, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

from policybook.model import Policy


@dataclass(frozen=True)
class Question:
    index: int  # position in the frontmatter list, for findings and form fields
    text: str
    options: tuple[str, ...]
    answer: str
    section: str | None = None

    @property
    def answer_index(self) -> int | None:
        """Where the answer stands among the options, or None when it is not one of them."""
        return self.options.index(self.answer) if self.answer in self.options else None


def questions_of(policy: Policy) -> list[Question]:
    """The policy's well-formed questions, in order."""
    value = policy.data.get("questions")
    found: list[Question] = []
    for index, item in enumerate(value if isinstance(value, list) else []):
        if not isinstance(item, dict):
            continue
        text, options, answer = item.get("question"), item.get("options"), item.get("answer")
        if not isinstance(text, str) or not isinstance(answer, str) or not isinstance(options, list):
            continue
        if not options or not all(isinstance(option, str) for option in options):
            continue
        section = item.get("section")
        found.append(Question(index, text, tuple(options), answer, section if isinstance(section, str) else None))
    return found


def wrong_answers(questions: list[Question], answers: dict[int, int | None]) -> list[Question]:
    """The questions answered wrongly or not at all; ``answers`` maps a question's index to the chosen
    option's position."""
    return [q for q in questions if q.answer_index is None or answers.get(q.index) != q.answer_index]
