"""``policybook guidance check``: compare each guidance entry's page with what the register recorded.

The pages are read through a ``Reader`` (``watch/fetch.py`` on the command line), so this module itself
touches no network. What it finds for each entry is an ``Outcome``: the page could not be read, it is
unchanged, its main text changed (with the edition, the sections changed and the policies citing it), or
the publisher withdrew or replaced it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.model import Policy, Status, normalise_title
from policybook.registers.entries import Guidance
from policybook.watch.kept import read_kept
from policybook.watch.text import MainText, changes, edition, is_pdf, notice, page_text, title

if TYPE_CHECKING:
    from policybook.watch.fetch import Fetched

Reader = Callable[[str], "Fetched"]  # the page at an address, or a PolicybookError saying why not
FRONTMATTER = "frontmatter"
_TRACKING = ("utm_", "gclid", "fbclid", "mc_cid", "mc_eid", "_ga", "_hs")


@dataclass(frozen=True)
class Citing:
    """A policy citing the guidance, and the sections of the policy that refer to it."""

    policy: str
    sections: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.policy} ({'; '.join(self.sections)})"


@dataclass(frozen=True)
class Superseded:
    status: str  # "superseded" or "withdrawn", as the register records it
    because: str  # what the publisher did: "HTTP 410", "a permanent redirect", "a withdrawal notice"...
    replacement_url: str | None = None
    replacement_title: str | None = None

    @property
    def replacement(self) -> str:
        if not self.replacement_url:
            return "no replacement named"
        named = f"'{self.replacement_title}' " if self.replacement_title else ""
        return f"replaced by {named}<{self.replacement_url}>"


@dataclass
class Outcome:
    entry: Guidance
    problem: str | None = None  # why the page could not be read
    text: MainText | None = None
    changed: bool = False
    edition: str | None = None  # the edition the page shows now, where it shows one
    summary: list[str] = field(default_factory=list)  # sections added, removed or altered
    superseded: Superseded | None = None
    moved_to: str | None = None  # a permanent redirect to the same guidance at a new address
    citing: list[Citing] = field(default_factory=list)

    @property
    def fingerprint(self) -> str | None:
        return self.text.fingerprint if self.text and not self.superseded else None

    @property
    def edition_changed(self) -> bool:
        return bool(self.edition and self.entry.edition and self.edition != self.entry.edition)

    def lines(self) -> list[str]:
        """The report of this entry: one line, and for a change the lines that say what changed."""
        entry = self.entry
        if self.problem:
            return [f"{entry.id}: {entry.url}: {self.problem}"]
        cited = ", ".join(str(c) for c in self.citing) or "no policy"
        if self.superseded:
            return [f"{entry.id}: {self.superseded.status} ({self.superseded.because}): "
                    f"{self.superseded.replacement}; cited by {cited}"]
        if not self.changed:
            moved = f" (moved to {self.moved_to})" if self.moved_to else ""
            return [f"{entry.id}: unchanged{moved}"]
        out = [f"{entry.id}: the main text changed since {entry.checked_on or 'it was recorded'}; cited by {cited}"]
        if self.edition_changed:
            out.append(f"  edition: {entry.edition} -> {self.edition}")
        out += [f"  {line}" for line in self.summary]
        return out

    def as_json(self) -> dict[str, object]:
        superseded = self.superseded
        return {"id": self.entry.id, "problem": self.problem, "changed": self.changed,
                "edition": {"was": self.entry.edition, "now": self.edition} if self.edition_changed else None,
                "summary": self.summary,
                "superseded": None if superseded is None else {
                    "status": superseded.status, "because": superseded.because,
                    "replacement_url": superseded.replacement_url, "replacement_title": superseded.replacement_title},
                "moved_to": self.moved_to,
                "citing": [{"policy": c.policy, "sections": list(c.sections)} for c in self.citing],
                "fingerprint": self.fingerprint}


def _mentions(policy: Policy, entry: Guidance) -> tuple[str, ...]:
    """The headings of the policy's sections whose prose names the guidance (its title, id or address) or
    links to it; text before the first heading counts as the policy's introduction."""
    needles = [n.casefold() for n in (entry.title, entry.id, entry.url.rstrip("/")) if n and len(n) > 3]
    parsed = policy.parsed
    lines = sorted(h.line for h in parsed.headings)
    names = {h.line: h.text for h in parsed.headings}

    def heading_at(line: int) -> str:
        above = [at for at in lines if at <= line]
        return names[above[-1]] if above else "introduction"

    found: dict[str, None] = {}
    for block in parsed.prose:
        if block.kind != "heading" and any(n in block.text.casefold() for n in needles):
            found[heading_at(block.line)] = None
    for link in parsed.links:
        if link.target.rstrip("/").casefold() == entry.url.rstrip("/").casefold():
            found[heading_at(link.line)] = None
    return tuple(found)


def citing(corpus: Corpus, entry: Guidance) -> list[Citing]:
    """The policies (not retired) citing ``entry`` in their frontmatter, each with the sections of the
    policy that refer to it ("frontmatter" when only the frontmatter does)."""
    found = []
    for policy in corpus.policies:
        if policy.status is Status.RETIRED or policy.id is None:
            continue
        if any(ref.id == entry.id for ref in policy.guidance):
            found.append(Citing(policy.id, _mentions(policy, entry) or (FRONTMATTER,)))
    return sorted(found, key=lambda c: c.policy)


def without_tracking(url: str) -> str:
    """An address without the campaign and click parameters a publisher's links carry (utm_*, gclid...)."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith(_TRACKING)]
    return parts._replace(query=urlencode(kept)).geturl()


def _same_guidance(entry: Guidance, page_title: str | None) -> bool:
    """Whether a page the entry's address now redirects to is the same guidance: its title matches. A page
    without a title (a PDF) counts as the same, so its text is still compared and a change still reported."""
    if not page_title:
        return True
    wanted, found = normalise_title(entry.title), normalise_title(page_title)
    shorter, longer = sorted((wanted, found), key=len)
    # "Regulation 20: Duty of candour" and "Regulation 20: Duty of candour - CQC"; not "Guidance" in any title.
    return shorter == longer or (len(shorter) >= 12 and shorter in longer)


def _inspect(corpus: Corpus, entry: Guidance, page: Fetched, outcome: Outcome) -> None:
    if page.status == 410:
        outcome.superseded = Superseded("withdrawn", "the publisher answers HTTP 410 Gone")
        return
    html = b"" if is_pdf(page.body, page.content_type) else page.body
    if page.permanent_redirect:
        named = title(html) if html else None
        if _same_guidance(entry, named):
            outcome.moved_to = without_tracking(page.url)
        else:
            outcome.superseded = Superseded("superseded", "a permanent redirect to another page",
                                            without_tracking(page.url), named)
            return
    outcome.text = page_text(page.body, page.content_type)
    said = notice(html, outcome.text) if html else None
    if said and said.replacement_url:
        outcome.superseded = Superseded("superseded", "the page says it is replaced",
                                        without_tracking(urljoin(page.url, said.replacement_url)),
                                        said.replacement_title)
        return
    if said and said.withdrawn:
        outcome.superseded = Superseded("withdrawn", "the page carries a withdrawal notice")
        return
    outcome.edition = edition(html) if html else None
    if entry.fingerprint and (outcome.text.fingerprint != entry.fingerprint or outcome.edition_changed):
        outcome.changed = True
        before = read_kept(corpus.config.root, entry.id)
        if before is None:
            outcome.summary = ["no earlier text was kept: compare the page with the policies by hand"]
        else:
            outcome.summary = changes(before, outcome.text) or ["no section of the main text changed"]


def check(corpus: Corpus, ids: Iterable[str], read: Reader) -> list[Outcome]:
    """Read each entry's page (every current entry when ``ids`` is empty) and say what became of it. A page that
    cannot be read is one outcome with its problem; it never stops the others."""
    register = corpus.registers.guidance
    # Guidance already recorded as withdrawn or superseded is checked only when named: lint reports it.
    wanted = list(dict.fromkeys(ids)) or [i for i, entry in register.items() if entry.status == "current"]
    unknown = [i for i in wanted if i not in register]
    if unknown:
        raise PolicybookError(f"not in the guidance register: {', '.join(unknown)}")
    outcomes = []
    for guidance_id in wanted:
        entry = register[guidance_id]
        outcome = Outcome(entry)
        try:
            _inspect(corpus, entry, read(entry.url), outcome)
        except PolicybookError as error:
            outcome.problem = str(error)
        if outcome.changed or outcome.superseded:
            outcome.citing = citing(corpus, entry)
        outcomes.append(outcome)
    return outcomes
