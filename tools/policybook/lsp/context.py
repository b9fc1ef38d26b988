"""Which register a place in a policy's frontmatter refers to, read from the text around it.

Completion is asked for while the frontmatter is half typed and seldom valid YAML, so the context comes
from the lines themselves: the field a line belongs to (the nearest unindented ``key:`` at or above it)
and where on the line the place is (after ``owner:``, on a list item of ``standards:``, on a key of
``roles:``). The fields are those the register declarations are cited by, and those holding policy ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from policybook.registers import Form, citations

POLICY = "policy"  # an id that names another policy
CATEGORY = "category"  # a category of policybook.yml


@dataclass(frozen=True)
class Context:
    kind: str  # what an id here names: a register's name, POLICY or CATEGORY
    field: str  # the frontmatter field, such as "owner" or "audience"
    builtin: bool = False  # whether the register's built-in ids (all-staff) belong here

    @property
    def allows_all_staff(self) -> bool:
        """``all-staff`` may be an audience or a key of ``roles``, never an owner or approver."""
        return self.builtin


@dataclass
class Fields:
    """Where ids stand in the frontmatter, read from the register declarations."""

    scalar: dict[str, Context] = field(default_factory=dict)  # the value on the key's own line
    listed: dict[str, Context] = field(default_factory=dict)  # `- id` lines, or `[a, b]` on the key's line
    item_keys: dict[tuple[str, str], Context] = field(default_factory=dict)  # `reviews: - by: role`
    keys: dict[str, Context] = field(default_factory=dict)  # the keys of a mapping: `roles:`


def fields() -> Fields:
    """The fields that hold ids: those the declared registers are cited by, and policy and category ids."""
    found = Fields(scalar={"category": Context(CATEGORY, "category")},
                   listed={name: Context(POLICY, name) for name in ("supersedes", "related")},
                   item_keys={("related", "id"): Context(POLICY, "related")})  # `related: - id: X\n reason: ...`
    for register, citation in citations():
        context = Context(register.name, citation.field, citation.builtin)
        if citation.form is Form.ID or (citation.form is Form.IDS and citation.builtin):
            found.scalar[citation.field] = context  # `audience: all-staff`
        if citation.form in (Form.IDS, Form.ITEMS):
            found.listed[citation.field] = context
        if citation.form in (Form.ITEMS, Form.ITEM_KEY):
            found.item_keys[(citation.field, citation.key)] = context
        if citation.form is Form.KEYS:
            found.keys[citation.field] = context
    return found


_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?=\s|$)")
_ITEM = re.compile(r"-[ \t]+")


def frontmatter_end(lines: Sequence[str]) -> int | None:
    """Index of the closing ``---`` line (the number of lines when it is not yet written), or None when
    the text does not open with ``---`` (the loader's rule)."""
    if not lines or lines[0].rstrip() != "---":
        return None
    return next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), len(lines))


def _is_top_level_key(text: str) -> bool:
    return bool(text) and not text[0].isspace() and text[0] not in "-#"


def _parent(lines: Sequence[str], line: int) -> tuple[int, str] | None:
    """The unindented key that an indented line or list item belongs to, with its line index."""
    for index in range(line - 1, 0, -1):
        if _is_top_level_key(lines[index]):
            key = _KEY.match(lines[index])
            return (index, key.group(1)) if key else None
    return None


def _child_indent(lines: Sequence[str], parent: int, end: int) -> int | None:
    """The indentation of the first entry under the key on line ``parent``."""
    for text in lines[parent + 1:end]:
        stripped = text.lstrip(" ")
        if stripped and not stripped.startswith("#"):
            return len(text) - len(stripped)
    return None


def context_at(lines: Sequence[str], line: int, character: int) -> Context | None:
    """The register an id at ``character`` on ``line`` (0-based, in characters) would come from, or None
    where no id belongs (outside the frontmatter, on a field name, in free text)."""
    end = frontmatter_end(lines)
    if end is None or not 0 < line < end:
        return None
    text = lines[line]
    known = fields()
    if _is_top_level_key(text):
        key = _KEY.match(text)
        if key is None or character < key.end():
            return None
        name, value = key.group(1), text[key.end():character]
        return (known.listed if "[" in value else known.scalar).get(name)
    parent = _parent(lines, line)
    if parent is None:
        return None
    parent_line, name = parent
    stripped = text.lstrip(" ")
    indent = len(text) - len(stripped)
    item = _ITEM.match(stripped)
    start = indent + (item.end() if item else 0)  # where the item's own text starts
    key = _KEY.match(text, start)
    if name in known.keys:
        on_key = character <= (key.end(1) if key else len(text))
        if item or not on_key or indent != _child_indent(lines, parent_line, end):
            return None  # a responsibility, or a value
        return known.keys[name]
    if key is not None:
        context = known.item_keys.get((name, key.group(1)))
        return context if context and character >= key.end() else None
    if item and character >= start:
        return known.listed.get(name)
    return None
