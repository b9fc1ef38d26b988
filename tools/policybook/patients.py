"""Documents for patients and the public: leaflets and notices, and the editions made from them.

They live in their own folder (``paths.public``, ``public/`` by default) so that no staff field or staff
rule applies to them, yet they are read by the same loader and carry the same document control as a
policy (owner, version, approval, history, fingerprint). An *edition* (a translation or an easy-read
version) is its own file that names the document it was made from and the version and fingerprint of
that source, so that it can be found stale when the source changes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from policybook.findings import Severity
from policybook.model import Policy, Status, _str, _str_list, parse_version

EASY_READ = "easy-read"
STANDARD = "standard"
LARGE_PRINT = "large-print"
# Scripts written from right to left, by the language tag's first part.
RTL_LANGUAGES = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "ks", "ps", "sd", "ug", "ur", "yi"})


def base_language(tag: str) -> str:
    """The language of a tag without its region: 'en-GB' -> 'en'."""
    return tag.split("-", 1)[0].casefold()


def direction(tag: str) -> str:
    """'rtl' for a language written right to left, otherwise 'ltr' (the HTML ``dir`` value)."""
    return "rtl" if base_language(tag) in RTL_LANGUAGES else "ltr"


@dataclass
class PublicDocument(Policy):
    """A leaflet or notice for patients, or an edition of one. The typed fields of a policy (id, title,
    version, status, owner, approval, history) read the same frontmatter keys."""

    @property
    def edition_of(self) -> str | None:
        """The id of the document this edition was made from; None for a source document."""
        return _str(self.data.get("edition_of"))

    @property
    def is_edition(self) -> bool:
        return "edition_of" in self.data

    @property
    def source_version_text(self) -> str | None:
        return _str(self.data.get("source_version"))

    @property
    def source_version(self) -> tuple[int, int] | None:
        return parse_version(self.data.get("source_version"))

    @property
    def source_fingerprint(self) -> str | None:
        return _str(self.data.get("source_fingerprint"))

    @property
    def lang(self) -> str | None:
        """The language the file is written in (a BCP 47 tag); None means the library's locale."""
        return _str(self.data.get("lang"))

    @property
    def format(self) -> str:
        """'easy-read' for an easy-read edition, otherwise 'standard'."""
        return EASY_READ if self.data.get("format") == EASY_READ else STANDARD

    @property
    def is_easy_read(self) -> bool:
        return self.format == EASY_READ

    @property
    def reading_age(self) -> int | None:
        value = self.data.get("reading_age")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def formats(self) -> list[str]:
        return _str_list(self.data.get("formats"))

    @property
    def languages(self) -> list[str]:
        return _str_list(self.data.get("languages"))

    @property
    def checked_by(self) -> str | None:
        """The translator or easy-read reviewer who checked an edition against its source."""
        return _str(self.data.get("checked_by"))

    @property
    def public_names(self) -> list[str]:
        """Staff names the document may show (a named complaints lead, for example)."""
        return _str_list(self.data.get("public_names"))

    @property
    def statement_key(self) -> str:
        """What its signed approval statement names it by (and its folder under records/approvals/): the id
        of a source document; for an edition, its source's id with its language and format, PUB-001-ar."""
        if not self.is_edition:
            return self.id or ""
        parts = [self.edition_of or "", *([self.lang] if self.lang else []),
                 *([EASY_READ] if self.is_easy_read else [])]
        return "-".join(parts)

    @property
    def label(self) -> str:
        if self.is_edition:
            parts = [p for p in (self.lang, EASY_READ if self.is_easy_read else None) if p]
            return f"{self.edition_of or self.rel} ({', '.join(parts) or 'edition'})"
        return super().label


def slug(text: str) -> str:
    """A page or folder name for public output: lower case letters, digits and hyphens."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "document"


def page_name(lang: str, source_lang: str, easy_read: bool) -> str:
    """The name of an edition's page (and the stem of its PDFs) in its source's folder: its language where
    that is not the source's, then easy-read: 'ar', 'easy-read', 'ar-easy-read'; 'edition' for one in the
    source's own language and format (public-id-clash reports it)."""
    parts = [None if lang.casefold() == source_lang.casefold() else slug(lang), EASY_READ if easy_read else None]
    return "-".join(part for part in parts if part) or "edition"


def output_names(name: str) -> tuple[str, str]:
    """What an edition named ``name`` (or its source, named '') writes beside its page: its standard and its
    large-print PDF, by the suffix after the source's own stem."""
    stem = f"-{name}" if name else ""
    return stem, f"{stem}-{LARGE_PRINT}"


def is_public_policy(policy: Policy) -> bool:
    """A staff policy its owner has marked for the public site (``public: true``)."""
    return policy.data.get("public") is True


def staleness(edition: PublicDocument, source: Policy) -> tuple[Severity, str] | None:
    """Whether ``edition`` was made from an older version (or other text) of ``source``, and how bad that is;
    None when it matches the source as it stands. The public site asks this too, to call an edition current."""
    made_from, now = edition.source_version, source.version
    if made_from is None or now is None:
        return None  # the schema reports a version that is missing or badly written
    if made_from[0] < now[0]:
        return Severity.ERROR, (f"made from version {edition.source_version_text} of {source.label}, which is now "
                                f"at version {source.version_text}: update the edition from the new major "
                                "version and approve it again")
    if made_from < now:
        return Severity.WARNING, (f"made from version {edition.source_version_text} of {source.label}, which is "
                                  f"now at version {source.version_text}: check the edition against the changes")
    if made_from > now:
        return Severity.ERROR, (f"made from version {edition.source_version_text} of {source.label}, which patients "
                                f"are given at version {source.version_text}: approve the source's new version "
                                "first, or correct source_version")
    # A source being written (a draft) has no fingerprint of its new text yet: only its version is compared.
    if source.status is Status.APPROVED and source.fingerprint and edition.source_fingerprint \
            and source.fingerprint != edition.source_fingerprint:
        return Severity.ERROR, (f"made from text of {source.label} version {source.version_text} other than the "
                                "approved text (the fingerprints differ): update the edition and its "
                                "source_fingerprint, and approve it again")
    return None


def sources_of(public: Iterable[PublicDocument], policies: Iterable[Policy]) -> dict[str, Policy]:
    """What an edition may be made from, by id: the public documents (not editions) and the policies marked
    public; where two share an id the first wins (``public-id-clash`` reports the clash)."""
    sources: dict[str, Policy] = {}
    for document in public:
        if not document.is_edition and document.id and document.id not in sources:
            sources[document.id] = document
    for policy in policies:
        if is_public_policy(policy) and policy.id and policy.id not in sources:
            sources[policy.id] = policy
    return sources
