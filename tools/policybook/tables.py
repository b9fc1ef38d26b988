"""Plain-text tables for the report commands (history, asof, review, ack, confirmations)."""

from __future__ import annotations

from collections.abc import Sequence

from policybook.findings import printable


def text_table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns two spaces apart, for the report commands. Cells come from policies and
    registers: control characters are shown escaped, never sent to the terminal."""
    shown = [[printable(str(cell)) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in shown) for i in range(len(shown[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in shown) + "\n"
