"""What the evidence pack says of the documents for patients on the day: each document the public site
showed, its approval, the formats it was offered in and each language or easy-read edition, current or
not. The inspection that policybook answers found leaflets that were not available in large print, easy
read or other languages; this is the page that shows what is."""

from __future__ import annotations

from typing import Any

from babel import Locale, UnknownLocaleError

from policybook.corpus import Corpus
from policybook.evidence.proof import approval_problems
from policybook.model import Policy
from policybook.patients import PublicDocument, base_language
from policybook.public_site.catalogue import Shown, catalogue

# Every document on the public site is offered as these two PDFs (public_site/leaflets.py).
PRINTED = ("standard print (PDF)", "large print (PDF)")
_OFFERED = {"easy-read": "easy read", "audio": "audio", "braille": "braille", "bsl": "British Sign Language"}


def _proof(corpus: Corpus, document: Policy) -> str:
    problems = approval_problems(corpus, document)
    if problems:
        return f"not proven: {problems[0]}"
    if corpus.config.signatures == "off":
        return "fingerprint matches; signatures are not used"
    return "fingerprint matches; approval signed"


def _in_english(shown: Shown) -> str:
    """How an English-speaking inspector names the edition's language ("Arabic"), shown after its own name;
    empty when its own name is English already or the language is unknown."""
    try:
        english = Locale.parse(base_language(shown.lang)).get_display_name("en") or ""
    except (ValueError, UnknownLocaleError):
        return ""
    return "" if english.casefold() in shown.language_name.casefold() else english


def _shown(corpus: Corpus, shown: Shown) -> dict[str, Any]:
    document = shown.document
    approved = document.approved_on
    checked_by = document.checked_by if isinstance(document, PublicDocument) else None
    return {"name": shown.language_name, "in_english": _in_english(shown), "lang": shown.lang,
            "version": document.version_text or "",
            "approved_on": approved.isoformat() if approved else None, "checked_by": checked_by,
            "current": shown.current, "why_not_current": shown.stale_reason, "proof": _proof(corpus, document)}


def patient_documents(corpus: Corpus) -> list[dict[str, Any]]:
    """Each document for patients (and policy marked public) the public site showed, with its editions."""
    found = []
    for entry in catalogue(corpus):
        source = entry.source.document
        declared = source.formats if isinstance(source, PublicDocument) else []
        offered = [*PRINTED, *(_OFFERED[f] for f in declared if f in _OFFERED)]
        found.append({
            "id": source.id or "", "title": entry.source.title, "kind": "leaflet or notice"
            if isinstance(source, PublicDocument) else "policy shown to the public",
            "reading_age": source.reading_age if isinstance(source, PublicDocument) else None,
            "offered": offered, **_shown(corpus, entry.source),
            "editions": [_shown(corpus, shown) for shown in entry.editions],
        })
    return found
