"""Lint the corpus in a forked process while MkDocs reads and renders the pages.

The plugin starts it when the build is configured and waits for it just before MkDocs writes the
first page (`on_env`), so a corpus with errors is still never published, and the lint costs almost
no wall time on a machine with a second core.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor

from policybook.corpus import Corpus
from policybook.findings import Finding
from policybook.lint import lint_corpus

_pending: Corpus | None = None


def _lint_pending() -> list[Finding]:
    assert _pending is not None
    return lint_corpus(_pending, jobs=1).findings


class BackgroundLint:
    def __init__(self, corpus: Corpus) -> None:
        global _pending
        self._result: list[Finding] | None = None
        self._executor: ProcessPoolExecutor | None = None
        self._future: Future[list[Finding]] | None = None
        if "fork" not in multiprocessing.get_all_start_methods():
            self._result = lint_corpus(corpus).findings
            return
        _pending = corpus  # inherited by the forked worker, never pickled
        try:
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
            self._future = self._executor.submit(_lint_pending)
        finally:
            _pending = None

    def when_done(self, report: Callable[[list[Finding]], None]) -> None:
        """Call ``report`` with the findings when the lint finishes, without waiting for it (preview)."""
        if self._future is None:
            report(self._result or [])
            return
        self._future.add_done_callback(lambda future: report(future.result() if not future.exception() else []))
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    def findings(self) -> list[Finding]:
        if self._result is None and self._future is not None:
            try:
                self._result = self._future.result()
            finally:
                self.cancel()
        return self._result or []

    def cancel(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
