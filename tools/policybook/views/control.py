"""A policy's document control, worked out once for the staff site's panel and the handbook's table.

The templates render its rows generically, so a plain field shown everywhere is one row here. Every
value is plain text: escaping it is each template's job (HTML on the site, Typst strings in print).
Where the outputs differ on purpose (a review badge on the site, "Overdue since" in print; related
policies addressed as pages of the site or as web addresses) a row or value names the output it is for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.model import Policy
from policybook.registers import citations, declared_registers
from policybook.views.addresses import page_url
from policybook.views.review import interval_text, is_overdue, review_status
from policybook.views.text import web


class Output(StrEnum):
    SITE = "site"
    PRINT = "print"


BOTH = (Output.SITE, Output.PRINT)


@dataclass(frozen=True)
class Value:
    """One value of a row. ``kind`` says how a template shows it: ``text``; ``link`` (to the web address
    ``url``); ``status`` (the review state, ``style`` naming it: current, due-soon, overdue, superseded);
    ``policy`` (another policy, ``ref`` its id, ``url`` its address in this output); ``page`` (a page of
    the site, ``url`` its address from the site root)."""

    text: str
    url: str = ""
    detail: str = ""  # said after the value, in brackets
    kind: str = "text"
    style: str = ""
    ref: str = ""


@dataclass(frozen=True)
class Row:
    """A labelled line of the document control: a ``fact`` in its table, or a ``list`` under a heading."""

    key: str
    label: str
    values: tuple[Value, ...]
    kind: str = "fact"


@dataclass(frozen=True)
class Entry:
    """One line of the version history."""

    version: str
    date: str
    author: str
    summary: str
    accepted: tuple[tuple[str, str], ...] = ()  # (rule, reason): warnings accepted at its approval


@dataclass(frozen=True)
class Links:
    """Where other policies are in an output: ``pages`` maps an id to its address there (a page of the
    site, or a web address in print); ``named`` holds the policies a related id is named after."""

    pages: Mapping[str, str] = field(default_factory=dict)
    named: Mapping[str, Policy] = field(default_factory=dict)


@dataclass(frozen=True)
class DocumentControl:
    """What an output shows of a policy besides its body."""

    id: str
    title: str
    version: str
    status: str
    owner: str
    approved_on: str
    next_review: str
    review_status: str  # current, due-soon, overdue or superseded (a key for styling)
    review_label: str
    overdue: bool
    audience: tuple[str, ...]
    duties: tuple[tuple[str, tuple[str, ...]], ...]  # (role title, what it must do)
    history: tuple[Entry, ...]
    rows: tuple[Row, ...]

    @property
    def facts(self) -> list[Row]:
        return [row for row in self.rows if row.kind == "fact"]

    @property
    def lists(self) -> list[Row]:
        return [row for row in self.rows if row.kind == "list"]


@dataclass(frozen=True)
class Listing:
    """A policy's line in a list of policies: id, title, version and next review."""

    id: str
    title: str
    version: str
    next_review: str
    overdue: bool


def listing(corpus: Corpus, policy: Policy) -> Listing:
    return Listing(policy.id or "", policy.title or "", policy.version_text or "", long_date(policy.next_review),
                   is_overdue(policy, corpus.today))


def document_control(corpus: Corpus, policy: Policy, output: Output, links: Links | None = None, *,
                     superseded: bool = False) -> DocumentControl:
    """``policy``'s document control as ``output`` shows it; ``superseded`` for the page of a version
    no longer in force."""
    links = links or Links()
    status, label = ("superseded", "Superseded") if superseded else \
        review_status(policy, corpus.today, corpus.config.due_soon_days)
    overdue = is_overdue(policy, corpus.today)
    audience = tuple(corpus.role_title(r) for r in policy.audience)
    return DocumentControl(
        id=policy.id or "", title=policy.title or "", version=policy.version_text or "",
        status=(policy.status or "").capitalize(), owner=corpus.role_title(policy.owner or ""),
        approved_on=long_date(policy.approved_on),
        next_review=long_date(policy.next_review), review_status=status, review_label=label, overdue=overdue,
        audience=audience,
        duties=tuple((corpus.role_title(r), tuple(duties)) for r, duties in policy.roles.items()),
        history=tuple(Entry(h.version_text or "", long_date(h.date), h.author or "", h.summary or "", h.accepted)
                      for h in policy.history),
        rows=_rows(corpus, policy, output, links, (status, label), overdue, audience))


def _rows(corpus: Corpus, policy: Policy, output: Output, links: Links, review: tuple[str, str],
          overdue: bool, audience: tuple[str, ...]) -> tuple[Row, ...]:
    category = corpus.config.categories.get(policy.category or "")
    next_review = long_date(policy.next_review)
    badge = {Output.SITE: Value(review[1], kind="status", style=review[0]),
             Output.PRINT: Value(f"Overdue since {next_review}", kind="status", style="overdue") if overdue else None}
    own = web(links.pages.get(policy.id or ""))
    related = _related(policy, output, links)
    declared: list[tuple[tuple[Output, ...], Row]] = [
        (BOTH, _fact("id", "Policy id", policy.id)),
        (BOTH, _fact("version", "Version", policy.version_text)),
        (BOTH, _fact("status", "Status", (policy.status or "").capitalize())),
        (BOTH, _fact("category", "Category", category.title if category else policy.category)),
        (BOTH, _fact("owner", "Owner", corpus.role_title(policy.owner or ""))),
        (BOTH, _fact("author", "Author", policy.author)),
        (BOTH, _fact("approved_by", "Approved by", corpus.role_title(policy.approved_by or ""))),
        (BOTH, _fact("approved_on", "Approved on", long_date(policy.approved_on))),
        (BOTH, _fact("created", "First issued", long_date(policy.created))),
        (BOTH, Row("next_review", "Next review", tuple(v for v in (Value(next_review), badge[output]) if v))),
        ((Output.SITE,), _fact("review_interval", "Reviewed every", f"{policy.review_interval} months")),
        ((Output.PRINT,), _fact("review_interval", "Review interval", interval_text(policy.review_interval))),
        ((Output.PRINT,), Row("audience", "Who must read it", (Value(", ".join(audience)),))),
        ((Output.PRINT,), Row("url", "On the staff site", (Value(own, own, kind="link") if own else
                                                           Value("Not published on a staff site"),))),
        (BOTH, Row("guidance", "External guidance", _guidance(corpus, policy), "list")),
        (BOTH, Row("standards", "Regulations and quality statements", _standards(corpus, policy), "list")),
        # The site lists related documents before equipment, the handbook after.
        ((Output.SITE,), Row("related", "Related documents", related, "list")),
        (BOTH, Row("equipment", "Equipment covered", _equipment(corpus, policy), "list")),
        ((Output.PRINT,), Row("related", "Related documents", related, "list")),
        (BOTH, Row("risks", "Risks that cite it", _risks(corpus, policy, output), "list")),
    ]
    declared += [(BOTH, row) for row in _cited_rows(corpus, policy, {row.key for _, row in declared})]
    # A fact every policy has keeps its one (maybe empty) value; a list, or a fact left out, has none.
    return tuple(row for outputs, row in declared if output in outputs and row.values)


# Citations the view shows in their own way: the duties under the panel, reviews in the history.
_SHOWN_ELSEWHERE = {"roles", "audience", "reviews"}


def _cited_rows(corpus: Corpus, policy: Policy, shown: set[str]) -> list[Row]:
    """One list row for each register citation the rows above (``shown``) do not show: a register declared
    with a new citing field is shown everywhere without the view knowing it by name."""
    rows = []
    for register, citation in citations():
        if citation.field in shown or citation.field in _SHOWN_ELSEWHERE:
            continue
        table = corpus.registers.table(register.name)
        entries = (table.get(cited) for _, cited in citation.ids(policy.data))
        label = register.page.title if register.page else register.name.replace("-", " ").capitalize()
        rows.append(Row(citation.field, label, tuple(Value(register.label(e)) for e in entries if e), "list"))
    return rows


def _fact(key: str, label: str, text: str | None) -> Row:
    """A row every policy has (shown empty when the policy leaves it out: the schema reports that)."""
    return Row(key, label, (Value(text or ""),))


def _guidance(corpus: Corpus, policy: Policy) -> tuple[Value, ...]:
    found = []
    for ref in policy.guidance:
        item = corpus.registers.guidance.get(ref.id)
        if item:
            found.append(Value(item.title, web(item.url), item.detail(ref.section), kind="link"))
    return tuple(found)


def _standards(corpus: Corpus, policy: Policy) -> tuple[Value, ...]:
    standards = corpus.registers.standards
    return tuple(Value(s.title, web(s.url), s.framework, kind="link")
                 for s in (standards.get(ref) for ref in policy.standards) if s)


def _equipment(corpus: Corpus, policy: Policy) -> tuple[Value, ...]:
    equipment = corpus.registers.equipment
    return tuple(Value(e.name) for e in (equipment.get(ref) for ref in policy.equipment) if e)


def _risks(corpus: Corpus, policy: Policy, output: Output) -> tuple[Value, ...]:
    """The risks whose register entry cites the policy, highest score first, each linked to its place on the
    risk register page: a page of the site (kind ``page``, an address from the site root), or in print its
    web address when the library names its site."""
    register = next((r for r in declared_registers() if r.name == "risks"), None)
    if register is None or register.page is None or not policy.id:
        return ()
    citing = [r for r in corpus.registers.risks.values() if policy.id in r.policies]
    found = []
    for risk in sorted(citing, key=lambda r: (-(r.score or 0), r.title.casefold(), r.id)):
        address = page_url(register.page.uri) + (f"#risk-{risk.id}" if _SLUG.fullmatch(risk.id) else "")
        detail = f"score {risk.score}" if risk.score is not None else "not scored"
        if output is Output.SITE:
            found.append(Value(risk.title, address, detail, kind="page"))
        else:
            base = corpus.config.site_url.rstrip("/")
            found.append(Value(risk.title, web(f"{base}/{address}") if base else "", detail, kind="link"))
    return tuple(found)


_SLUG = re.compile(r"[a-z][a-z0-9-]*")  # the risk page gives an entry with such an id an anchor, risk-<id>


def _related(policy: Policy, output: Output, links: Links) -> tuple[Value, ...]:
    """Each related policy, linked to its address in ``output`` when it has one. In print a policy in
    force may still be in the handbook at hand: the template decides that per edition, by ``ref``."""
    found = []
    for other_id in policy.related:
        other = links.named.get(other_id)
        text = f"{other_id} {other.title}" if other is not None and other.title else other_id
        address = links.pages.get(other_id, "")
        if output is Output.PRINT:
            address = web(address) if other is not None else ""
        named = other is not None and bool(other.title)
        missing = "not in this handbook" if output is Output.PRINT and named else "not in force"
        found.append(Value(text, address, "" if address else missing, kind="policy", ref=other_id))
    return tuple(found)
