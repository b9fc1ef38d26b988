"""Plain text: ``path:line:col severity rule message``, then a one-line summary."""

from __future__ import annotations

from policybook.findings import Severity
from policybook.lint import LintResult

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.SUGGESTION: "\033[36m"}
_RESET = "\033[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(result: LintResult) -> str:
    errors = result.count(Severity.ERROR)
    warnings = result.count(Severity.WARNING)
    suggestions = result.count(Severity.SUGGESTION)
    if not result.findings:
        return f"No findings in {_plural(result.files, 'file')}."
    return (f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')} and "
            f"{_plural(suggestions, 'suggestion')} in {_plural(result.files, 'file')}.")


def render(result: LintResult, colour: bool = False) -> str:
    lines = []
    for item in result.findings:
        severity = f"{_COLOURS[item.severity]}{item.severity.value}{_RESET}" if colour else None
        lines.append(item.as_line(severity))
    lines.append(summary(result))
    return "\n".join(lines) + "\n"
