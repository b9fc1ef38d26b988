"""What an id in the frontmatter stands for: its register entry, shown on hover and beside completions.

Register text is the organisation's own and may hold Markdown's special characters, so it is escaped;
only a plain https address (what the schema accepts) is written as a link.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from policybook.corpus import Corpus
from policybook.lsp.context import POLICY, context_at
from policybook.lsp.positions import word_at
from policybook.registers import DECLARED

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")
_PLAIN_URL = re.compile(r"https://[^\s<>\"'`()\[\]]+")


def _text(value: object) -> str:
    return _SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def _url(value: str) -> str:
    return f"<{value}>" if _PLAIN_URL.fullmatch(value) else _text(value)


def describe(kind: str, item_id: str, corpus: Corpus) -> str | None:
    """Markdown describing ``item_id`` from its register (or policy, or category), None if unknown."""
    lines = _describe(kind, item_id, corpus)
    return "\n\n".join(lines) if lines else None


def _describe(kind: str, item_id: str, corpus: Corpus) -> list[str]:
    heading = f"`{item_id}`"
    register = DECLARED.get(kind)
    if register is not None:
        builtin = next((b for b in register.builtin if b[0] == item_id), None)
        if builtin is not None:
            return [f"**{builtin[1]}** {heading}", builtin[2]]  # policybook's own words, not the library's
        entry = corpus.registers.table(register.name).get(item_id)
        if entry is None:
            return []
        lines = [f"**{_text(register.label(entry))}** {heading}: {_text(register.noun)}"]
        return lines + (register.completion.describe(entry, _text, _url) if register.completion.describe else [])
    if kind == POLICY:
        policy = corpus.by_id().get(item_id)
        if policy is None:
            return []
        return [f"**{_text(policy.title or policy.rel)}** {heading}: policy",
                f"Version {_text(policy.version_text or '?')}, {_text(policy.status_text)}; owner: "
                f"{_text(corpus.role_title(policy.owner)) if policy.owner else '?'}", f"`{policy.rel}`"]
    category = corpus.config.categories.get(item_id)
    if category is None:
        return []
    return [f"**{_text(category.title)}** {heading}: category",
            f"New policies are numbered {_text(category.prefix)}-nnn"
            + ("; they must cite guidance" if category.requires_guidance else "")]


def hover(corpus: Corpus, lines: Sequence[str], line: int, character: int,
          codec: PositionCodec) -> types.Hover | None:
    """The register entry of the id under ``character`` (0-based, in characters) on ``line``."""
    if line >= len(lines):
        return None
    span = word_at(lines[line], character)
    if span is None:
        return None
    context = context_at(lines, line, span[0])
    if context is None:
        return None
    text = describe(context.kind, lines[line][span[0]:span[1]], corpus)
    if text is None:
        return None
    where = types.Range(codec.position_to_client_units(lines, types.Position(line, span[0])),
                        codec.position_to_client_units(lines, types.Position(line, span[1])))
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=where)
