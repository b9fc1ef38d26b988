"""The docs describe every schema field and every rule, so a new one cannot ship undocumented."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from policybook.checks import RULES
from policybook.registers import declared_registers

# The policy and settings schemas, and each declared register's packaged schema.
SCHEMAS = ["policy", "public", "config", *(r.schema for r in declared_registers() if isinstance(r.schema, str))]


def _field_names(schema: dict[str, Any], root: dict[str, Any]) -> Iterator[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root["$defs"][name]
    for name, sub in schema.get("properties", {}).items():
        yield name
        yield from _field_names(sub, root)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _field_names(schema[key], root)
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key, []):
            yield from _field_names(sub, root)


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_schema_field_is_documented(name: str) -> None:
    schema = json.loads((REPO / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    reference = (REPO / "docs/guide/format.md").read_text(encoding="utf-8")
    missing = sorted({f for f in _field_names(schema, schema) if f"| `{f}` |" not in reference})
    assert missing == [], f"undocumented fields in {name}.schema.json: {missing}"


def test_every_policy_field_has_a_description_for_editors() -> None:
    schema = json.loads((REPO / "schemas/policy.schema.json").read_text(encoding="utf-8"))
    assert all("description" in sub for sub in schema["properties"].values())


def test_every_rule_is_documented() -> None:
    text = (REPO / "docs/guide/rules.md").read_text(encoding="utf-8")
    missing = [rule for rule in RULES if f"`{rule}`" not in text]
    assert missing == []


def test_the_editors_guide_builds_as_a_site_of_its_own(tmp_path: Path) -> None:
    """docs/guide/ is the editors' site (guide.mkdocs.yml), kept off the staff site: it builds strictly,
    so every link between its pages works."""
    import os
    import subprocess
    import sys

    result = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "-f",
                             str(REPO / "guide.mkdocs.yml"), "-d", str(tmp_path / "guide")], capture_output=True,
                            text=True, check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "guide/start/index.html").is_file()
    staff = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    assert "exclude_docs: |\n  guide/" in staff
