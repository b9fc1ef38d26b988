"""Checks: each is a function from the Corpus to Findings. Add a rule by adding one function here."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from policybook.checks import (
    content,
    dates,
    duplication,
    identity,
    references,
    schema,
    structure,
    style,
    terms,
)
from policybook.corpus import Corpus
from policybook.findings import Finding

Check = Callable[[Corpus], Iterable[Finding]]

CHECKS: list[Check] = [
    schema.check_schema,
    identity.check_duplicate_ids,
    identity.check_duplicate_titles,
    dates.check_review_dates,
    dates.check_date_order,
    dates.check_history,
    references.check_roles,
    references.check_guidance,
    references.check_register_refs,
    references.check_policy_refs,
    references.check_superseded_still_approved,
    terms.check_undesignated_roles,
    terms.check_undeclared_equipment,
    content.check_placeholders,
    content.check_patient_identifiable,
    content.check_raw_html,
    structure.check_links,
    structure.check_headings,
    structure.check_image_alt,
    duplication.check_duplicate_content,
    style.check_style,
]


def run_checks(corpus: Corpus, extra: Iterable[Check] = ()) -> list[Finding]:
    """Every finding for the corpus: load problems first, then each check in turn."""
    found = list(corpus.load_findings)
    for check in (*CHECKS, *extra):
        found.extend(check(corpus))
    return found
