"""Checks: functions from the Corpus to Findings, registered with ``@check`` beside their rules.

Importing this package imports every check module, which fills the registry: RULES is then the whole
catalogue of core rules. The order checks run in does not matter: lint sorts the findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from policybook.checks import (  # noqa: F401 - imported to register their checks
    approvals,
    changes,
    content,
    dates,
    duplication,
    identity,
    inforce,
    questions,
    records,
    references,
    schema,
    structure,
    style,
    terms,
)
from policybook.checks.parallel import run_local_checks
from policybook.corpus import Corpus
from policybook.findings import Check, Finding, Rule, Scope, registered_checks, registered_rules

RULES: dict[str, Rule] = registered_rules()
# Per-policy checks can run on any subset of the policies, so large corpora spread them over processes.
LOCAL_CHECKS: list[Check] = registered_checks(Scope.POLICY)
# Checks that compare policies with each other always see every policy.
CORPUS_CHECKS: list[Check] = registered_checks(Scope.CORPUS)


def run_checks(corpus: Corpus, jobs: int | None = None, selected: Callable[[str], bool] | None = None) -> list[Finding]:
    """Every finding for the corpus: load problems first, then each check in turn. With ``selected``,
    the per-policy checks run only on the policies it accepts (the cross-file checks still see all)."""
    found = list(corpus.load_findings)
    local = corpus if selected is None else replace(corpus, policies=[p for p in corpus.policies if selected(p.rel)])
    found.extend(run_local_checks(local, [c.function for c in LOCAL_CHECKS], jobs))
    for check in CORPUS_CHECKS:
        found.extend(check.function(corpus))
    return found
