"""Access to the JSON Schemas, which live once in the repository's schemas/ folder.

In a wheel they are packaged as ``policybook/schemas``; in a source checkout (editable install)
they are read from ``<repo>/schemas``. There is no second copy to drift.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from policybook.findings import Scope, Severity, declare

SCHEMA = declare(
    "schema", Severity.ERROR, Scope.POLICY,
    'A field is missing, unknown or of the wrong form ("\'May\' is not a full date: write YYYY-MM-DD").')

_PACKAGED = Path(__file__).parent / "schemas"
_SOURCE = Path(__file__).resolve().parents[2] / "schemas"


def schema_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema ``name`` (e.g. 'policy', 'roles', 'config') as a dict."""
    with open(schema_dir() / f"{name}.schema.json", encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for schema ``name`` that also checks ``format: date``.

    The schemas themselves are checked against the 2020-12 meta-schema by the test suite, not on
    every run: that check costs more than validating a hundred policies."""
    return Draft202012Validator(load_schema(name), format_checker=FormatChecker())
