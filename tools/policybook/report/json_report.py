"""JSON: ``{"findings": [...], "summary": {...}}`` as documented in the format reference."""

from __future__ import annotations

import json

from policybook.findings import Severity
from policybook.lint import LintResult


def render(result: LintResult, colour: bool = False) -> str:
    payload = {
        "findings": [f.as_dict() for f in result.findings],
        "summary": {
            "files": result.files,
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "suggestions": result.count(Severity.SUGGESTION),
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
