"""Document-control and version-history tables: recognised, read into facts, taken out of the body.

Word policies usually open with a table of labels and values (Version, Author, Approved by, Date
approved, Review date), written down the page or across it, and keep a table of versions (Version |
Date | Author | Changes). In policybook both are frontmatter, so they leave the body; every other
table stays. A table counts as document control only when most of its labels are known ones, so a
table in the policy text that happens to have a "Date" column is left alone.
"""

from __future__ import annotations

from policybook.importing.blocks import Node, plain_text, table_text_rows
from policybook.importing.fields import (
    APPROVED_BY,
    APPROVED_ON,
    CREATED,
    HISTORY_AUTHOR,
    HISTORY_DATE,
    HISTORY_SUMMARY,
    HISTORY_VERSION,
    ISSUED,
    NEXT_REVIEW,
    REVIEW_INTERVAL,
    VERSION,
    Facts,
    HistoryRow,
    fact_name,
    history_column,
)

# Headings that only introduce a control table, removed with it when nothing else is under them.
CONTROL_HEADINGS = {"document control", "version control", "version history", "document history",
                    "revision history", "change history", "amendment history", "change record", "document details",
                    "document information", "version", "versions", "review history", "history",
                    "change log", "changelog", "record of changes", "revisions", "amendments"}


def take_control_tables(blocks: list[Node], facts: Facts) -> list[Node]:
    """``blocks`` without their document-control and version-history tables, whose contents are added to
    ``facts``; a heading left with nothing under it goes too. Only the top level is searched: control
    tables are not nested in lists."""
    kept: list[Node] = []
    number = 0
    for block in blocks:
        if block.get("t") != "Table":
            kept.append(block)
            continue
        number += 1
        where = f"table {number}"
        rows = [row for row in table_text_rows(block) if any(row)]
        if _read_history(rows, facts, where):
            facts.removed.append(f"{where}: version history ({len(rows) - 1} row(s)), now the frontmatter history")
        elif _read_key_values(rows, facts, where) or _read_columns(rows, facts, where):
            facts.removed.append(f"{where}: document control, now the frontmatter")
        else:
            kept.append(block)
            continue
        kept = drop_empty_heading(kept, facts)
    return kept


# At least one of these marks a table as document control: a table of roles with "Owner" and "Lead"
# rows is policy text, not control.
_CONTROL_ONLY = {VERSION, APPROVED_BY, APPROVED_ON, CREATED, ISSUED, NEXT_REVIEW, REVIEW_INTERVAL}


def is_control(labels: list[str]) -> bool:
    return any(fact_name(label) in _CONTROL_ONLY for label in labels)


def drop_empty_heading(kept: list[Node], facts: Facts) -> list[Node]:
    """A control heading directly before a removed table has lost its only content."""
    if kept and kept[-1].get("t") == "Header":
        heading = plain_text(kept[-1]["c"][2])
        if " ".join(heading.lower().split()).strip(":") in CONTROL_HEADINGS:
            facts.removed.append(f"heading '{heading}', which only introduced that table")
            return kept[:-1]
    return kept


def _read_history(rows: list[list[str]], facts: Facts, where: str) -> bool:
    """A header row naming a version and a date column, and a change or author column."""
    if len(rows) < 2:
        return False
    columns = [history_column(cell) for cell in rows[0]]
    if HISTORY_VERSION not in columns or HISTORY_DATE not in columns:
        return False
    if HISTORY_SUMMARY not in columns and HISTORY_AUTHOR not in columns:
        return False
    index = {name: columns.index(name) for name in set(columns) if name}
    for number, row in enumerate(rows[1:], start=2):
        def cell(name: str, row: list[str] = row) -> str:
            position = index.get(name)
            return row[position] if position is not None and position < len(row) else ""

        others = [f"{rows[0][i]}: {value}" for i, value in enumerate(row)
                  if i < len(columns) and columns[i] is None and value]
        summary = "; ".join(part for part in [cell(HISTORY_SUMMARY), *others] if part)
        facts.history.append(HistoryRow(cell(HISTORY_VERSION), cell(HISTORY_DATE), cell(HISTORY_AUTHOR), summary,
                                        f"{where}, row {number}"))
    return True


def _read_key_values(rows: list[list[str]], facts: Facts, where: str) -> bool:
    """Labels down the first column (or in every other column: Label | Value | Label | Value)."""
    pairs_by_row: list[list[tuple[str, str]]] = []
    known = 0
    for row in rows:
        if len(row) < 2:
            pairs_by_row.append([(row[0], "")] if row else [])
            continue
        if len(row) % 2 == 0 and len(row) > 2 and all(fact_name(row[i]) for i in range(0, len(row), 2)):
            pairs = [(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        else:
            pairs = [(row[0], " | ".join(cell for cell in row[1:] if cell))]
        known += sum(1 for label, _ in pairs if fact_name(label))
        pairs_by_row.append(pairs)
    labelled_rows = sum(1 for pairs in pairs_by_row if any(fact_name(label) for label, _ in pairs))
    labels = [label for pairs in pairs_by_row for label, _ in pairs]
    if known < 2 or labelled_rows * 2 < len(rows) or not is_control(labels):
        return False
    for number, pairs in enumerate(pairs_by_row, start=1):
        for label, value in pairs:
            facts.add_labelled(label, value, f"{where}, row {number}")
    return True


def _read_columns(rows: list[list[str]], facts: Facts, where: str) -> bool:
    """Labels across the first row and their values in the one row under it."""
    if len(rows) != 2:
        return False
    labels, values = rows
    known = sum(1 for label in labels if fact_name(label))
    if known < 2 or known * 2 < len(labels) or not is_control(labels):
        return False
    for label, value in zip(labels, values, strict=False):
        facts.add_labelled(label, value, f"{where}, column '{label}'")
    return True
