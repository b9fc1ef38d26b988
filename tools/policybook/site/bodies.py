"""Policy bodies on the staff site: rendered by render.py (the one parse of the policy dialect), with
links pointed at pages and published files, and the files policies refer to added to the site.

MkDocs renders the rest of the page; a policy page's Markdown is replaced by a placeholder, and the
placeholder by the body's sanitised HTML once MkDocs has rendered and cleaned the page.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import TableOfContents, get_toc

from policybook.corpus import Corpus
from policybook.files import Kind, classify
from policybook.images import image_problem
from policybook.model import Policy, Status
from policybook.render import Heading, RenderedBody, escape, render_body
from policybook.site.pages import policy_uri


class SiteBodies:
    """Renders bodies for one build, and knows the published file of every policy and attachment."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.marker = f"pb-body-{secrets.token_hex(8)}"  # unguessable: a policy cannot forge it
        self.files_by_path: dict[Path, File] = {}
        self.by_path = {p.doc.path.resolve(): p for p in corpus.policies}
        self.by_id = corpus.by_id()
        self.rendered: dict[str, RenderedBody] = {}  # src_uri -> body

    @property
    def placeholder(self) -> str:
        return f"\n\n{self.marker}\n\n"

    def add_files(self, policies: list[Policy], files: Files, config: MkDocsConfig) -> None:
        """Publish every attachment and image the ``policies`` refer to (once each)."""
        root, folder = self.corpus.root, self.corpus.config.policies_path
        for policy in policies:
            if not policy.has_body:
                continue
            for link in policy.parsed.links:
                target = classify(link.target, policy.doc.path, root, folder, image=link.image)
                if target.kind is not Kind.FILE or target.path is None:
                    continue
                key = target.path.resolve()
                if key in self.files_by_path or (link.image and image_problem(target.path)):
                    continue
                uri = "policies/" + target.path.relative_to(folder.absolute()).as_posix()
                existing = files.get_file_from_path(uri)
                if existing is not None:
                    files.remove(existing)
                file = File.generated(config, uri, abs_src_path=str(key))
                files.append(file)
                self.files_by_path[key] = file

    def render(self, policy: Policy, body: str, page_file: File, files: Files) -> RenderedBody:
        """``body`` (the policy's, or an earlier version's) as HTML for the page ``page_file``."""
        root, folder = self.corpus.root, self.corpus.config.policies_path

        def link(href: str) -> str | None:
            target = classify(href, policy.doc.path, root, folder)
            if target.kind in (Kind.ANCHOR, Kind.EXTERNAL):
                return href
            if target.kind is Kind.POLICY:
                other = self.by_id.get(target.policy_id or "") if target.policy_id else (
                    self.by_path.get(target.path.resolve()) if target.path else None)
                if other is None or other.status not in (Status.APPROVED, Status.RETIRED):
                    return None
                published = files.get_file_from_path(policy_uri(other, self.corpus))
                if published is None:
                    return None
                return published.url_relative_to(page_file) + (f"#{target.fragment}" if target.fragment else "")
            return self._file_url(target.path, page_file, target.fragment) if target.kind is Kind.FILE else None

        def image(src: str) -> str | None:
            target = classify(src, policy.doc.path, root, folder, image=True)
            return self._file_url(target.path, page_file, "") if target.kind is Kind.FILE else None

        return render_body(body, link=link, image=image, permalinks=True)

    def _file_url(self, path: Path | None, page_file: File, fragment: str) -> str | None:
        published = self.files_by_path.get(path.resolve()) if path is not None else None
        if published is None:
            return None
        return published.url_relative_to(page_file) + (f"#{fragment}" if fragment else "")

    def fill(self, html: str, uri: str) -> str:
        """The page's HTML with the body put where its placeholder paragraph stands."""
        body = self.rendered.get(uri)
        if body is None:
            return html
        paragraph = f"<p>{self.marker}</p>"
        return html.replace(paragraph, body.html, 1) if paragraph in html else html + body.html

    def toc(self, uri: str) -> TableOfContents | None:
        body = self.rendered.get(uri)
        return None if body is None else get_toc(_toc_tokens(body.headings))


def _toc_tokens(headings: list[Heading]) -> list[dict[str, object]]:
    """Nest headings as MkDocs' table of contents expects: each under the nearest higher level."""
    top: list[dict[str, object]] = []
    stack: list[dict[str, object]] = []
    for heading in headings:
        token: dict[str, object] = {"level": heading.level, "id": heading.id, "name": escape(heading.text),
                                    "children": []}
        while stack and int(stack[-1]["level"]) >= heading.level:  # type: ignore[call-overload]
            stack.pop()
        (stack[-1]["children"] if stack else top).append(token)  # type: ignore[union-attr]
        stack.append(token)
    return top
