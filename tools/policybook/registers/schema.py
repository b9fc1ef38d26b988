"""The schemas a register declaration brings: its own file's, and the policy fields that cite it.

A declaration names a schema packaged with policybook, or a schema file of its own; the policy
schema accepts a citing field that policy.schema.json does not describe only while a register
declares it, so an unknown field is still an error.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from policybook.registers.declaration import Citation, Register, citations
from policybook.schemas import load_schema, schema_dir, strict_validator, validator


def register_schema_path(register: Register) -> Path:
    """The file of the register's schema (an editor is pointed at it)."""
    return register.schema if isinstance(register.schema, Path) else schema_dir() / f"{register.schema}.schema.json"


def register_validator(register: Register) -> Draft202012Validator:
    """The validator of the register's file."""
    if isinstance(register.schema, Path):
        return _file_validator(register.schema)
    return validator(register.schema)


@cache
def _file_validator(path: Path) -> Draft202012Validator:
    with open(path, encoding="utf-8") as handle:
        return strict_validator(json.load(handle))


def declared_fields() -> tuple[Citation, ...]:
    """Citing fields that policy.schema.json does not describe, declared by a register."""
    known = load_schema("policy")["properties"]
    return tuple(citation for _, citation in citations() if citation.field not in known)


def policy_validator() -> Draft202012Validator:
    """The policy schema, with the citing fields the declared registers add."""
    return _policy_validator(declared_fields())


@cache
def _policy_validator(extra: tuple[Citation, ...]) -> Draft202012Validator:
    if not extra:
        return validator("policy")
    schema = dict(load_schema("policy"))
    schema["properties"] = {**schema["properties"], **{c.field: c.field_schema() for c in extra}}
    return strict_validator(schema)
