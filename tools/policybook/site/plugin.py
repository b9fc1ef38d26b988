"""The `policybook` MkDocs plugin: policy pages, register pages and the lint gate in the build.

It loads the project with the same loader and model as `policybook lint`, refuses to build when lint
finds an error, adds one page per approved policy (the source path stays the real file, so MkDocs
reports problems against it), generates the register pages, and puts the document-control panel on
each policy page through the `policy.html` template in its Material overrides.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import secrets
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from policybook.config import find_root
from policybook.corpus import Corpus, PolicyCache, load_corpus
from policybook.dates import long_date, parse_date, today_from
from policybook.errors import PolicybookError
from policybook.evidence.git import has_history
from policybook.evidence.inforce import in_force, not_in_force
from policybook.files import unsafe_site_files
from policybook.findings import Finding, printable
from policybook.model import Policy, Status
from policybook.render import sanitise_page
from policybook.site import pages, versions
from policybook.site.background import BackgroundLint
from policybook.site.bodies import SiteBodies
from policybook.site.config import PolicybookPluginConfig
from policybook.site.csp import (
    HEADER_FILE,
    allow_live_reload,
    header_policy,
    theme_script_hashes,
    with_content_security_policy,
)
from policybook.site.page_objects import GeneratedPage, PolicyPage, ShownPolicy, SitePage, SupersededPage
from policybook.site.register_pages import register_nav, register_pages
from policybook.site.tables import finish_tables
from policybook.views.addresses import page_url, policy_uri
from policybook.views.control import Links

OVERRIDES = Path(__file__).parent / "overrides"
ASSETS = Path(__file__).parent / "assets"
REQUIRED_EXTENSIONS = ("tables", "md_in_html", "admonition", "toc")
RATING_MARK = 'data-pb="rating"'  # the CQC rating banner of overrides/main.html


log = logging.getLogger("mkdocs.plugins.policybook")


class PolicybookPlugin(BasePlugin[PolicybookPluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.corpus: Corpus | None = None
        self.policy_pages: list[PolicyPage] = []  # this build's policy pages (each page carries its data)
        self.links = Links()  # where each policy shown is, for the panels' related documents
        self._handbook_dir: tempfile.TemporaryDirectory[str] | None = None
        self._lint: BackgroundLint | None = None
        self.serving = False
        self._reload_nonce: str | None = None  # lets `serve` add its live-reload script under the CSP
        self._script_hashes: set[str] = set()  # every page's theme scripts, for the header policy
        self._cache: PolicyCache = {}
        self._serve_dir: tempfile.TemporaryDirectory[str] | None = None
        self.bodies: SiteBodies | None = None

    # -- configuration -------------------------------------------------------------------------
    def on_startup(self, *, command: str, dirty: bool) -> None:
        """`mkdocs serve` keeps this instance across rebuilds: remember that, and cache the corpus."""
        self.serving = command == "serve"
        self._reload_nonce = secrets.token_urlsafe(16) if self.serving else None

    def _today(self) -> dt.date:
        try:
            return today_from(self.config.today)
        except PolicybookError as exc:
            raise PluginError(f"policybook: today {printable(str(exc))}") from None

    def _root(self, config: MkDocsConfig) -> Path:
        base = Path(config.config_file_path or ".").resolve().parent
        try:
            return find_root(base / self.config.root if self.config.root else base)
        except PolicybookError as exc:
            raise PluginError(f"policybook: {printable(str(exc))}") from None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        # Our templates sit between the project's own custom_dir (first) and Material's (last).
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(OVERRIDES))
        for extension in REQUIRED_EXTENSIONS:
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        # Material prints these settings into pages without escaping them: they are text, never markup.
        config.site_name = html.escape(config.site_name or "")
        for setting in ("site_description", "copyright", "site_author"):
            if isinstance(config.get(setting), str):
                config[setting] = html.escape(config[setting])
        config.extra_css.append("assets/policybook/policybook.css")
        config.extra_javascript.append("assets/policybook/policybook.js")
        root = self._root(config)
        try:
            self.corpus = load_corpus(root, self._today(), cache=self._cache if self.serving else None)
        except PolicybookError as exc:
            raise PluginError(f"policybook: {printable(str(exc))}") from None
        self._lint = BackgroundLint(self.corpus, self.config.block_on_overdue)
        organisation = self.corpus.config
        config.extra.setdefault("policybook", {})
        config.extra["policybook"].update({
            "organisation": organisation.name,
            "site_url": organisation.site_url,
            "rating": organisation.cqc_rating.__dict__ if organisation.cqc_rating else None,
            "rating_date": long_date(parse_date(organisation.cqc_rating.date)) if organisation.cqc_rating else "",
        })
        return config

    # -- files and navigation ------------------------------------------------------------------
    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        corpus = self._corpus()
        self.bodies = SiteBodies(corpus, config)
        self.policy_pages = []
        _refuse_unsafe_site_files(Path(config.docs_dir))
        published = self._staff_policies()
        for line in not_in_force(corpus):
            log.info(f"policybook: {printable(line)}")
        by_category: dict[str, list[Policy]] = {c: [] for c in corpus.config.categories}
        for policy in published:
            file = File.generated(config, policy_uri(policy, corpus), abs_src_path=str(policy.doc.path))
            files.append(file)
            self.policy_pages.append(PolicyPage(file, config, policy))
            by_category.setdefault(policy.category or "", []).append(policy)
        self.links = Links({p.policy.id: page_url(p.file.src_uri) for p in self.policy_pages if p.policy.id},
                           corpus.by_id())
        for policy in corpus.policies:
            if policy.status is Status.RETIRED:
                uri = policy_uri(policy, corpus)
                self._generate(files, config, uri, pages.retired_notice(corpus, policy, uri, published))
        for category_id, members in by_category.items():
            if members and category_id in corpus.config.categories:
                uri = f"policies/{category_id}/index.md"
                self._generate(files, config, uri, pages.category_index(corpus, category_id, uri, members))
        for uri, content in (
            ("registers/index.md", pages.all_policies(corpus, published)),
            ("registers/review.md", pages.due_for_review(corpus, published, self._review_window(),
                                                         calendar=not self.serving)),
            *register_pages(corpus, published),
        ):
            self._generate(files, config, uri, content)
        # A live preview rebuilds on every save: it leaves out the slow parts (the handbook PDFs and the
        # pages for superseded versions) and reports lint findings without holding the page back.
        if self.config.handbook and not self.serving:
            self._add_handbooks(files, config)
        if files.get_file_from_path("index.md") is None:
            handbook = files.get_file_from_path("handbook/staff-handbook.pdf") is not None
            self._generate(files, config, "index.md", pages.default_home(corpus, published, handbook))
        if self.config.previous_versions and not self.serving and has_history(corpus.root):
            self._add_previous_versions(files, config)
        self._generate(files, config, pages.RECENT_CHANGES, pages.recent_changes(corpus, published, self._changes()))
        if not self.serving:
            from policybook.evidence.due import shared_items
            from policybook.views.due import as_ics

            # What falls due, each with its owner: `policybook due`'s list without the personal items (one
            # person's appraisal, supervision or reading), which are the manager's, not every reader's.
            calendar = as_ics(corpus, shared_items(corpus))
            files.append(File.generated(config, "review-calendar.ics", content=calendar))
        for asset in ASSETS.iterdir():
            files.append(File.generated(config, f"assets/policybook/{asset.name}", abs_src_path=str(asset)))
        self._build_nav(config, by_category, files)
        _give_nav_titles(config.nav, files)
        return files

    def _with_language(self, output: str) -> str:
        """Material knows "en" only; the page says the library's own locale (en-GB), for screen readers'
        pronunciation and spelling tools."""
        locale = self._corpus().config.locale
        return output.replace('<html lang="en"', f'<html lang="{html.escape(locale)}"', 1) if locale else output

    def _review_window(self) -> int:
        configured = self.config.review_window_days
        return configured if configured is not None else self._corpus().config.due_soon_days

    def _staff_policies(self) -> list[Policy]:
        """What the site shows: the version of each policy in force. The live preview shows a draft in
        place of its approved version (marked as a draft), so an author sees what they are writing."""
        corpus = self._corpus()
        if not self.serving:
            return in_force(corpus)
        drafts = {p.id: p for p in corpus.policies if p.status is Status.DRAFT and p.id}
        shown = [drafts.pop(p.id, p) if p.id else p for p in in_force(corpus)]
        return shown + sorted(drafts.values(), key=lambda p: p.id or "")

    def _add_handbooks(self, files: Files, config: MkDocsConfig) -> None:
        """The staff handbook and each role's edition, standard and large print, into handbook/ (the home
        page links the same list: handbook/editions.py decides it for both)."""
        from policybook.handbook.builder import Variant, build_handbooks, select
        from policybook.handbook.editions import STAFF_HANDBOOK, STAFF_HANDBOOK_LARGE, role_editions
        from policybook.views.addresses import site_urls

        corpus = self._corpus()
        if not select(corpus, None):
            log.info("policybook: no approved policy is for all staff yet, so there is no staff handbook")
            return
        if self._handbook_dir is None:
            self._handbook_dir = tempfile.TemporaryDirectory(prefix="policybook-site-handbook-")
        folder = Path(self._handbook_dir.name)
        names: list[tuple[str, bool, str | None]] = [(STAFF_HANDBOOK, False, None), (STAFF_HANDBOOK_LARGE, True, None)]
        for edition in role_editions(corpus):
            names += [(edition.path(), False, edition.role), (edition.path(True), True, edition.role)]
        variants = [Variant(folder / name, large, role) for name, large, role in names]
        try:
            written = build_handbooks(corpus, variants, site_urls=site_urls(corpus))
        except PolicybookError as exc:
            raise PluginError(f"policybook: {printable(str(exc))}") from None
        for (name, _, _), path in zip(names, written, strict=True):
            files.append(File.generated(config, f"handbook/{name}", abs_src_path=str(path)))

    def _add_previous_versions(self, files: Files, config: MkDocsConfig) -> None:
        corpus = self._corpus()
        for page in self.policy_pages:
            policy = page.policy
            previous = versions.old_versions(corpus, policy, page.file.src_uri)
            page.previous, page.recorded = previous.pages, previous.recorded
            olds = previous.pages
            title = policy.title or policy.label
            for index, old in enumerate(olds):
                markdown = versions.version_page(policy, old)
                SupersededPage(self._add_generated(files, config, old.page, markdown), config, markdown, old, page)
                if old.redline is not None:
                    before = olds[index - 1]
                    self._generate(files, config, old.redline, versions.changes_page(
                        corpus, title, before.policy, before.record.version, old.policy, old.record.version),
                        searched=False)
            if olds:
                last = olds[-1]
                page.changes = f"{page.file.src_uri[:-3]}/versions/{policy.version_text}-changes.md"
                self._generate(files, config, page.changes, versions.changes_page(
                    corpus, title, last.policy, last.record.version, policy, policy.version_text or ""),
                    searched=False)

    def _changes(self) -> dict[tuple[str, str], str]:
        """(policy id, version) -> the source address of the page of what changed in that version."""
        found: dict[tuple[str, str], str] = {}
        for page in self.policy_pages:
            policy_id = page.policy.id or ""
            found.update({(policy_id, old.record.version): old.redline for old in page.previous if old.redline})
            if page.changes:
                found[(policy_id, page.policy.version_text or "")] = page.changes
        return found

    def on_shutdown(self) -> None:
        for folder in (self._handbook_dir, self._serve_dir):
            if folder is not None:
                folder.cleanup()
        self._handbook_dir = self._serve_dir = None

    def _generate(self, files: Files, config: MkDocsConfig, uri: str, content: str, *, searched: bool = True) -> None:
        GeneratedPage(self._add_generated(files, config, uri, content), config, content, searched=searched)

    def _add_generated(self, files: Files, config: MkDocsConfig, uri: str, content: str) -> File:
        """The file of a page made from ``content``, in place of any file at ``uri``."""
        existing = files.get_file_from_path(uri)
        if existing is not None and isinstance(existing.page, PolicyPage):
            # lint's page-address reports it first; never let one page replace a policy
            raise PluginError(f"policybook: the page {uri} would replace the policy published there")
        if existing is not None:
            files.remove(existing)
        if not self.serving:
            file = File.generated(config, uri, content=content)
            files.append(file)
            return file
        # In a preview, generated pages are kept as files and rewritten only when their content changes,
        # so that a dirty rebuild skips the ones a save did not affect.
        if self._serve_dir is None:
            self._serve_dir = tempfile.TemporaryDirectory(prefix="policybook-preview-")
        path = Path(self._serve_dir.name) / uri
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
        file = File.generated(config, uri, abs_src_path=str(path))
        files.append(file)
        return file

    def _build_nav(self, config: MkDocsConfig, by_category: dict[str, list[Policy]], files: Files) -> None:
        corpus = self._corpus()
        policies_nav: list[Any] = []
        for category_id, members in by_category.items():
            category = corpus.config.categories.get(category_id)
            if not members or category is None:
                continue
            entries: list[Any] = [f"policies/{category_id}/index.md"]
            # Material prints nav titles and page titles without escaping: escape them here.
            entries += [{html.escape(p.title or p.label): policy_uri(p, corpus)}
                        for p in sorted(members, key=lambda p: p.id or "")]
            policies_nav.append({html.escape(category.title): entries})
        registers_nav = [{"All policies": "registers/index.md"}, {"Due for review": "registers/review.md"},
                         {"Recent changes": pages.RECENT_CHANGES}, *register_nav()]
        ours = [{"Policies": policies_nav}, {"Registers": registers_nav}]
        if config.nav is None:
            # Staff navigation holds the home page, policies and registers only: tool documentation
            # belongs on the editors' site, not in front of staff.
            home = [{"Home": "index.md"}] if files.get_file_from_path("index.md") else []
            config.nav = [*home, *ours]
        else:
            config.nav = [*config.nav, *ours]

    # -- pages -----------------------------------------------------------------------------------
    def on_page_read_source(self, /, *, page: Page, config: MkDocsConfig) -> str | None:
        return page.source if isinstance(page, SitePage) else None

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        corpus = self._corpus()
        if not isinstance(page, PolicyPage):
            page.meta = _escaped(page.meta)  # Material prints a page's own title, description... as they are
        if isinstance(page, SitePage) and page.search is not None:
            page.meta["search"] = page.search
        if isinstance(page, ShownPolicy):
            page.meta["title"] = page.meta_title
            page.meta["template"] = "policy.html"
            page.meta["policybook"] = page.panel(corpus, self.links)
            if isinstance(page, PolicyPage):
                # found by "AED" as well as "defibrillator"; Material's search shows tags as HTML: escape them
                page.meta["tags"] = [html.escape(term) for term in page.search_terms(corpus)]
            page.rendered = self._bodies().render(page.policy, page.body, page.file, files)
            # the section readers must find first, already sanitised: the template puts it under the title
            page.meta["policybook"].update(urgent=page.rendered.urgent, urgent_id=page.rendered.urgent_id)
            return self._bodies().placeholder  # MkDocs renders this; on_page_content puts the body there
        if page.is_homepage and not isinstance(page, GeneratedPage):
            handbook = files.get_file_from_path("handbook/staff-handbook.pdf") is not None
            return markdown + pages.home_contents(corpus, page.file.src_uri, [p.policy for p in self.policy_pages],
                                                  handbook=handbook)
        return markdown

    def on_page_content(self, html_text: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Every page's content is cleaned by the allow-list sanitiser; then a policy body takes its place."""
        cleaned = sanitise_page(html_text)
        if isinstance(page, GeneratedPage):
            cleaned = finish_tables(cleaned)
        if isinstance(page, ShownPolicy) and page.rendered is not None:
            cleaned = self._bodies().fill(cleaned, page.rendered)
            if isinstance(page, PolicyPage):
                page.toc = self._bodies().toc(page.rendered)
        if "title" not in page.meta and page.title and not page.is_homepage:
            # Material prints meta titles into <title> as they are; a generated page's title is already escaped.
            page.meta["title"] = html.escape(html.unescape(page.title))
        if not isinstance(page, ShownPolicy):
            # A printed register or page of changes is headed like a printed policy: what it is and as on when
            # (plain text: main.html escapes it); policybook.js adds the page numbers and "Uncontrolled".
            title = html.unescape(page.title or "") if not page.is_homepage else "Home"
            page.meta["pb_print_head"] = " · ".join(
                part for part in (self._corpus().config.name, title, f"As on {long_date(self._corpus().today)}")
                if part)
        return cleaned

    def _require_rating(self, output: str, where: str) -> None:
        """Regulation 20A: while a rating is set, every page shows it. A theme override that drops the banner
        (a custom_dir's own main.html, an `announce` block of its own) stops the build."""
        if self._corpus().config.cqc_rating is not None and RATING_MARK not in output:
            raise PluginError(f"policybook: {printable(where)} does not show the CQC rating banner that "
                              "Regulation 20A requires on every page: keep the announce block of the theme's "
                              "main.html (overrides/main.html) in the site's own templates")

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        self._require_rating(output, page.file.src_uri)
        output = self._with_language(output)
        hashes = theme_script_hashes(output, page.content or "")
        self._script_hashes |= hashes
        return with_content_security_policy(output, hashes, nonce=self._reload_nonce)

    def on_post_template(self, output_content: str, /, *, template_name: str, config: MkDocsConfig) -> str:
        """Pages made from templates alone (404.html) get the policy too."""
        if not template_name.endswith(".html"):
            return output_content
        self._require_rating(output_content, template_name)
        output_content = self._with_language(output_content)
        hashes = theme_script_hashes(output_content, "")
        self._script_hashes |= hashes
        return with_content_security_policy(output_content, hashes, nonce=self._reload_nonce)

    def on_post_build(self, /, *, config: MkDocsConfig) -> None:
        """Write the site-wide policy for the web server's Content-Security-Policy header."""
        if not self.serving:
            target = Path(config.site_dir) / HEADER_FILE
            target.write_text(header_policy(self._script_hashes) + "\n", encoding="utf-8")

    def _bodies(self) -> SiteBodies:
        if self.bodies is None:
            raise PluginError("policybook: the plugin was not configured")
        return self.bodies

    def on_env(self, env: Any, /, *, config: MkDocsConfig, files: Files) -> Any:
        """The last step before MkDocs writes any page: refuse to publish a corpus with lint errors."""
        if self.serving:
            if self._lint is not None:
                self._lint.when_done(_log_findings)
            return env
        errors = self._lint.outcome().blocking if self._lint else []
        if errors:
            listing = "\n".join(f"  {f.brief()}" for f in errors)
            raise PluginError(f"policybook lint found {len(errors)} error(s); fix them to publish:\n{listing}")
        return env

    def on_build_error(self, /, *, error: Exception) -> None:
        if self._lint is not None:
            self._lint.cancel()

    # -- serving ---------------------------------------------------------------------------------
    def on_serve(self, server: LiveReloadServer, /, *, config: MkDocsConfig, builder: Any) -> LiveReloadServer:
        corpus = self._corpus()
        if self._reload_nonce is not None:
            allow_live_reload(server, self._reload_nonce, self._script_hashes)
        for path in (corpus.config.policies_path, corpus.config.registers_path, corpus.root / "policybook.yml",
                     corpus.root / ".vale.ini", corpus.root / "styles"):
            if path.exists():
                server.watch(str(path))
        return server

    def _corpus(self) -> Corpus:
        if self.corpus is None:
            raise PluginError("policybook: the plugin was not configured")
        return self.corpus


def _log_findings(findings: list[Finding]) -> None:
    """Print a preview's lint errors (not through MkDocs' logger, which would count them as build warnings)."""
    for item in findings:
        if item.is_error:
            print(f"policybook lint: {item.brief()}",
                  file=sys.stderr, flush=True)


def _escaped(meta: Mapping[str, Any]) -> dict[str, Any]:
    """A hand-written page's front matter with every text value escaped for HTML (the template name,
    which picks a file from the theme, is left as it is)."""

    def escape(value: Any) -> Any:
        if isinstance(value, str):
            return html.escape(value)
        if isinstance(value, list):
            return [escape(item) for item in value]
        if isinstance(value, dict):
            return {key: escape(item) for key, item in value.items()}
        return value

    return {key: value if key == "template" else escape(value) for key, value in meta.items()}


def _refuse_unsafe_site_files(docs_dir: Path) -> None:
    """The site's own pages are served from its origin: refuse links out of the project, files a browser
    would run and unsafe images among them (lint's site-file rule reports the same)."""
    problems = unsafe_site_files(docs_dir)
    if problems:
        listing = "\n".join(f"  {printable(str(path))} {problem}" for path, problem in problems)
        raise PluginError(f"policybook: files in the site's pages that cannot be published:\n{listing}")


def _give_nav_titles(nav: Any, files: Files) -> None:
    """Give our pages the titles the navigation names them by: MkDocs takes a nav entry's title only
    for a page it makes itself, and ours are made before the navigation."""
    titled: set[str] = set()
    for title, path in _nav_entries(nav):
        file = files.get_file_from_path(path)
        if file is not None and isinstance(file.page, SitePage) and path not in titled:
            titled.add(path)
            file.page.title = title


def _nav_entries(nav: Any) -> Iterator[tuple[str, str]]:
    """(title, path) of each titled entry of a nav setting, in order."""
    if isinstance(nav, list):
        for item in nav:
            yield from _nav_entries(item)
    elif isinstance(nav, dict):
        for title, value in nav.items():
            if isinstance(value, str):
                yield str(title), value
            else:
                yield from _nav_entries(value)
