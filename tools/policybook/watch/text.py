"""The main text of a guidance page and its fingerprint.

A publisher's page changes every day around its guidance: navigation, cookie banners, news panels, the
time the page was generated, tracking parameters in links. Only the main text says what staff must do, so
only the main text is fingerprinted. trafilatura finds it (dropping navigation, headers, footers, asides,
scripts and links' targets); what is left is cut into sections by heading and its whitespace and
page-generation stamps are normalised away, so a cosmetic change gives the same fingerprint and a changed
sentence gives another.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import trafilatura

from policybook.errors import PolicybookError

INTRODUCTION = "(introduction)"  # the section before the first heading
# Lines that say when the page was made or served rather than what the guidance says.
_STAMP = re.compile(
    r"^(this )?page (was )?(last )?(generated|rendered|built|served|cached|printed)\b.*$"
    r"|^(generated|rendered|built|served|cached) (on|at)\b.*$",
    re.IGNORECASE)
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


@dataclass(frozen=True)
class MainText:
    sections: tuple[Section, ...]

    @property
    def text(self) -> str:
        """The normalised main text, headings marked, one paragraph a line: what the fingerprint covers."""
        lines: list[str] = []
        for section in self.sections:
            if section.heading != INTRODUCTION:
                lines.append(f"# {section.heading}")
            if section.text:
                lines.append(section.text)
        return "\n".join(lines)

    @property
    def fingerprint(self) -> str:
        return "sha256:" + hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class NoMainText(PolicybookError):
    """The page has no main text policybook can find (a sign-in page, an empty shell filled by scripts)."""


def main_text(html: str | bytes) -> MainText:
    """The main text of an HTML page, by section. Raises NoMainText when there is none."""
    extracted = trafilatura.extract(
        html, output_format="markdown", include_comments=False, include_links=False, include_images=False,
        include_tables=True, include_formatting=True, deduplicate=False, favor_precision=True,
        with_metadata=False) if html else None
    if not extracted or not extracted.strip():
        raise NoMainText("the page has no main text")
    sections: list[Section] = []
    heading, paragraphs = INTRODUCTION, list[str]()
    for raw in extracted.splitlines():
        line = _SPACE.sub(" ", raw).strip()
        if not line or _STAMP.match(line):
            continue
        match = _HEADING.match(line)
        if match:
            if paragraphs or heading != INTRODUCTION:
                sections.append(Section(heading, "\n".join(paragraphs)))
            heading, paragraphs = match.group(1).strip() or INTRODUCTION, []
        else:
            paragraphs.append(line)
    if paragraphs or heading != INTRODUCTION:
        sections.append(Section(heading, "\n".join(paragraphs)))
    if not any(section.text for section in sections):
        raise NoMainText("the page has no main text")
    return MainText(tuple(sections))


def fingerprint(html: str | bytes) -> str:
    """``sha256:`` and the hex digest of the page's main text."""
    return main_text(html).fingerprint


def changes(old: MainText, new: MainText) -> list[str]:
    """What changed between two versions of a page, by section heading: added, removed and altered."""
    before = {section.heading: section.text for section in old.sections}
    after = {section.heading: section.text for section in new.sections}
    summary = [f"section added: {heading}" for heading in after if heading not in before]
    summary += [f"section removed: {heading}" for heading in before if heading not in after]
    summary += [f"section altered: {heading}" for heading in after if heading in before
                and before[heading] != after[heading]]
    return summary
