"""Markdown with another tool's frontmatter: YAML between ``---`` lines, TOML between ``+++`` lines, or
JSON (a ``{ ... }`` block, or between ``;;;`` lines), read with python-frontmatter's handlers.

Every key is looked up in ``fields.py``; one that means nothing to policybook is kept as unmapped, for
the migration report. YAML anchors, aliases and tags are refused before the YAML is loaded (an alias
can multiply a small file into gigabytes). The Markdown body goes through pandoc like a Word body;
MkDocs-style admonitions in it are carried through as divs and written back by ``dialect.py``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, TOMLHandler, YAMLHandler

from policybook.errors import PolicybookError
from policybook.importing.body import ADMONITION_CLASS
from policybook.importing.dialect import Admonition
from policybook.importing.fields import VERSION, Facts, HistoryRow, fact_name, history_column, normalise_label
from policybook.markdown import dialect


class _DuplicateKey(Exception):
    """A mapping in the frontmatter names the same key twice."""

    def __init__(self, key: object) -> None:
        super().__init__(str(key))
        self.key = key


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (YAML would keep the last silently,
    and a policy's facts must not depend on which of two values wins)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    raise _DuplicateKey(key)
                seen.add(key)
            except TypeError:
                break  # an unhashable key: the loader refuses it with its own message
        return super().construct_mapping(node, deep=deep)


class UniqueYAMLHandler(YAMLHandler):
    """YAML frontmatter through ``_UniqueKeyLoader``."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=_UniqueKeyLoader)


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKey(key)
        found[key] = value
    return found


class UniqueJSONHandler(JSONHandler):
    """JSON frontmatter, refusing a key given twice in one object (JSON would keep the last silently)."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return json.loads(fm, object_pairs_hook=_unique_pairs)


class SemicolonJSONHandler(UniqueJSONHandler):
    """JSON frontmatter between ``;;;`` lines (as some static site generators write it)."""

    FM_BOUNDARY = re.compile(r"^;{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = ";;;"

    def split(self, text: str) -> tuple[str, str]:
        _, fm, content = self.FM_BOUNDARY.split(text, 2)
        return fm, content


_HANDLERS: list[tuple[str, BaseHandler]] = [("YAML", UniqueYAMLHandler()), ("TOML", TOMLHandler()),
                                            ("JSON", SemicolonJSONHandler()), ("JSON", UniqueJSONHandler())]
HISTORY_KEYS = {"history", "version history", "changelog", "change log", "revisions", "revision history",
                "versions", "changes"}
MAX_DEPTH = 32  # levels of mappings and lists in the frontmatter


@dataclass(frozen=True)
class Foreign:
    convention: str  # YAML, TOML or JSON; "none" when the file has no frontmatter
    metadata: dict[str, Any]
    body: str


def read(text: str, name: str) -> Foreign:
    text = text.lstrip("\ufeff").strip()
    handler = next(((label, h) for label, h in _HANDLERS if h.detect(text)), None)
    if handler is None:
        return Foreign("none", {}, text)
    label, chosen = handler
    try:
        head, body = chosen.split(text)
    except ValueError:
        raise PolicybookError(f"{name}: its {label} frontmatter is never closed") from None
    if label == "YAML":
        _refuse_yaml_references(head, name)
    try:
        metadata: object = chosen.load(head)  # annotated as a dict, but YAML may give a list or a single value
    except _DuplicateKey as exc:
        raise PolicybookError(f"{name}: its {label} frontmatter has the key '{exc.key}' twice: keep one and delete "
                              "the other") from None
    except Exception as exc:  # yaml, toml and json each raise their own errors
        detail = " ".join(str(exc).split())[:160]
        raise PolicybookError(f"{name}: its {label} frontmatter cannot be read ({detail})") from None
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        kind = "a list" if isinstance(metadata, list) else "a single value"
        raise PolicybookError(f"{name}: its {label} frontmatter is {kind}, not a set of fields (name: value)")
    if _depth(metadata) > MAX_DEPTH:
        raise PolicybookError(f"{name}: its {label} frontmatter is nested more than {MAX_DEPTH} levels deep")
    return Foreign(label, metadata, body.strip())


def _depth(value: Any) -> int:
    """How deeply mappings and lists nest in ``value``, found without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _refuse_yaml_references(head: str, name: str) -> None:
    try:
        for token in yaml.scan(head, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AliasToken | yaml.AnchorToken | yaml.TagToken):
                raise PolicybookError(f"{name}: its YAML frontmatter uses anchors, aliases or tags (line "
                                      f"{token.start_mark.line + 2}): write the values out")
    except yaml.YAMLError as exc:
        detail = " ".join(str(exc).split())[:160]
        raise PolicybookError(f"{name}: its YAML frontmatter cannot be read ({detail})") from None


def add_facts(metadata: dict[str, Any], facts: Facts) -> None:
    """Each frontmatter field as a fact, history rows, or an unmapped field for the report."""
    for key, value in metadata.items():
        where = f"frontmatter '{key}'"
        label = str(key)
        if normalise_label(label) in HISTORY_KEYS and isinstance(value, list) and all(
                isinstance(v, dict) for v in value):
            _history(value, facts, where)
        elif fact_name(label) == VERSION and isinstance(value, float):
            facts.add_labelled(label, repr(value), where)
            facts.notes.append(f"{where} was written as a number ({value!r}) and may have lost a digit (1.10 reads "
                               "as 1.1): check the version")
        elif isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict | list) for v in value)):
            facts.unmapped.append((label, json.dumps(value, default=str, ensure_ascii=False)[:300], where))
        else:
            facts.add_labelled(label, value, where)


def _history(entries: list[dict[str, Any]], facts: Facts, where: str) -> None:
    for number, entry in enumerate(entries, start=1):
        found: dict[str, str] = {}
        others = []
        for key, value in entry.items():
            column = history_column(str(key))
            text = " ".join(str(value).split()) if value is not None else ""
            if column and column not in found:
                found[column] = text
            elif text:
                others.append(f"{key}: {text}")
        summary = "; ".join(part for part in [found.get("summary", ""), *others] if part)
        facts.history.append(HistoryRow(found.get("version", ""), found.get("date", ""), found.get("author", ""),
                                        summary, f"{where}, entry {number}"))


def admonitions_as_divs(body: str) -> tuple[str, dict[int, Admonition]]:
    """``body`` with each ``!!! kind "Title"`` block turned into a fenced div pandoc keeps, innermost
    and last first, as the policy dialect reads them."""
    kinds: dict[int, Admonition] = {}
    lines = body.split("\n")
    while True:
        openings = [(t, t.map) for t in dialect().parse("\n".join(lines)) if t.type == "admonition_open" and t.map]
        if not openings:
            return "\n".join(lines), kinds
        token, (start, end) = max(openings, key=lambda opening: opening[1][0])
        marker = lines[start]
        indent = marker[: len(marker) - len(marker.lstrip())]
        title = re.search(r'"(.*)"', token.info)
        number = len(kinds) + 1
        kinds[number] = Admonition(str(token.meta.get("tag") or "note"), title.group(1) if title else None)
        width = len(indent.expandtabs(4)) + 4
        content = [_dedent(line, width) for line in lines[start + 1:end]]
        while content and not content[-1].strip():
            content.pop()
        lines[start:end] = [f"{indent}::: {ADMONITION_CLASS}{number}", *[f"{indent}{c}" if c else "" for c in content],
                            f"{indent}:::", ""]


def _dedent(line: str, width: int) -> str:
    expanded = line.expandtabs(4)
    spaces = len(expanded) - len(expanded.lstrip(" "))
    return expanded[min(spaces, width):]
