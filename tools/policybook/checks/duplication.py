"""Rule ``duplicate-content``: a passage of 40 or more words that stands in two policies.

Each policy's prose becomes a sequence of word hashes. Every policy is looked up against the
policies before it, then indexed:

- the index holds only every STRIDE-th window of SEED_WORDS words (a fraction of all windows, so
  memory stays small for thousands of policies);
- a lookup tries the window at every position, as one set operation in C.

A shared passage of SHINGLE_WORDS words always contains an indexed window, because
SHINGLE_WORDS - SEED_WORDS + 1 >= STRIDE. Each hit is then extended word by word in both directions
and reported only if the shared run reaches SHINGLE_WORDS. The work grows with the total number of
words, never with the number of pairs of files.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.markdown import PROSE_WORD
from policybook.model import Policy, Status

DUPLICATE_CONTENT = declare(
    "duplicate-content", Severity.WARNING, Scope.CORPUS,
    'A passage of 40 or more words stands in two policies. Both places are reported.')

SHINGLE_WORDS = 40
SEED_WORDS = 20
STRIDE = SHINGLE_WORDS - SEED_WORDS + 1
_WIDTH = array("q").itemsize


def _seeds(ids: bytes, step: int) -> list[bytes]:
    span = SEED_WORDS * _WIDTH
    return [ids[start:start + span] for start in range(0, len(ids) - span + _WIDTH, step * _WIDTH)]


def _shared_run(a: array, a_at: int, b: array, b_at: int) -> tuple[int, int, int]:
    """Extend a seed match at (a_at, b_at): (start in a, start in b, length in words)."""
    while a_at > 0 and b_at > 0 and a[a_at - 1] == b[b_at - 1]:
        a_at, b_at = a_at - 1, b_at - 1
    length = 0
    while a_at + length < len(a) and b_at + length < len(b) and a[a_at + length] == b[b_at + length]:
        length += 1
    return a_at, b_at, length


def _position(policy: Policy, word_index: int) -> tuple[int, int]:
    """File line and column of the ``word_index``-th prose word of ``policy``."""
    seen = 0
    for block in policy.parsed.prose:
        matches = list(PROSE_WORD.finditer(block.text))
        if word_index < seen + len(matches):
            return block.position(matches[word_index - seen].start())
        seen += len(matches)
    return policy.doc.body_line, 1


def _words(policy: Policy) -> array:
    ids = array("q")
    ids.frombytes(policy.summary.word_hashes)
    return ids


@check(DUPLICATE_CONTENT)
def check_duplicate_content(corpus: Corpus) -> Iterator[Finding]:
    index: dict[bytes, tuple[int, int]] = {}  # sampled seed -> (policy number, word position)
    policies = [p for p in corpus.policies if p.has_body and p.status is not Status.RETIRED]
    for number, policy in enumerate(policies):
        ids = policy.summary.word_hashes
        seeds = _seeds(ids, 1)
        hits = index.keys() & set(seeds)  # one set operation in C over every position
        reported: set[int] = set()
        if hits:
            words = _words(policy)
            for position, seed in enumerate(seeds):
                if seed not in hits:
                    continue
                other_number, other_position = index[seed]
                if other_number in reported:
                    continue
                other = policies[other_number]
                there_at, here_at, length = _shared_run(_words(other), other_position, words, position)
                if length < SHINGLE_WORDS:
                    continue
                reported.add(other_number)
                here, there = _position(policy, here_at), _position(other, there_at)
                yield DUPLICATE_CONTENT.at(policy.rel, *here,
                              f"this passage of {length} words also stands in {other.rel} at line "
                              f"{there[0]}: keep it in one policy and link to it")
                yield DUPLICATE_CONTENT.at(other.rel, *there,
                              f"this passage of {length} words also stands in {policy.rel} at line "
                              f"{here[0]}: keep it in one policy and link to it")
        for offset, seed in enumerate(_seeds(ids, STRIDE)):
            index.setdefault(seed, (number, offset * STRIDE))
