"""Watching cited guidance: the main text of a publisher's page, its fingerprint, and what changed."""
