"""Previous versions of each policy on the site, from the git history of its file: a read-only page
per superseded version and a redline of each version against the one before. The versions a policy's own
history records from before its file's git history are listed too, marked as such: git holds no text of
them, so they have no page."""

from __future__ import annotations

from dataclasses import dataclass

from policybook.corpus import Corpus
from policybook.evidence.history import ApprovedVersion, policy_at, recorded_versions
from policybook.model import Policy
from policybook.views.changes import control_changes, text_changes
from policybook.views.text import md_text


@dataclass(frozen=True)
class OldVersion:
    record: ApprovedVersion
    policy: Policy  # the policy as it stood then: frontmatter and body
    page: str  # src_uri of its read-only page
    redline: str | None  # src_uri of the page of what changed in it from the version before

    @property
    def body(self) -> str:
        return self.policy.doc.body


@dataclass(frozen=True)
class Previous:
    """A policy's superseded versions, each list oldest first."""

    recorded: list[ApprovedVersion]  # only in the policy's own history, from before git: no text, so no page
    pages: list[OldVersion]  # proven by git: each with its page


def old_versions(corpus: Corpus, policy: Policy, base_uri: str) -> Previous:
    """Superseded versions of ``policy`` (the version in force is its own page): those its own history
    records from before its file's first approved commit, and the approved ones git proves."""
    records = [r for r in recorded_versions(corpus.root, policy) if r.version != policy.version_text]
    previous = [r for r in records if r.in_force_to is not None]
    stem = base_uri[:-3]
    found: list[OldVersion] = []
    for record in (r for r in previous if r.proven):
        redline = f"{stem}/versions/{record.version}-changes.md" if found else None
        then = policy_at(corpus.root, record.commit, policy)
        if then is not None:  # the record was read from that very commit: this always holds
            found.append(OldVersion(record, then, f"{stem}/versions/{record.version}.md", redline))
    return Previous([r for r in previous if not r.proven], found)


def version_page(policy: Policy, old: OldVersion) -> str:
    """The Markdown of a superseded version's page: its title only; the policy template shows the panel as
    it stood then, a notice that it is superseded, and its body."""
    return f"# {md_text(policy.title)}: version {md_text(old.record.version)} (superseded)\n"


def changes_page(corpus: Corpus, title: str, before: Policy, before_version: str, after: Policy,
                 after_version: str) -> str:
    """The page of what changed from one version to the next, as staff read it (see changes.py)."""
    text, changed = text_changes(before.doc.body, after.doc.body)
    duties = control_changes(corpus, before, after)
    lines = [f"# {md_text(title)}: what changed in version {md_text(after_version)}", "",
             f"Changes from version {md_text(before_version)} to version {md_text(after_version)}. Deleted "
             "words are struck through and inserted words are underlined.", "",
             "## Who must do what", ""]
    lines += [f"- {md_text(item)}" for item in duties] or ["No change to duties, readers, owner, approver or "
                                                          "review.", ""]
    lines += ["", "## The text", "",
              f"{changed} block{'s' if changed != 1 else ''} of text changed." if changed else "The text is unchanged.",
              "", '<div class="pb-redline" markdown="0">', text, "</div>", ""]
    return "\n".join(lines)
