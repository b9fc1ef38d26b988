"""Bringing existing documents in as draft policies: Word files through pandoc, Markdown with another
tool's frontmatter through python-frontmatter. ``run.py`` puts the steps together; each other module
does one of them, so a document is read, mapped, cleaned and written in separate, testable pieces."""
