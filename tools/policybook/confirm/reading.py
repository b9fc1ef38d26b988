"""What a member of staff is shown before confirming: the policy in force, what changed since the
version they last confirmed (rendered as on the site's change page), and the section that answers a
question they got wrong.

Every body goes through the one renderer (render.py: the policy dialect, raw HTML shown as text, then
nh3), and the change marks come from views/changes.py, which escapes every word; the templates escape
everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from policybook.confirm.library import Library
from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.evidence import inforce
from policybook.evidence.fingerprint import fingerprint
from policybook.evidence.git import files_at
from policybook.evidence.history import approved_versions
from policybook.loader import parse_markdown_bytes
from policybook.markdown import dialect, heading_text
from policybook.model import Policy
from policybook.render import render_body
from policybook.views.addresses import site_urls
from policybook.views.changes import control_changes, text_changes


def in_force(corpus: Corpus, policy_id: str) -> Policy | None:
    return next((p for p in inforce.in_force(corpus) if p.id == policy_id), None)


def fingerprint_of(policy: Policy) -> str:
    """The fingerprint recorded at approval, or the same sum worked out now for a policy without one."""
    return policy.fingerprint or fingerprint(policy.data, policy.doc.body)


def render(corpus: Corpus, body: str) -> str:
    """A body as sanitised HTML: links to policies go to the staff site, web links stay, pictures become
    their descriptions (the service shows text only)."""
    urls = site_urls(corpus)

    def link(href: str) -> str | None:
        target, _, anchor = href.partition("#")
        if target in urls:
            return urls[target] + (f"#{anchor}" if anchor else "")
        return href if href.startswith(("https://", "mailto:")) else None

    return render_body(body, link=link, image=lambda _src: None).html


def section_source(body: str, heading: str) -> str | None:
    """The Markdown of the section under ``heading`` (to the next heading of the same or a higher level)."""
    wanted = " ".join(heading.split()).casefold()
    tokens = dialect().parse(body)
    lines = body.split("\n")
    start: tuple[int, int] | None = None
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.map is None:
            continue
        level = int(token.tag[1])
        if start is not None and level <= start[1]:
            return "\n".join(lines[start[0]:token.map[0]])
        text = " ".join(heading_text(tokens[index + 1].content).split()).casefold()
        if start is None and text == wanted:
            start = (token.map[0], level)
    return "\n".join(lines[start[0]:]) if start is not None else None


@dataclass(frozen=True)
class Changes:
    since: str  # the version last confirmed
    text_html: str  # the new text, changes marked
    changed_blocks: int
    duties: list[str]  # plain sentences: changes to who must do what


def _version_at(library: Library, corpus: Corpus, policy: Policy, version: str) -> Policy | None:
    key = (str(policy.doc.path), version)
    if key not in library.old_versions:
        found: Policy | None = None
        try:
            record = next((r for r in approved_versions(corpus.root, policy.doc.path) if r.version == version), None)
            if record is not None:
                blob = files_at(corpus.root, record.commit, [policy.doc.path]).get(policy.doc.path)
                found = Policy.from_document(parse_markdown_bytes(blob or b"", policy.doc.path, policy.rel))
        except PolicybookError:
            found = None  # no git here: the person reads the whole text instead
        library.old_versions[key] = found
    return library.old_versions[key]


def changes_since(library: Library, corpus: Corpus, policy: Policy, version: str | None) -> Changes | None:
    """What changed from ``version`` to the version in force, or None when there is no such earlier
    approved version in git (then the whole text is what to read)."""
    if version is None or version == policy.version_text:
        return None
    old = _version_at(library, corpus, policy, version)
    if old is None:
        return None
    text, changed = text_changes(old.doc.body, policy.doc.body)
    return Changes(version, text, changed, control_changes(corpus, old, policy))
