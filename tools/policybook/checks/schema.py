"""Rule ``schema``: policy frontmatter against schemas/policy.schema.json and policybook.yml."""

from __future__ import annotations

from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.findings import Finding, check
from policybook.registers.schema import declared_fields, policy_validator
from policybook.schema_messages import schema_findings
from policybook.schemas import SCHEMA, quick_check


@check(SCHEMA)
def check_schema(corpus: Corpus) -> Iterator[Finding]:
    policy_schema = policy_validator()  # with the citing fields of any register declared beyond the file
    # The compiled check reads the packaged schema alone: a register's added fields go through jsonschema.
    passes = quick_check("policy") if not declared_fields() else None
    categories = corpus.config.categories
    for policy in corpus.policies:
        if not policy.doc.ok:
            continue
        if passes is None or not passes(policy.data):
            yield from schema_findings(policy.doc, list(policy_schema.iter_errors(policy.data)))
        category = policy.category
        if category is not None and category not in categories:
            line, column = policy.doc.position(("category",))
            yield SCHEMA.at(policy.rel, line, column,
                          f"category '{category}' is not in policybook.yml; use one of: "
                          + ", ".join(categories))
