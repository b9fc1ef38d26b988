"""Run the per-policy checks over several processes for large corpora.

The corpus is loaded once in the parent; each forked worker is handed the corpus and its share of
the policies as arguments (inherited, never pickled), parses those bodies, runs the local checks on
them and sends back only findings and each body's small summary (links and word hashes), which the
engine hands the cross-file checks in the run. Small corpora run in-process: starting workers costs
more than it saves below a few hundred policies.
"""

from __future__ import annotations

import os
from dataclasses import replace

from policybook.checks.run import CheckRun
from policybook.corpus import Corpus
from policybook.findings import Check, Finding
from policybook.forking import ForkedCall, can_fork
from policybook.model import BodySummary

PARALLEL_FROM = 100  # policies

Summaries = dict[str, BodySummary]  # by policy path
WorkerResult = tuple[list[Finding], Summaries]


def _run(corpus: Corpus, checks: list[Check], run: CheckRun) -> list[Finding]:
    found: list[Finding] = []
    for check in checks:
        found.extend(check(corpus, run))
    return found


def _worker(corpus: Corpus, checks: list[Check], run: CheckRun, indices: list[int]) -> WorkerResult:
    share = replace(corpus, policies=[corpus.policies[i] for i in indices])
    found = _run(share, checks, run)
    summaries = {p.rel: p.summary for p in share.policies if p.has_body}
    return found, summaries


def _workers(count: int) -> int:
    if count < PARALLEL_FROM or not can_fork():
        return 1
    configured = os.environ.get("POLICYBOOK_JOBS")
    if configured and configured.isdigit():
        return max(1, int(configured))
    return min(os.cpu_count() or 1, 8)


def run_local_checks(corpus: Corpus, checks: list[Check], run: CheckRun,
                     jobs: int | None = None) -> WorkerResult:
    """Findings of ``checks`` for every policy, in parallel where that pays (or in ``jobs`` processes), and
    the summaries of the bodies the workers parsed (none when the checks ran here: each policy then keeps
    its own)."""
    jobs = jobs or _workers(len(corpus.policies))
    if jobs == 1 or not can_fork():
        return _run(corpus, checks, run), {}
    total = len(corpus.policies)
    # Every jobs-th policy to each worker: long and short policies spread evenly.
    calls = [ForkedCall(_worker, corpus, checks, run, list(range(start, total, jobs))) for start in range(jobs)]
    found: list[Finding] = []
    summaries: Summaries = {}
    try:
        results = [call.result() for call in calls]
    finally:
        for call in calls:
            call.cancel()
    for findings, parsed in results:
        found.extend(findings)
        summaries.update(parsed)
    return found, summaries
