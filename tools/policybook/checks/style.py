"""House style rules (`Policybook.*`), read from the project's Vale styles by the lint layer."""

from __future__ import annotations

from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, check
from policybook.style.runner import check_policies


@check(scope=Scope.POLICY)  # its rules are the project's own, listed by Style.catalogue()
def check_style(corpus: Corpus) -> list[Finding]:
    style = corpus.style
    if style is None:
        return []
    # A file whose frontmatter cannot be read gets its structural findings first, not prose advice.
    return check_policies(style, [p for p in corpus.policies if p.has_body and p.doc.ok])
