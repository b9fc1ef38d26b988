"""Coverage: each standard in the standards register is cited by a policy in force, or policybook.yml says
why it does not apply to the service (``standards.not_applicable``).

A standard nobody cites is a gap to look at, not a fault in any one policy: reported at its entry in
registers/standards.yml, as a suggestion unless ``standards.uncovered`` raises it to a warning. The policies
counted are those in force (evidence/inforce.py): a policy bumped to a draft still covers what its approved
version cites, and a draft's new citations count once it is approved. Where a draft's approved version
cannot be read (no git), what it covers is unknown: the standards the draft cites are not reported.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from policybook.corpus import Corpus
from policybook.evidence.inforce import in_force, in_force_report
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.model import Status

STANDARD_UNCOVERED = declare(
    "standard-uncovered", Severity.SUGGESTION, Scope.CORPUS,
    "A standard in the standards register (a regulation or a quality statement) is cited by no policy in force "
    "and is not listed in `standards.not_applicable`; a warning with `standards.uncovered: warning`.")
NOT_APPLICABLE_INVALID = declare(
    "not-applicable-invalid", Severity.ERROR, Scope.CORPUS,
    "An entry of `standards.not_applicable` in policybook.yml names a standard the standards register does not "
    "list, or gives no reason.")
NOT_APPLICABLE_CITED = declare(
    "not-applicable-cited", Severity.WARNING, Scope.CORPUS,
    "A standard that `standards.not_applicable` says does not apply is cited by a policy in force: one of the "
    "two is wrong.")

_NOT_APPLICABLE = ("standards", "not_applicable")


def _citers(corpus: Corpus) -> dict[str, list[str]]:
    """Standard id -> the ids (or files) of the policies in force that cite it, in the library's order."""
    cited: dict[str, list[str]] = {}
    for policy in in_force(corpus):
        for standard in dict.fromkeys(policy.standards):
            cited.setdefault(standard, []).append(policy.label)
    return cited


def _drafts(corpus: Corpus) -> dict[str, list[str]]:
    """Standard id -> the drafts that cite it: they will cover it once approved."""
    cited: dict[str, list[str]] = {}
    for policy in corpus.policies:
        if policy.status is Status.DRAFT:
            for standard in dict.fromkeys(policy.standards):
                cited.setdefault(standard, []).append(policy.label)
    return cited


def _unknown(corpus: Corpus) -> set[str]:
    """The standards cited by drafts whose approved version cannot be read: they may be covered by it."""
    return {standard for policy, _ in in_force_report(corpus).missing for standard in policy.standards}


def _names(ids: list[str]) -> str:
    """'GOV-001', 'GOV-001 and WF-001', 'GOV-001, GOV-002 and WF-001', or the first five 'and 2 more'."""
    shown = [*ids[:5], f"{len(ids) - 5} more"] if len(ids) > 5 else ids
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


@check(STANDARD_UNCOVERED, NOT_APPLICABLE_CITED)
def check_coverage(corpus: Corpus) -> Iterator[Finding]:
    """Each standard no policy in force cites, unless it is listed as not applicable; and each standard listed
    as not applicable that a policy in force does cite. Nothing is judged while the standards register cannot
    be read whole, or while the library has no policy in force yet (a new library covers nothing); gaps are
    not reported while a policy file cannot be read, since what it cites is unknown (its own finding says
    what to fix)."""
    registers, config = corpus.registers, corpus.config
    if registers.unreadable("standards") is not None or not in_force(corpus):
        return
    all_read = all(policy.doc.ok for policy in corpus.policies)
    cited = _citers(corpus)
    drafts = _drafts(corpus)
    unknown = _unknown(corpus)
    not_applicable = config.standards_not_applicable
    for standard in registers.standards.values():
        if standard.id in not_applicable:
            if standard.id in cited:
                rel, line, column = config.where(*_NOT_APPLICABLE, standard.id)
                yield NOT_APPLICABLE_CITED.at(
                    rel, line, column,
                    f"'{standard.id}' ({standard.title}) is listed as not applicable, but "
                    f"{_names(cited[standard.id])} cite{'s' if len(cited[standard.id]) == 1 else ''} it: remove "
                    "it from standards.not_applicable, or the citation from the policy")
            continue
        if standard.id in cited or standard.id in unknown or not all_read:
            continue
        rel, line, column = registers.where("standards", standard.id, "id")
        waiting = drafts.get(standard.id)
        pending = f" (the draft {_names(waiting)} cites it, and covers it once approved)" if waiting else ""
        yield STANDARD_UNCOVERED.at(
            rel, line, column,
            f"no policy in force cites '{standard.id}' ({standard.title}){pending}: cite it in a policy that "
            "meets it, or give the reason it does not apply under standards.not_applicable in policybook.yml",
            config.standards_uncovered)


@check(NOT_APPLICABLE_INVALID)
def check_not_applicable(corpus: Corpus) -> Iterator[Finding]:
    """Each standard policybook.yml lists as not applicable is in the standards register and has a reason."""
    registers, config = corpus.registers, corpus.config
    known = registers.standards
    readable = registers.unreadable("standards") is None
    for standard, reason in config.standards_not_applicable.items():
        rel, line, column = config.where(*_NOT_APPLICABLE, standard)
        if readable and standard not in known:
            yield NOT_APPLICABLE_INVALID.at(rel, line, column, f"standards.not_applicable: '{standard}' is not in "
                                            f"the standards register{_did_you_mean(known, standard)}")
        if not reason:
            yield NOT_APPLICABLE_INVALID.at(
                rel, line, column,
                f"standards.not_applicable: '{standard}' gives no reason: say in words why it does not apply to "
                "the service")


def _did_you_mean(known: Iterable[str], wanted: str) -> str:
    close = difflib.get_close_matches(wanted, list(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""
