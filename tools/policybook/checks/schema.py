"""Rule ``schema``: policy frontmatter against schemas/policy.schema.json and policybook.yml."""

from __future__ import annotations

from collections.abc import Iterator

from policybook.corpus import Corpus
from policybook.findings import Finding, check
from policybook.schema_messages import schema_findings
from policybook.schemas import SCHEMA, quick_check, validator


@check(SCHEMA)
def check_schema(corpus: Corpus) -> Iterator[Finding]:
    passes = quick_check("policy")
    categories = corpus.config.categories
    for policy in corpus.policies:
        if not policy.doc.ok:
            continue
        if passes is None or not passes(policy.data):
            yield from schema_findings(policy.doc, list(validator("policy").iter_errors(policy.data)))
        category = policy.category
        if category is not None and category not in categories:
            line, column = policy.doc.position(("category",))
            yield SCHEMA.at(policy.rel, line, column,
                          f"category '{category}' is not in policybook.yml; use one of: "
                          + ", ".join(categories))
