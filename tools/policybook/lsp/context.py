"""Which register a place in a policy's frontmatter refers to, read from the text around it.

Completion is asked for while the frontmatter is half typed and seldom valid YAML, so the context comes
from the lines themselves: the field a line belongs to (the nearest unindented ``key:`` at or above it)
and where on the line the place is (after ``owner:``, on a list item of ``standards:``, on a key of
``roles:``). The fields are those of schemas/policy.schema.json that hold register or policy ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """What an id names: an entry of a register, a policy or a category of policybook.yml."""

    ROLE = "role"
    GUIDANCE = "guidance"
    STANDARD = "standard"
    EQUIPMENT = "equipment"
    POLICY = "policy"
    CATEGORY = "category"


@dataclass(frozen=True)
class Context:
    kind: Kind
    field: str  # the frontmatter field, such as "owner" or "audience"

    @property
    def allows_all_staff(self) -> bool:
        """``all-staff`` may be an audience or a key of ``roles``, never an owner or approver."""
        return self.field in ("audience", "roles")


# Fields whose value on the key's own line is an id (audience may be the word all-staff).
SCALAR_FIELDS = {"owner": Kind.ROLE, "approved_by": Kind.ROLE, "category": Kind.CATEGORY, "audience": Kind.ROLE}
# Fields that list ids, as `- id` lines or as a `[a, b]` list on the key's line.
LIST_FIELDS = {"audience": Kind.ROLE, "guidance": Kind.GUIDANCE, "standards": Kind.STANDARD,
               "equipment": Kind.EQUIPMENT, "supersedes": Kind.POLICY, "related": Kind.POLICY}
# Keys inside list items that hold ids: `reviews: - by: role`, `guidance: - id: guidance-id`.
ITEM_KEYS = {("reviews", "by"): Kind.ROLE, ("guidance", "id"): Kind.GUIDANCE}

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
    if _is_top_level_key(text):
        key = _KEY.match(text)
        if key is None or character < key.end():
            return None
        field, value = key.group(1), text[key.end():character]
        kind = LIST_FIELDS.get(field) if "[" in value else SCALAR_FIELDS.get(field)
        return Context(kind, field) if kind else None
    parent = _parent(lines, line)
    if parent is None:
        return None
    parent_line, field = parent
    stripped = text.lstrip(" ")
    indent = len(text) - len(stripped)
    item = _ITEM.match(stripped)
    start = indent + (item.end() if item else 0)  # where the item's own text starts
    key = _KEY.match(text, start)
    if field == "roles":
        on_key = character <= (key.end(1) if key else len(text))
        if item or not on_key or indent != _child_indent(lines, parent_line, end):
            return None  # a responsibility, or a value
        return Context(Kind.ROLE, field)
    if key is not None:
        kind = ITEM_KEYS.get((field, key.group(1)))
        return Context(kind, field) if kind and character >= key.end() else None
    if item and character >= start and field in LIST_FIELDS:
        return Context(LIST_FIELDS[field], field)
    return None
