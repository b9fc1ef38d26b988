"""The staff site: an MkDocs plugin on Material for MkDocs, its templates and generated pages."""
