"""Documents for patients and the public (patients.py): their frontmatter, the editions made from them, and
what patients must never be shown. The easy-read wording rules are the EasyRead house style (styles/EasyRead),
which .vale.ini applies to easy-read editions only; the picture per section is checked here, as Vale cannot."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from policybook.checks.approvals import APPROVAL_SIGNATURE, MISSING_FINGERPRINT, signature_findings
from policybook.checks.changes import CHANGED_SINCE_APPROVAL
from policybook.checks.dates import (
    DATE_ORDER,
    HISTORY,
    REVIEW_DUE_SOON,
    REVIEW_INTERVAL,
    REVIEW_OVERDUE,
    check_date_order,
    check_history,
    check_review_dates,
)
from policybook.checks.run import CheckRun
from policybook.corpus import Corpus
from policybook.evidence.editions import judged_against, sources_in_force
from policybook.evidence.fingerprint import fingerprint
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.model import Policy, Status, _str_list
from policybook.patients import (
    PublicDocument,
    base_language,
    is_public_policy,
    output_names,
    page_name,
    sources_of,
    staleness,
)
from policybook.schema_messages import schema_findings
from policybook.schemas import SCHEMA, validator
from policybook.style.runner import check_policies, register_terms

EDITION_SOURCE_UNKNOWN = declare(
    "edition-source-unknown", Severity.ERROR, Scope.CORPUS,
    "An edition's `edition_of` names no public document or public policy, or one that is retired: it was made "
    "from nothing the site can show beside it.")
EDITION_STALE = declare(
    "edition-stale", Severity.ERROR, Scope.CORPUS,
    "An edition was made from an older version of its source: an older major version, or the same version "
    "with another fingerprint, is an error (patients would read what no longer applies) until the edition is "
    "updated and approved again; an older minor version is a warning.")
PUBLIC_ID_CLASH = declare(
    "public-id-clash", Severity.ERROR, Scope.CORPUS,
    "A public document uses an id another public document or a policy already has, or an edition the name "
    "(source, language and format) or the page or PDF of another: editions, links and signed approvals would "
    "not know which one they mean, and one would replace the other on the public site.")
PATIENT_INTERNAL_TERM = declare(
    "patient-internal-term", Severity.ERROR, Scope.CORPUS,
    "Text for patients (a public document, or a policy marked `public: true`) shows an internal role id "
    "(`registered-manager`) or the id of a staff-only policy: write what a patient understands (\"the manager of "
    "the service\").")
PATIENT_STAFF_NAME = declare(
    "patient-staff-name", Severity.ERROR, Scope.CORPUS,
    "Text for patients names a member of staff from registers/staff.yml who is not listed in the document's "
    "`public_names`: staff names are published only where the document says so.")
EASY_READ_PICTURE = declare(
    "easy-read-picture", Severity.ERROR, Scope.CORPUS,
    "A section of an easy-read edition has no picture with alternative text: easy read pairs each idea with a "
    "picture, and the alternative text says what it shows for people who cannot see it. A warning in a draft, "
    "which cannot be approved until each section has one.")


def public_sources(corpus: Corpus) -> dict[str, Policy]:
    return sources_of(corpus.public, corpus.policies)


@check(SCHEMA, scope=Scope.CORPUS)
def check_public_schema(corpus: Corpus) -> Iterator[Finding]:
    schema = validator("public")
    for document in corpus.public:
        if document.doc.ok:
            yield from schema_findings(document.doc, list(schema.iter_errors(document.data)))


@check(CHANGED_SINCE_APPROVAL, MISSING_FINGERPRINT, scope=Scope.CORPUS)
def check_public_fingerprints(corpus: Corpus) -> Iterator[Finding]:
    """The same document control as a policy: an approved document or edition records what was approved, and
    is not edited after."""
    for document in corpus.public:
        if document.status is not Status.APPROVED or not document.doc.ok:
            continue
        recorded = document.fingerprint
        if not recorded:
            if corpus.config.signatures != "off":
                line, column = document.doc.position(("status",))
                yield MISSING_FINGERPRINT.at(document.rel, line, column,
                                             f"{document.label} is approved, but nothing records what was approved")
        elif fingerprint(document.data, document.doc.body) != recorded:
            line, column = document.doc.position(("fingerprint",))
            yield CHANGED_SINCE_APPROVAL.at(document.rel, line, column,
                                            f"{document.label} version {document.version_text} has been edited "
                                            "since it was approved: give it a new version and approve it again, "
                                            "or undo the edit")


@check(REVIEW_OVERDUE, REVIEW_DUE_SOON, REVIEW_INTERVAL, DATE_ORDER, HISTORY, scope=Scope.CORPUS)
def check_public_dates(corpus: Corpus) -> Iterator[Finding]:
    """The review and history rules of policies, on the public documents and editions: the same checks,
    handed a corpus whose policies are the public documents."""
    as_policies = replace(corpus, policies=list(corpus.public))
    yield from check_review_dates(as_policies)
    yield from check_date_order(as_policies)
    yield from check_history(as_policies)


@check(APPROVAL_SIGNATURE, scope=Scope.CORPUS)
def check_public_signatures(corpus: Corpus) -> Iterator[Finding]:
    """The approval (and latest review) of a public document or edition is signed as a policy's is: a
    signature that is missing where ``approvals.signatures`` is required, or that does not verify, is found."""
    mode = corpus.config.signatures
    if mode == "off":
        return
    for document in corpus.public:
        if document.status is Status.APPROVED and document.doc.ok and document.version_text:
            yield from signature_findings(corpus, document, mode)


@check(PUBLIC_ID_CLASH)
def check_public_ids(corpus: Corpus) -> Iterator[Finding]:
    """Every document for patients has a name of its own (ids and edition keys, which name its signed
    statements, compared without regard to case) and every edition a page and PDFs of its own. Each file
    of a clash is reported, so that approving either is refused until they are told apart."""
    seen = {policy.id.casefold(): policy.rel for policy in corpus.policies if policy.id}
    for document in corpus.public:
        if document.is_edition or not document.id:
            continue
        if document.id.casefold() in seen:
            line, column = document.doc.position(("id",))
            yield PUBLIC_ID_CLASH.at(document.rel, line, column,
                                     f"id {document.id} is already used by {seen[document.id.casefold()]}: give "
                                     "this document an id of its own")
        else:
            seen[document.id.casefold()] = document.rel
    editions = [d for d in corpus.public if d.is_edition and d.doc.ok and d.edition_of
                and d.status is not Status.RETIRED]
    named: dict[str, list[PublicDocument]] = {}
    for edition in editions:
        named.setdefault(edition.statement_key.casefold(), []).append(edition)
    for key, group in named.items():
        others = [seen[key]] if key in seen else []
        if len(group) + len(others) < 2:
            continue
        for edition in group:
            rest = [*others, *(e.rel for e in group if e is not edition)]
            line, column = _where(edition)
            yield PUBLIC_ID_CLASH.at(edition.rel, line, column,
                                     f"{edition.label} is named {edition.statement_key}, as {', '.join(rest)} is: "
                                     "their signed approvals would be written over each other; give each a "
                                     "language or format of its own")
    yield from _output_clashes(corpus, editions)


def _where(edition: PublicDocument) -> tuple[int, int]:
    return edition.doc.position(("lang",) if "lang" in edition.data else ("edition_of",))


def _output_clashes(corpus: Corpus, editions: list[PublicDocument]) -> Iterator[Finding]:
    """Versions of one document that would be published at the same page or PDF, so that one would replace
    the other on the public site: the same language and format twice (``en-gb`` and ``en-GB``, or no
    ``lang`` and the library's locale), or a language written so that its name is another's PDF."""
    sources = public_sources(corpus)
    outputs: dict[tuple[str, str], list[PublicDocument]] = {}
    for edition in editions:
        source = sources.get(edition.edition_of or "")
        if source is None:
            continue  # edition-source-unknown reports it
        source_lang = (source.lang if isinstance(source, PublicDocument) else None) or corpus.config.locale
        name = page_name(edition.lang or corpus.config.locale, source_lang, edition.is_easy_read)
        if name == "edition":
            line, column = _where(edition)
            yield PUBLIC_ID_CLASH.at(edition.rel, line, column,
                                     f"{edition.label} is in the language and format of {source.label} itself: an "
                                     "edition is another language (lang) or easy read (format: easy-read)")
            continue
        for output in output_names(name):
            outputs.setdefault((source.id or "", output), []).append(edition)
    reported: set[str] = set()
    for group in outputs.values():
        for edition in group if len(group) > 1 else []:
            if edition.rel in reported:
                continue
            reported.add(edition.rel)
            rest = ", ".join(dict.fromkeys(e.rel for e in group if e is not edition))
            line, column = _where(edition)
            yield PUBLIC_ID_CLASH.at(edition.rel, line, column,
                                     f"{edition.label} would be published at the same page or PDF as {rest}: one "
                                     "would replace the other; each language and format once, with a plain "
                                     "language tag (ar, bn, en-GB)")


@check(EDITION_SOURCE_UNKNOWN, EDITION_STALE)
def check_editions(corpus: Corpus) -> Iterator[Finding]:
    sources, shown = public_sources(corpus), sources_in_force(corpus)
    for edition in corpus.public:
        if not edition.is_edition or not edition.doc.ok or edition.edition_of is None \
                or edition.status is Status.RETIRED:
            continue
        source = judged_against(corpus, edition, shown, sources)
        if source is not None and source.status is Status.RETIRED:
            line, column = edition.doc.position(("edition_of",))
            yield EDITION_SOURCE_UNKNOWN.at(edition.rel, line, column,
                                            f"{source.label} is retired, so its editions are no longer published: "
                                            "retire this edition too (status: retired)")
            continue
        if source is None:
            line, column = edition.doc.position(("edition_of",))
            yield EDITION_SOURCE_UNKNOWN.at(edition.rel, line, column,
                                            f"edition_of names {edition.edition_of}, which is no public document "
                                            "or policy marked public: " + _choices(sources))
            continue
        yield from _staleness(edition, source)


def _choices(sources: dict[str, Policy]) -> str:
    return "use one of " + ", ".join(sorted(sources)) if sources else "there is none yet"


def _staleness(edition: PublicDocument, source: Policy) -> Iterator[Finding]:
    found = staleness(edition, source)
    if found is None:
        return
    severity, message = found
    if edition.status is not Status.APPROVED:  # a draft is not shown; approving it needs the finding put right
        severity = Severity.WARNING
    key = "source_fingerprint" if "fingerprints differ" in message else "source_version"
    line, column = edition.doc.position((key,))
    yield EDITION_STALE.at(edition.rel, line, column, message, severity)


def _word(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])", re.IGNORECASE)


@check(PATIENT_INTERNAL_TERM, PATIENT_STAFF_NAME)
def check_patient_text(corpus: Corpus) -> Iterator[Finding]:
    roles = [_word(role) for role in corpus.registers.roles if "-" in role]
    staff_only = [_word(p.id) for p in corpus.policies if p.id and not is_public_policy(p)]
    staff = {member.name: _word(member.name) for member in corpus.registers.staff.values()}
    shown: list[Policy] = [*corpus.public, *(p for p in corpus.policies if is_public_policy(p))]
    for document in shown:
        if not document.has_body or not document.doc.ok:
            continue
        allowed = {name.casefold() for name in _str_list(document.data.get("public_names"))}
        for block in document.parsed.prose:
            for pattern in (*roles, *staff_only):
                for match in pattern.finditer(block.text):
                    line, column = block.position(match.start())
                    yield PATIENT_INTERNAL_TERM.at(document.rel, line, column,
                                                   f"'{match.group(0)}' is an internal id patients do not know: "
                                                   "write what it means to them")
            for name, pattern in staff.items():
                if name.casefold() in allowed:
                    continue
                for match in pattern.finditer(block.text):
                    line, column = block.position(match.start())
                    yield PATIENT_STAFF_NAME.at(document.rel, line, column,
                                                f"{name} is named, but is not in this document's public_names: "
                                                "name the role instead, or add the name there if they agreed")


@check(EASY_READ_PICTURE)
def check_easy_read_pictures(corpus: Corpus) -> Iterator[Finding]:
    for document in corpus.public:
        if not document.is_easy_read or not document.has_body or not document.doc.ok:
            continue
        parsed = document.parsed
        sections = [h for h in parsed.headings if h.level == 2]
        for index, heading in enumerate(sections):
            end = sections[index + 1].line if index + 1 < len(sections) else float("inf")
            pictures = [link for link in parsed.links
                        if link.image and heading.line < link.line < end and link.alt.strip()]
            if not pictures:
                # A draft being written is not published: a warning, which approving it needs put right.
                severity = Severity.WARNING if document.status is Status.DRAFT else Severity.ERROR
                yield EASY_READ_PICTURE.at(document.rel, heading.line, 1,
                                           f"the section '{heading.text}' has no picture with alternative text: "
                                           "add one, such as ![A person lying on the scanner](scan.svg)", severity)


@check(scope=Scope.CORPUS, run=True)  # its rules are the project's own house style, listed by Style.catalogue()
def check_public_style(corpus: Corpus, run: CheckRun) -> list[Finding]:
    """The house style on documents for patients, as .vale.ini sets it for their folder (the EasyRead style
    for easy-read editions). The house style is written for the library's own language: a translation is
    checked by its translator (``checked_by``), not by English wording rules."""
    style = run.options.style
    if style is None:
        return []
    own = base_language(corpus.config.locale)
    return check_policies(style, [d for d in corpus.public if d.has_body and d.doc.ok
                                  and base_language(d.lang or own) == own],
                          register_terms(corpus.registers))
