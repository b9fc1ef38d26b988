"""Rule ``duplicate-content``: a passage of 40 or more words that stands in two policies.

Each policy's prose becomes a list of normalised words; every window of 40 words is hashed
(shingling). One pass builds a map from hash to its first place, so the work grows with the
total number of words, not with the number of pairs of files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import regex

from policybook.corpus import Corpus
from policybook.findings import Finding, finding
from policybook.model import Policy

SHINGLE_WORDS = 40
_WORD = regex.compile(r"[\p{L}\p{N}]+(?:['’][\p{L}]+)?")


@dataclass(frozen=True)
class _Word:
    text: str
    line: int
    column: int


def _words(policy: Policy) -> list[_Word]:
    words: list[_Word] = []
    for block in policy.parsed.prose:
        for match in _WORD.finditer(block.text):
            line, column = block.position(match.start())
            words.append(_Word(match.group(0).casefold(), line, column))
    return words


def check_duplicate_content(corpus: Corpus) -> Iterator[Finding]:
    first_seen: dict[int, tuple[Policy, int]] = {}
    reported: set[tuple[str, str]] = set()
    words_of: dict[str, list[_Word]] = {}
    for policy in corpus.policies:
        if not policy.has_body or policy.status == "retired":
            continue
        words = _words(policy)
        words_of[policy.rel] = words
        texts = [w.text for w in words]
        skip_until = -1
        for start in range(len(texts) - SHINGLE_WORDS + 1):
            key = hash(tuple(texts[start:start + SHINGLE_WORDS]))
            seen = first_seen.get(key)
            if seen is None:
                first_seen[key] = (policy, start)
                continue
            other, other_start = seen
            if other is policy or start <= skip_until:
                continue
            pair = (other.rel, policy.rel)
            if pair in reported:
                continue
            reported.add(pair)
            skip_until = start + SHINGLE_WORDS
            here, there = words[start], words_of[other.rel][other_start]
            yield finding("duplicate-content", policy.rel, here.line, here.column,
                          f"this passage of {SHINGLE_WORDS}+ words also stands in {other.rel} at line "
                          f"{there.line}: keep it in one policy and link to it")
            yield finding("duplicate-content", other.rel, there.line, there.column,
                          f"this passage of {SHINGLE_WORDS}+ words also stands in {policy.rel} at line "
                          f"{here.line}: keep it in one policy and link to it")
