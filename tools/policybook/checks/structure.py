"""Markdown structure rules: ``broken-link`` (and links to unknown policy ids),
``heading-structure`` and ``image-alt``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from policybook.corpus import Corpus
from policybook.findings import Finding, finding

POLICY_LINK = re.compile(r"^(?P<id>[A-Z]{2,6}-[0-9]{3})(?:#.*)?$")
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


def check_links(corpus: Corpus) -> Iterator[Finding]:
    ids = {p.id for p in corpus.policies if p.id}
    root = corpus.root.resolve()
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        folder = policy.doc.path.parent
        for link in policy.summary.links:
            target = link.target.strip()
            if not target or target.startswith("#") or _EXTERNAL.match(target):
                continue
            by_id = POLICY_LINK.match(target)
            if by_id:
                if by_id.group("id") not in ids:
                    yield finding("unknown-policy-ref", policy.rel, link.line, link.column,
                                  f"link to policy '{by_id.group('id')}': no policy has that id")
                continue
            path_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
            base = root if path_part.startswith("/") else folder
            resolved = (base / path_part.lstrip("/")).resolve()
            if not resolved.is_relative_to(root) or not resolved.exists():
                yield finding("broken-link", policy.rel, link.line, link.column,
                              f"link target '{target}' does not exist"
                              + ("" if resolved.is_relative_to(root) else " inside the repository"))


def check_headings(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        previous = 1
        for heading in policy.parsed.headings:
            if heading.level == 1:
                yield finding("heading-structure", policy.rel, heading.line, 1,
                              f"level-1 heading '{heading.text}': the title comes from the frontmatter; "
                              "start sections at '##'")
            elif heading.level > previous + 1:
                yield finding("heading-structure", policy.rel, heading.line, 1,
                              f"heading '{heading.text}' jumps from level {previous} to {heading.level}")
            previous = heading.level


def check_image_alt(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        for link in policy.parsed.links:
            if link.image and not link.alt.strip():
                yield finding("image-alt", policy.rel, link.line, link.column,
                              f"image '{Path(link.target).name}' has no alternative text: describe it "
                              "between the square brackets")


__all__ = ["check_headings", "check_image_alt", "check_links"]
