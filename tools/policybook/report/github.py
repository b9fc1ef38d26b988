"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from policybook.findings import Severity, printable
from policybook.lint import LintResult
from policybook.report.text import summary

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.SUGGESTION: "notice"}


def _escape_data(text: str) -> str:
    """GitHub's escapes for line ends, then every other control character as a visible escape."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: LintResult, colour: bool = False) -> str:
    lines = [
        f"::{_COMMAND[f.severity]} file={_escape_property(f.path)},line={f.line},col={f.column},"
        f"title={_escape_property(f.rule)}::{_escape_data(f.message)}"
        for f in result.findings
    ]
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
