"""Run the per-policy checks over several processes for large corpora.

The corpus is loaded once in the parent; forked workers inherit it, parse their share of the
bodies, run the local checks on them and send back only findings and each body's small summary
(links and word hashes) for the cross-file checks. Small corpora run in-process: starting workers
costs more than it saves below a few hundred policies.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from dataclasses import replace

from policybook.corpus import Corpus
from policybook.findings import Finding
from policybook.model import BodySummary

PARALLEL_FROM = 100  # policies
Check = Callable[[Corpus], Iterable[Finding]]

_corpus: Corpus | None = None
_checks: list[Check] = []


def _run(corpus: Corpus, checks: list[Check]) -> list[Finding]:
    found: list[Finding] = []
    for check in checks:
        found.extend(check(corpus))
    return found


def _worker(indices: range) -> tuple[list[Finding], dict[int, BodySummary]]:
    assert _corpus is not None
    chunk = [_corpus.policies[i] for i in indices]
    found = _run(replace(_corpus, policies=chunk), _checks)
    summaries = {i: _corpus.policies[i].summary for i in indices if _corpus.policies[i].has_body}
    return found, summaries


def _workers(count: int) -> int:
    if count < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    configured = os.environ.get("POLICYBOOK_JOBS")
    if configured and configured.isdigit():
        return max(1, int(configured))
    return min(os.cpu_count() or 1, 8)


def run_local_checks(corpus: Corpus, checks: list[Check], jobs: int | None = None) -> list[Finding]:
    """Findings of ``checks`` for every policy, in parallel where that pays (or in ``jobs`` processes)."""
    global _corpus, _checks
    jobs = jobs or _workers(len(corpus.policies))
    if jobs == 1:
        return _run(corpus, checks)
    total = len(corpus.policies)
    size = -(-total // (jobs * 4))  # a few chunks per worker evens out uneven policies
    chunks = [range(start, min(start + size, total)) for start in range(0, total, size)]
    _corpus, _checks = corpus, checks
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(_worker, chunks)
    finally:
        _corpus, _checks = None, []
    found: list[Finding] = []
    for findings, summaries in results:
        found.extend(findings)
        for index, summary in summaries.items():
            corpus.policies[index].__dict__["summary"] = summary  # pre-fill the cached property
    return found
