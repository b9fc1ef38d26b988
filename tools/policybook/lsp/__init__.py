"""The language server behind ``policybook lsp``: lint findings as editor diagnostics while a policy or
register is being typed, and completion and hover for the register ids the frontmatter refers to.

``workspace`` keeps each project's corpus in memory and relints only what an edit touched; ``sources``
reads unsaved editor text the way lint reads a file; ``positions`` and ``diagnostics`` turn findings into
LSP ranges; ``context`` works out which register a frontmatter position refers to, for ``completion`` and
``hover``; ``server`` wires them to pygls.
"""
