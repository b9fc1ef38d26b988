"""Where a policy lives: its page in the site (a source path MkDocs resolves), its address on the staff
site for links from the handbook and the confirmations service, and Markdown links between pages."""

from __future__ import annotations

import posixpath
from functools import lru_cache
from pathlib import Path

from policybook.corpus import Corpus
from policybook.evidence.inforce import in_force
from policybook.model import Policy
from policybook.views.text import md_path, md_text


def policy_uri(policy: Policy, corpus: Corpus) -> str:
    """Where a policy's page lives in the site: its path under policies/, kept as in the repository."""
    return _uri(policy.doc.path, corpus.config.policies_path)


@lru_cache(maxsize=65536)
def _uri(path: Path, policies: Path) -> str:
    return f"policies/{path.relative_to(policies).as_posix()}"


def page_url(uri: str) -> str:
    """The site-root address of the page built from the source ``uri`` ('a/b.md' -> 'a/b/')."""
    return uri[:-3] + "/"


def site_url(policy: Policy, corpus: Corpus) -> str | None:
    """The policy's page on the staff site, or None when the library names no site address."""
    base = corpus.config.site_url.rstrip("/")
    return f"{base}/{page_url(policy_uri(policy, corpus))}" if base else None


def site_urls(corpus: Corpus) -> dict[str, str]:
    """Each approved policy's address on the staff site, for links from the handbook."""
    return {p.id: url for p in in_force(corpus) if p.id and (url := site_url(p, corpus))}


def link(from_uri: str, to_uri: str, text: str) -> str:
    """A Markdown link from the page ``from_uri`` to the page ``to_uri``, its text escaped."""
    return f"[{md_text(text)}]({md_path(posixpath.relpath(to_uri, posixpath.dirname(from_uri) or '.'))})"


def confirm_page(base_url: str, policy: Policy, *, version: bool = False) -> str:
    """The confirmations service's page for ``policy``; with ``version``, for the version at hand (the
    service then says when a newer one is in force)."""
    page = f"{base_url}/policies/{policy.id}"
    return f"{page}?version={policy.version_text}" if version else page
