"""The migration report: what an import took from the document, what it could not map, and what a
person must check before the policy is approved.

It is printed, and kept as ``records/imports/<ID>.md``: under records/, beside the approval records,
where lint and the staff site never look (only ``policies/`` holds policies, and the site is built from
``docs/`` and the policies). Text from the document is escaped, so the report shows it as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from policybook.findings import printable

FOLDER = Path("records") / "imports"


def report_path(root: Path, policy_id: str) -> Path:
    return root / FOLDER / f"{policy_id}.md"


@dataclass
class Report:
    source: str
    convention: str  # "Word document", "Markdown with YAML frontmatter", ...
    policy_id: str
    policy: str  # path relative to the project
    version: str
    imported_on: str
    used: list[tuple[str, str, str]] = field(default_factory=list)
    unmapped: list[tuple[str, str, str]] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pictures: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # formatting that would have shown as stray characters
    next_steps: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"# Import of {_escape(self.source)} as {self.policy_id}", "",
                 f"- Imported on: {self.imported_on}", f"- From: {_escape(self.source)} ({self.convention})",
                 f"- Policy: `{self.policy}`, draft version {self.version}"]
        lines += [f"- Picture: `{picture}`" for picture in self.pictures]
        lines += ["", "## Taken from the document", ""]
        if self.used:
            lines += ["| Field | Value | Where |", "|---|---|---|"]
            lines += [f"| {name} | {_cell(value)} | {_cell(where)} |" for name, value, where in self.used]
        else:
            lines.append("Nothing: the document states no document-control fields.")
        lines += ["", "## Not mapped", ""]
        if self.unmapped:
            lines += ["These fields mean nothing to policybook and are not in the policy. Move anything that "
                      "matters into the policy text or the registers.", "",
                      "| Field | Value | Where |", "|---|---|---|"]
            lines += [f"| {_cell(label)} | {_cell(value)} | {_cell(where)} |" for label, value, where in self.unmapped]
        else:
            lines.append("Every field was mapped.")
        lines += ["", "## Check before approval", ""]
        lines += [f"- {_escape(item)}" for item in self.attention] or ["Nothing needs a decision."]
        lines += ["", "## Taken out of the body", ""]
        lines += [f"- {_escape(item)}" for item in self.removed] or ["Nothing."]
        lines += ["", "## Formatting repaired", ""]
        lines += [f"- {_escape(item)}" for item in self.repaired] or ["Nothing."]
        lines += ["", "## Next steps", ""]
        lines += [f"{number}. {step}" for number, step in enumerate(self.next_steps, start=1)]
        return "\n".join(lines) + "\n"

    def printed(self) -> list[str]:
        """The lines printed after an import: what needs a person, then where the full report is."""
        lines = [f"  not mapped: {label}: {value} ({where})" for label, value, where in self.unmapped]
        lines += [f"  check: {item}" for item in self.attention]
        return [printable(line) for line in lines]


_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!])")


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _cell(text: str) -> str:
    return _escape(text)[:300] or " "
