"""The site's own pages as objects that carry their data (as Material's blog plugin does with posts):
a policy's page holds the policy, a superseded version's page that version, a generated page its
Markdown. The plugin's hooks ask the page, so no map keyed by page is kept beside them."""

from __future__ import annotations

import html
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page

from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.evidence.history import ApprovedVersion
from policybook.model import Policy, Status
from policybook.render import RenderedBody
from policybook.site.versions import OldVersion
from policybook.views.addresses import confirm_page, page_url
from policybook.views.control import Links, Output, document_control


class SitePage(Page):
    """A page whose Markdown the plugin supplies (MkDocs never reads its file as a page)."""

    def __init__(self, file: File, config: MkDocsConfig, source: str) -> None:
        super().__init__(None, file, config)  # a title in the nav is given after the nav is made
        self.source = source
        self.search: dict[str, Any] | None = None  # how the site's search treats it (None: as any page)


class GeneratedPage(SitePage):
    """A page made from the corpus: an index, a register, a notice, a page of changes (not ``searched``:
    reachable from its policy, but staff search holds only what is in force)."""

    def __init__(self, file: File, config: MkDocsConfig, source: str, *, searched: bool = True) -> None:
        super().__init__(file, config, source)
        if not searched:
            self.search = {"exclude": True}  # reachable from its policy; search holds what is in force


class ShownPolicy(SitePage):
    """A page that shows a policy's body under its document control."""

    policy: Policy
    rendered: RenderedBody | None = None  # the body's HTML, put in place of the page's placeholder

    @property
    def body(self) -> str:
        return self.policy.doc.body

    @property
    def meta_title(self) -> str:
        """The page's title for the browser and search, escaped (Material prints it as it is)."""
        raise NotImplementedError

    def panel(self, corpus: Corpus, links: Links) -> dict[str, Any]:
        """What the policy template shows besides the body."""
        raise NotImplementedError


class PolicyPage(ShownPolicy):
    """The page of a policy in force (in the preview, of a draft in place of its approved version)."""

    def __init__(self, file: File, config: MkDocsConfig, policy: Policy) -> None:
        super().__init__(file, config, policy.doc.body)  # already read by the loader: never its frontmatter
        self.policy = policy
        self.search = {"boost": 3}  # a policy comes first in search
        self.previous: list[OldVersion] = []  # superseded versions git proves, each with its page, oldest first
        self.recorded: list[ApprovedVersion] = []  # earlier ones only its own history records: no page
        self.changes: str | None = None  # src_uri of the page of what changed in the version in force

    @property
    def meta_title(self) -> str:
        """The id in the page's title puts the policy first when staff search for it ("GOV-004")."""
        policy = self.policy
        return html.escape(f"{policy.id} {policy.title}" if policy.id else policy.title or policy.label)

    def search_terms(self, corpus: Corpus) -> list[str]:
        """The other names staff search by for what the policy covers: the names and aliases of the equipment
        it gives instructions for ("AED" for the defibrillator) and the aliases of the roles it gives duties
        ("IPC Lead"). Material's search indexes them as the page's tags (plain text here: the plugin escapes
        them, as Material's search results insert tags as HTML)."""
        terms: list[str] = []
        for item_id in self.policy.equipment:
            item = corpus.registers.equipment.get(item_id)
            terms += item.names if item else []
        for role_id in self.policy.roles:
            role = corpus.registers.roles.get(role_id)
            terms += role.aliases if role else []
        return list(dict.fromkeys(t.strip() for t in terms if t.strip()))

    def panel(self, corpus: Corpus, links: Links) -> dict[str, Any]:
        """What the policy template shows besides the body (addresses from the site root: the template's
        `url` filter makes them relative to the page)."""
        policy = self.policy
        service = corpus.config.confirmations  # "Confirm you have read version X": the service's own page
        confirm = service is not None and policy.acknowledge and policy.status is Status.APPROVED
        return {
            "view": document_control(corpus, policy, Output.SITE, links),
            "draft": policy.status is Status.DRAFT,  # only in the live preview
            "confirm": confirm_page(service.base_url, policy, version=True) if service and confirm else "",
            # Newest first: the versions git proves, linked to their pages, then the earlier ones the
            # policy's own history records, with no page to link to (git holds no text of them).
            "previous": [*({"version": o.record.version, "from": long_date(o.record.approved_on),
                            "to": long_date(o.record.in_force_to) if o.record.in_force_to else "",
                            "url": page_url(o.page), "changes": page_url(o.redline) if o.redline else ""}
                           for o in reversed(self.previous)),
                         *({"version": r.version, "from": long_date(r.approved_on),
                            "to": long_date(r.in_force_to) if r.in_force_to else "",
                            "url": "", "changes": "", "summary": r.summary}
                           for r in reversed(self.recorded))],
            "changes": page_url(self.changes) if self.changes else "",
        }


class SupersededPage(ShownPolicy):
    """A read-only page of a version no longer in force, with the panel as it stood then."""

    def __init__(self, file: File, config: MkDocsConfig, source: str, old: OldVersion, current: PolicyPage) -> None:
        super().__init__(file, config, source)
        self.search = {"exclude": True}  # staff search holds only what is in force
        self.old = old
        self.policy = old.policy
        self.current = current

    @property
    def meta_title(self) -> str:
        policy = self.policy
        return html.escape(f"{policy.id or ''} {policy.title or ''} version {self.old.record.version} "
                           "(superseded)".strip())

    def panel(self, corpus: Corpus, links: Links) -> dict[str, Any]:
        record = self.old.record
        return {
            "view": document_control(corpus, self.policy, Output.SITE, links, superseded=True),
            "superseded": {"from": long_date(record.approved_on), "to": long_date(record.in_force_to),
                           "current": page_url(self.current.file.src_uri)},
        }
