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
import io
import re
from dataclasses import dataclass

import lxml.etree
import lxml.html
import pypdf
import trafilatura
from pypdf.errors import PyPdfError

from policybook.errors import PolicybookError

INTRODUCTION = "(introduction)"  # the section before the first heading
WHOLE_DOCUMENT = "(the document)"  # a PDF's text, which is not cut into sections
# Lines that say when the page was made or served rather than what the guidance says.
_STAMP = re.compile(
    r"^(this )?page (was )?(last )?(generated|rendered|built|served|cached|printed)\b.*$"
    r"|^(generated|rendered|built|served|cached) (on|at)\b.*$",
    re.IGNORECASE)
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$")
# How publishers show an edition or date: "Published 2022", "Last updated: 3 May 2025", "Version 3.1".
_EDITION = re.compile(
    r"\b(?:published|last updated|updated|last revised|revised|last reviewed|version|edition|issue)\b:?\s+(?:on\s+)?"
    r"(?:\d{1,2}\s+[A-Za-z]+\s+\d{4}|[A-Za-z]+\s+\d{4}|\d{4}(?:-\d{2}){0,2}|\d+(?:\.\d+)*)",
    re.IGNORECASE)
# A notice that the guidance itself has been withdrawn (not a section of it).
_DOCUMENT = r"(?:guidance|guideline|guidelines|page|document|publication|code|standard|memorandum|note)"
# A notice that this guidance itself has been withdrawn: "This guideline has been withdrawn", not "the
# previous guidance was withdrawn", which speaks of another document.
_WITHDRAWN = re.compile(
    rf"\bthis\s+(?:[a-z0-9-]+\s+){{0,2}}{_DOCUMENT}\s+(?:has\s+been|was|is(?:\s+now)?)\s+withdrawn\b", re.IGNORECASE)
# Just before a link to the replacement: "It has been replaced by", "This guideline is superseded by",
# "Superseded by:" as a label; not "single-use items are replaced by reusable ones".
_REPLACED_BY = re.compile(
    rf"(?:\b(?:this|it)\s+(?:[a-z0-9-]+\s+){{0,2}}(?:{_DOCUMENT}\s+)?(?:has\s+been|have\s+been|was|is(?:\s+now)?)\s+"
    r"(?:replaced|superseded)(?:\s+in\s+full)?\s+by|^\s*(?:replaced|superseded)\s+by)\s*:?\s*$", re.IGNORECASE)
# Cookie and consent banners, by the names their markup gives them.
_BANNER = re.compile(r"cookie|gdpr|consent[-_]?(?:banner|manager|popup|notice|bar|dialog)|sliding-popup")
_BANNER_MAX_CHARS = 1500  # a banner is short; a long element named so is the page's content
_NEVER_A_BANNER = {"html", "body", "main", "article"}
_OUTSIDE_MAIN = {"nav", "header", "footer", "aside"}
_BLOCKS = {"p", "div", "li", "section", "td", "dd", "aside", "article", "main", "body"}
_SPACE = re.compile(r"\s+")
_NUMBERING = re.compile(r"^(?:(?:chapter|section|part|annex|appendix)\s+)?\d+(?:\.\d+)*[.:)]?\s+", re.IGNORECASE)


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


def is_pdf(body: bytes, content_type: str = "") -> bool:
    return body.startswith(b"%PDF-") or "application/pdf" in content_type.lower()


def page_text(body: bytes, content_type: str = "") -> MainText:
    """The main text of a page as served: a PDF's text, or an HTML page's main text."""
    return pdf_text(body) if is_pdf(body, content_type) else main_text(body)


def pdf_text(body: bytes) -> MainText:
    """A PDF's text as one section, a paragraph a line, whitespace normalised (a PDF has no headings
    policybook can trust, so a change is reported for the document as a whole)."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            raise NoMainText("the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        raise NoMainText(f"the PDF could not be read ({type(error).__name__})") from None
    lines = [_SPACE.sub(" ", line).strip() for page in pages for line in page.splitlines()]
    kept = [line for line in lines if line and not _STAMP.match(line)]
    if not kept:
        raise NoMainText("the PDF has no text (a scanned image?)")
    return MainText((Section(WHOLE_DOCUMENT, "\n".join(kept)),))


def edition(html: str | bytes) -> str | None:
    """The edition or date the page shows ("Published 2022-04", "Last updated: 3 May 2025"), if it shows one:
    the first such phrase in the page's content, outside navigation, headers, footers, asides and scripts
    (where a page's generation time and a news item's date are)."""
    tree = _tree(html)
    if tree is None:
        return None
    for element in list(tree.iter(*_OUTSIDE_MAIN, "script", "style", "noscript", "template")):
        if element.getparent() is not None:
            element.drop_tree()
    content = next((found for tag in ("main", "article") for found in tree.iter(tag)), tree)
    for line in (content.text_content() or "").splitlines():
        found = [_SPACE.sub(" ", match.group(0)).strip() for match in _EDITION.finditer(line)]
        if found:
            return " ".join(found)  # "Published: 12 March 2021 Last updated: 5 May 2025"
    return None


def _without_banners(tree: lxml.html.HtmlElement | None) -> lxml.html.HtmlElement | None:
    """The page without its cookie and consent banners, which trafilatura keeps when their markup does not
    say "cookie" in a way it knows (a banner named "sliding-popup", say)."""
    if tree is None:
        return None
    for element in list(tree.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if element.tag in _NEVER_A_BANNER:
            continue
        names = " ".join(element.get(a, "") for a in ("id", "class", "aria-label", "role")).lower()
        if _BANNER.search(names) and len(element.text_content() or "") <= _BANNER_MAX_CHARS \
                and next(element.iter("h1"), None) is None:
            element.drop_tree()
    return tree


def _tree(html: str | bytes) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html) if html else None
    except (ValueError, lxml.etree.ParserError):
        return None


@dataclass(frozen=True)
class Notice:
    """The publisher says the guidance is withdrawn or replaced; the replacement where it links one."""

    withdrawn: bool
    replacement_url: str | None = None
    replacement_title: str | None = None


def _outside_main(element: lxml.html.HtmlElement) -> bool:
    return any(ancestor.tag in _OUTSIDE_MAIN for ancestor in element.iterancestors())


def notice(html: str | bytes, text: MainText) -> Notice | None:
    """A withdrawal notice in the main text, or a "replaced by" link outside navigation, headers and
    footers (the link's text and address name the replacement)."""
    withdrawn = any(_WITHDRAWN.search(section.text) for section in text.sections)
    replacement: tuple[str, str] | None = None
    tree = _tree(html)
    for link in tree.iter("a") if tree is not None else ():
        href = link.get("href")
        if not href or _outside_main(link):
            continue
        block = next((a for a in link.iterancestors() if a.tag in _BLOCKS), None)
        if block is None:
            continue
        before = (block.text_content() or "").split(link.text_content() or "\0", 1)[0]
        sentence = re.split(r"[.!?]\s", before)[-1]  # the words leading to the link, in its own sentence
        if _REPLACED_BY.search(sentence):
            replacement = (href, _SPACE.sub(" ", link.text_content() or "").strip())
            break
    if replacement:
        return Notice(withdrawn, replacement[0], replacement[1] or None)
    return Notice(True) if withdrawn else None


def title(html: str | bytes) -> str | None:
    """The page's own title: its first h1, or its <title>."""
    tree = _tree(html)
    if tree is None:
        return None
    for element in (*tree.iter("h1"), *tree.iter("title")):
        words = _SPACE.sub(" ", element.text_content() or "").strip()
        if words:
            return words
    return None


def main_text(html: str | bytes) -> MainText:
    """The main text of an HTML page, by section. Raises NoMainText when there is none."""
    tree = _without_banners(_tree(html))
    extracted = trafilatura.extract(
        tree, output_format="markdown", include_comments=False, include_links=False, include_images=False,
        include_tables=True, include_formatting=True, deduplicate=False, favor_precision=True,
        with_metadata=False) if tree is not None else None
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
    before = {_unnumbered(section.heading): section for section in old.sections}
    after = {_unnumbered(section.heading): section for section in new.sections}
    summary = [f"section added: {section.heading}" for key, section in after.items() if key not in before]
    summary += [f"section removed: {section.heading}" for key, section in before.items() if key not in after]
    summary += [f"section altered: {section.heading}" for key, section in after.items() if key in before
                and _unnumbered_lines(before[key].text) != _unnumbered_lines(section.text)]
    return summary


def _unnumbered(text: str) -> str:
    """A heading or paragraph without its number ("3 Training", "Chapter 2: Scope", "1.4.2 Offer..."), so that a
    section added before it, which renumbers it, does not read as a change to it."""
    return _NUMBERING.sub("", text)


def _unnumbered_lines(text: str) -> list[str]:
    return [_unnumbered(line) for line in text.splitlines()]


def to_json(text: MainText) -> list[list[str]]:
    """The sections as [heading, text] pairs, to keep the text of the last check."""
    return [[section.heading, section.text] for section in text.sections]


def from_json(data: object) -> MainText | None:
    """The kept text of the last check, or None when it is not a list of [heading, text] pairs."""
    if not isinstance(data, list) or not all(isinstance(item, list) and len(item) == 2
                                             and all(isinstance(part, str) for part in item) for item in data):
        return None
    return MainText(tuple(Section(heading, text) for heading, text in data))
