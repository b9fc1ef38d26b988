"""The CQC rating (Regulation 20A): a provider that has been rated displays its latest rating, which the staff
site shows on every page from ``cqc_rating`` in policybook.yml. A provider CQC has not rated yet says so
(``cqc_rating: not yet rated``); saying nothing is an error, so that a rating is never left off by omission."""

from __future__ import annotations

from collections.abc import Iterator

from policybook.config import NOT_YET_RATED
from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, Severity, check, declare

CQC_RATING_MISSING = declare(
    "cqc-rating-missing", Severity.ERROR, Scope.CORPUS,
    "policybook.yml has no `cqc_rating`: a provider that has been rated gives its rating, date and report "
    f"(Regulation 20A requires it on display, and the staff site shows it on every page); one not yet rated "
    f"writes `cqc_rating: {NOT_YET_RATED}`.")


@check(CQC_RATING_MISSING)
def check_cqc_rating(corpus: Corpus) -> Iterator[Finding]:
    config = corpus.config
    if config.cqc_rating is not None or config.not_yet_rated:
        return
    rel, line, column = config.where("organisation")
    yield CQC_RATING_MISSING.at(
        rel, line, column,
        "policybook.yml does not give the CQC rating: add cqc_rating with the rating, its date and the "
        f"report_url of the latest report, or write 'cqc_rating: {NOT_YET_RATED}' until CQC first rates the "
        "service")
