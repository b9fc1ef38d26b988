"""Checks: functions from the Corpus to Findings, registered with ``@check`` beside their rules.

Importing this package imports every check module, which fills the registry: RULES is then the whole
catalogue of core rules. The lint engine (lint.py) runs them; the order does not matter: it sorts the findings.
"""

from __future__ import annotations

from policybook.checks import (  # noqa: F401 - imported to register their checks
    approvals,
    changes,
    content,
    coverage,
    dates,
    duplication,
    emphasis,
    identity,
    inforce,
    practice,
    public,
    questions,
    rating,
    readability,
    records,
    references,
    review_text,
    schema,
    structure,
    style,
    terms,
)
from policybook.findings import Check, Rule, Scope, registered_checks, registered_rules

RULES: dict[str, Rule] = registered_rules()
# Per-policy checks can run on any subset of the policies, so large corpora spread them over processes.
LOCAL_CHECKS: list[Check] = registered_checks(Scope.POLICY)
# Checks that compare policies with each other always see every policy.
CORPUS_CHECKS: list[Check] = registered_checks(Scope.CORPUS)
