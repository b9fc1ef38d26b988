"""Completion of ids in a policy's frontmatter: the entries of the register a field cites (as its
declaration says), policies and categories, each labelled with its title so the right one can be
picked by name."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from policybook.corpus import Corpus
from policybook.lsp.context import CATEGORY, POLICY, Context, context_at
from policybook.lsp.hover import describe
from policybook.lsp.positions import word_at
from policybook.registers import DECLARED

_OWN_KINDS = {POLICY: types.CompletionItemKind.File, CATEGORY: types.CompletionItemKind.EnumMember}


def _item_kind(kind: str) -> types.CompletionItemKind:
    register = DECLARED.get(kind)
    return types.CompletionItemKind[register.completion.kind] if register else _OWN_KINDS[kind]


def candidates(context: Context, corpus: Corpus) -> list[tuple[str, str, bool]]:
    """(id, title, withdrawn) for every id that fits ``context``, in register order."""
    register = DECLARED.get(context.kind)
    if register is not None:
        withdrawn = register.completion.withdrawn or (lambda entry: False)
        found = [(entry_id, register.label(entry), withdrawn(entry))
                 for entry_id, entry in corpus.registers.table(register.name).items()]
        builtin = [(item_id, title, False) for item_id, title, _ in register.builtin] if context.builtin else []
        return [*found, *builtin]
    if context.kind == POLICY:
        return [(policy_id, policy.title or policy.rel, policy.status_text == "retired")
                for policy_id, policy in corpus.by_id().items()]
    return [(c.id, c.title, False) for c in corpus.config.categories.values()]


def complete(corpus: Corpus, lines: Sequence[str], line: int, character: int,
             codec: PositionCodec) -> list[types.CompletionItem] | None:
    """Completions at ``character`` (0-based, in characters) on ``line``, or None where no id belongs.
    Each replaces the whole id under the cursor, so completing in the middle of one does not leave a tail."""
    if line >= len(lines):
        return None
    context = context_at(lines, line, character)
    if context is None:
        return None
    text = lines[line]
    start, end = word_at(text, character) or (character, character)
    lead = " " if start == character and text[start - 1:start] == ":" else ""  # `owner:|` gets `owner: id`
    where = types.Range(codec.position_to_client_units(lines, types.Position(line, start)),
                        codec.position_to_client_units(lines, types.Position(line, end)))
    items = []
    for order, (item_id, title, withdrawn) in enumerate(candidates(context, corpus)):
        documentation = describe(context.kind, item_id, corpus)
        items.append(types.CompletionItem(
            label=item_id, kind=_item_kind(context.kind), detail=title,
            label_details=types.CompletionItemLabelDetails(description=title),
            documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=documentation)
            if documentation else None,
            tags=[types.CompletionItemTag.Deprecated] if withdrawn else None,
            filter_text=f"{item_id} {title}", sort_text=f"{order:05d}",
            text_edit=types.TextEdit(range=where, new_text=lead + item_id)))
    return items
