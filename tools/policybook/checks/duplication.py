"""Rule ``duplicate-content``: a passage of 40 or more words that stands in two policies.

Each policy's prose becomes a sequence of word hashes. Every policy is looked up against the
policies before it, then indexed:

- the index holds only every STRIDE-th window of SEED_WORDS words (a fraction of all windows, so
  memory stays small for thousands of policies);
- a lookup tries the window at every position, as one set operation in C.

A shared passage of SHINGLE_WORDS words always contains an indexed window, because
SHINGLE_WORDS - SEED_WORDS + 1 >= STRIDE. Each hit is then extended word by word in both directions
and counts only if the shared run reaches SHINGLE_WORDS. The work grows with the total number of
words, never with the number of pairs of files.

A passage is reported once, at the first policy that holds it, naming every other place: one preamble
copied into five policies is one thing to fix, not twenty warnings.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from policybook.checks.run import CheckRun
from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.markdown import PROSE_WORD
from policybook.model import BodySummary, Policy, Status

DUPLICATE_CONTENT = declare(
    "duplicate-content", Severity.WARNING, Scope.CORPUS,
    'A passage of 40 or more words stands in two or more policies. Reported once, at its first place, naming '
    'the others.')

SHINGLE_WORDS = 40
SEED_WORDS = 20
STRIDE = SHINGLE_WORDS - SEED_WORDS + 1
_WIDTH = array("q").itemsize


def _seeds(ids: bytes, step: int) -> list[bytes]:
    span = SEED_WORDS * _WIDTH
    return [ids[start:start + span] for start in range(0, len(ids) - span + _WIDTH, step * _WIDTH)]


def _shared_run(a: array[int], a_at: int, b: array[int], b_at: int) -> tuple[int, int, int]:
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


def _words(summary: BodySummary) -> array[int]:
    ids = array("q")
    ids.frombytes(summary.word_hashes)
    return ids


@dataclass
class _Passage:
    """A passage found in several policies: where it first stands, and every other place."""

    policy: int
    start: int
    end: int
    length: int
    others: dict[int, int] = field(default_factory=dict)  # policy number -> word position


@check(DUPLICATE_CONTENT, run=True)
def check_duplicate_content(corpus: Corpus, run: CheckRun) -> Iterator[Finding]:
    policies, passages = _passages(corpus, run)
    for passage in passages:
        first = policies[passage.policy]
        places = [f"{policies[n].rel} at line {_position(policies[n], at)[0]}"
                  for n, at in sorted(passage.others.items())]
        yield DUPLICATE_CONTENT.at(first.rel, *_position(first, passage.start), _message(passage.length, places))


def duplicates_in(corpus: Corpus, run: CheckRun, wanted: Sequence[Policy]) -> dict[str, list[Finding]]:
    """``duplicate-content`` as it bears on each of ``wanted``, by path: lint's own finding where a policy
    holds a passage first, and, where it holds a copy of a passage first found in another policy (and
    reported there), a finding at its copy naming the other places. The approval gate asks this, so a
    passage copied into a new policy holds back its approval whichever file lint reports it on."""
    policies, passages = _passages(corpus, run)
    found: dict[str, list[Finding]] = {policy.rel: [] for policy in wanted}
    numbers = {n: policy for n, policy in enumerate(policies) if any(policy is w for w in wanted)}
    for passage in passages:
        places = {passage.policy: passage.start, **passage.others}
        for here in (n for n in places if n in numbers):
            policy = numbers[here]
            others = [f"{policies[n].rel} at line {_position(policies[n], at)[0]}"
                      for n, at in sorted(places.items()) if n != here]
            found[policy.rel].append(DUPLICATE_CONTENT.at(policy.rel, *_position(policy, places[here]),
                                                          _message(passage.length, others)))
    return found


def _message(length: int, places: list[str]) -> str:
    where = places[0] if len(places) == 1 else ", ".join(places[:-1]) + " and " + places[-1]
    return f"this passage of {length} words also stands in {where}: keep it in one policy and link to it"


def _passages(corpus: Corpus, run: CheckRun) -> tuple[list[Policy], list[_Passage]]:
    """The policies compared (all but the retired) and the passages each shares with later ones."""
    index: dict[bytes, tuple[int, int]] = {}  # sampled seed -> (policy number, word position)
    policies = [p for p in corpus.policies if p.has_body and p.status is not Status.RETIRED]
    passages: list[_Passage] = []
    for number, policy in enumerate(policies):
        summary = run.summary(policy)
        ids = summary.word_hashes
        seeds = _seeds(ids, 1)
        hits = index.keys() & set(seeds)  # one set operation in C over every position
        reported: set[int] = set()
        if hits:
            words = _words(summary)
            for position, seed in enumerate(seeds):
                if seed not in hits:
                    continue
                other_number, other_position = index[seed]
                if other_number in reported:
                    continue
                other = policies[other_number]
                there_at, here_at, length = _shared_run(_words(run.summary(other)), other_position, words, position)
                if length < SHINGLE_WORDS:
                    continue
                reported.add(other_number)
                _record(passages, other_number, there_at, length, number, here_at)
        for offset, seed in enumerate(_seeds(ids, STRIDE)):
            index.setdefault(seed, (number, offset * STRIDE))
    return policies, passages


def _record(passages: list[_Passage], first: int, at: int, length: int, other: int, other_at: int) -> None:
    """Add a shared run to the passage it belongs to, or start one. A run belongs to a passage when its
    earlier place overlaps the passage's first place or one of its copies: five pages that share a
    preamble make one passage with four other places, not ten pairs."""
    for passage in passages:
        if passage.policy == first and at < passage.end and passage.start < at + length:
            passage.start, passage.end = min(passage.start, at), max(passage.end, at + length)
            passage.length = max(passage.length, length)
            passage.others.setdefault(other, other_at)
            return
        copy = passage.others.get(first)
        if copy is not None and at < copy + passage.length and copy < at + length:
            if other != passage.policy:
                passage.others.setdefault(other, other_at)
            return
    passages.append(_Passage(first, at, at + length, length, {other: other_at}))
