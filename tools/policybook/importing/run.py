"""``policybook import``: each document read, mapped and cleaned, then all of them written together.

Every document is prepared in full before anything is written: a problem with any of them (a missing
file, a damaged Word document, a date that contradicts ``--approved``) stops the import with one line
and leaves the project as it was. Ids are allocated as ``policybook new`` allocates them, one after
another for several documents.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from policybook.checks.emphasis import stray_markers
from policybook.checks.review_text import stated_frequencies
from policybook.control.changes import next_id, slugify
from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.evidence import git
from policybook.importing import control_paragraphs, control_table, docx, foreign
from policybook.importing.blocks import Node, plain_text, strip_controls, without_controls
from policybook.importing.body import Cleaning, clean, take_title
from policybook.importing.dialect import Admonition, to_markdown
from policybook.importing.draft import Choices, Draft, check_title, decide
from policybook.importing.emphasis import literal_markers, repair_emphasis
from policybook.importing.fields import REVIEW_INTERVAL, TITLE, Facts
from policybook.importing.pandoc import check_time, read_markdown, time_limit
from policybook.importing.pictures import Pictures
from policybook.importing.report import Report, report_path
from policybook.importing.writer import Planned, check_policy, policy_text, write_all
from policybook.loader import decode

MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".txt"}
OLD_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of .doc, .xls and .ppt


@dataclass(frozen=True)
class Imported:
    summary: str
    report: Report
    report_file: str


@dataclass
class _Converted:
    convention: str
    facts: Facts
    title: str | None
    body: str
    pictures: Pictures
    repaired: list[str]


def import_documents(corpus: Corpus, files: list[str], choices: Choices) -> list[Imported]:
    category = corpus.config.categories.get(choices.category)
    if category is None:
        raise PolicybookError(f"--category: '{choices.category}' is not a category in policybook.yml; use one of: "
                              + ", ".join(corpus.config.categories))
    for item in choices.guidance:
        if item not in corpus.registers.guidance:
            raise PolicybookError(f"--guidance: '{item}' is not in the guidance register")
    if not files:
        raise PolicybookError("name the documents to import")
    first = next_id(corpus, category.prefix)
    number = int(first.split("-")[1])
    git_author = None if choices.author else git.user_name(corpus.root)
    titles: set[str] = set()
    plans: list[Planned] = []
    done: list[Imported] = []
    with time_limit(corpus.config.import_max_seconds):
        for offset, file in enumerate(files):
            if number + offset > 999:
                raise PolicybookError(f"no free id left for prefix {category.prefix}")
            policy_id = f"{category.prefix}-{number + offset:03d}"
            plan, imported = _prepare(corpus, Path(file), file, policy_id, choices, titles, git_author)
            plans.append(plan)
            done.append(imported)
        check_time()
    write_all(plans, corpus.root)
    return done


def _prepare(corpus: Corpus, path: Path, name: str, policy_id: str, choices: Choices, titles: set[str],
             git_author: str | None) -> tuple[Planned, Imported]:
    folder = corpus.config.policies_path / choices.category
    with tempfile.TemporaryDirectory(prefix="policybook-import-media-") as media:
        converted = _convert(corpus, path, name, Path(media))
        title = check_title(corpus, converted.title or _title_from_name(path), titles, name)
        draft = decide(corpus, converted.facts, title, choices, name, git_author)
        slug = slugify(title)
        policy = folder / f"{slug}.md"
        pictures = tuple((folder / picture.relative, picture.data) for picture in converted.pictures.taken)
    text = policy_text(policy_id, choices.category, draft, choices.guidance, converted.body)
    size = len(text.encode("utf-8"))
    if size > corpus.config.max_file_bytes:
        raise PolicybookError(f"{name}: the imported policy would be {size:,} bytes, over the limit of "
                              f"{corpus.config.max_file_bytes:,} (limits.max_file_bytes) that lint applies; split the "
                              "document and import the parts; nothing was written")
    check_policy(text, policy, name)
    report = _report(corpus, name, policy_id, policy, draft, converted, choices)
    target = report_path(corpus.root, policy_id)
    plan = Planned(policy, text, pictures, target, report.markdown())
    summary = (f"imported {name} as {policy_id} '{title}', draft {draft.version}, at {_rel(corpus, policy)}"
               + (f" with {len(pictures)} picture(s)" if pictures else ""))
    return plan, Imported(summary, report, _rel(corpus, target))


def _convert(corpus: Corpus, path: Path, name: str, media: Path) -> _Converted:
    """The document read, its control facts taken out, its body cleaned into policy Markdown."""
    kind = _kind(path, name)
    facts = Facts()
    admonitions: dict[int, Admonition] = {}
    if kind == "docx":
        tree = docx.read(path, media, name, facts.notes, corpus.config.import_max_text_bytes)
        check_time()
        controls = strip_controls(tree)
        tree["blocks"] = docx.take_metadata(tree, facts) + tree["blocks"]
        convention, base = "Word document", media
    else:
        text, controls = without_controls(_markdown_text(corpus, path, name))
        source = foreign.read(text, name)
        controls += strip_controls(source.metadata)  # such as YAML's "\a" escape
        foreign.add_facts(source.metadata, facts)
        body, admonitions = foreign.admonitions_as_divs(source.body)
        tree = read_markdown(body, name)
        controls += strip_controls(tree)
        convention = ("Markdown without frontmatter" if source.convention == "none"
                      else f"Markdown with {source.convention} frontmatter")
        base = path.parent
    if controls:
        facts.notes.append(f"{controls} control character(s) (such as an escape or bell character) were removed "
                           "from the text and fields: they are not text, and would break the handbook's PDF and "
                           "terminals")
    blocks = control_table.take_control_tables(tree["blocks"], facts)
    blocks = control_paragraphs.take_control_paragraphs(blocks, facts)
    _stated_interval(blocks, facts)
    blocks, title = take_title(blocks, facts.text(TITLE))
    if title and not facts.text(TITLE):
        facts.add(TITLE, title, "the first heading")
    final_title = facts.text(TITLE) or _title_from_name(path)
    pictures = Pictures(base=base, folder=slugify(final_title))
    cleaning = Cleaning(picture=pictures.take)
    check_time()
    blocks = clean(blocks, cleaning)
    markdown_source = kind != "docx"
    repaired = repair_emphasis(blocks, markdown_source)
    for inner in cleaning.admonitions.values():
        repaired += repair_emphasis(inner, markdown_source)
    if markdown_source:
        loose = [word for part in (blocks, *cleaning.admonitions.values()) for word in literal_markers(part)]
        if loose:
            facts.notes.append(f"{len(loose)} bold or italic marker(s) pair with nothing in the original and are kept "
                               f"as literal characters, such as '{loose[0][:40]}': remove them, or make the emphasis "
                               "whole")
    body = to_markdown(tree, blocks, cleaning.admonitions, admonitions, name)
    facts.notes.extend(pictures.notes)
    facts.notes.extend(cleaning.notes)
    facts.notes.extend(f"line {stray.line} of the body: '{stray.marker}' would show as a literal character (bold or "
                       "italic with no partner): remove it, or escape it if the original shows it "
                       "(lint reports it as emphasis-debris)" for stray in stray_markers(body))
    return _Converted(convention, facts, facts.text(TITLE), body, pictures, repaired)


def _stated_interval(blocks: list[Node], facts: Facts) -> None:
    """A document with no review interval field often says it in a sentence ("This policy will be
    reviewed annually"): that is the interval, so the review calendar and the text agree."""
    if REVIEW_INTERVAL in facts.values:
        return
    for block in blocks:
        if block.get("t") not in ("Para", "Plain"):
            continue
        text = plain_text(block)
        for stated in stated_frequencies(text):
            sentence = text[stated.offset:].split(". ")[0]
            facts.add(REVIEW_INTERVAL, f"{stated.months} months", f"the sentence '{sentence[:80]}'")
            return


def _kind(path: Path, name: str) -> str:
    """'docx' or 'markdown'; anything else is refused in one line."""
    if not path.exists():
        raise PolicybookError(f"{name}: no such file")
    if not path.is_file():
        raise PolicybookError(f"{name}: is not a file")
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise PolicybookError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    suffix = path.suffix.lower()
    if head.startswith(OLD_WORD) or suffix == ".doc":
        raise PolicybookError(f"{name}: is an old Word document (.doc): open it in Word and save it as .docx")
    if suffix == ".docx" or docx.is_zip(head):
        if not docx.is_zip(head):
            raise PolicybookError(f"{name}: is not a Word document (a .docx file is a zip archive; this is not one)")
        return "docx"
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    raise PolicybookError(f"{name}: is not a Word .docx document or a Markdown file")


def _markdown_text(corpus: Corpus, path: Path, name: str) -> str:
    size = path.stat().st_size
    if size > corpus.config.max_file_bytes:
        raise PolicybookError(f"{name}: is {size:,} bytes; the limit is {corpus.config.max_file_bytes:,} "
                              "(limits.max_file_bytes)")
    text, problems = decode(path.read_bytes(), name)
    if text is None:
        raise PolicybookError(f"{name}: {problems[0].message}")
    return text


def _title_from_name(path: Path) -> str:
    words = " ".join(without_controls(path.stem)[0].replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:]


def _report(corpus: Corpus, name: str, policy_id: str, policy: Path, draft: Draft, converted: _Converted,
            choices: Choices) -> Report:
    report = Report(source=name, convention=converted.convention, policy_id=policy_id, policy=_rel(corpus, policy),
                    version=draft.version, imported_on=corpus.today.isoformat(), used=list(draft.used),
                    unmapped=list(converted.facts.unmapped), attention=list(draft.attention),
                    removed=list(converted.facts.removed), repaired=list(converted.repaired),
                    pictures=[_rel(corpus, policy.parent / p.relative) for p in converted.pictures.taken])
    by = draft.approved_by or "ROLE"
    report.next_steps = [f"Read `{report.policy}` against the original, and fix what lint reports: "
                         f"`policybook lint {report.policy}`."]
    if choices.approved and draft.approved_on is not None:
        report.next_steps.append(f"Record the original approval: `policybook approve {policy_id} --by {by} --on "
                                 f"{draft.approved_on.isoformat()}`.")
    else:
        report.next_steps.append(f"Approve it when it is ready: `policybook approve {policy_id} --by {by}`.")
    if choices.category in corpus.config.categories and corpus.config.categories[choices.category].requires_guidance \
            and not choices.guidance:
        report.next_steps.append("Add the external guidance it follows (`guidance:` in the frontmatter): the "
                                 f"{choices.category} category requires it.")
    return report


def _rel(corpus: Corpus, path: Path) -> str:
    return path.relative_to(corpus.root).as_posix() if path.is_relative_to(corpus.root) else str(path)
