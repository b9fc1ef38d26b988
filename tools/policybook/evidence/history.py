"""Which version of a policy was in force when, read from the git history of its file (not only from
its frontmatter, which an author can edit). A library adopted after its policies were first issued has
a git history that starts late: the versions the policy's own history records from before its first
approved commit are added, marked as the document's word rather than git's (``recorded_versions``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum, auto
from itertools import pairwise
from pathlib import Path

from policybook.dates import parse_date
from policybook.errors import PolicybookError
from policybook.evidence.fingerprint import proven_by
from policybook.evidence.git import files_at, log_of_file, read_blobs, repo_root
from policybook.loader import decode, parse_markdown, parse_markdown_bytes
from policybook.model import Policy, Status, accepted_of, parse_version


class Source(StrEnum):
    """Where a version's dates come from: an approved commit of its file, or only the policy's own history."""

    GIT = auto()
    DOCUMENT = auto()


@dataclass
class ApprovedVersion:
    version: str
    approved_on: dt.date
    approved_by: str
    summary: str
    commit: str
    in_force_to: dt.date | None = None  # the next version's approval, or None while in force
    source: Source = Source.GIT
    accepted: tuple[tuple[str, str], ...] = ()  # (rule, reason): warnings the approver accepted

    @property
    def proven(self) -> bool:
        return self.source is Source.GIT

    def as_dict(self) -> dict[str, object]:
        return {"version": self.version, "approved_on": self.approved_on.isoformat(),
                "in_force_to": self.in_force_to.isoformat() if self.in_force_to else None,
                "approved_by": self.approved_by, "summary": self.summary, "commit": self.commit or None,
                "source": self.source.value,
                "accepted": [{"rule": rule, "because": because} for rule, because in self.accepted]}


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
            # the text in force when the next version replaced it (and the one its signature covers), and
            # so do the warnings accepted (a signature made later can record more).
            found[record.version].commit = record.commit
            found[record.version].accepted = record.accepted
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
    if recorded and not proven_by(recorded, data, doc.body):
        return None  # edited after its approval: not the text that was approved
    listed = data.get("history")
    history = listed if isinstance(listed, list) else []
    entry = next((h for h in history if isinstance(h, dict) and h.get("version") == version), {})
    return ApprovedVersion(str(version), approved_on, str(data.get("approved_by", "")), str(entry.get("summary", "")),
                           commit[:10], accepted=accepted_of(entry))


def policy_at(root: Path, commit: str, current: Policy) -> Policy | None:
    """``current``'s file as it was at ``commit`` (None where it did not exist there or is not text)."""
    files_at(root, commit, [])  # a commit that does not exist is an error, not a missing file
    return policies_at(root, [(commit, current)])[0]


def policies_at(root: Path, wanted: list[tuple[str, Policy]]) -> list[Policy | None]:
    """For each (commit, policy), the policy's file as it was at that commit, read in one git process
    (None where it did not exist there or is not text)."""
    top = repo_root(root)
    specs = [f"{commit}:{current.doc.path.resolve().relative_to(top).as_posix()}" for commit, current in wanted]
    found: list[Policy | None] = []
    for (_, current), blob in zip(wanted, read_blobs(root, specs), strict=True):
        text = decode(blob, current.rel)[0] if blob is not None else None
        # Read as what it is now (a policy, or a document for patients), so the old version answers alike.
        found.append(None if text is None else type(current).from_document(parse_markdown(text, current.doc.path,
                                                                                         current.rel)))
    return found


def approved_versions(root: Path, path: Path) -> list[ApprovedVersion]:
    """Every approved version of the file at ``path``, oldest first, with the dates it was in force."""
    try:
        return _versions_of_file(root, path)
    except PolicybookError as exc:
        raise PolicybookError(f"history needs the policy repository under git: {exc}") from None


def recorded_versions(root: Path, policy: Policy) -> list[ApprovedVersion]:
    """The approved versions from git and, before the first of them, the issued versions (1.0 and later)
    the policy's own history records, marked ``source="document"``: a library's git history often starts
    after its policies were first issued. Without any approved commit, the history stands alone."""
    proven = approved_versions(root, policy.doc.path)
    first = proven[0] if proven else None
    first_version = parse_version(first.version) if first else None
    earlier: dict[str, ApprovedVersion] = {}
    for entry in sorted(policy.history, key=lambda e: (e.date or dt.date.max, e.version or (0, 0))):
        if entry.version is None or entry.date is None or entry.version[0] < 1 or not entry.version_text:
            continue  # drafts (0.x) were never issued; an undated entry says nothing of when
        if first is not None and (entry.date >= first.approved_on
                                  or (first_version is not None and entry.version >= first_version)):
            continue  # git speaks for this version and everything after it
        if first is None and policy.status is not Status.APPROVED and entry.version == policy.version:
            continue  # the draft being written now
        earlier.setdefault(entry.version_text, ApprovedVersion(entry.version_text, entry.date, "",
                                                               entry.summary or "", "", source=Source.DOCUMENT,
                                                               accepted=entry.accepted))
    versions = [*earlier.values(), *proven]
    for older, newer in pairwise(versions):
        older.in_force_to = newer.approved_on
    return versions


def in_force_on(versions: list[ApprovedVersion], day: dt.date) -> ApprovedVersion | None:
    current = None
    for record in versions:
        if record.approved_on <= day:
            current = record
    return current
