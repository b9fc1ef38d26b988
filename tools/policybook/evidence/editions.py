"""Which version of its source an edition (a translation or easy-read version) is judged against.

An approved edition is on the public site, beside its source as the site shows it: the source in force
(for a source bumped to a draft, its last approved version, read from git). A draft edition is being made
from the source as it is being written, so it is judged against the working file."""

from __future__ import annotations

from policybook.corpus import Corpus
from policybook.evidence.inforce import in_force, public_in_force
from policybook.model import Policy, Status
from policybook.patients import PublicDocument, sources_of


def sources_in_force(corpus: Corpus) -> dict[str, Policy]:
    """What an approved edition may be made from, by id, as the public site shows it."""
    return sources_of(public_in_force(corpus), in_force(corpus))


def judged_against(corpus: Corpus, edition: PublicDocument, in_force_now: dict[str, Policy] | None = None,
                   working: dict[str, Policy] | None = None) -> Policy | None:
    """The source ``edition`` is compared with (None when ``edition_of`` names nothing). The two lookups can be
    passed in when many editions are judged at once."""
    key = edition.edition_of or ""
    working = sources_of(corpus.public, corpus.policies) if working is None else working
    if edition.status is Status.APPROVED:
        shown = (sources_in_force(corpus) if in_force_now is None else in_force_now).get(key)
        if shown is not None:
            return shown
    return working.get(key)
