"""``review-frequency``: a sentence saying how often the policy is reviewed, against its ``review_interval``.

Imported policies often say "This policy will be reviewed annually" while the frontmatter schedules a
review every two years; staff read the sentence, the review calendar follows the field. Only a
sentence about the policy itself counts (it names "this policy", "the procedure", ...), so "risk
assessments are reviewed every year" is left alone. "At least every two years" agrees with any
interval up to two years.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare

REVIEW_FREQUENCY = declare(
    "review-frequency", Severity.WARNING, Scope.POLICY,
    'A sentence about the policy itself states how often it is reviewed ("This policy is reviewed annually", '
    '"every two years", "biennially") and disagrees with its `review_interval`.')

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "nine": 9, "twelve": 12,
            "eighteen": 18, "twenty-four": 24, "thirty-six": 36}
_COUNT = r"(\d{1,3}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + ")"
_FIXED = {"annually": 12, "yearly": 12, "annual": 12, "every year": 12, "each year": 12, "once a year": 12,
          "biennially": 24, "biennial": 24, "every other year": 24, "every second year": 24, "two-yearly": 24,
          "triennially": 36, "triennial": 36, "every third year": 36, "three-yearly": 36,
          "six-monthly": 6, "six monthly": 6, "twice a year": 6, "twice yearly": 6, "half-yearly": 6,
          "half yearly": 6, "quarterly": 3, "monthly": 1}
_FREQUENCY = re.compile(
    r"(?P<least>\bat\s+least\s+(?:once\s+)?)?(?:"
    rf"\bevery\s+{_COUNT}\s+(?P<unit>years?|months?)\b"
    r"|\b(?P<fixed>" + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in sorted(_FIXED, key=len, reverse=True))
    + r")\b)", re.I)
_ABOUT_ITSELF = re.compile(r"\b(?:this|the)\s+(?:policy|procedure|document|protocol|guideline|guidance|plan)\b",
                           re.I)
_REVIEW = re.compile(r"\breview", re.I)
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")


@dataclass(frozen=True)
class StatedFrequency:
    """How often a sentence says the policy is reviewed: ``months``, or at most that when ``at_least``."""

    months: int
    at_least: bool
    words: str
    offset: int  # where the sentence starts in the text it was found in

    def agrees(self, interval: int) -> bool:
        return interval <= self.months if self.at_least else interval == self.months


def stated_frequencies(text: str) -> list[StatedFrequency]:
    """Each sentence of ``text`` (prose, no markup) that states how often this policy is reviewed."""
    found: list[StatedFrequency] = []
    for sentence in _SENTENCE.finditer(text):
        words = sentence.group()
        if not _ABOUT_ITSELF.search(words) or not _REVIEW.search(words):
            continue
        match = _FREQUENCY.search(words)
        if match is None:
            continue
        if match.group("fixed"):
            months = _FIXED[" ".join(match.group("fixed").lower().split())]
        else:
            count = match.group(2).lower()
            number = int(count) if count.isdigit() else _NUMBERS[count]
            months = number * 12 if match.group("unit").lower().startswith("year") else number
        lead = len(words) - len(words.lstrip())
        found.append(StatedFrequency(months, bool(match.group("least")), " ".join(match.group().split()),
                                     sentence.start() + lead))
    return found


@check(REVIEW_FREQUENCY)
def check_review_frequency(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        interval = policy.review_interval
        if not policy.has_body or not policy.doc.ok or not isinstance(interval, int):
            continue
        if _REVIEW.search(policy.doc.body) is None:
            continue
        for block in policy.parsed.prose:
            for stated in stated_frequencies(block.text):
                if stated.agrees(interval):
                    continue
                line, column = block.position(stated.offset)
                yield REVIEW_FREQUENCY.at(policy.rel, line, column,
                                          f"the text says the policy is reviewed '{stated.words}' ({stated.months} "
                                          f"months), but its review_interval is {interval} months: make the sentence "
                                          "and the field agree")
