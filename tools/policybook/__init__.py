"""policybook: policies as Markdown with YAML frontmatter, checked, published and controlled."""

__version__ = "0.1.0"
