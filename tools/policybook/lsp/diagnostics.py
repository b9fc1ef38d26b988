"""Findings as LSP diagnostics: the same rule ids and messages as ``policybook lint``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from policybook.findings import Finding, Severity
from policybook.lsp.positions import finding_range

SOURCE = "policybook"

# Suggestions are shown as information: editors draw hints so faintly that they are easily missed.
SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.SUGGESTION: types.DiagnosticSeverity.Information,
}


def to_diagnostics(findings: Iterable[Finding], lines: Sequence[str] | None,
                   codec: PositionCodec) -> list[types.Diagnostic]:
    """One diagnostic per finding, in lint's order."""
    return [types.Diagnostic(range=finding_range(f, lines, codec), message=f.message,
                             severity=SEVERITIES[f.severity], code=f.rule, source=SOURCE)
            for f in findings]
