"""Findings and the catalogue of rules: the one place where rule ids and severities are defined."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    SUGGESTION = "suggestion"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "suggestion": 2}[self.value]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str


@dataclass(frozen=True, order=True)
class Finding:
    """One problem at one place. Paths are POSIX, relative to the project root; line/column 1-based."""

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str

    def as_line(self) -> str:
        """`path:line:col severity rule message`, the text report's line."""
        return f"{self.path}:{self.line}:{self.column} {self.severity.value} {self.rule} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
        }


E, W = Severity.ERROR, Severity.WARNING

_RULES = [
    Rule("frontmatter-missing", E, "The file does not start with a YAML frontmatter block between '---' lines."),
    Rule("yaml-syntax", E, "The frontmatter or register is not valid YAML (or uses aliases or custom tags)."),
    Rule("yaml-duplicate-key", E, "A key appears twice in the same mapping; YAML would silently keep one."),
    Rule("encoding", E, "The file is not UTF-8 text (binary, UTF-16, Latin-1 and similar)."),
    Rule("file-too-large", E, "The file is over the configured size limit (limits.max_file_bytes)."),
    Rule("schema", E, "A frontmatter or register field is missing, unknown or of the wrong form."),
    Rule("duplicate-id", E, "Two files (or register entries) share an id."),
    Rule("duplicate-title", E, "Two policies in force share a title, ignoring case and spacing."),
    Rule("duplicate-content", W, "A passage of 40 or more words stands in two policies."),
    Rule("review-overdue", E, "The policy's next_review date has passed."),
    Rule("review-due-soon", W, "The policy's next review falls within review.due_soon_days."),
    Rule("review-interval", E,
         "next_review is later than approval plus the review interval, or the interval is too long."),
    Rule("date-order", E,
         "Dates contradict each other (created after approval, approval in the future, history out of order)."),
    Rule("history", E, "The version history does not start with the current version or repeats or misorders versions."),
    Rule("unknown-role", E, "A role id is not in registers/roles.yml."),
    Rule("undesignated-role", E, "The text names a job title the service has not designated , such as 'fire officer'."),
    Rule("unknown-guidance", E, "A guidance id is not in registers/guidance.yml."),
    Rule("missing-guidance", E, "The policy's category requires external guidance and none is cited."),
    Rule("superseded-guidance", W, "Cited guidance is marked superseded or withdrawn in the register."),
    Rule("unknown-standard", E, "A standard id is not in registers/standards.yml."),
    Rule("unknown-equipment", E, "An equipment id is not in registers/equipment.yml."),
    Rule("unknown-policy-ref", E, "supersedes, related or a link names a policy id that does not exist."),
    Rule("undeclared-equipment", E, "The text names equipment that is not in registers/equipment.yml."),
    Rule("superseded-still-approved", E, "A policy superseded by an approved policy is still approved."),
    Rule("placeholder", E, "Unfinished text: TBC, TBD, TODO, XXX, [insert ...], <name>, lorem ipsum."),
    Rule("patient-identifiable", E, "A valid NHS number or a date of birth appears in the text."),
    Rule("raw-html", E, "Active HTML (script, iframe, object, embed, style, on* handlers, javascript: links)."),
    Rule("broken-link", E, "A relative link points to a file that does not exist."),
    Rule("heading-structure", W, "An H1 in the body (the title comes from frontmatter) or a skipped heading level."),
    Rule("image-alt", E, "An image has no alternative text."),
    Rule("changed-since-approval", E, "An approved policy no longer matches the fingerprint recorded at approval."),
    Rule("version-not-bumped", E, "With --base REF: the policy's content differs from REF but its version does not."),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}


def finding(rule_id: str, path: str, line: int, column: int, message: str,
            severity: Severity | None = None) -> Finding:
    """Build a finding with the catalogue's severity for ``rule_id``."""
    sev = severity if severity is not None else RULES[rule_id].severity
    return Finding(path, max(1, line), max(1, column), rule_id, sev, message)
