"""Previous versions of each policy on the site, from the git history of its file: a read-only page
per superseded version and a redline of each version against the one before."""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass
from pathlib import Path

from policybook.control.history import ApprovedVersion, approved_versions
from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.loader import Document, decode, parse_markdown_text
from policybook.model import Policy
from policybook.site.text import md_path, md_text


@dataclass(frozen=True)
class OldVersion:
    record: ApprovedVersion
    body: str
    page: str  # src_uri of its read-only page
    redline: str | None  # src_uri of its redline against the version before


def _body_at(root: Path, commit: str, path: Path) -> str:
    from policybook.control.git import files_at

    blob = files_at(root, commit, [path]).get(path, b"")
    text, _ = decode(blob, path.name)
    doc = Document(path=path, rel=path.name)
    parse_markdown_text(doc, text or "")
    return doc.body


def old_versions(corpus: Corpus, policy: Policy, base_uri: str) -> list[OldVersion]:
    """Superseded approved versions of ``policy``, oldest first (the current version is its own page)."""
    records = approved_versions(corpus.root, policy.doc.path)
    previous = [r for r in records if r.in_force_to is not None]
    stem = base_uri[:-3]
    found: list[OldVersion] = []
    for index, record in enumerate(previous):
        redline = f"{stem}/versions/{record.version}-changes.md" if index > 0 else None
        found.append(OldVersion(record, _body_at(corpus.root, record.commit, policy.doc.path),
                                f"{stem}/versions/{record.version}.md", redline))
    return found


def version_page(policy: Policy, old: OldVersion, current_uri: str, body_placeholder: str) -> str:
    """The page of a superseded version; its body is rendered by the plugin where ``body_placeholder`` is."""
    import posixpath

    record = old.record
    back = posixpath.relpath(current_uri, posixpath.dirname(old.page))
    lines = [
        f"# {md_text(policy.title)}: version {md_text(record.version)} (superseded)", "",
        '!!! warning "Superseded version"',
        f"    This is version {md_text(record.version)}, in force from {long_date(record.approved_on)} "
        f"to {long_date(record.in_force_to)}. It is kept for the record only. "
        f"[Read the current version]({md_path(back)}).", "",
        f"Approved by: {md_text(record.approved_by)}. Summary of this version: {md_text(record.summary)}", "",
        "---", "",
    ]
    return "\n".join(lines) + body_placeholder


def redline_page(policy: Policy, before: OldVersion | None, after_version: str, after_body: str,
                 before_body: str, before_version: str) -> str:
    """Word-level differences between two versions' text, as escaped HTML (<del> and <ins>)."""
    rows = []
    matcher = difflib.SequenceMatcher(a=before_body.split("\n"), b=after_body.split("\n"), autojunk=False)
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        old_lines, new_lines = before_body.split("\n")[a1:a2], after_body.split("\n")[b1:b2]
        if tag == "equal":
            rows.extend(f"<p>{html.escape(line)}</p>" for line in new_lines if line.strip())
        else:
            rows.append(f"<p>{_word_diff(' '.join(old_lines), ' '.join(new_lines))}</p>")
    title = md_text(policy.title)
    return (f"# {title}: changes from version {md_text(before_version)} to {md_text(after_version)}\n\n"
            "Removed text is struck through; added text is underlined.\n\n"
            '<div class="pb-redline">\n' + "\n".join(rows) + "\n</div>\n")


def _word_diff(old: str, new: str) -> str:
    a, b = old.split(), new.split()
    out = []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(html.escape(" ".join(a[a1:a2])))
            continue
        if a2 > a1:
            out.append(f"<del>{html.escape(' '.join(a[a1:a2]))}</del>")
        if b2 > b1:
            out.append(f"<ins>{html.escape(' '.join(b[b1:b2]))}</ins>")
    return " ".join(out)
