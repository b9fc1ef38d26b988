"""Markdown structure rules: ``broken-link`` (and links to unknown policy ids), ``broken-anchor``,
``image-file``, ``heading-structure`` and ``image-alt``. Link targets are classified by files.py, the
same code the site and the handbook use to publish them, so what passes here publishes there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from policybook.checks.references import UNKNOWN_POLICY_REF
from policybook.checks.run import CheckRun
from policybook.corpus import Corpus
from policybook.files import IMAGE_SUFFIXES, Kind, classify, linked_policy, unsafe_site_files
from policybook.findings import Finding, Scope, Severity, check, declare
from policybook.images import image_problem
from policybook.markdown import dialect, heading_text, section_bounds
from policybook.model import BodySummary, Policy, Status

SITE_PAGES = "docs"  # the hand-written pages of the staff site (mkdocs.yml's docs_dir)
MAX_NESTING = 12  # block quotes nested 18 deep exceed Typst's limit; nobody writes more than a few

BROKEN_LINK = declare(
    "broken-link", Severity.ERROR, Scope.CORPUS,
    "A link the staff site cannot follow: a file that does not exist, lies outside the repository or the "
    "policies folder, goes through a symbolic link, is not a publishable type, or a policy not on the site; "
    "or a scheme other than https, http and mailto.")
BROKEN_ANCHOR = declare(
    "broken-anchor", Severity.ERROR, Scope.CORPUS,
    "A link to a heading (`#scope`, `IPC-002#scope`) that the policy it points at does not have.")
IMAGE_FILE = declare(
    "image-file", Severity.ERROR, Scope.POLICY,
    "An image that cannot be published on the site and in the handbook: remote, missing, outside the "
    "policies folder, not really a PNG, JPEG, GIF, WebP or SVG, over 40 megapixels or 20,000 pixels a side, or "
    "an SVG with a DOCTYPE, script or references to other files.")
SITE_FILE = declare(
    "site-file", Severity.ERROR, Scope.CORPUS,
    "A file among the site's own pages (`docs/`) that cannot be published safely: a symbolic link, a file a "
    "browser would run (HTML, JavaScript, XML), or an unsafe or broken image.")
EMPTY_HEADING = declare(
    "empty-heading", Severity.ERROR, Scope.POLICY,
    "A heading with no words (only spaces, a comment or an image): staff cannot find it in the contents, and "
    "the handbook cannot be made an accessible (tagged) PDF.")
NESTING_DEPTH = declare(
    "nesting-depth", Severity.ERROR, Scope.POLICY,
    f"Block quotes, lists and notes nested more than {MAX_NESTING} deep: staff cannot follow them, and the "
    "handbook cannot typeset them.")
HEADING_STRUCTURE = declare(
    "heading-structure", Severity.WARNING, Scope.POLICY,
    "An H1 in the body: the title comes from the frontmatter.")
HEADING_SKIP = declare(
    "heading-skip", Severity.ERROR, Scope.POLICY,
    "A heading that skips a level (`##` then `####`): screen readers and the accessible PDF need every level "
    "in turn, and the handbook cannot be tagged otherwise.")
PAGE_ADDRESS = declare(
    "page-address", Severity.ERROR, Scope.CORPUS,
    "Two policies would be published at the same address (`x.md` and `x/index.md`), or a policy would take the "
    "place of a generated page (a category's `index.md`): rename the file.")
EMPTY_SECTION = declare(
    "empty-section", Severity.ERROR, Scope.POLICY,
    "A section with no text, or only the template's `<!-- comments -->`, in a policy that is approved or being "
    "approved (a warning while the policy is a draft): an untouched template cannot be published.")
URGENT_SECTION = declare(
    "urgent-section", Severity.ERROR, Scope.POLICY,
    "The `urgent` field names a section the body does not have: the site and the handbook could not show it "
    "first, so staff would not find the urgent steps where the policy promises them.")
IMAGE_ALT = declare(
    "image-alt", Severity.ERROR, Scope.POLICY,
    'An image without alternative text.')


@check(BROKEN_LINK, BROKEN_ANCHOR, UNKNOWN_POLICY_REF, run=True)
def check_links(corpus: Corpus, run: CheckRun) -> Iterator[Finding]:
    by_id = corpus.by_id()
    by_path = {p.doc.path.resolve(): p for p in corpus.policies}
    root, policies_dir = corpus.root, corpus.config.policies_path
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        for link in run.summary(policy).links:
            if link.image:
                continue  # image-file checks images
            target = classify(link.target, policy.doc.path, root, policies_dir)
            where = (policy.rel, link.line, link.column)
            if target.kind is Kind.FILE and target.path is not None and target.path.suffix.lower() in IMAGE_SUFFIXES:
                problem = image_problem(target.path)  # an image opened from the site runs at its origin
                if problem:
                    yield BROKEN_LINK.at(*where, f"link target '{link.target}' {problem}")
            if target.kind is Kind.REFUSED:
                yield BROKEN_LINK.at(*where, f"link target '{link.target}' {target.problem}")
            elif target.kind is Kind.ANCHOR:
                if target.fragment not in run.summary(policy).anchors:
                    yield BROKEN_ANCHOR.at(*where, _no_heading(target.fragment, "this policy", run.summary(policy)))
            elif target.kind is Kind.POLICY:
                other = linked_policy(target, by_id, by_path)
                if other is None:
                    if target.policy_id:
                        yield UNKNOWN_POLICY_REF.at(*where, f"link to policy '{target.policy_id}': no policy has "
                                                    "that id")
                    else:
                        yield BROKEN_LINK.at(*where, f"link target '{link.target}' is not a policy file")
                elif policy.in_force and other.status is Status.DRAFT:
                    yield BROKEN_LINK.at(*where, f"links to {other.label}, a draft that is not on the staff site")
                elif target.fragment and target.fragment not in run.summary(other).anchors:
                    yield BROKEN_ANCHOR.at(*where, _no_heading(target.fragment, other.label, run.summary(other)))


def _no_heading(fragment: str, name: str, summary: BodySummary) -> str:
    anchors = ", ".join(f"#{a}" for a in sorted(summary.anchors)[:8]) or "none"
    return f"'#{fragment}': {name} has no heading with that id (its headings: {anchors})"


@check(IMAGE_FILE)
def check_image_files(corpus: Corpus) -> Iterator[Finding]:
    root, policies_dir = corpus.root, corpus.config.policies_path
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        for link in policy.parsed.links:
            if not link.image:
                continue
            target = classify(link.target, policy.doc.path, root, policies_dir, image=True)
            path = target.path if target.kind is Kind.FILE else None  # a file target always has its path
            problem = image_problem(path) if path is not None else target.problem
            if problem:
                yield IMAGE_FILE.at(policy.rel, link.line, link.column, f"image '{link.target}' {problem}")


@check(SITE_FILE)
def check_site_files(corpus: Corpus) -> Iterator[Finding]:
    """The site's own pages (docs/) are published as they are, from the site's origin: the build refuses
    links, active files and unsafe images there, so lint reports them first."""
    for path, problem in unsafe_site_files(corpus.root / SITE_PAGES):
        yield SITE_FILE.at(path.relative_to(corpus.root).as_posix(), 1, 1, f"'{path.name}' {problem}")


@check(PAGE_ADDRESS)
def check_page_addresses(corpus: Corpus) -> Iterator[Finding]:
    """MkDocs publishes `a/b.md` and `a/b/index.md` (or `README.md`) at one address, `a/b/`; a category's
    `index.md` is the generated list of its policies."""
    taken: dict[str, Policy] = {}
    categories = set(corpus.config.categories)
    for policy in sorted(corpus.policies, key=lambda p: p.rel):
        address = page_address(policy.doc.path.relative_to(corpus.config.policies_path).as_posix())
        if address in categories:
            yield PAGE_ADDRESS.at(policy.rel, 1, 1, f"{policy.rel} would replace the page the site makes for the "
                                  "category (its list of policies): rename the file")
        elif address in taken:
            yield PAGE_ADDRESS.at(policy.rel, 1, 1, f"{policy.rel} would be published at the same address as "
                                  f"{taken[address].rel}: rename one of them")
        else:
            taken[address] = policy
    for address, policy in taken.items():  # <policy>/versions/ holds the pages of its earlier versions
        folder, marker, _ = address.rpartition("/versions/")
        owner = taken.get(folder) if marker else None
        if owner is not None and owner is not policy:
            yield PAGE_ADDRESS.at(policy.rel, 1, 1, f"{policy.rel} would take the place of the pages of earlier "
                                  f"versions of {owner.label} ({folder}/versions/): move it")


def page_address(relative: str) -> str:
    """The address MkDocs gives a Markdown file under policies/ (without the .md; index and README pages
    stand for their folder), compared without regard to case."""
    stem = relative[:-3] if relative.lower().endswith(".md") else relative
    folder, _, name = stem.rpartition("/")
    return (folder if name.lower() in ("index", "readme") else stem).casefold()


@check(EMPTY_HEADING)
def check_empty_headings(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        for heading in policy.parsed.headings:
            if not heading_text(heading.text).strip():
                yield EMPTY_HEADING.at(policy.rel, heading.line, 1, "this heading has no words: give it a title, or "
                                       "make it ordinary text")


@check(NESTING_DEPTH)
def check_nesting_depth(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        depth, line = policy.parsed.deepest
        if depth > MAX_NESTING:
            yield NESTING_DEPTH.at(policy.rel, line, 1, f"block quotes, lists and notes are nested {depth} deep here; "
                                   f"keep to {MAX_NESTING} or fewer")


@check(HEADING_STRUCTURE, HEADING_SKIP)
def check_headings(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        previous = 1
        for heading in policy.parsed.headings:
            if heading.level == 1:
                yield HEADING_STRUCTURE.at(policy.rel, heading.line, 1,
                              f"level-1 heading '{heading.text}': the title comes from the frontmatter; "
                              "start sections at '##'")
            elif heading.level > previous + 1:
                yield HEADING_SKIP.at(policy.rel, heading.line, 1,
                                      f"heading '{heading.text}' jumps from level {previous} to {heading.level}: "
                                      f"make it level {previous + 1} ({'#' * (previous + 1)})")
            previous = heading.level


@check(IMAGE_ALT)
def check_image_alt(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if not policy.has_body:
            continue
        for link in policy.parsed.links:
            if link.image and not link.alt.strip():
                yield IMAGE_ALT.at(policy.rel, link.line, link.column,
                              f"image '{Path(link.target).name}' has no alternative text: describe it "
                              "between the square brackets")


__all__ = ["check_headings", "check_image_alt", "check_links"]


def _content_lines(policy: Policy) -> list[int]:
    """File lines where something staff would read starts: prose, code, an image. Comments are not."""
    body = policy.parsed
    lines = [block.line for block in body.prose if block.kind != "heading" and block.text.strip()]
    lines += list(body.code_lines) + [link.line for link in body.links if link.image]
    return sorted(lines)


def empty_sections(policy: Policy) -> Iterator[tuple[int, str]]:
    """(line, heading) of each section with nothing in it, nor in any subsection."""
    body = policy.parsed
    content = _content_lines(policy)
    headings = body.headings
    for index, heading in enumerate(headings):
        end = next((h.line for h in headings[index + 1:] if h.level <= heading.level), 1 << 30)
        title = heading_text(heading.text).strip()
        if title and not any(heading.line < line < end for line in content):  # a wordless one: empty-heading
            yield heading.line, title


@check(EMPTY_SECTION)
def check_empty_sections(corpus: Corpus) -> Iterator[Finding]:
    for policy in corpus.policies:
        if policy.status not in (Status.APPROVED, Status.DRAFT):
            continue  # retired, or a file whose frontmatter could not be read (reported by the schema)
        severity = Severity.WARNING if policy.status is Status.DRAFT else Severity.ERROR
        if not policy.has_body or not (policy.parsed.headings or _content_lines(policy)):
            yield EMPTY_SECTION.at(policy.rel, policy.doc.body_line, 1, "the policy has no text yet: write it "
                                   "before it is approved", severity)
            continue
        for line, title in empty_sections(policy):
            yield EMPTY_SECTION.at(policy.rel, line, 1, f"section '{title}' is empty (or holds only comments): "
                                   "write it, or remove the heading, before the policy is approved", severity)


@check(URGENT_SECTION)
def check_urgent_section(corpus: Corpus) -> Iterator[Finding]:
    """A named urgent section must be a heading of the body, not one inside a list, quote or note (the default,
    "In an emergency", is optional)."""
    for policy in corpus.policies:
        name = policy.urgent
        if not policy.has_body or not policy.urgent_declared or name is None:
            continue
        headings = policy.parsed.headings
        if section_bounds(dialect().parse(policy.doc.body), name) == (0, 0):
            line, column = policy.doc.position(("urgent",))
            listed = "; ".join(f"'{heading_text(h.text)}'" for h in headings if h.level == 2)[:300] or "none"
            yield URGENT_SECTION.at(policy.rel, line, column, f"urgent names the section '{name}', which the body "
                                    f"does not have: name one of its headings (its sections: {listed})")
