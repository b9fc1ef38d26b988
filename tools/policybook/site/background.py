"""Lint the corpus in a forked process while MkDocs reads and renders the pages.

The plugin starts it when the build is configured and waits for it just before MkDocs writes the
first page (`on_env`), so a corpus with errors is still never published, and the lint costs almost
no wall time on a machine with a second core.
"""

from __future__ import annotations

from collections.abc import Callable

from policybook.corpus import Corpus
from policybook.findings import Finding
from policybook.forking import ForkedCall, can_fork
from policybook.lint import lint_corpus


def _lint(corpus: Corpus) -> list[Finding]:
    return lint_corpus(corpus, jobs=1).findings


class BackgroundLint:
    def __init__(self, corpus: Corpus) -> None:
        self._result: list[Finding] | None = None
        self._call: ForkedCall[list[Finding]] | None = None
        if can_fork():
            self._call = ForkedCall(_lint, corpus)  # the child inherits the corpus, never pickled
        else:
            self._result = _lint(corpus)

    def when_done(self, report: Callable[[list[Finding]], None]) -> None:
        """Call ``report`` with the findings when the lint finishes, without waiting for it (preview)."""
        if self._call is None:
            report(self._result or [])
            return
        self._call.when_done(lambda findings: report(findings or []))
        self._call = None

    def findings(self) -> list[Finding]:
        if self._result is None and self._call is not None:
            try:
                self._result = self._call.result()
            finally:
                self.cancel()
        return self._result or []

    def cancel(self) -> None:
        if self._call is not None:
            self._call.cancel()
            self._call = None
