"""Policy bodies on the staff site: rendered by render.py (the one parse of the policy dialect), with
links pointed at pages and published files, and the files policies refer to added to the site.

MkDocs renders the rest of the page; a policy page's Markdown is replaced by a placeholder, and the
placeholder by the body's sanitised HTML once MkDocs has rendered and cleaned the page.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TypedDict

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import TableOfContents, get_toc

from policybook.corpus import Corpus
from policybook.files import IMAGE_SUFFIXES, Kind, classify, linked_policy
from policybook.images import image_problem
from policybook.model import Policy, Status
from policybook.render import Heading, RenderedBody, escape, render_body
from policybook.views.addresses import policy_uri


class SiteBodies:
    """Renders bodies for one build, and knows the published file of every policy and attachment."""

    def __init__(self, corpus: Corpus, config: MkDocsConfig) -> None:
        self.corpus = corpus
        self.config = config
        self.marker = f"pb-body-{secrets.token_hex(8)}"  # unguessable: a policy cannot forge it
        self.files_by_path: dict[Path, File] = {}
        self.by_path = {p.doc.path.resolve(): p for p in corpus.policies}
        self.by_id = corpus.by_id()

    @property
    def placeholder(self) -> str:
        return f"\n\n{self.marker}\n\n"

    def _publish(self, path: Path, files: Files, image: bool) -> File | None:
        """The site's copy of a file a policy refers to, added to the build the first time it is needed
        (MkDocs copies static files after every page is rendered)."""
        key = path.resolve()
        if key in self.files_by_path:
            return self.files_by_path[key]
        if (image or path.suffix.lower() in IMAGE_SUFFIXES) and image_problem(path):
            return None
        uri = "policies/" + path.relative_to(self.corpus.config.policies_path.absolute()).as_posix()
        existing = files.get_file_from_path(uri)
        if existing is not None:
            files.remove(existing)
        file = File.generated(self.config, uri, abs_src_path=str(key))
        files.append(file)
        self.files_by_path[key] = file
        return file

    def render(self, policy: Policy, body: str, page_file: File, files: Files) -> RenderedBody:
        """``body`` (the policy's, or an earlier version's) as HTML for the page ``page_file``."""
        root, folder = self.corpus.root, self.corpus.config.policies_path

        def link(href: str) -> str | None:
            target = classify(href, policy.doc.path, root, folder)
            if target.kind in (Kind.ANCHOR, Kind.EXTERNAL):
                return href
            if target.kind is Kind.POLICY:
                other = linked_policy(target, self.by_id, self.by_path)
                if other is None or other.status not in (Status.APPROVED, Status.RETIRED):
                    return None
                published = files.get_file_from_path(policy_uri(other, self.corpus))
                if published is None:
                    return None
                return published.url_relative_to(page_file) + (f"#{target.fragment}" if target.fragment else "")
            if target.kind is not Kind.FILE or target.path is None:
                return None
            return self._url(self._publish(target.path, files, image=False), page_file, target.fragment)

        def image(src: str) -> str | None:
            target = classify(src, policy.doc.path, root, folder, image=True)
            if target.kind is not Kind.FILE or target.path is None:
                return None
            return self._url(self._publish(target.path, files, image=True), page_file, "")

        return render_body(body, link=link, image=image, permalinks=True, urgent=policy.urgent)

    @staticmethod
    def _url(published: File | None, page_file: File, fragment: str) -> str | None:
        if published is None:
            return None
        return published.url_relative_to(page_file) + (f"#{fragment}" if fragment else "")

    def fill(self, html: str, body: RenderedBody) -> str:
        """The page's HTML with ``body`` put where its placeholder paragraph stands."""
        paragraph = f"<p>{self.marker}</p>"
        return html.replace(paragraph, body.html, 1) if paragraph in html else html + body.html

    @staticmethod
    def toc(body: RenderedBody) -> TableOfContents:
        return get_toc(_toc_tokens(body.headings))


class TocToken(TypedDict):
    """A heading as MkDocs' get_toc reads it."""

    level: int
    id: str
    name: str
    children: list[TocToken]


def _toc_tokens(headings: list[Heading]) -> list[TocToken]:
    """Nest headings as MkDocs' table of contents expects: each under the nearest higher level."""
    top: list[TocToken] = []
    stack: list[TocToken] = []
    for heading in headings:
        token: TocToken = {"level": heading.level, "id": heading.id, "name": escape(heading.text), "children": []}
        while stack and stack[-1]["level"] >= heading.level:
            stack.pop()
        (stack[-1]["children"] if stack else top).append(token)
        stack.append(token)
    return top
