"""Making the policy file: its frontmatter written as ``policybook new`` writes it, checked against the
policy schema before anything is written, then the pictures, the policy and the migration report
created together or not at all.

Every destination is checked first: nothing that exists is replaced, and nothing is written through a
symbolic link (a committed ``records/imports -> /elsewhere`` would put the report outside the library).
Each file is written to a temporary file beside it and linked into place, which fails if the name is
taken meanwhile, so two imports at once never overwrite each other's files; if one write fails the
files already made are removed again.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from policybook.errors import PolicybookError
from policybook.importing.draft import Draft
from policybook.loader import parse_markdown
from policybook.registers.schema import policy_validator
from policybook.schema_messages import schema_findings
from policybook.writing import create_atomically, refuse_links_below

OWNER_DUTY = "Owns this policy and keeps it current."


@dataclass(frozen=True)
class Planned:
    """One imported document, ready to write."""

    policy: Path
    text: str
    pictures: tuple[tuple[Path, bytes], ...]
    report: Path
    report_text: str


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (the text is already one line)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def policy_text(policy_id: str, category: str, draft: Draft, guidance: tuple[str, ...], body: str) -> str:
    lines = ["---", f"id: {policy_id}", f"title: {quoted(draft.title)}", f"version: {quoted(draft.version)}",
             "status: draft", f"category: {category}", f"owner: {draft.owner}", f"author: {quoted(draft.author)}",
             f'created: "{draft.created.isoformat()}"', f"review_interval: {draft.review_interval}",
             f'next_review: "{draft.next_review.isoformat()}"']
    if isinstance(draft.audience, str):
        lines.append(f"audience: {draft.audience}")
    else:
        lines += ["audience:", *(f"  - {role}" for role in draft.audience)]
    lines += ["roles:", f"  {draft.owner}:", f"    - {OWNER_DUTY}"]
    if guidance:
        lines += ["guidance:", *(f"  - {item}" for item in guidance)]
    lines.append("history:")
    for entry in draft.history:
        lines += [f"  - version: {quoted(entry.version)}", f'    date: "{entry.date.isoformat()}"',
                  f"    author: {quoted(entry.author)}", f"    summary: {quoted(entry.summary)}"]
    lines.append("---")
    return "\n".join(lines) + "\n\n" + body.lstrip("\n")


def check_policy(text: str, path: Path, name: str) -> None:
    """The file must read cleanly and meet the policy schema; a fault here is policybook's, and stops
    the import before anything is written."""
    doc = parse_markdown(text, path, path.name)
    problems = [f.message for f in doc.findings]
    if not problems and isinstance(doc.data, dict):
        problems = [f.message for f in schema_findings(doc, list(policy_validator().iter_errors(doc.data)))]
    if problems or not isinstance(doc.data, dict):
        first = problems[0] if problems else "no frontmatter"
        raise PolicybookError(f"{name}: the imported policy would not be valid ({first}); nothing was written")


def write_all(plans: list[Planned], root: Path) -> None:
    """Create every planned file under ``root``, or none of them."""
    targets = [path for plan in plans for path in (*(p for p, _ in plan.pictures), plan.policy, plan.report)]
    for path in targets:
        refuse_links_below(root, path)
        if path.exists() or path.is_symlink():
            raise PolicybookError(f"{path} already exists; nothing was written")
    if len(set(targets)) != len(targets):
        raise PolicybookError("two imported documents would write the same file; nothing was written")
    made: list[Path] = []
    folders: list[Path] = []
    try:
        for plan in plans:
            for path, content in (*plan.pictures, (plan.policy, plan.text.encode("utf-8")),
                                  (plan.report, plan.report_text.encode("utf-8"))):
                _make_folders(path.parent, root, folders)
                create_atomically(path, content)
                made.append(path)
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        for folder in sorted(set(folders), key=lambda f: len(f.parts), reverse=True):
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if still empty
        raise


def _make_folders(folder: Path, root: Path, made: list[Path]) -> None:
    """Create ``folder`` and any missing folders above it, one at a time, each a real folder."""
    missing: list[Path] = []
    while not folder.exists() and not folder.is_symlink() and folder != root:
        missing.append(folder)
        folder = folder.parent
    for each in reversed(missing):
        try:
            each.mkdir()
            made.append(each)
        except FileExistsError:
            pass  # made meanwhile (another import): checked below like any other
        if each.is_symlink() or not each.is_dir():
            raise PolicybookError(f"{each} is a symbolic link or not a folder; nothing was written")


