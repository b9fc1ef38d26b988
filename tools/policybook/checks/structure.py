"""Markdown structure rules: ``broken-link`` (and links to unknown policy ids),
``heading-structure`` and ``image-alt``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from policybook.checks.references import UNKNOWN_POLICY_REF
from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.ids import POLICY_ID

BROKEN_LINK = declare(
    "broken-link", Severity.ERROR, Scope.CORPUS,
    'A relative link to a file that does not exist (or lies outside the repository).')
HEADING_STRUCTURE = declare(
    "heading-structure", Severity.WARNING, Scope.POLICY,
    'An H1 in the body, or a heading that skips a level.')
IMAGE_ALT = declare(
    "image-alt", Severity.ERROR, Scope.POLICY,
    'An image without alternative text.')

POLICY_LINK = re.compile(rf"^(?P<id>{POLICY_ID})(?:#.*)?$")
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//)")


@check(BROKEN_LINK, UNKNOWN_POLICY_REF)
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
                    yield UNKNOWN_POLICY_REF.at(policy.rel, link.line, link.column,
                                  f"link to policy '{by_id.group('id')}': no policy has that id")
                continue
            path_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
            base = root if path_part.startswith("/") else folder
            resolved = (base / path_part.lstrip("/")).resolve()
            if not resolved.is_relative_to(root) or not resolved.exists():
                yield BROKEN_LINK.at(policy.rel, link.line, link.column,
                              f"link target '{target}' does not exist"
                              + ("" if resolved.is_relative_to(root) else " inside the repository"))


@check(HEADING_STRUCTURE)
def check_headings(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        previous = 1
        for heading in policy.parsed.headings:
            if heading.level == 1:
                yield HEADING_STRUCTURE.at(policy.rel, heading.line, 1,
                              f"level-1 heading '{heading.text}': the title comes from the frontmatter; "
                              "start sections at '##'")
            elif heading.level > previous + 1:
                yield HEADING_STRUCTURE.at(policy.rel, heading.line, 1,
                              f"heading '{heading.text}' jumps from level {previous} to {heading.level}")
            previous = heading.level


@check(IMAGE_ALT)
def check_image_alt(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        for link in policy.parsed.links:
            if link.image and not link.alt.strip():
                yield IMAGE_ALT.at(policy.rel, link.line, link.column,
                              f"image '{Path(link.target).name}' has no alternative text: describe it "
                              "between the square brackets")


__all__ = ["check_headings", "check_image_alt", "check_links"]
