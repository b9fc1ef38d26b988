"""Which version of a policy was in force when, read from the git history of its file (not only from
its frontmatter, which an author can edit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from policybook.dates import parse_date
from policybook.errors import PolicybookError
from policybook.evidence.fingerprint import fingerprint
from policybook.evidence.git import files_at, log_of_file, read_blobs, repo_root
from policybook.loader import decode, parse_markdown, parse_markdown_bytes
from policybook.model import Policy, Status, parse_version


@dataclass
class ApprovedVersion:
    version: str
    approved_on: dt.date
    approved_by: str
    summary: str
    commit: str
    in_force_to: dt.date | None = None  # the next version's approval, or None while in force

    def as_dict(self) -> dict[str, object]:
        return {"version": self.version, "approved_on": self.approved_on.isoformat(),
                "in_force_to": self.in_force_to.isoformat() if self.in_force_to else None,
                "approved_by": self.approved_by, "summary": self.summary, "commit": self.commit}


def _versions_of_file(root: Path, path: Path) -> list[ApprovedVersion]:
    top = repo_root(root)
    relative = path.resolve().relative_to(top).as_posix()
    log = log_of_file(root, relative)
    commits: list[tuple[str, str]] = []
    current = ""
    for line in log.splitlines():
        if line.startswith("@"):
            current = line[1:]
        elif line.strip() and current:
            commits.append((current, line.strip()))
            current = ""
    if not commits:
        return []
    oldest_first = list(reversed(commits))
    blobs = read_blobs(root, [f"{commit}:{name}" for commit, name in oldest_first])
    found: dict[str, ApprovedVersion] = {}
    for (commit, _name), blob in zip(oldest_first, blobs, strict=True):
        if blob is None:
            continue
        record = _approved(blob, commit)
        if record is None:
            continue
        if record.version in found:
            # Dates come from the version's first approved commit; its text from the last one, which is
            # the text in force when the next version replaced it (and the one its signature covers).
            found[record.version].commit = record.commit
        else:
            found[record.version] = record
    versions = sorted(found.values(), key=lambda r: (r.approved_on, parse_version(r.version) or (0, 0)))
    for older, newer in pairwise(versions):
        older.in_force_to = newer.approved_on
    return versions


def _approved(blob: bytes, commit: str) -> ApprovedVersion | None:
    doc = parse_markdown_bytes(blob, Path("history"), "history")  # not text: no data, so not approved
    data = doc.data if isinstance(doc.data, dict) else {}
    approved_on = parse_date(data.get("approved_on"))
    version = data.get("version")
    if Status.of(data.get("status")) is not Status.APPROVED or approved_on is None or parse_version(version) is None:
        return None
    recorded = data.get("fingerprint")
    if recorded and recorded != fingerprint(data, doc.body):
        return None  # edited after its approval: not the text that was approved
    listed = data.get("history")
    history = listed if isinstance(listed, list) else []
    summary = next((str(h.get("summary", "")) for h in history if isinstance(h, dict)
                    and h.get("version") == version), "")
    return ApprovedVersion(str(version), approved_on, str(data.get("approved_by", "")), summary, commit[:10])


def policy_at(root: Path, commit: str, current: Policy) -> Policy | None:
    """``current``'s file as it was at ``commit`` (None where it did not exist there or is not text)."""
    blob = files_at(root, commit, [current.doc.path]).get(current.doc.path)
    text = decode(blob, current.rel)[0] if blob is not None else None
    if text is None:
        return None
    return Policy.from_document(parse_markdown(text, current.doc.path, current.rel))


def approved_versions(root: Path, path: Path) -> list[ApprovedVersion]:
    """Every approved version of the file at ``path``, oldest first, with the dates it was in force."""
    try:
        return _versions_of_file(root, path)
    except PolicybookError as exc:
        raise PolicybookError(f"history needs the policy repository under git: {exc}") from None


def in_force_on(versions: list[ApprovedVersion], day: dt.date) -> ApprovedVersion | None:
    current = None
    for record in versions:
        if record.approved_on <= day:
            current = record
    return current
