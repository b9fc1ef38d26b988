"""The compiled schema check (schemas.quick_check) never passes a document that jsonschema refuses, and
valid policies take it, so that lint validates them fast and still explains an invalid one exactly."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policybook.loader import load_markdown
from policybook.schemas import _compilable, quick_check, validator

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "policies").rglob("*.md"))

ODD_VALUES: list[Any] = [
    None, True, False, 0, 1, -1, 10**20, "", " ", "x", "all-staff", "GOV-001", "GOV-001\n", "gov-001", "1.0",
    "1.10", "01.0", "1.0\n", "2026-02-28", "2026-02-30", "2026-13-01", "2026-1-1", "２０２６-01-01",
    "2026-01-01\n", "a\u2028b", "a\x85b", "é" * 300, "registered-manager", "sha256:" + "0" * 64, [], [None],
    ["a", "a"], ["registered-manager"], ["registered-manager", "registered-manager"], [1, True],
    [{"id": "dpa-2018"}, {"id": "dpa-2018"}], [{"id": "dpa-2018", "section": "s 1"}], {}, {"a": 1},
    {"registered-manager": ["x"]}, {"Registered": ["x"]}, {"registered-manager": []},
    [{"version": "1.0", "date": "2026-01-01", "author": "A", "summary": "S"}],
    [{"version": "1.0", "date": "2026-02-30", "author": "A", "summary": "S"}],
]


@cache
def _example_data() -> list[dict[str, Any]]:
    return [doc.data for doc in (load_markdown(path, path.name) for path in EXAMPLES) if doc.ok]


def _variants(data: dict[str, Any]) -> list[Any]:
    """The document with each field missing, and each field (and each list item or mapping value one
    level down) replaced by each odd value; plus an unknown field."""
    out: list[Any] = [{**data, "unknown-field": 1}]
    for key, value in data.items():
        out.append({k: v for k, v in data.items() if k != key})
        for odd in ODD_VALUES:
            out.append({**data, key: odd})
            if isinstance(value, list) and value:
                inner = copy.deepcopy(value)
                inner[0] = odd
                out.append({**data, key: inner})
                if isinstance(value[0], dict):
                    for field in value[0]:
                        nested = copy.deepcopy(value)
                        nested[0][field] = odd
                        out.append({**data, key: nested})
            if isinstance(value, dict) and value:
                first = next(iter(value))
                out.append({**data, key: {**value, first: odd}})
    return out


def _agrees(passes: Any, data: Any) -> bool:
    """The one thing the compiled check must never do: pass what jsonschema refuses."""
    return not passes(data) or not list(validator("policy").iter_errors(data))


def test_every_example_policy_takes_the_compiled_check() -> None:
    passes = quick_check("policy")
    assert passes is not None
    data = _example_data()
    assert len(data) >= 30
    for item in data:
        assert passes(item)
        assert not list(validator("policy").iter_errors(item))


def test_the_compiled_check_passes_nothing_jsonschema_refuses() -> None:
    passes = quick_check("policy")
    assert passes is not None
    refused = 0
    for base in _example_data()[:6]:
        for variant in _variants(base):
            assert _agrees(passes, variant), variant
            refused += not passes(variant)
    assert refused > 100  # the variants do exercise the refusals


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(["id", "title", "version", "status", "audience", "roles", "guidance", "history",
                            "next_review", "review_interval", "questions", "supersedes", "acknowledge"]),
       value=_JSON)
def test_random_values_in_a_valid_policy(key: str, value: Any) -> None:
    passes = quick_check("policy")
    assert passes is not None
    base = _example_data()[0]
    assert _agrees(passes, {**base, key: value})


@pytest.mark.parametrize("schema", [
    {"prefixItems": [{"type": "string"}]},
    {"items": [{"type": "string"}]},
    {"unevaluatedProperties": False},
    {"dependentRequired": {"a": ["b"]}},
    {"$ref": "#/$defs/x", "maxLength": 3, "$defs": {"x": {"type": "string"}}},
    {"properties": {"a": {"$dynamicRef": "#x"}}},
])
def test_a_schema_the_compiled_check_would_read_otherwise_gets_none(schema: dict[str, Any]) -> None:
    assert not _compilable(schema)
