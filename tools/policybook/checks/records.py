"""Rule ``records-chain``: the records are append-only, and their hash chain shows any line edited,
removed or inserted in the middle (see evidence/records.py and evidence/ledger.py)."""

from __future__ import annotations

from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.evidence.practice import practice_records
from policybook.evidence.records import RECORDS, chain_problems
from policybook.findings import Finding, Scope, Severity, check, declare

RECORDS_CHAIN = declare(
    "records-chain", Severity.ERROR, Scope.CORPUS,
    "A line of `records/acknowledgements.csv`, `servicing.csv`, `checks.csv` or `training.csv` does not follow "
    "from the one before: a record was edited, removed or inserted (or the read-and-understood records have "
    "no hash chain yet: run `policybook ack seal` once).")


@check(RECORDS_CHAIN)
def check_records_chain(corpus: Corpus) -> Iterator[Finding]:
    try:
        problems = chain_problems(corpus)
    except (OSError, UnicodeDecodeError, PolicybookError) as exc:
        problems = [(1, f"cannot be read: {exc}")]
    for line, problem in problems:
        yield RECORDS_CHAIN.at(RECORDS.as_posix(), line, 1, problem)
    for item in practice_records(corpus).problems:
        if item.chain:
            yield RECORDS_CHAIN.at(item.ledger.rel, item.line, 1, item.message)
