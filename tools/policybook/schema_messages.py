"""Turn jsonschema errors into findings a registered manager can act on, at the right line."""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import ValidationError

from policybook.findings import Finding, Rule
from policybook.ids import POLICY_ID
from policybook.loader import Document
from policybook.schemas import SCHEMA

MAX_PER_FILE = 50

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a set of 'field: value' lines",
    "null": "empty",
}

# Friendly explanations for the patterns the schemas use, keyed by the pattern itself.
_PATTERN_HINTS = {
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "is not a full date: write YYYY-MM-DD",
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$": "is not a version: write MAJOR.MINOR, e.g. \"1.0\"",
    f"^{POLICY_ID}$": "is not a policy id: write 2 to 6 capital letters, a hyphen and 3 digits, "
    "e.g. IPC-001",
    r"^[a-z][a-z0-9-]*$": "is not an id: use lower-case letters, digits and hyphens",
    r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$": "is not a date: write YYYY, YYYY-MM or YYYY-MM-DD",
}


# Patterns known by how they start: single-line text and web addresses.
_PATTERN_PREFIX_HINTS = {
    "^(?=.*\\S)": "is blank or breaks the line: say it in words, on one line",
    "^[^\\u0000": "contains a control character (a line break, tab or similar): write it on one line",
    "^https://": "is not a safe web address: write a full https:// address without spaces, quotes or angle brackets",
    "^(https?://": "is not a web address: write a full https:// address without spaces, quotes or angle brackets",
    "^[^@\\s,;:<>": "is not one e-mail address: write a single address such as name@example.org, without commas, "
    "semicolons, names or angle brackets",
}


def pattern_hint(pattern: str) -> str:
    """A plain-words explanation of a schema pattern."""
    if pattern in _PATTERN_HINTS:
        return _PATTERN_HINTS[pattern]
    return next((hint for prefix, hint in _PATTERN_PREFIX_HINTS.items() if pattern.startswith(prefix)),
                f"does not match {pattern}")


def _field(path: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]" if parts else f"item {part + 1}")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts) or "the document"


def _message(error: ValidationError) -> tuple[tuple[Any, ...], str]:
    """Where the error belongs (a key path) and what to tell the user."""
    path = tuple(error.absolute_path)
    name = _field(path)
    instance = error.instance
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        where = "" if not path else f" in {name}"
        return path, f"missing required field '{missing}'{where}"
    if error.validator in ("additionalProperties", "unevaluatedProperties"):
        allowed = sorted(_declared(error.schema))
        extras = [k for k in instance if k not in allowed] if isinstance(instance, dict) else []
        key = extras[0] if extras else "?"
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known fields: {', '.join(allowed)}"
        return (*path, key), f"unknown field '{key}'{hint}"
    if error.validator == "pattern":
        hint = pattern_hint(str(error.validator_value))
        return path, f"{name}: '{instance}' {hint}"
    if error.validator == "format" and error.validator_value == "date":
        return path, f"{name}: '{instance}' is not a real calendar date"
    if error.validator == "type":
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in _listed(error.validator_value))
        return path, f"{name} must be {words}, not {_describe(instance)}"
    if error.validator == "enum":
        options = ", ".join(str(v) for v in _listed(error.validator_value))
        return path, f"{name}: '{instance}' is not one of: {options}"
    if error.validator == "const":
        return path, f"{name} must be '{error.validator_value}'"
    if error.validator in ("minItems", "minProperties"):
        return path, f"{name} must not be empty"
    if error.validator == "uniqueItems":
        return path, f"{name} lists the same item twice"
    if error.validator in ("minimum", "maximum"):
        word = "at least" if error.validator == "minimum" else "at most"
        return path, f"{name} must be {word} {error.validator_value}, not {instance}"
    if error.validator == "minLength":
        return path, f"{name} must not be empty"
    if error.validator in ("anyOf", "oneOf") and error.context:
        # The branch the value was meant for: not one that wants another kind of value (text for a set of
        # fields), where another branch says what is wrong inside the value.
        meant = [e for e in error.context if not (e.validator in ("type", "const") and
                                                  len(e.absolute_path) == len(path))]
        if not meant:  # a value of a kind no branch takes: name every kind that would do
            kinds = [f"'{e.validator_value}'" if e.validator == "const" else
                     " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in _listed(e.validator_value))
                     for e in error.context]
            return path, f"{name} must be {' or '.join(dict.fromkeys(kinds))}, not {_describe(instance)}"
        best = min(meant, key=lambda e: len(list(e.absolute_path)))
        return _message(best)
    return path, f"{name}: {error.message}"


def _declared(schema: object) -> list[str]:
    """The field names a schema declares (a schema may also be a bare true or false)."""
    return list(schema.get("properties") or {}) if isinstance(schema, Mapping) else []


def _listed(value: object) -> list[object]:
    """A keyword's value as a list: ``type`` names one type or a list of them."""
    return value if isinstance(value, list) else [value]


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    return "nothing" if value is None else type(value).__name__


def _expand(errors: list[ValidationError]) -> Iterator[ValidationError]:
    """One error per unknown key (jsonschema reports all of a mapping's extras at once)."""
    for error in errors:
        if error.validator in ("additionalProperties",) and isinstance(error.instance, dict):
            allowed = set(_declared(error.schema))
            for key in error.instance:
                if key not in allowed:
                    clone = ValidationError(error.message, validator=error.validator,
                                            path=error.absolute_path, schema=error.schema,
                                            instance={key: None}, validator_value=error.validator_value)
                    yield clone
        else:
            yield error


def schema_findings(doc: Document, errors: list[ValidationError], rule: Rule = SCHEMA) -> list[Finding]:
    """One finding per violation, placed at the offending key (or the block start if missing)."""
    found: list[Finding] = []
    ordered = sorted(errors, key=lambda e: doc.position(tuple(e.absolute_path)))
    for error in _expand(ordered):
        path, message = _message(error)
        line, column = doc.position(path)
        found.append(rule.at(doc.rel, line, column, message))
        if len(found) >= MAX_PER_FILE:
            found.append(rule.at(doc.rel, line, column,
                                 f"... and more schema problems; fix these first (only {MAX_PER_FILE} shown)"))
            break
    return found
