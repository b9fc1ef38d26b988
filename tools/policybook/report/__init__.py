"""Reporters: one module per output format, each a function from a LintResult to text."""

from __future__ import annotations

from collections.abc import Callable

from policybook.lint import LintResult
from policybook.report import github, json_report, sarif, text

Reporter = Callable[[LintResult, bool], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
}
