"""Tables for the register pages that have header cells for rows as well as columns and a caption: the risk
matrix, the training matrices and the registers with many columns.

Markdown tables have neither, so these are HTML in the page's Markdown (md_in_html): each cell's Markdown
is made by the caller through md_text and link, so register text is escaped as in any generated page, and
MkDocs checks and rewrites the links in it. A wide table scrolls sideways inside its own container, so
the page itself never does. The page sanitiser keeps ``scope``, ``role``, ``tabindex`` and
``aria-labelledby`` only with the values these tables give them (render.sanitise_page).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from policybook.markdown import heading_slug

_ID = re.compile(r"[a-z][a-z0-9-]*")


@dataclass(frozen=True)
class Table:
    """A table: ``columns`` are the header cells' Markdown (the first heads the column of row headers),
    each row its header cell's Markdown and its cells' Markdown."""

    id: str  # the caption's id (our own, [a-z][a-z0-9-]*), which labels the scrolling container
    caption: str  # our own words, plain text
    columns: Sequence[str]
    rows: Sequence[tuple[str, Sequence[str]]]
    kind: str = "register"  # its class: pb-table--register, pb-table--matrix

    def markdown(self) -> str:
        assert _ID.fullmatch(self.id) and _ID.fullmatch(self.kind), "a table's id and kind are our own"
        lines = ["", f'<div class="pb-scroll" id="{self.id}-scroll" role="region" tabindex="0" '
                     f'aria-labelledby="{self.id}" markdown>',
                 f'<table class="pb-table pb-table--{self.kind}" markdown>',
                 f'<caption id="{self.id}">{html.escape(self.caption)}</caption>',
                 "<thead markdown>", "<tr markdown>"]
        lines += [f'<th class="pb-col" scope="col" markdown="span">{cell}</th>' for cell in self.columns]
        lines += ["</tr>", "</thead>", "<tbody markdown>"]
        for header, cells in self.rows:
            lines += ["<tr markdown>", f'<th class="pb-row" scope="row" markdown="span">{header}</th>',
                      *(f'<td markdown="span">{cell}</td>' for cell in cells), "</tr>"]
        lines += ["</tbody>", "</table>", "</div>", ""]
        return "\n".join(lines)


def scrolling(heading_source: str, table: list[str], extra_class: str = "") -> list[str]:
    """A Markdown table (its lines) in a box that scrolls sideways on a narrow screen, named for screen readers
    by the heading above it (``heading_source``, the heading's Markdown: its id is made from it as the
    table of contents makes it), and reachable by keyboard, so a phone reaches every column and the page
    itself never scrolls sideways."""
    label = heading_slug(heading_source)
    named = f' aria-labelledby="{label}"' if _ID.fullmatch(label) else ""
    classes = " ".join(c for c in ("pb-scroll", "pb-scroll--markdown", extra_class) if c)
    return [f'<div class="{classes}" role="region" tabindex="0"{named} markdown>', "", *table, "", "</div>", ""]


def anchor(prefix: str, entry_id: str) -> str | None:
    """An element id for a register entry ('risk-falls'), or None for an id that is not a plain slug."""
    return f"{prefix}-{entry_id}" if _ID.fullmatch(entry_id) else None


def finish_tables(cleaned: str) -> str:
    """A sanitised page without the empty paragraphs Markdown leaves where a table's caption was wrapped
    in one (the cleaner moves them out of the table)."""
    return cleaned.replace('<p></p><p></p><table class="pb-table', '<table class="pb-table')
