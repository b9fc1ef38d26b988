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

Rule ``parallel-version``: two policies that share at least one such passage are compared whole. When
``duplication.parallel_percent`` (50, by default) per cent or more of one policy's words stand in another policy in
force, in runs of SEED_WORDS words or more, the two are parallel versions of one policy: an error, unless
one supersedes the other or either names the other under ``related`` with a reason. Such a pair is not
reported again as duplicate-content: the parallel version is the thing to fix (or, declared, accepted).
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

PARALLEL_VERSION = declare(
    "parallel-version", Severity.ERROR, Scope.CORPUS,
    "A policy shares `duplication.parallel_percent` per cent (50, by default) or more of its text with another "
    "policy in force: two versions of one policy stand side by side. Retire one and name it under `supersedes`, "
    "or, when both must stand, name the other under `related` with the reason (`{id, reason}`).")

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


@check(DUPLICATE_CONTENT, PARALLEL_VERSION, run=True)
def check_duplicate_content(corpus: Corpus, run: CheckRun) -> Iterator[Finding]:
    policies, passages, pairs = _passages(corpus, run)
    settled: set[frozenset[int]] = set()  # pairs at the parallel share: reported as parallel versions, or declared
    for finding, pair in _parallel_versions(corpus, run, policies, pairs):
        settled.add(pair)
        if finding is not None:
            yield finding
    for passage in passages:
        others = {n: at for n, at in passage.others.items() if frozenset((passage.policy, n)) not in settled}
        if not others:
            continue
        first = policies[passage.policy]
        places = [f"{policies[n].rel} at line {_position(policies[n], at)[0]}" for n, at in sorted(others.items())]
        yield DUPLICATE_CONTENT.at(first.rel, *_position(first, passage.start), _message(passage.length, places))


def duplicates_in(corpus: Corpus, run: CheckRun, wanted: Sequence[Policy]) -> dict[str, list[Finding]]:
    """``duplicate-content`` as it bears on each of ``wanted``, by path: lint's own finding where a policy
    holds a passage first, and, where it holds a copy of a passage first found in another policy (and
    reported there), a finding at its copy naming the other places. The approval gate asks this, so a
    passage copied into a new policy holds back its approval whichever file lint reports it on."""
    policies, passages, _ = _passages(corpus, run)
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


def _passages(corpus: Corpus, run: CheckRun) -> tuple[list[Policy], list[_Passage], dict[tuple[int, int], int]]:
    """The policies compared (all but the retired), the passages each shares with later ones, and for each
    pair of policies (earlier, later number) how many sampled seeds they share (for parallel versions)."""
    index: dict[bytes, tuple[int, int]] = {}  # sampled seed -> (policy number, word position) where first seen
    also: dict[bytes, list[int]] = {}  # a sampled seed seen in more than one policy -> the later policies
    policies = [p for p in corpus.policies if p.has_body and p.status is not Status.RETIRED]
    passages: list[_Passage] = []
    pairs: dict[tuple[int, int], int] = {}
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
                for sharer in (other_number, *also.get(seed, ())):
                    if sharer != number:
                        pairs[sharer, number] = pairs.get((sharer, number), 0) + 1
                if other_number in reported:
                    continue
                other = policies[other_number]
                there_at, here_at, length = _shared_run(_words(run.summary(other)), other_position, words, position)
                if length < SHINGLE_WORDS:
                    continue
                reported.add(other_number)
                _record(passages, other_number, there_at, length, number, here_at)
        for offset, seed in enumerate(_seeds(ids, STRIDE)):
            owner, _ = index.setdefault(seed, (number, offset * STRIDE))
            if owner != number and number not in also.get(seed, ()):
                also.setdefault(seed, []).append(number)
    return policies, passages, pairs


def _covered(words: bytes, other: set[bytes]) -> int:
    """How many of ``words`` (packed word hashes) stand in runs of SEED_WORDS or more words that the policy
    whose windows are ``other`` also holds."""
    count = until = 0
    for start, seed in enumerate(_seeds(words, 1)):
        if seed in other:
            count += start + SEED_WORDS - max(start, until)
            until = start + SEED_WORDS
    return count


def _declared(policy: Policy, other: Policy) -> bool:
    """Whether one of the two says why both stand: it supersedes the other, or names it related with a reason."""
    return any(b.id is not None and (b.id in a.supersedes or b.id in a.related_reasons)
               for a, b in ((policy, other), (other, policy)))


def _parallel_versions(corpus: Corpus, run: CheckRun, policies: list[Policy],
                       pairs: dict[tuple[int, int], int]) -> Iterator[tuple[Finding | None, frozenset[int]]]:
    """Each pair of policies sharing the parallel share of one's text, where the other is in force: a finding
    (None when the pair is declared), at the policy more of whose text the other holds (on a tie, the draft,
    else the one approved earlier: the older version is the one to retire).

    Only pairs whose sampled seeds in common could add up to the share are compared word by word: a shared
    run of L >= SHINGLE_WORDS words holds at least (L - SEED_WORDS + 1) // STRIDE sampled seeds, so no more
    than SHINGLE_WORDS + STRIDE - 1 words stand shared for each seed, and a pair sharing fewer seeds than that
    allows (one preamble in a thousand policies) is passed over."""
    threshold = corpus.config.parallel_percent / 100
    windows: dict[int, set[bytes]] = {}

    def shared(number: int, other: int) -> tuple[int, int]:
        words = run.summary(policies[number]).word_hashes
        if other not in windows:
            windows[other] = set(_seeds(run.summary(policies[other]).word_hashes, 1))
        return _covered(words, windows[other]), len(words) // _WIDTH

    for (a, b), seeds in sorted(pairs.items()):
        first, second = policies[a], policies[b]
        if first.id is not None and first.id == second.id:
            continue  # one policy under two files: duplicate-id says so
        shortest = min(len(run.summary(first).word_hashes), len(run.summary(second).word_hashes)) // _WIDTH
        if seeds * (SHINGLE_WORDS + STRIDE - 1) < threshold * shortest:
            continue
        candidates = []
        for here, there in ((a, b), (b, a)):
            if policies[there].status is not Status.APPROVED:
                continue
            common, total = shared(here, there)
            if total and common / total >= threshold:
                draft = policies[here].status is not Status.APPROVED
                approved = policies[here].approved_on
                older = -approved.toordinal() if approved is not None else 0
                candidates.append((common / total, draft, older, here, there, common, total))
        if not candidates:
            continue
        pair = frozenset((a, b))
        if _declared(first, second):
            yield None, pair
            continue
        share, _, _, here, there, common, total = max(candidates)
        policy, other = policies[here], policies[there]
        line, column = policy.doc.position(("title",))
        yield PARALLEL_VERSION.at(
            policy.rel, line, column,
            f"{int(share * 100)}% of this policy's text ({common} of {total} words) also stands in {other.rel} "
            f"({other.label}, in force): two versions of one policy. Retire one and name it under supersedes, "
            f"or, if both must stand, give the reason under related (- id: {other.label}, reason: ...)"), pair


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
