"""``new --public`` and ``new --edition-of``: start a document for patients, or an edition of one, as a draft.

An edition starts from the version of its source that patients are given (the source in force), with
``source_version`` and ``source_fingerprint`` filled in from it and its text to translate or rewrite, so
that nobody copies a fingerprint by hand. Each refuses with a one-line reason and writes nothing, or
creates exactly one new file (never over an existing one)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from policybook.control.changes import DEFAULT_INTERVAL, Change, next_id, slugify
from policybook.corpus import Corpus
from policybook.dates import add_months
from policybook.errors import PolicybookError
from policybook.evidence import git
from policybook.evidence.editions import sources_in_force
from policybook.evidence.signatures import names_a_folder
from policybook.findings import printable
from policybook.model import Status, normalise_title
from policybook.patients import EASY_READ, PublicDocument, slug
from policybook.schemas import load_schema, strict_validator
from policybook.writing import create_atomically

PREFIX = "PUB"
SKELETON = """
## What this is about

<!-- One or two short sentences: what this leaflet tells the patient. -->

## What happens

<!-- What the patient will do or what will happen to them, step by step, in short sentences. -->

## If you need help

<!-- How to reach the service: phone, email, and how to ask for large print, easy read or another language. -->
"""


@cache
def _language_rule() -> Draft202012Validator:
    """The schema's own rule for a language tag (schemas/public.schema.json), so that `new` takes what lint takes."""
    return strict_validator(load_schema("public")["$defs"]["lang"])


def _is_language_tag(text: str) -> bool:
    return _language_rule().is_valid(text)


def _yaml(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string form is one)."""
    return json.dumps(text, ensure_ascii=False)


def _author(corpus: Corpus, author: str | None) -> str:
    chosen = " ".join((author or git.user_name(corpus.root) or "").split())
    if not chosen:
        raise PolicybookError("--author: say who is writing it (or set git config user.name)")
    return chosen


def _control(corpus: Corpus, owner: str, author: str) -> list[str]:
    if owner not in corpus.registers.roles:
        raise PolicybookError(f"--owner: '{owner}' is not a role in the roles register")
    today = corpus.today.isoformat()
    interval = min(DEFAULT_INTERVAL, corpus.config.max_interval_months)
    return ['version: "0.1"', "status: draft", f"owner: {owner}", f"author: {_yaml(author)}",
            f'created: "{today}"', f"review_interval: {interval}",
            f'next_review: "{add_months(corpus.today, interval).isoformat()}"']


def _history(author: str, today: str, summary: str) -> list[str]:
    return ["history:", '  - version: "0.1"', f'    date: "{today}"', f"    author: {_yaml(author)}",
            f"    summary: {_yaml(summary)}"]


def _rel(corpus: Corpus, path: Path) -> str:
    return path.relative_to(corpus.root).as_posix()


def new_public_document(corpus: Corpus, title: str, owner: str | None, author: str | None) -> Change:
    """A new leaflet or notice for patients, draft 0.1, in the public folder."""
    title = " ".join(title.split())
    if len(title) < 3 or printable(title) != title:
        raise PolicybookError("--title: give the document a title of at least three characters, on one line")
    clash = next((d for d in corpus.public if not d.is_edition and d.title and d.status is not Status.RETIRED
                  and normalise_title(d.title) == normalise_title(title)), None)
    if clash is not None:
        raise PolicybookError(f"--title: '{title}' is already the title of {clash.label} ({clash.rel})")
    who = _author(corpus, author)
    document_id = next_id(corpus, PREFIX)
    lines = ["---", f"id: {document_id}", f"title: {_yaml(title)}",
             *_control(corpus, owner or "registered-manager", who),
             "reading_age: 9", "formats: [standard, large-print]", f"languages: [{corpus.config.locale}]",
             *_history(who, corpus.today.isoformat(), "First draft."), "---"]
    path = corpus.config.public_path / f"{slugify(title)}.md"
    create_atomically(path, ("\n".join(lines) + "\n" + SKELETON).encode("utf-8"))
    return Change(path, f"created {document_id} '{title}' as draft 0.1 at {_rel(corpus, path)}")


def new_edition(corpus: Corpus, source_id: str, lang: str | None, easy_read: bool, checked_by: str,
                author: str | None) -> Change:
    """A new translation (``lang``) or easy-read edition of ``source_id``, draft 0.1, beside its source, made
    from the source's version in force: its text is the starting point to translate or rewrite."""
    source = sources_in_force(corpus).get(source_id)
    if source is None:
        raise PolicybookError(f"--edition-of: '{source_id}' is no approved document for patients or policy marked "
                              "public; an edition is made from a version patients are given")
    own = (source.lang if isinstance(source, PublicDocument) else None) or corpus.config.locale
    if lang is not None and not _is_language_tag(lang):
        raise PolicybookError(f"--lang: '{printable(lang or '')}' is not a language tag (ar, bn, pa-Guru, en-GB)")
    language = lang or own
    if not easy_read and language.casefold() == own.casefold():
        raise PolicybookError(f"--lang: {source.label} is written in {own} already: an edition is another "
                              "language (--lang) or easy read (--easy-read)")
    checker = " ".join(checked_by.split())
    if len(checker) < 3 or printable(checker) != checker:
        raise PolicybookError("--checked-by: name the translator or easy-read reviewer who checks it")
    key = "-".join([source_id, *([lang] if lang else []), *([EASY_READ] if easy_read else [])])
    if not names_a_folder(key):
        raise PolicybookError(f"--lang: '{printable(key)}' cannot name the edition's signed statements")
    taken = [d for d in corpus.public if d.is_edition and d.statement_key.casefold() == key.casefold()]
    if taken:
        raise PolicybookError(f"{key} already exists: {taken[0].rel}")
    who = _author(corpus, author)
    owner = source.owner or "registered-manager"
    kind = "easy-read edition" if easy_read else f"translation into {language}"
    lines = ["---", f"edition_of: {source_id}", f"title: {_yaml(source.title or source_id)}",
             *([f"lang: {lang}"] if lang else []), *([f"format: {EASY_READ}"] if easy_read else []),
             f'source_version: "{source.version_text}"', f'source_fingerprint: "{source.fingerprint or ""}"',
             f"checked_by: {_yaml(checker)}", *_control(corpus, owner, who),
             *_history(who, corpus.today.isoformat(), f"First draft of the {kind} of version {source.version_text}."),
             "---"]
    note = ("<!-- The text of the source, to rewrite in easy read: a picture with alternative text in each "
            "section, short sentences, one idea a paragraph. -->" if easy_read else
            f"<!-- The text of the source, to translate into {language} by a person; replace the title above "
            "too. -->")
    suffix = ".".join([*([lang] if lang else []), *([EASY_READ] if easy_read else [])])
    if isinstance(source, PublicDocument):  # beside its source
        path = source.doc.path.parent / f"{source.doc.path.name.removesuffix('.md')}.{suffix}.md"
    else:  # a policy marked public: its editions are documents for patients, in their folder
        path = corpus.config.public_path / f"{slug(source_id)}.{suffix}.md"
    text = "\n".join(lines) + "\n\n" + note + "\n\n" + source.doc.body.lstrip("\n")
    create_atomically(path, text.encode("utf-8"))
    return Change(path, f"created the {kind} of {source_id} version {source.version_text} as draft 0.1 at "
                        f"{_rel(corpus, path)}: translate or rewrite it, then approve it as {key}")
