"""How hard a document for patients is to read, against the reading age it is written for (``reading_age``).

The measure is textstat's Flesch-Kincaid grade of the document's prose, as a UK reading age (grade + 5, the
age at which a pupil is in that US school grade). The prose is what patients read as running text: each
paragraph and each list item, taken from markdown-it's parse, is one sentence unit, so a list item without a
full stop does not run into the next one. Headings, code, tables and the alternative text of pictures are left
out. The formula is written for English: a translation is checked by its translator, not by this rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from markdown_it.token import Token
from textstat.textstat import textstatistics

from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.markdown import dialect
from policybook.patients import PublicDocument, base_language, sources_of

READING_AGE = declare(
    "reading-age", Severity.WARNING, Scope.CORPUS,
    "A document for patients in the library's own (English) language reads above its `reading_age`: its "
    "Flesch-Kincaid grade + 5 is more than the target. An edition without a `reading_age` of its own (an "
    "easy-read edition) is held to its source's. The finding names the hardest paragraphs.")

GRADE_TO_AGE = 5  # a US school grade is a UK reading age five years younger: grade 4 is a reading age of 9
ENGLISH = "en"
SENTENCE_ENDS = (".", "!", "?")  # where textstat ends a sentence: a unit ending otherwise (":", ";") gets a "."
HARDEST_SHOWN = 3


@dataclass(frozen=True)
class Unit:
    """One paragraph or list item of running text, and the file line it starts on."""

    line: int
    text: str


@cache
def _statistics(locale: str) -> textstatistics:
    """textstat's calculator for one English locale (en-GB, en-US: the hyphenation it counts syllables by when
    its pronouncing dictionary lacks a word), made once."""
    statistics = textstatistics()
    statistics.set_lang(locale.replace("-", "_"))
    return statistics


def reading_age(text: str, locale: str = "en-GB") -> float:
    """The UK reading age of English ``text``: its Flesch-Kincaid grade + 5."""
    return float(_statistics(locale).flesch_kincaid_grade(text)) + GRADE_TO_AGE


def prose_units(body: str, first_line: int) -> list[Unit]:
    """The paragraphs and list items of ``body`` (its first line being file line ``first_line``), each
    ending as a sentence: headings, table cells, code, HTML and the alternative text of pictures left out."""
    tokens = dialect().parse(body)
    units: list[Unit] = []
    for previous, token in pairwise(tokens):
        if token.type != "inline" or previous.type != "paragraph_open" or token.map is None:
            continue
        text = " ".join(_words_of(token.children or []).split())
        if any(character.isalnum() for character in text):
            units.append(Unit(first_line + token.map[0], text if text.endswith(SENTENCE_ENDS) else text + "."))
    return units


def _words_of(children: list[Token]) -> str:
    """The words a reader reads in one block's inline tokens: its text and the text of its links."""
    parts: list[str] = []
    for child in children:
        if child.type == "text":
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def checked_language(document: PublicDocument, locale: str) -> bool:
    """Whether the rule reads ``document``: it is written in the library's own language (English, as every
    ``locale`` policybook.yml allows is), not translated into another."""
    own = base_language(locale)
    return own == ENGLISH and base_language(document.lang or own) == own


@check(READING_AGE)
def check_reading_age(corpus: Corpus) -> Iterator[Finding]:
    sources = sources_of(corpus.public, corpus.policies)
    for document in corpus.public:
        if not document.doc.ok or not document.has_body or not checked_language(document, corpus.config.locale):
            continue
        target, key, whose = document.reading_age, "reading_age", ""
        if target is None and document.is_edition:
            source = sources.get(document.edition_of or "")
            if isinstance(source, PublicDocument) and source.reading_age is not None:
                target, key, whose = source.reading_age, "edition_of", f" (the target of {source.label})"
        if target is None:
            continue
        units = prose_units(document.doc.body, document.doc.body_line)
        if not units:
            continue
        locale = corpus.config.locale
        measured = reading_age(" ".join(unit.text for unit in units), locale)
        if round(measured, 1) <= target:
            continue
        hardest = sorted(((reading_age(unit.text, locale), unit) for unit in units), key=lambda pair: -pair[0])
        lines = ", ".join(str(unit.line) for age, unit in hardest[:HARDEST_SHOWN] if age > target)
        line, column = document.doc.position((key,))
        yield READING_AGE.at(
            document.rel, line, column,
            f"{document.label} has a reading age of {measured:.1f} (Flesch-Kincaid grade + {GRADE_TO_AGE}), "
            f"above its target of {target}{whose}"
            + (f": the hardest paragraphs start on lines {lines}" if lines else "")
            + "; use shorter sentences and shorter, everyday words")
