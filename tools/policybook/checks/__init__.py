"""Checks: each is a function from the Corpus to Findings. Add a rule by adding one function here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from policybook.checks import (
    changes,
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
from policybook.checks.parallel import run_local_checks
from policybook.corpus import Corpus
from policybook.findings import Finding

Check = Callable[[Corpus], Iterable[Finding]]

# Checks whose findings for a policy depend only on that policy, the registers and the settings.
# They can run on any subset of the policies, so large corpora spread them over processes.
LOCAL_CHECKS: list[Check] = [
    schema.check_schema,
    dates.check_review_dates,
    dates.check_date_order,
    dates.check_history,
    references.check_roles,
    references.check_guidance,
    references.check_register_refs,
    terms.check_undesignated_roles,
    terms.check_undeclared_equipment,
    content.check_placeholders,
    content.check_patient_identifiable,
    content.check_raw_html,
    structure.check_headings,
    structure.check_image_alt,
    style.check_style,
    changes.check_changed_since_approval,
]

# Checks that compare policies with each other.
CORPUS_CHECKS: list[Check] = [
    identity.check_duplicate_ids,
    identity.check_duplicate_titles,
    references.check_policy_refs,
    references.check_superseded_still_approved,
    structure.check_links,
    duplication.check_duplicate_content,
    changes.check_version_not_bumped,
]

CHECKS: list[Check] = LOCAL_CHECKS + CORPUS_CHECKS


def run_checks(corpus: Corpus, jobs: int | None = None, selected: Callable[[str], bool] | None = None) -> list[Finding]:
    """Every finding for the corpus: load problems first, then each check in turn. With ``selected``,
    the per-policy checks run only on the policies it accepts (the cross-file checks still see all)."""
    found = list(corpus.load_findings)
    local = corpus if selected is None else replace(corpus, policies=[p for p in corpus.policies if selected(p.rel)])
    found.extend(run_local_checks(local, LOCAL_CHECKS, jobs))
    for check in CORPUS_CHECKS:
        found.extend(check(corpus))
    return found
