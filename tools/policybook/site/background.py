"""Lint the corpus in a forked process while MkDocs reads and renders the pages.

The plugin starts it when the build is configured and waits for it just before MkDocs writes the
first page (`on_env`), so a corpus with errors is still never published, and the lint costs almost
no wall time on a machine with a second core: even the checks are imported in the child.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from policybook.corpus import Corpus
from policybook.findings import Finding
from policybook.forking import ForkedCall, can_fork


@dataclass(frozen=True)
class LintOutcome:
    findings: list[Finding] = field(default_factory=list)
    blocking: list[Finding] = field(default_factory=list)  # the errors that stop publication


def _lint(corpus: Corpus, block_on_overdue: bool) -> LintOutcome:
    from policybook.lint import lint_corpus, options_for, staff_publication_blockers

    findings = lint_corpus(corpus, options_for(corpus.root, jobs=1)).findings
    return LintOutcome(findings, staff_publication_blockers(corpus, findings, block_on_overdue))


class BackgroundLint:
    def __init__(self, corpus: Corpus, block_on_overdue: bool = False) -> None:
        self._result: LintOutcome | None = None
        self._call: ForkedCall[LintOutcome] | None = None
        if can_fork():
            self._call = ForkedCall(_lint, corpus, block_on_overdue)  # the child inherits the corpus
        else:
            self._result = _lint(corpus, block_on_overdue)

    def when_done(self, report: Callable[[list[Finding]], None]) -> None:
        """Call ``report`` with the findings when the lint finishes, without waiting for it (preview)."""
        if self._call is None:
            report(self._result.findings if self._result else [])
            return
        self._call.when_done(lambda outcome: report(outcome.findings if outcome else []))
        self._call = None

    def outcome(self) -> LintOutcome:
        if self._result is None and self._call is not None:
            try:
                self._result = self._call.result()
            finally:
                self.cancel()
        return self._result or LintOutcome()

    def findings(self) -> list[Finding]:
        return self.outcome().findings

    def cancel(self) -> None:
        if self._call is not None:
            self._call.cancel()
            self._call = None
