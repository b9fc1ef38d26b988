"""House style rules (`Policybook.*`): the project's Vale styles, loaded by the caller into the run's options."""

from __future__ import annotations

from policybook.checks.run import CheckRun
from policybook.corpus import Corpus
from policybook.findings import Finding, Scope, check
from policybook.style.runner import check_policies, register_terms


@check(scope=Scope.POLICY, run=True)  # its rules are the project's own, listed by Style.catalogue()
def check_style(corpus: Corpus, run: CheckRun) -> list[Finding]:
    style = run.options.style
    if style is None:
        return []
    # A file whose frontmatter cannot be read gets its structural findings first, not prose advice.
    return check_policies(style, [p for p in corpus.policies if p.has_body and p.doc.ok],
                          register_terms(corpus.registers))
