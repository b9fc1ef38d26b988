"""Rule ``duplicate-content``: a passage of 40 or more words that stands in two policies.

Each policy's prose becomes a sequence of word ids; every window of 40 words is hashed (shingling)
as one bytes slice, so the work grows with the total number of words, never with the number of pairs
of files. Positions are worked out only for the passages that are reported."""

from __future__ import annotations

from array import array
from collections.abc import Iterator

import regex

from policybook.corpus import Corpus
from policybook.findings import Finding, finding
from policybook.model import Policy

SHINGLE_WORDS = 40
_WORD = regex.compile(r"[\p{L}\p{N}]+(?:['’][\p{L}]+)?")
_WIDTH = array("I").itemsize


def _word_ids(policy: Policy, vocabulary: dict[str, int]) -> bytes:
    ids = array("I")
    for block in policy.parsed.prose:
        for word in _WORD.findall(block.text.casefold()):
            ids.append(vocabulary.setdefault(word, len(vocabulary)))
    return ids.tobytes()


def _position(policy: Policy, word_index: int) -> tuple[int, int]:
    """File line and column of the ``word_index``-th prose word of ``policy``."""
    seen = 0
    for block in policy.parsed.prose:
        matches = list(_WORD.finditer(block.text))
        if word_index < seen + len(matches):
            return block.position(matches[word_index - seen].start())
        seen += len(matches)
    return policy.doc.body_line, 1


def check_duplicate_content(corpus: Corpus) -> Iterator[Finding]:
    vocabulary: dict[str, int] = {}
    first_seen: dict[bytes, tuple[Policy, int]] = {}
    reported: set[tuple[str, str]] = set()
    span = SHINGLE_WORDS * _WIDTH
    for policy in corpus.policies:
        if not policy.has_body or policy.status == "retired":
            continue
        ids = _word_ids(policy, vocabulary)
        for start in range(0, len(ids) - span + _WIDTH, _WIDTH):
            window = ids[start:start + span]
            seen = first_seen.setdefault(window, (policy, start))
            other = seen[0]
            if other is policy:
                continue
            pair = (other.rel, policy.rel)
            if pair in reported:
                continue
            reported.add(pair)
            here = _position(policy, start // _WIDTH)
            there = _position(other, seen[1] // _WIDTH)
            yield finding("duplicate-content", policy.rel, *here,
                          f"this passage of {SHINGLE_WORDS}+ words also stands in {other.rel} at line "
                          f"{there[0]}: keep it in one policy and link to it")
            yield finding("duplicate-content", other.rel, *there,
                          f"this passage of {SHINGLE_WORDS}+ words also stands in {policy.rel} at line "
                          f"{here[0]}: keep it in one policy and link to it")
