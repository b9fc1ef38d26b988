"""The public site's pages as MkDocs source: front matter (title, lang, dir) and HTML made here from escaped
values and the sanitised body (render.py). Links and images in a body are resolved to the public site
only: a link to anything the site does not publish keeps its text and loses its target."""

from __future__ import annotations

import posixpath
import shutil
from collections.abc import Callable
from pathlib import Path

import yaml

from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.files import Kind, classify, linked_policy
from policybook.images import image_problem
from policybook.model import Status
from policybook.patients import PublicDocument
from policybook.public_site.catalogue import Entry, Shown
from policybook.render import escape, render_body

UI_LANG = "en-GB"  # the site's own words (headings, links) are English; a page's text is in its own language


def _front_matter(title: str, lang: str, direction: str) -> str:
    return "---\n" + yaml.safe_dump({"title": escape(title), "lang": lang, "dir": direction},
                                    allow_unicode=True, sort_keys=True) + "---\n\n"


def _relative(target: str, page: str) -> str:
    """``target`` (a site path such as documents/pub-001/ar.html) as a link from ``page`` (a .md source)."""
    return posixpath.relpath(target, posixpath.dirname(page) or ".")


def html_of(uri: str) -> str:
    return uri[:-3] + ".html"


class PageMaker:
    """Makes every page of the public site from the catalogue, copying the images the bodies show into the
    staging folder ``docs``."""

    def __init__(self, corpus: Corpus, entries: list[Entry], docs: Path) -> None:
        self.corpus, self.entries, self.docs = corpus, entries, docs
        self.by_id = {e.source.document.id: e for e in entries if e.source.document.id}
        self.images = 0

    # -- bodies ---------------------------------------------------------------------------------------
    def _folder_of(self, shown: Shown) -> Path:
        document = shown.document
        if isinstance(document, PublicDocument):
            return self.corpus.config.public_path
        return self.corpus.config.policies_path

    def _link(self, shown: Shown, href: str) -> str | None:
        target = classify(href, shown.document.doc.path, self.corpus.root, self._folder_of(shown))
        if target.kind is Kind.EXTERNAL:
            return href
        if target.kind is Kind.ANCHOR:
            return f"#{target.fragment}"
        if target.kind is Kind.POLICY:
            by_path = {e.source.document.doc.path.resolve(): e for e in self.entries}
            entry = linked_policy(target, self.by_id, by_path)
            return _relative(html_of(entry.source.page), shown.page) if entry is not None else None
        return None  # files and anything else: the public site publishes the documents and their pictures only

    def _image(self, shown: Shown, src: str) -> str | None:
        path = self.image_path(shown, src)
        if path is None:
            return None  # the picture's alternative text is shown instead
        self.images += 1
        name = f"{shown.folder}/files/{self.images}-{path.name}"
        (self.docs / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, self.docs / name, follow_symlinks=False)
        return _relative(name, shown.page)

    def body(self, shown: Shown, image: Callable[[str], str | None] | None = None) -> str:
        """The sanitised body of ``shown``, its links pointed at the public site and its images copied there
        (or, given ``image``, resolved by it: the PDF copies them into its own build folder)."""
        return render_body(shown.document.doc.body, link=lambda href: self._link(shown, href),
                           image=image or (lambda src: self._image(shown, src))).html

    def image_path(self, shown: Shown, src: str) -> Path | None:
        """The file a body's image names, when it is one the public site may publish."""
        target = classify(src, shown.document.doc.path, self.corpus.root, self._folder_of(shown), image=True)
        if target.kind is not Kind.FILE or target.path is None or image_problem(target.path):
            return None
        return target.path

    # -- pages ----------------------------------------------------------------------------------------
    def document_page(self, entry: Entry, shown: Shown) -> str:
        document = shown.document
        ui = f' lang="{UI_LANG}" dir="ltr"' if shown.lang != UI_LANG else ""
        control = [f"Version {escape(document.version_text or '')}"]
        if document.approved_on:
            control.append(f"approved {escape(long_date(document.approved_on))}")
        if document.next_review:
            control.append(f"next review by {escape(long_date(document.next_review))}")
        parts = [
            f'<h1 id="title">{escape(shown.title)}</h1>',
            f'<p class="pb-public-control"{ui}>{", ".join(control)}.</p>',
        ]
        if document.status is Status.DRAFT:  # only a preview shows drafts (catalogue)
            parts.append(f'<div class="admonition danger pb-draft"{ui}><p class="admonition-title">Draft: not in '
                         "force</p><p>This preview shows a draft. The public site shows the approved version until "
                         "this one is approved.</p></div>")
        if not shown.current:
            parts.append(f'<div class="admonition warning pb-stale"{ui}><p class="admonition-title">Not the current '
                         f"version</p><p>This version was made from an earlier version of "
                         f"{escape(entry.source.title)} and is being updated. Please read "
                         f'<a href="{escape(_relative(html_of(entry.source.page), shown.page))}">the current '
                         "version</a>, or ask us for help.</p></div>")
        parts.append(f'<ul class="pb-downloads"{ui}>'
                     f'<li><a href="{escape(_relative(shown.pdf, shown.page))}">Download as a PDF</a></li>'
                     f'<li><a href="{escape(_relative(shown.pdf_large, shown.page))}">Download in large print '
                     "(PDF)</a></li></ul>")
        parts.append(self.versions(entry, shown))
        parts.append(f'<div class="pb-public-body">{self.body(shown)}</div>')
        return _front_matter(shown.title, shown.lang, shown.dir) + "\n".join(parts) + "\n"

    def versions(self, entry: Entry, here: Shown) -> str:
        """The language switcher: every version of the document, each named in its own language."""
        if not entry.editions:
            return ""
        ui = f' lang="{UI_LANG}" dir="ltr"' if here.lang != UI_LANG else ""
        items = []
        for shown in entry.versions:
            name = (f'<span lang="{escape(shown.lang)}" dir="{shown.dir}">{escape(shown.language_name)}</span>')
            note = "" if shown.current else f'<span{ui}> (not current: being updated)</span>'
            if shown is here:
                items.append(f'<li><strong aria-current="page">{name}</strong>{note}</li>')
            else:
                href = escape(_relative(html_of(shown.page), here.page))
                items.append(f'<li><a href="{href}" hreflang="{escape(shown.lang)}">{name}</a>{note}</li>')
        return (f'<nav class="pb-versions" aria-labelledby="versions"><h2 id="versions"{ui}>This document in '
                f'other languages and formats</h2><ul>{"".join(items)}</ul></nav>')

    def home_page(self) -> str:
        config = self.corpus.config
        rows = []
        for entry in self.entries:
            source = entry.source
            href = escape(html_of(source.page))
            others = ", ".join(f'<a href="{escape(html_of(s.page))}" hreflang="{escape(s.lang)}"><span lang="'
                               f'{escape(s.lang)}" dir="{s.dir}">{escape(s.language_name)}</span></a>'
                               for s in entry.editions if s.current)
            also = f" Also in: {others}." if others else ""
            rows.append(f'<li><a href="{href}" lang="{escape(source.lang)}">{escape(source.title)}</a>{also}</li>')
        listing = "".join(rows) or "<li>No documents are published yet.</li>"
        text = (f"<h1>{escape(config.name)}: information for patients</h1>"
                "<p>These are the leaflets, notices and policies we publish for patients and the public. Each one "
                "can be downloaded as a PDF in standard or large print. Ask us if you need a document in easy read, "
                "another language or another format.</p>"
                f'<h2 id="documents">Documents</h2><ul class="pb-public-list">{listing}</ul>')
        return _front_matter(f"{config.name}: information for patients", UI_LANG, "ltr") + text + "\n"
