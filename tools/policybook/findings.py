"""Findings and the rule registry: what a problem is, and the one place where each rule is declared.

A rule is declared once, beside the code that finds it, with :func:`declare`; a check function is
registered with the :func:`check` decorator, naming the rules it reports. Findings are built from the
rule object (``RULE.at(path, line, column, message)``), so a misspelt rule is an undefined name that
ruff reports, not a string that fails at run time. ``policybook.checks`` imports every check module
and so holds the whole catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    SUGGESTION = "suggestion"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.SUGGESTION: 2}


# Characters that would move the cursor, end the line or drive the terminal: C0 and C1 controls, DEL,
# the Unicode line and paragraph separators, and the bidirectional overrides that reorder text.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``)."""
    return _UNPRINTABLE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


class Scope(StrEnum):
    """What a rule looks at, which decides how and when its check runs."""

    FILE = "file"  # found while a file is read (loader, registers): every command sees these
    POLICY = "policy"  # one policy at a time with the registers and settings: can run on a subset, in parallel
    CORPUS = "corpus"  # policies compared with each other: always sees every policy


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. Paths are POSIX, relative to the project root; line/column 1-based."""

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def as_line(self, severity_text: str | None = None) -> str:
        """`path:line:col severity rule message`, the text report's line: one line, whatever the path and
        message hold (control characters are shown as escapes, never sent to the terminal)."""
        severity = severity_text or self.severity.value
        return f"{printable(self.path)}:{self.line}:{self.column} {severity} {printable(self.rule)} " \
               f"{printable(self.message)}"

    def brief(self) -> str:
        """`path:line:col rule message`, printable: the form build and approval errors list."""
        return f"{printable(self.path)}:{self.line}:{self.column} {printable(self.rule)} {printable(self.message)}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
        }


@dataclass(frozen=True)
class Rule:
    """A rule of the catalogue: what `policybook rules` and docs/guide/rules.md show."""

    id: str
    severity: Severity
    summary: str
    scope: Scope = Scope.POLICY

    def at(self, path: str, line: int, column: int, message: str, severity: Severity | None = None) -> Finding:
        """A finding of this rule at ``path:line:column`` (lines and columns below 1 become 1)."""
        return Finding(path, max(1, line), max(1, column), self.id, severity or self.severity, message)

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "severity": self.severity.value, "scope": self.scope.value, "summary": self.summary}


# A check takes the Corpus, and, when it asks for it, the run (checks/run.py: the lint options and the bodies'
# summaries); typed loosely here because the corpus and the run import this module.
CheckFunction = Callable[..., Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    """A registered check: the function, whether it runs per policy or across them, what it reports, and
    whether it is handed the run (the house style, the base revision) as well as the corpus."""

    function: CheckFunction
    scope: Scope
    rules: tuple[Rule, ...]
    takes_run: bool = False

    @property
    def name(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"

    def __call__(self, corpus: Any, run: Any) -> Iterable[Finding]:
        return self.function(corpus, run) if self.takes_run else self.function(corpus)


_RULE_ID = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_RULES: dict[str, Rule] = {}
_CHECKS: list[Check] = []


def declare(rule_id: str, severity: Severity, scope: Scope, summary: str) -> Rule:
    """Add a rule to the catalogue. Ids are kebab-case and unique; declaring one twice is a bug."""
    if not _RULE_ID.match(rule_id):
        raise ValueError(f"rule id '{rule_id}' is not kebab-case")
    if rule_id in _RULES:
        raise ValueError(f"rule '{rule_id}' is declared twice")
    rule = Rule(rule_id, severity, summary, scope)
    _RULES[rule_id] = rule
    return rule


def check(*rules: Rule, scope: Scope | None = None, run: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the check that reports ``rules``. Its scope is the rules'
    scope (per policy or across the corpus) unless given; with ``run`` it is called with the run
    (checks/run.py) after the corpus. The function itself is returned unchanged."""
    if not rules and scope is None:
        raise ValueError("a check names the rules it reports, or its scope when they are the project's own")
    scopes = {r.scope for r in rules if r.scope is not Scope.FILE}
    chosen = scope or (scopes.pop() if len(scopes) == 1 else None)
    if chosen is None or chosen is Scope.FILE:
        raise ValueError(f"say scope=Scope.POLICY or Scope.CORPUS for a check of {[r.id for r in rules]}")

    def register(function: CheckFunction) -> CheckFunction:
        _CHECKS.append(Check(function, chosen, rules, run))
        return function

    return register


def registered_rules() -> dict[str, Rule]:
    """Every rule declared so far, in declaration order (import ``policybook.checks`` for all of them)."""
    return dict(_RULES)


def registered_checks(scope: Scope) -> list[Check]:
    return [c for c in _CHECKS if c.scope is scope]


def blocking(findings: Iterable[Finding], *, allow: Iterable[Rule] = ()) -> list[Finding]:
    """The errors among ``findings`` (those that stop a build or an approval), except rules in ``allow``."""
    allowed = {rule.id for rule in allow}
    return [f for f in findings if f.is_error and f.rule not in allowed]
