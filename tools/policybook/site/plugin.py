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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as opt
from mkdocs.config.base import Config as BaseConfig
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
from policybook.site.context import Link, panel
from policybook.site.csp import (
    HEADER_FILE,
    allow_live_reload,
    header_policy,
    theme_script_hashes,
    with_content_security_policy,
)

OVERRIDES = Path(__file__).parent / "overrides"
ASSETS = Path(__file__).parent / "assets"
REQUIRED_EXTENSIONS = ("tables", "md_in_html", "admonition", "toc")


log = logging.getLogger("mkdocs.plugins.policybook")

class PolicybookPluginConfig(BaseConfig):
    root = opt.Optional(opt.Type(str))  # the policybook project (default: the folder of mkdocs.yml)
    today = opt.Optional(opt.Type(str))  # review dates as on this day (default: POLICYBOOK_TODAY or today)
    # The "due for review" register's window; by default review.due_soon_days from policybook.yml, the
    # same window in which the badges say "Due in N days".
    review_window_days = opt.Optional(opt.Type(int))
    # An overdue review does not take a policy off the site by default: staff still need it, and its
    # page says "Overdue". `policybook lint` in CI fails on it all the same.
    block_on_overdue = opt.Type(bool, default=False)
    # Build the staff handbook PDFs (standard and large print) into handbook/ and link them.
    handbook = opt.Type(bool, default=True)
    # Pages for superseded versions and redlines, read from git history (skipped outside a git repository).
    previous_versions = opt.Type(bool, default=True)


class PolicybookPlugin(BasePlugin[PolicybookPluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.corpus: Corpus | None = None
        self.uris: dict[str, Policy] = {}  # src_uri -> policy, for policy pages
        self.generated: dict[str, str] = {}  # src_uri -> Markdown, for generated pages
        self._handbook_dir: tempfile.TemporaryDirectory[str] | None = None
        self._lint: BackgroundLint | None = None
        self.serving = False
        self._reload_nonce: str | None = None  # lets `serve` add its live-reload script under the CSP
        self._script_hashes: set[str] = set()  # every page's theme scripts, for the header policy
        self._cache: PolicyCache = {}
        self._by_id: dict[str, Policy] = {}
        self._serve_dir: tempfile.TemporaryDirectory[str] | None = None
        self.previous: dict[str, list[versions.OldVersion]] = {}  # policy src_uri -> superseded versions
        self.not_searched: set[str] = set()  # change pages: reachable from their policy, not in search
        self._shown: dict[str, str] | None = None  # policy id -> src_uri of its page, once per build
        self.previous_changes: dict[str, str] = {}  # policy src_uri -> redline of the current version
        self.bodies: SiteBodies | None = None
        # Superseded version page src_uri -> (that version, the src_uri of the policy's page now).
        self.old_bodies: dict[str, tuple[versions.OldVersion, str]] = {}

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
        self.uris.clear()
        self.generated.clear()
        self._by_id = corpus.by_id()  # once per build: pages look policies up by id
        self.bodies = SiteBodies(corpus, config)
        self.old_bodies.clear()
        self.not_searched.clear()
        self._shown = None
        _refuse_unsafe_site_files(Path(config.docs_dir))
        published = self._staff_policies()
        for line in not_in_force(corpus):
            log.info(f"policybook: {printable(line)}")
        by_category: dict[str, list[Policy]] = {c: [] for c in corpus.config.categories}
        for policy in published:
            uri = pages.policy_uri(policy, corpus)
            self.uris[uri] = policy
            files.append(File.generated(config, uri, abs_src_path=str(policy.doc.path)))
            by_category.setdefault(policy.category or "", []).append(policy)
        for policy in corpus.policies:
            if policy.status is Status.RETIRED:
                uri = pages.policy_uri(policy, corpus)
                self._generate(files, config, uri, pages.retired_notice(corpus, policy, uri, published))
        for category_id, members in by_category.items():
            if members and category_id in corpus.config.categories:
                uri = f"policies/{category_id}/index.md"
                self._generate(files, config, uri, pages.category_index(corpus, category_id, uri, members))
        for uri, content in (
            ("registers/index.md", pages.all_policies(corpus, published)),
            ("registers/review.md", pages.due_for_review(corpus, published, self._review_window(),
                                                         calendar=not self.serving)),
            ("registers/roles.md", pages.roles_page(corpus, published)),
            ("registers/guidance.md", pages.guidance_page(corpus, published)),
            ("registers/standards.md", pages.standards_page(corpus, published)),
            ("registers/equipment.md", pages.equipment_page(corpus, published)),
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
        if not self.serving:
            from policybook.views.calendar import as_ics, due_reviews

            calendar = as_ics(corpus, due_reviews(corpus, None))
            files.append(File.generated(config, "review-calendar.ics", content=calendar))
        for asset in ASSETS.iterdir():
            files.append(File.generated(config, f"assets/policybook/{asset.name}", abs_src_path=str(asset)))
        self._build_nav(config, by_category, files)
        return files

    def _with_language(self, output: str) -> str:
        """Material knows "en" only; the page says the library's own locale (en-GB), for screen readers'
        pronunciation and spelling tools."""
        locale = self._corpus().config.locale
        return output.replace('<html lang="en"', f'<html lang="{html.escape(locale)}"', 1) if locale else output

    def _review_window(self) -> int:
        configured = self.config.review_window_days
        return configured if configured is not None else self._corpus().config.due_soon_days

    def _related(self, policy: Policy) -> list[Link]:
        """The policy's related documents: a link to each one in force, its id and title otherwise."""
        if self._shown is None:
            self._shown = {p.id: uri for uri, p in self.uris.items() if p.id}
        shown = self._shown
        found = []
        for related_id in policy.related:
            other = self._by_id.get(related_id)
            title = f"{related_id} {other.title}" if other is not None and other.title else related_id
            uri = shown.get(related_id)
            found.append(Link(title, uri[:-3] + "/" if uri else "", "" if uri else "not in force"))
        return found

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
            written = build_handbooks(corpus, variants, site_urls=pages.site_urls(corpus))
        except PolicybookError as exc:
            raise PluginError(f"policybook: {printable(str(exc))}") from None
        for (name, _, _), path in zip(names, written, strict=True):
            files.append(File.generated(config, f"handbook/{name}", abs_src_path=str(path)))

    def _add_previous_versions(self, files: Files, config: MkDocsConfig) -> None:
        corpus = self._corpus()
        self.previous.clear()
        for uri, policy in list(self.uris.items()):
            olds = versions.old_versions(corpus, policy, uri)
            self.previous[uri] = olds
            title = policy.title or policy.label
            for index, old in enumerate(olds):
                self._generate(files, config, old.page, versions.version_page(policy, old))
                self.old_bodies[old.page] = (old, uri)
                if old.redline is not None:
                    before = olds[index - 1]
                    self._generate(files, config, old.redline, versions.changes_page(
                        corpus, title, before.policy, before.record.version, old.policy, old.record.version))
                    self.not_searched.add(old.redline)
            if olds:
                last = olds[-1]
                changes = f"{uri[:-3]}/versions/{policy.version_text}-changes.md"
                self._generate(files, config, changes, versions.changes_page(
                    corpus, title, last.policy, last.record.version, policy, policy.version_text or ""))
                self.previous_changes[uri] = changes
                self.not_searched.add(changes)

    def on_shutdown(self) -> None:
        for folder in (self._handbook_dir, self._serve_dir):
            if folder is not None:
                folder.cleanup()
        self._handbook_dir = self._serve_dir = None

    def _generate(self, files: Files, config: MkDocsConfig, uri: str, content: str) -> None:
        if uri in self.uris:  # lint's page-address reports it first; never let one page replace a policy
            raise PluginError(f"policybook: the page {uri} would replace the policy published there")
        existing = files.get_file_from_path(uri)
        if existing is not None:
            files.remove(existing)
        self.generated[uri] = content
        if not self.serving:
            files.append(File.generated(config, uri, content=content))
            return
        # In a preview, generated pages are kept as files and rewritten only when their content changes,
        # so that a dirty rebuild skips the ones a save did not affect.
        if self._serve_dir is None:
            self._serve_dir = tempfile.TemporaryDirectory(prefix="policybook-preview-")
        path = Path(self._serve_dir.name) / uri
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
        files.append(File.generated(config, uri, abs_src_path=str(path)))

    def _build_nav(self, config: MkDocsConfig, by_category: dict[str, list[Policy]], files: Files) -> None:
        corpus = self._corpus()
        policies_nav: list[Any] = []
        for category_id, members in by_category.items():
            category = corpus.config.categories.get(category_id)
            if not members or category is None:
                continue
            entries: list[Any] = [f"policies/{category_id}/index.md"]
            # Material prints nav titles and page titles without escaping: escape them here.
            entries += [{html.escape(p.title or p.label): pages.policy_uri(p, corpus)}
                        for p in sorted(members, key=lambda p: p.id or "")]
            policies_nav.append({html.escape(category.title): entries})
        registers_nav = [{"All policies": "registers/index.md"}, {"Due for review": "registers/review.md"},
                         {"Roles": "registers/roles.md"}, {"Guidance": "registers/guidance.md"},
                         {"Standards": "registers/standards.md"}, {"Equipment": "registers/equipment.md"}]
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
        policy = self.uris.get(page.file.src_uri)
        if policy is not None:
            return policy.doc.body  # already read by the loader: MkDocs never parses our frontmatter
        return None

    def on_page_markdown(self, markdown: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        corpus = self._corpus()
        policy = self.uris.get(page.file.src_uri)
        if policy is None:
            page.meta = _escaped(page.meta)  # Material prints a page's own title, description... as they are
        if policy is not None:
            # The id in the page's title puts the policy first when staff search for it ("GOV-004").
            page.meta["title"] = html.escape(f"{policy.id} {policy.title}" if policy.id else policy.title
                                             or policy.label)
            page.meta["search"] = {"boost": 3}
            page.meta["template"] = "policy.html"
            page.meta["policybook"] = panel(corpus, policy)
            page.meta["policybook"]["draft"] = policy.status is Status.DRAFT  # only in the live preview
            page.meta["policybook"]["related"] = self._related(policy)
            service = corpus.config.confirmations  # "Confirm you have read version X": the service's own page
            if service and policy.acknowledge and policy.status is Status.APPROVED:
                page.meta["policybook"]["confirm"] = f"{service.base_url}/policies/{policy.id}?version=" \
                                                     f"{policy.version_text}"
            page.meta["policybook"]["previous"] = [
                {"version": o.record.version, "from": long_date(o.record.approved_on),
                 "to": long_date(o.record.in_force_to) if o.record.in_force_to else "",
                 "url": o.page[:-3] + "/", "changes": o.redline[:-3] + "/" if o.redline else ""}
                for o in reversed(self.previous.get(page.file.src_uri, []))]
            changes = self.previous_changes.get(page.file.src_uri)
            # Site-root addresses; the template's `url` filter makes them relative to the page.
            page.meta["policybook"]["changes"] = changes[:-3] + "/" if changes else ""
            return self._render_body(policy, policy.doc.body, page, files)
        if page.file.src_uri in self.not_searched:
            page.meta["search"] = {"exclude": True}  # staff search holds only what is in force
        superseded = self.old_bodies.get(page.file.src_uri)
        if superseded is not None:
            old, current_uri = superseded
            record = old.record
            page.meta["search"] = {"exclude": True}
            page.meta["title"] = html.escape(f"{old.policy.id or ''} {old.policy.title or ''} "
                                             f"version {record.version} (superseded)".strip())
            page.meta["template"] = "policy.html"
            page.meta["policybook"] = panel(corpus, old.policy)
            page.meta["policybook"]["related"] = self._related(old.policy)
            page.meta["policybook"].update(review_status="superseded", review_label="Superseded")
            page.meta["policybook"]["superseded"] = {
                "from": long_date(record.approved_on), "to": long_date(record.in_force_to),
                "current": current_uri[:-3] + "/"}
            return self._render_body(old.policy, old.body, page, files)
        if page.is_homepage and page.file.src_uri not in self.generated:
            handbook = files.get_file_from_path("handbook/staff-handbook.pdf") is not None
            return markdown + pages.home_contents(corpus, page.file.src_uri, list(self.uris.values()),
                                                  handbook=handbook)
        return markdown

    def _render_body(self, policy: Policy, body: str, page: Page, files: Files) -> str:
        """Render ``body`` for ``page`` (see bodies.py) and return the placeholder MkDocs renders instead."""
        bodies = self._bodies()
        bodies.rendered[page.file.src_uri] = bodies.render(policy, body, page.file, files)
        return bodies.placeholder

    def on_page_content(self, html_text: str, /, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """Every page's content is cleaned by the allow-list sanitiser; then a policy body takes its place."""
        bodies = self._bodies()
        cleaned = bodies.fill(sanitise_page(html_text), page.file.src_uri)
        toc = bodies.toc(page.file.src_uri)
        if toc is not None and page.file.src_uri in self.uris:
            page.toc = toc
        if "title" not in page.meta and page.title and not page.is_homepage:
            # Material prints meta titles into <title> as they are; a generated page's title is already escaped.
            page.meta["title"] = html.escape(html.unescape(page.title))
        return cleaned

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        output = self._with_language(output)
        hashes = theme_script_hashes(output, page.content or "")
        self._script_hashes |= hashes
        return with_content_security_policy(output, hashes, nonce=self._reload_nonce)

    def on_post_template(self, output_content: str, /, *, template_name: str, config: MkDocsConfig) -> str:
        """Pages made from templates alone (404.html) get the policy too."""
        if not template_name.endswith(".html"):
            return output_content
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
