"""Whether a confirmation row could have been made by the service for this library: the person is in
the staff register, the policy exists, the version was in force at the row's time (from git, as
``policybook history`` has it, and the version in force now as the service sees it), and the fingerprint
is that version's as approved.

A hash chain and a MAC show who made a row; these checks show that what it says is possible. They need
no key, so they run wherever the library is: ``ack pull``, ``confirmations verify`` (also ``--offline``).
"""

from __future__ import annotations

import datetime as dt

from policybook.confirm.chain import Confirmation
from policybook.confirm.reading import fingerprint_of
from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.evidence.history import ApprovedVersion, Source, in_force_on, policy_at, recorded_versions
from policybook.evidence.inforce import in_force
from policybook.findings import printable
from policybook.model import Policy, parse_version


class RowCheck:
    """Checks rows against one loaded library; what it reads from git is read once per policy."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._policies = corpus.by_id()
        self._current = {p.id: p for p in in_force(corpus) if p.id}
        self._versions: dict[str, list[ApprovedVersion]] = {}
        self._fingerprints: dict[tuple[str, str], str | None] = {}

    def _versions_of(self, policy: Policy) -> list[ApprovedVersion]:
        """Approved versions, oldest first: git's record (or, without git, the policy's own history), and
        the version in force now from its approval date."""
        key = policy.id or ""
        if key in self._versions:
            return self._versions[key]
        try:
            versions = recorded_versions(self.corpus.root, policy)
        except PolicybookError:  # no git here: the policy's own history is all there is
            versions = [ApprovedVersion(e.version_text, e.date, "", "", "", source=Source.DOCUMENT)
                        for e in policy.history if e.version and e.version[0] >= 1 and e.date and e.version_text]
        current = self._current.get(key)
        if current is not None and current.approved_on and current.version_text and \
                current.version_text not in {v.version for v in versions}:
            versions.append(ApprovedVersion(current.version_text, current.approved_on, "", "", ""))
        versions.sort(key=lambda v: (v.approved_on, parse_version(v.version) or (0, 0)))
        self._versions[key] = versions
        return versions

    def _fingerprint(self, policy: Policy, version: ApprovedVersion) -> str | None:
        """The fingerprint of ``version`` as approved; None when nothing records its text."""
        key = (policy.id or "", version.version)
        if key not in self._fingerprints:
            current = self._current.get(policy.id or "")
            found: str | None = None
            if current is not None and current.version_text == version.version:
                found = fingerprint_of(current)
            elif version.source is Source.GIT and version.commit:
                try:
                    then = policy_at(self.corpus.root, version.commit, policy)
                except PolicybookError:
                    then = None
                found = fingerprint_of(then) if then is not None else None
            self._fingerprints[key] = found
        return self._fingerprints[key]

    def problems(self, row: Confirmation) -> list[str]:
        """What makes the row impossible, each naming it; empty for a row that could be true."""
        name = f"row {row.seq}"
        found: list[str] = []
        if row.staff not in self.corpus.registers.staff:
            found.append(printable(f"{name}: '{row.staff[:64]}' is not in the staff register"))
        policy = self._policies.get(row.policy)
        if policy is None:
            return [*found, printable(f"{name}: no policy has the id '{row.policy[:64]}'")]
        try:
            day = dt.datetime.strptime(row.confirmed_at, "%Y-%m-%dT%H:%M:%SZ").date()
        except ValueError:
            return [*found, printable(f"{name}: '{row.confirmed_at[:40]}' is not a UTC time")]
        versions = self._versions_of(policy)
        # The row's date is UTC; a library ahead of UTC may already be on the next day.
        candidates = [v for v in (in_force_on(versions, day), in_force_on(versions, day + dt.timedelta(days=1)))
                      if v is not None]
        version = next((v for v in candidates if v.version == row.version), None)
        if version is None:
            was = f"version {candidates[0].version} was" if candidates else "no version was"
            return [*found, printable(f"{name}: {row.policy} version {row.version[:16]} was not in force on {day} "
                                      f"({was})")]
        expected = self._fingerprint(policy, version)
        if expected is not None and expected != row.fingerprint:
            found.append(printable(f"{name}: its fingerprint is not that of {row.policy} version {row.version} "
                                   "as approved"))
        return found
