"""Run the per-policy checks over several processes for large corpora.

The corpus is loaded once in the parent; each forked worker is handed the corpus and its share of
the policies as arguments (inherited, never pickled), parses those bodies, runs the local checks on
them and sends back only findings and each body's small summary (links and word hashes) for the
cross-file checks. Small corpora run in-process: starting workers costs more than it saves below a
few hundred policies.
"""

from __future__ import annotations

import os
from dataclasses import replace

from policybook.corpus import Corpus
from policybook.findings import CheckFunction, Finding
from policybook.forking import ForkedCall, can_fork
from policybook.model import BodySummary

PARALLEL_FROM = 100  # policies

WorkerResult = tuple[list[Finding], dict[int, BodySummary]]


def _run(corpus: Corpus, checks: list[CheckFunction]) -> list[Finding]:
    found: list[Finding] = []
    for check in checks:
        found.extend(check(corpus))
    return found


def _worker(corpus: Corpus, checks: list[CheckFunction], indices: list[int]) -> WorkerResult:
    share = replace(corpus, policies=[corpus.policies[i] for i in indices])
    found = _run(share, checks)
    summaries = {i: corpus.policies[i].summary for i in indices if corpus.policies[i].has_body}
    return found, summaries


def _workers(count: int) -> int:
    if count < PARALLEL_FROM or not can_fork():
        return 1
    configured = os.environ.get("POLICYBOOK_JOBS")
    if configured and configured.isdigit():
        return max(1, int(configured))
    return min(os.cpu_count() or 1, 8)


def run_local_checks(corpus: Corpus, checks: list[CheckFunction], jobs: int | None = None) -> list[Finding]:
    """Findings of ``checks`` for every policy, in parallel where that pays (or in ``jobs`` processes)."""
    jobs = jobs or _workers(len(corpus.policies))
    if jobs == 1 or not can_fork():
        return _run(corpus, checks)
    total = len(corpus.policies)
    # Every jobs-th policy to each worker: long and short policies spread evenly.
    calls = [ForkedCall(_worker, corpus, checks, list(range(start, total, jobs))) for start in range(jobs)]
    found: list[Finding] = []
    try:
        results = [call.result() for call in calls]
    finally:
        for call in calls:
            call.cancel()
    for findings, summaries in results:
        found.extend(findings)
        for index, summary in summaries.items():
            corpus.policies[index].__dict__["summary"] = summary  # pre-fill the cached property
    return found
