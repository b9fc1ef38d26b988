"""How one lint run looks at a corpus, handed explicitly to the engine and, by it, to the checks that ask.

The corpus is what the project holds; the options are how this run reads it: with which house style,
against which git revision, in how many processes, reporting which paths. The command line, the preview
and the language server each build one ``LintOptions`` and pass it to the lint engine (lint.py); nothing
is attached to the corpus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from policybook.model import BodySummary, Policy
from policybook.style.runner import Style


@dataclass(frozen=True)
class LintOptions:
    style: Style | None = None  # the house style to apply; None applies none
    base_ref: str | None = None  # git revision to compare with (version-not-bumped, governance-changed)
    jobs: int | None = None  # processes for the per-policy checks; None decides by the corpus's size
    only: tuple[str, ...] | None = None  # path prefixes to report on; None reports everything


@dataclass(frozen=True)
class CheckRun:
    """What a check that asks for it is handed besides the corpus: this run's options, and the bodies'
    summaries already worked out by the processes that ran the per-policy checks."""

    options: LintOptions = field(default_factory=LintOptions)
    summaries: Mapping[str, tuple[Policy, BodySummary]] = field(default_factory=dict)

    def summary(self, policy: Policy) -> BodySummary:
        """The links, word hashes and anchors of ``policy``'s body, parsed once per run."""
        known = self.summaries.get(policy.rel)
        return known[1] if known is not None and known[0] is policy else policy.summary
