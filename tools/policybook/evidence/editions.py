"""Which version of its source an edition (a translation or easy-read version) is judged against: the source
as the public site shows it, in force (for a source bumped to a draft, its last approved version, read from
git), whether the edition is approved or a draft. An edition is approved only against a version patients
can be given, so one made from a source still being written waits for the source's approval; and a
correction to an edition of the version in force can be approved while its source is being revised. A
source that was never approved is judged as it stands."""

from __future__ import annotations

from policybook.corpus import Corpus
from policybook.evidence.inforce import in_force, public_in_force
from policybook.model import Policy
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
    shown = (sources_in_force(corpus) if in_force_now is None else in_force_now).get(key)
    return shown if shown is not None else working.get(key)
