"""Access to the JSON Schemas, which live once in the repository's schemas/ folder.

In a wheel they are packaged as ``policybook/schemas``; in a source checkout (editable install)
they are read from ``<repo>/schemas``. There is no second copy to drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

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


# A pattern's `$` is the end of the text, as JSON Schema (ECMA-262) and the compiled check read it; Python's
# re also lets it match before a final line break, which would pass an id of "HS-002\n".
_DOLLAR = re.compile(r"(?<!\\)\$")


@cache
def _anchored(pattern: str) -> re.Pattern[str]:
    return re.compile(_DOLLAR.sub(r"\\Z", pattern))


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _anchored(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# jsonschema's validators.extend carries no annotations.
_Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]  # untyped


def strict_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A 2020-12 validator of ``schema`` that checks ``format: date`` and reads a pattern's `$` as the end of
    the text (every validator policybook makes is one of these)."""
    checker: Draft202012Validator = _Validator(schema, format_checker=FormatChecker())
    return checker


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for schema ``name`` that also checks ``format: date``, reading a pattern's `$` as the end
    of the text.

    The schemas themselves are checked against the 2020-12 meta-schema by the test suite, not on
    every run: that check costs more than validating a hundred policies."""
    return strict_validator(load_schema(name))


# What a compiled check may read: keywords that mean the same in draft 7 (which fastjsonschema implements)
# as in 2020-12. A schema with any other keyword gets no compiled check, so it can never pass a document
# that jsonschema would refuse.
_ANNOTATIONS = {"$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated",
                "readOnly", "writeOnly"}
_PLAIN = _ANNOTATIONS | {"type", "enum", "const", "required", "pattern", "format", "minLength", "maxLength",
                         "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems",
                         "maxItems", "uniqueItems", "minProperties", "maxProperties"}
_ONE = {"additionalProperties", "items", "contains", "propertyNames", "not", "if", "then", "else"}
_MANY = {"allOf", "anyOf", "oneOf"}
_NAMED = {"properties", "patternProperties", "$defs"}


def _compilable(schema: object) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    for key, value in schema.items():
        if key == "$ref":
            if not (isinstance(value, str) and value.startswith("#") and set(schema) <= _ANNOTATIONS | {"$ref"}):
                return False  # draft 7 ignores a $ref's siblings; 2020-12 applies them
        elif key in _NAMED:
            if not (isinstance(value, dict) and all(_compilable(v) for v in value.values())):
                return False
        elif key in _ONE:
            if not _compilable(value):
                return False  # also `items` as a list, which 2020-12 writes as prefixItems
        elif key in _MANY:
            if not (isinstance(value, list) and all(_compilable(v) for v in value)):
                return False
        elif key not in _PLAIN:
            return False
    return True


def _formats(schema: object) -> set[str]:
    if isinstance(schema, dict):
        found = {schema["format"]} if isinstance(schema.get("format"), str) else set()
        return found.union(*(_formats(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_formats(v) for v in schema))
    return set()


@cache
def quick_check(name: str) -> Callable[[Any], bool] | None:
    """A compiled yes-or-no check of schema ``name`` (fastjsonschema), many times faster than jsonschema, for
    the common case of a valid document; jsonschema still gives the positioned messages of an invalid one.
    It passes only what jsonschema passes: formats are checked by jsonschema's own format checker, and a
    schema using a keyword outside what both read alike gets None (use the validator)."""
    try:
        import fastjsonschema
    except ImportError:  # pragma: no cover - a dependency, but the validator alone is still correct
        return None
    schema = load_schema(name)
    if not _compilable(schema):
        return None
    checker = FormatChecker()
    formats = {fmt: (lambda value, fmt=fmt: checker.conforms(value, fmt)) for fmt in _formats(schema)}
    draft7 = {**schema, "$schema": "http://json-schema.org/draft-07/schema#"}  # read as fastjsonschema reads it
    compiled = fastjsonschema.compile(draft7, formats=formats)
    refused = fastjsonschema.JsonSchemaException

    def passes(instance: Any) -> bool:
        try:
            compiled(instance)
        except refused:
            return False
        except (TypeError, ValueError, RecursionError):  # a value the compiled code cannot compare
            return False
        return True

    return passes
