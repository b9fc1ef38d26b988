"""What the public site shows: each document for patients in force, each policy marked public, and the
editions of each, with where each is published. Nothing here carries a staff field: a shown document keeps
its title, version, dates and body, and the site never reads another field of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from babel import Locale, UnknownLocaleError

from policybook.corpus import Corpus
from policybook.evidence.editions import sources_in_force
from policybook.evidence.inforce import public_in_force
from policybook.model import Policy, Status
from policybook.patients import PublicDocument, base_language, direction, page_name, slug, sources_of, staleness

FOLDER = "documents"


@dataclass(frozen=True)
class Shown:
    """One published page: a source document or an edition of one."""

    document: Policy
    folder: str  # documents/pub-001
    name: str  # the page and PDF stem within the folder: index (the source) or ar, easy-read, ar-easy-read
    lang: str
    easy_read: bool = False
    current: bool = True
    stale_reason: str = ""

    @property
    def page(self) -> str:
        return f"{self.folder}/{self.name}.md"

    @property
    def pdf_stem(self) -> str:
        base = self.folder.rsplit("/", 1)[-1]
        return base if self.name == "index" else f"{base}-{self.name}"

    @property
    def pdf(self) -> str:
        return f"{self.folder}/{self.pdf_stem}.pdf"

    @property
    def pdf_large(self) -> str:
        return f"{self.folder}/{self.pdf_stem}-large-print.pdf"

    @property
    def dir(self) -> str:
        return direction(self.lang)

    @property
    def title(self) -> str:
        return self.document.title or self.document.label

    @property
    def language_name(self) -> str:
        """The language's name in that language ("العربية", "বাংলা"), with "easy read" for an easy-read edition."""
        name = language_name(self.lang)
        return f"{name} (easy read)" if self.easy_read else name


@dataclass
class Entry:
    """A document with its editions, in the order the site lists them."""

    source: Shown
    editions: list[Shown] = field(default_factory=list)

    @property
    def versions(self) -> list[Shown]:
        return [self.source, *self.editions]


def language_name(tag: str) -> str:
    """A language's own name for itself, from the Unicode CLDR (Babel): 'ar' -> 'العربية'; the tag when unknown."""
    try:
        locale = Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return tag
    name = locale.language_name or locale.display_name or tag
    return name[:1].upper() + name[1:] if base_language(tag) == "en" else name


def catalogue(corpus: Corpus, drafts: bool = False) -> list[Entry]:
    """Every document the public site shows, sources by id, each with its approved editions; with ``drafts``
    (a preview, for their authors) a draft is shown too, in place of the version in force."""
    own = corpus.config.locale
    if drafts:  # a preview shows the files as they stand, drafts among them
        shown = {Status.APPROVED, Status.DRAFT}
        sources: dict[str, Policy] = {k: v for k, v in sources_of(corpus.public, corpus.policies).items()
                                      if v.status in shown}
        documents = [d for d in corpus.public if d.status in shown]
    else:
        sources = sources_in_force(corpus)  # a document bumped to a draft is shown at its approved version
        documents = public_in_force(corpus)
    entries: dict[str, Entry] = {}
    for source_id in sorted(sources):
        source = sources[source_id]
        lang = source.lang if isinstance(source, PublicDocument) and source.lang else own
        entries[source_id] = Entry(Shown(source, f"{FOLDER}/{slug(source_id)}", "index", lang))
    for edition in documents:
        if not edition.is_edition or edition.edition_of not in entries:
            continue
        entry = entries[edition.edition_of or ""]
        lang = edition.lang or own
        found = staleness(edition, entry.source.document)
        entry.editions.append(Shown(edition, entry.source.folder, page_name(lang, entry.source.lang,
                                                                           edition.is_easy_read), lang,
                                    easy_read=edition.is_easy_read, current=found is None,
                                    stale_reason=found[1] if found else ""))
    for entry in entries.values():
        entry.editions.sort(key=lambda shown: (shown.easy_read is False, shown.name))
    return list(entries.values())
