"""SARIF 2.1.0, as GitHub code scanning accepts it (upload with github/codeql-action/upload-sarif)."""

from __future__ import annotations

import json

from policybook import __version__
from policybook.findings import Severity
from policybook.lint import LintResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.SUGGESTION: "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(result: LintResult, colour: bool = False) -> str:
    catalogue = result.rules
    rule_ids = sorted(catalogue)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = [
        {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": catalogue[rule_id].summary},
            "defaultConfiguration": {"level": _LEVEL[catalogue[rule_id].severity]},
        }
        for rule_id in rule_ids
    ]
    results = []
    for item in result.findings:
        entry: dict[str, object] = {
            "ruleId": item.rule,
            "level": _LEVEL[item.severity],
            "message": {"text": item.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": item.path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": item.line, "startColumn": item.column},
                }
            }],
        }
        if item.rule in index:
            entry["ruleIndex"] = index[item.rule]
        results.append(entry)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "policybook", "version": __version__,
                                "informationUri": "https://github.com/policybook/policybook",
                                "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
