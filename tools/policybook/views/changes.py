"""What changed between two versions of a policy, as staff read it: the text as rendered blocks (headings,
paragraphs, list items, table rows, notes) with inserted and deleted words marked and labelled for screen
readers, and the changes to who must do what (duties, audience, owner, approver, review, guidance).

Blocks come from the policy dialect's own parse (markdown.dialect), so a change page never shows
Markdown syntax; every piece of text is escaped here, and the page is cleaned again like every page.
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it.token import Token

from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.markdown import dialect
from policybook.model import Policy

_INSERTED = '<ins><span class="pb-sr">Inserted: </span>{}</ins>'
_DELETED = '<del><span class="pb-sr">Deleted: </span>{}</del>'


@dataclass(frozen=True)
class Block:
    """One readable block: ``kind`` is h2..h6, p, li, note, head (a table's header row) or row (a table's
    row, its ``cells`` as read, ``text`` their words for comparing); ``depth`` is list nesting."""

    kind: str
    text: str
    depth: int = 0
    cells: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, int]:
        return self.kind, self.text, self.depth


def _plain(token: Token) -> str:
    """The words of an inline token as a reader sees them: link text, code, image descriptions."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(f"[image: {child.content or child.attrGet('alt') or ''}]")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline":
            parts.append(child.content)  # shown as text on the site too
    return " ".join("".join(parts).split())


def blocks(body: str) -> list[Block]:
    """The body's readable blocks, in order."""
    found: list[Block] = []
    stack: list[str] = []
    row: list[str] | None = None
    heading = 2
    for token in dialect().parse(body):
        if token.type == "heading_open":
            heading = min(6, max(2, int(token.tag[1])))
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close" and row is not None:
            found.append(Block("head" if "thead" in stack else "row", " | ".join(row), cells=tuple(row)))
            row = None
        elif token.type in ("fence", "code_block", "html_block"):
            found.append(Block("p", " ".join(token.content.split())))
        elif token.type == "inline":
            text = _plain(token)
            if row is not None:
                row.append(text)
            elif stack and stack[-1] == "heading":
                found.append(Block(f"h{heading}", text))
            elif "list_item" in stack:
                found.append(Block("li", text, stack.count("bullet_list") + stack.count("ordered_list")))
            elif "admonition" in stack:
                found.append(Block("note", text))
            else:
                found.append(Block("p", text))
        if token.nesting == 1:
            stack.append(token.type.removesuffix("_open"))
        elif token.nesting == -1 and stack:
            stack.pop()
    return [b for b in found if b.text or b.cells]


def _word_diff(old: str, new: str) -> str:
    a, b = old.split(), new.split()
    out = []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(html.escape(" ".join(a[a1:a2])))
            continue
        if a2 > a1:
            out.append(_DELETED.format(html.escape(" ".join(a[a1:a2]))))
        if b2 > b1:
            out.append(_INSERTED.format(html.escape(" ".join(b[b1:b2]))))
    return " ".join(out)


def _row(block: Block, cells: list[str], change: str) -> str:
    """A table row, its cells' HTML given: header cells in a header row; a changed row says so in words."""
    css = f' class="pb-change pb-change--{change}"' if change else ""
    label = {"added": "Added row: ", "removed": "Removed row: "}.get(change, "")
    tag, scope = ("th", ' scope="col"') if block.kind == "head" else ("td", "")
    if label and cells:
        cells = [f'<span class="pb-sr">{label}</span>{cells[0]}', *cells[1:]]
    return f"<tr{css}>" + "".join(f"<{tag}{scope}>{cell}</{tag}>" for cell in cells) + "</tr>"


def _changed_row(old: Block, new: Block) -> str:
    """A row in both versions: each cell's words compared with the same cell's before."""
    if not old.cells or len(old.cells) != len(new.cells):
        return _row(new, [_word_diff(old.text, new.text)], "changed")
    return _row(new, [_word_diff(a, b) for a, b in zip(old.cells, new.cells, strict=True)], "changed")


def _tables(parts: list[tuple[Block, str]]) -> list[str]:
    """The HTML of each block, with the rows of each table gathered into a table of their own: a table
    starts at its header row (or at a row after other blocks) and ends before the next other block."""
    out: list[str] = []
    open_table = False
    for block, markup in parts:
        is_row = block.kind in ("head", "row")
        if open_table and (not is_row or block.kind == "head"):
            out.append("</tbody></table>")
            open_table = False
        if is_row and not open_table:
            open_table = True
            if block.kind == "head":
                out.append(f"<table><thead>{markup}</thead><tbody>")
                continue
            out.append("<table><tbody>")
        out.append(markup)
    if open_table:
        out.append("</tbody></table>")
    return out


def _element(block: Block, inner: str, change: str) -> str:
    """One block as HTML; ``change`` (added, removed, changed or '') marks the block for styling."""
    css = f' class="pb-change pb-change--{change}"' if change else ""
    label = {"added": "Added: ", "removed": "Removed: "}.get(change, "")
    prefix = f'<span class="pb-sr">{label}</span>' if label else ""
    if block.kind.startswith("h"):
        return f"<{block.kind}{css}>{prefix}{inner}</{block.kind}>"
    if block.kind == "li":
        depth = f"pb-depth-{min(6, max(0, block.depth - 1))}"
        css = f' class="pb-change pb-change--{change} {depth}"' if change else f' class="{depth}"'
        return f"<p{css}>{prefix}• {inner}</p>"
    if block.kind == "note":
        return f'<p{css}>{prefix}<strong>Note:</strong> {inner}</p>'
    return f"<p{css}>{prefix}{inner}</p>"


def text_changes(old_body: str, new_body: str) -> tuple[str, int]:
    """The new version's text as HTML with the changes marked, and how many blocks changed."""
    before, after = blocks(old_body), blocks(new_body)
    matcher = difflib.SequenceMatcher(a=[b.key for b in before], b=[b.key for b in after], autojunk=False)
    out: list[tuple[Block, str]] = []
    changed = 0
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend((block, _shown(block, html.escape, "")) for block in after[b1:b2])
            continue
        changed += max(a2 - a1, b2 - b1)
        olds, news = before[a1:a2], after[b1:b2]
        for index in range(max(len(olds), len(news))):
            old = olds[index] if index < len(olds) else None
            new = news[index] if index < len(news) else None
            if old is not None and new is not None:
                both_rows = old.cells and new.cells
                out.append((new, _changed_row(old, new) if both_rows else
                            _element(new, _word_diff(old.text, new.text), "changed")))
            elif new is not None:
                out.append((new, _shown(new, lambda text: _INSERTED.format(html.escape(text)), "added")))
            elif old is not None:
                out.append((old, _shown(old, lambda text: _DELETED.format(html.escape(text)), "removed")))
    return "\n".join(_tables(out)), changed


def _shown(block: Block, mark: Callable[[str], str], change: str) -> str:
    """A block whose words are all kept, all inserted or all deleted (``mark`` makes each piece's HTML)."""
    if block.kind in ("head", "row"):
        return _row(block, [mark(cell) if cell else "" for cell in block.cells], change)
    return _element(block, mark(block.text), change)


def _titles(corpus: Corpus, roles: list[str]) -> str:
    return ", ".join(corpus.role_title(r) for r in roles) or "nobody"


def control_changes(corpus: Corpus, old: Policy, new: Policy) -> list[str]:
    """Plain sentences, one per change to who must do what and to the document's control."""
    found: list[str] = []
    old_roles, new_roles = old.roles, new.roles
    for role in [*new_roles, *(r for r in old_roles if r not in new_roles)]:
        title = corpus.role_title(role)
        before, after = list(old_roles.get(role, [])), list(new_roles.get(role, []))
        if before == after:
            continue
        if not before:
            found.append(f"{title} now has duties under this policy: " + " ".join(after))
        elif not after:
            found.append(f"{title} no longer has duties under this policy (was: " + " ".join(before) + ")")
        else:
            for duty in after:
                if duty not in before:
                    found.append(f"{title}: new or changed duty: {duty}")
            for duty in before:
                if duty not in after:
                    found.append(f"{title}: duty removed or reworded: {duty}")
    if old.audience != new.audience:
        found.append(f"Who must read it: {_titles(corpus, old.audience)} → {_titles(corpus, new.audience)}")
    for label, before_role, after_role in (("Owner", old.owner, new.owner),
                                           ("Approved by", old.approved_by, new.approved_by)):
        if before_role != after_role:
            found.append(f"{label}: {corpus.role_title(before_role or '')} → {corpus.role_title(after_role or '')}")
    if old.review_interval != new.review_interval:
        found.append(f"Reviewed every {old.review_interval} months → every {new.review_interval} months")
    if old.next_review != new.next_review:
        found.append(f"Next review: {long_date(old.next_review)} → {long_date(new.next_review)}")
    before_guidance = {ref.id for ref in old.guidance}
    after_guidance = {ref.id for ref in new.guidance}
    for gid in sorted(after_guidance - before_guidance):
        item = corpus.registers.guidance.get(gid)
        found.append(f"Now follows: {item.title if item else gid}")
    for gid in sorted(before_guidance - after_guidance):
        item = corpus.registers.guidance.get(gid)
        found.append(f"No longer cites: {item.title if item else gid}")
    return found
