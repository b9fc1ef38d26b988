"""Document-control details written as paragraphs or list items, read into facts and taken out of the body.

Many Word policies have no control table: they open (or end) with a line per detail, "Version No: 1",
"**Author:** Priya Lindqvist", "Approved by<tab>Registered Manager", "- Review Date: September 2026".
Those lines are the same facts as a control table (see ``control_table.py``) and leave the body the
same way. Only a run of such lines counts, with at least two known labels and one that only document
control uses (a version, an approval, a review date), each line short; a sentence such as "Review the
risk assessment: every visit" in the policy text is left alone. A line with a label nobody knows
("Policy number: HS-12") between known details goes with them, listed as not mapped, as in a table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policybook.importing.blocks import Node, plain_text
from policybook.importing.control_table import drop_empty_heading, is_control
from policybook.importing.fields import LABELS, Facts, fact_name

MAX_VALUE_WORDS = 12
MAX_LABEL_WORDS = 5
_SEPARATED = re.compile(r"^(?P<label>[^:]{2,40}?)\s*(?::|\s[-–—]\s)\s*(?P<value>.*)$")
_LONGEST_LABEL = max(len(label.split()) for label in LABELS)


@dataclass(frozen=True)
class _Detail:
    label: str
    value: str

    @property
    def known(self) -> bool:
        return fact_name(self.label) is not None


def take_control_paragraphs(blocks: list[Node], facts: Facts) -> list[Node]:
    """``blocks`` without their runs of control-detail paragraphs and list items, whose details are
    added to ``facts``. Only the top level is searched, as for control tables."""
    kept: list[Node] = []
    run: list[tuple[Node, list[_Detail]]] = []

    def finish() -> None:
        nonlocal kept
        while run and not any(detail.known for detail in run[0][1]):  # labels nobody knows, before the details
            kept.append(run.pop(0)[0])
        after: list[Node] = []
        while run and not any(detail.known for detail in run[-1][1]):  # ... and after them
            after.insert(0, run.pop()[0])
        details = [detail for _block, found in run for detail in found]
        labels = [detail.label for detail in details]
        if sum(detail.known for detail in details) >= 2 and is_control(labels):
            for block, found in run:
                what = "list" if block.get("t") in ("BulletList", "OrderedList") else "paragraph"
                for detail in found:
                    facts.add_labelled(detail.label, detail.value, f"{what} '{detail.label}: {detail.value}'"[:100])
            facts.removed.append(f"{len(details)} document-control detail(s) written as paragraphs or a list "
                                 f"({', '.join(labels)}), now the frontmatter")
            kept = drop_empty_heading(kept, facts)
        else:
            kept.extend(block for block, _found in run)
        kept.extend(after)
        run.clear()

    for block in blocks:
        found = _details(block)
        if found is None:
            finish()
            kept.append(block)
        else:
            run.append((block, found))
    finish()
    return kept


def _details(block: Node) -> list[_Detail] | None:
    """The details a paragraph or a list states, one per line or item; None when any of its lines is not one."""
    kind = block.get("t")
    if kind in ("Para", "Plain"):
        lines = _lines(block["c"])
    elif kind in ("BulletList", "OrderedList"):
        items = block["c"] if kind == "BulletList" else block["c"][1]
        if not all(len(item) == 1 and item[0].get("t") in ("Para", "Plain") for item in items):
            return None
        lines = [line for item in items for line in _lines(item[0]["c"])]
    else:
        return None
    details = [_detail(line) for line in lines]
    if not details or any(d is None for d in details):
        return None
    return [d for d in details if d is not None]


def _lines(inlines: list[Node]) -> list[list[Node]]:
    lines: list[list[Node]] = [[]]
    for inline in inlines:
        if inline.get("t") in ("LineBreak", "SoftBreak"):
            lines.append([])
        else:
            lines[-1].append(inline)
    return [line for line in lines if plain_text(line)]


def _detail(line: list[Node]) -> _Detail | None:
    """A known label and its short value: "Label: value", "**Label** value", or a label of two words or
    more followed by its value (a tab in Word arrives as a space)."""
    if line and line[0].get("t") == "Strong":
        label, value = plain_text(line[0]["c"]).rstrip(":").strip(), plain_text(line[1:]).lstrip(":").strip()
        return _short(label, value) if fact_name(label) or _label_like(label) else None
    text = plain_text(line)
    match = _SEPARATED.match(text)
    if match and (fact_name(match["label"]) or _label_like(match["label"])):
        return _short(match["label"].strip(), match["value"].strip())
    words = text.split()
    for size in range(min(_LONGEST_LABEL, len(words) - 1), 1, -1):  # the longest label first
        label = " ".join(words[:size])
        if fact_name(label):
            return _short(label, " ".join(words[size:]))
    return None


def _label_like(label: str) -> bool:
    """A label nobody knows ("Policy number", "Equality impact assessment"): taken only between known
    details, and reported as not mapped."""
    return 0 < len(label.split()) <= MAX_LABEL_WORDS and label[:1].isupper()


def _short(label: str, value: str) -> _Detail | None:
    if not value or len(value.split()) > MAX_VALUE_WORDS:
        return None
    return _Detail(label, value)
