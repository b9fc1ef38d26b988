"""The lint engine: one way to run every check over a corpus, for the command line, the preview, the
language server and the approval and publication gates.

A run is the corpus plus one explicit ``LintOptions`` (house style, base revision, jobs, paths). The engine
keeps each policy's per-policy findings while that policy is the same parsed object and what the checks
depend on (settings, registers, date, house style) is unchanged, so a long-running caller (the language
server) relints only what changed; the cross-file checks always see every policy. A one-off caller makes
an engine, runs it once and drops it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from policybook.checks import CORPUS_CHECKS, LOCAL_CHECKS, RULES
from policybook.checks.approvals import APPROVAL_SIGNATURE, MISSING_FINGERPRINT, unknown_blocking_warnings
from policybook.checks.changes import CHANGED_SINCE_APPROVAL, VERSION_NOT_BUMPED
from policybook.checks.dates import DATE_ORDER, REVIEW_INTERVAL, REVIEW_OVERDUE
from policybook.checks.duplication import DUPLICATE_CONTENT, duplicates_in
from policybook.checks.parallel import PARALLEL_FROM, run_local_checks
from policybook.checks.practice import PRACTICE_RULES
from policybook.checks.public import EASY_READ_PICTURE, EDITION_STALE
from policybook.checks.run import CheckRun, LintOptions
from policybook.checks.structure import EMPTY_SECTION
from policybook.corpus import Corpus, load_corpus
from policybook.errors import PolicybookError
from policybook.findings import Finding, Rule, Severity, blocking
from policybook.model import BodySummary, Policy
from policybook.registers import Registers
from policybook.style.runner import Style


@dataclass
class LintResult:
    findings: list[Finding]
    files: int
    rules: dict[str, Rule] = field(default_factory=lambda: dict(RULES))
    packaged_style: bool = False  # no .vale.ini: the house style shipped with policybook was applied
    rechecked: int = 0  # policies the per-policy checks ran on in this run (the rest were unchanged)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def failed(self, strict: bool = False) -> bool:
        if strict:
            return bool(self.findings)
        return self.count(Severity.ERROR) > 0


def catalogue(root: Path | None) -> dict[str, Rule]:
    """Every rule: the core rules, then the house style rules of the project at ``root`` (if any)."""
    style = Style.load(root) if root is not None else None
    return dict(RULES) | (style.catalogue() if style else {})


def options_for(root: Path, *, house_style: bool = True, base_ref: str | None = None, jobs: int | None = None,
                only: Sequence[str] | None = None) -> LintOptions:
    """The options of an ordinary run on the project at ``root``: its house style loaded (unless
    ``house_style`` is False), compared with ``base_ref`` when given, reporting ``only`` those paths."""
    return LintOptions(style=Style.load(root) if house_style else None, base_ref=base_ref, jobs=jobs,
                       only=tuple(only) if only is not None else None)


def lint_order(finding: Finding) -> tuple[str, int, int, str, str]:
    """The order ``policybook lint`` reports findings in (the message settles ties, so two runs agree)."""
    return finding.path, finding.line, finding.column, finding.rule, finding.message


def within(path: str, only: Iterable[str]) -> bool:
    """Whether ``path`` is one of the paths in ``only`` or inside one of its folders."""
    return any(path == p or p in ("", ".") or path.startswith(p.rstrip("/") + "/") for p in only)


class LintEngine:
    """Runs the checks; keeps per-policy findings between runs of the same long-lived caller."""

    def __init__(self) -> None:
        self._local: dict[str, tuple[Policy, list[Finding]]] = {}  # per-policy findings, by policy path
        self._summaries: dict[str, tuple[Policy, BodySummary]] = {}  # bodies the workers parsed, by path
        self._unattributed: list[Finding] = []  # per-policy findings about another file (none is expected)
        self._key: tuple[object, ...] | None = None  # what every per-policy finding kept depends on

    @property
    def summaries(self) -> dict[str, tuple[Policy, BodySummary]]:
        """The bodies the per-policy checks parsed in the last run, by path."""
        return self._summaries

    def run(self, corpus: Corpus, options: LintOptions) -> LintResult:
        """Every finding for ``corpus`` under ``options``: load problems, the per-policy checks (again only
        for policies new or changed since the last run), then the cross-file checks."""
        rechecked = self._local_findings(corpus, options)
        run = CheckRun(options, self._summaries)
        found: set[Finding] = set(corpus.load_findings)
        found.update(self._unattributed)
        reported = [p for p in corpus.policies if options.only is None or within(p.rel, options.only)]
        for policy in reported:
            found.update(self._local[policy.rel][1])
        for check in CORPUS_CHECKS:
            found.update(check(corpus, run))
        findings = sorted(found, key=lint_order)
        if options.only is not None:
            findings = [f for f in findings if within(f.path, options.only)]
            files = len(reported) + sum(1 for rel in _other_files(corpus) if within(rel, options.only))
        else:
            files = len(corpus.policies) + len(_other_files(corpus))
        style = options.style
        rules = dict(RULES) | (style.catalogue() if style else {})
        return LintResult(findings, files, rules, packaged_style=bool(style and style.packaged), rechecked=rechecked)

    def _local_findings(self, corpus: Corpus, options: LintOptions) -> int:
        """Run the per-policy checks on each reported policy that is new or changed, or on all of them
        when what they all depend on has changed; returns how many policies were checked."""
        key = (_Same(corpus.config), _registers_key(corpus.registers), corpus.today, _Same(options.style))
        if key != self._key:
            self._local, self._summaries, self._unattributed, self._key = {}, {}, [], key
        current = {p.rel for p in corpus.policies}
        self._local = {rel: entry for rel, entry in self._local.items() if rel in current}
        self._summaries = {rel: entry for rel, entry in self._summaries.items() if rel in current}
        stale = [p for p in corpus.policies if self._local.get(p.rel, (None, []))[0] is not p
                 and (options.only is None or within(p.rel, options.only))]
        if not stale:
            return 0
        run = CheckRun(options)
        jobs = options.jobs if options.jobs is not None else (1 if len(stale) < PARALLEL_FROM else None)
        findings, parsed = run_local_checks(replace(corpus, policies=stale), LOCAL_CHECKS, run, jobs)
        grouped: dict[str, list[Finding]] = defaultdict(list)
        for finding in findings:
            grouped[finding.path].append(finding)
        for policy in stale:
            self._local[policy.rel] = (policy, grouped.pop(policy.rel, []))
            if policy.rel in parsed:
                self._summaries[policy.rel] = (policy, parsed[policy.rel])
        self._unattributed = [f for found in grouped.values() for f in found]
        return len(stale)


def _other_files(corpus: Corpus) -> list[str]:
    """The files linted besides the policies, for the summary's count: the documents for patients and their
    editions, and the registers."""
    return [*(document.rel for document in corpus.public), *(d.rel for d in corpus.registers.documents.values())]


@dataclass(frozen=True, eq=False)
class _Same:
    """Equal to another only when both hold the very same object (kept alive, so its id is never reused):
    the settings and the house style are read once and kept by a long-lived caller."""

    held: object

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.held is self.held

    def __hash__(self) -> int:
        return id(self.held)


def _registers_key(registers: Registers) -> tuple[object, ...]:
    """What the per-policy checks see of the registers: each file's text, and what loading them found."""
    return (tuple((name, doc.text) for name, doc in registers.documents.items()), tuple(registers.findings))


def lint_corpus(corpus: Corpus, options: LintOptions | None = None) -> LintResult:
    """One run of a fresh engine, for callers that lint a corpus once; without ``options``, as
    ``policybook lint`` runs: the project's house style, every path."""
    return LintEngine().run(corpus, options or options_for(corpus.root))


# -- gates: what stops an approval or a publication ----------------------------------------------------
class Action(StrEnum):
    """What change control is about to sign for: each puts some findings right itself."""

    APPROVE = "approval"
    REVIEW = "review"
    SIGN = "signature"


# Errors each action itself puts right. An approval records the new fingerprint, version, dates and
# interval; a review moves the next review on (and records the fingerprint when none was); a signature
# proves an approval made before (an overdue review is put right by a review, not by signing).
_FIXES: dict[Action, tuple[Rule, ...]] = {
    Action.APPROVE: (CHANGED_SINCE_APPROVAL, VERSION_NOT_BUMPED, REVIEW_OVERDUE, REVIEW_INTERVAL, DATE_ORDER),
    Action.REVIEW: (REVIEW_OVERDUE, REVIEW_INTERVAL, MISSING_FINGERPRINT, APPROVAL_SIGNATURE),
    Action.SIGN: (MISSING_FINGERPRINT, APPROVAL_SIGNATURE, REVIEW_OVERDUE),
}
# Policybook.Duties ("should" for "must") holds an approval back only in a sentence that gives a role a duty.
DUTIES = "Policybook.Duties"


@dataclass(frozen=True)
class Gate:
    """What lint says of one policy about to be approved, reviewed or signed: every finding on it (in
    lint's order, all severities, less those the action itself puts right), the ``errors`` that must be
    fixed, and the ``held`` warnings of the rules ``approvals.blocking_warnings`` names, which hold the
    action back until fixed or accepted with a reason."""

    policy: Policy
    findings: tuple[Finding, ...]
    errors: tuple[Finding, ...]
    held: tuple[Finding, ...]

    def held_rules(self) -> list[str]:
        return list(dict.fromkeys(f.rule for f in self.held))


def approval_gates(corpus: Corpus, policies: Sequence[Policy], action: Action) -> list[Gate]:
    """The gate of each of ``policies`` (one lint run for them all). Refuses, with the setting's line, an
    ``approvals.blocking_warnings`` that names a rule nobody has."""
    options = options_for(corpus.root, only=[p.rel for p in policies])
    rules = RULES | (options.style.catalogue() if options.style else {})
    unknown = unknown_blocking_warnings(corpus.config, rules, style_known=options.style is not None)
    if unknown:
        first = unknown[0]
        raise PolicybookError(f"{first.path}:{first.line}:{first.column}: {first.message}")
    engine = LintEngine()
    result = engine.run(corpus, options)
    listed = set(corpus.config.blocking_warnings)
    fixes = {rule.id for rule in _FIXES[action]}
    # A copy of a passage that lint reports at its first place, in another file, holds back this one too.
    copies = duplicates_in(corpus, CheckRun(options, engine.summaries), policies) \
        if DUPLICATE_CONTENT.id in listed else {}
    gates = []
    for policy in policies:
        found = [f for f in result.findings if f.path == policy.rel and f.rule not in fixes]
        found += [f for f in copies.get(policy.rel, []) if f not in found]
        found.sort(key=lint_order)
        errors = [f for f in found if f.is_error]
        if action is Action.APPROVE:  # a warning in a draft, an error once approved
            errors += [f for f in found if f.rule in (EMPTY_SECTION.id, EASY_READ_PICTURE.id) and not f.is_error]
        if action in (Action.APPROVE, Action.REVIEW):
            # An edition is approved, or found to need no change, only against its source as patients are given
            # it (an older minor version of the source is otherwise a warning).
            errors += [f for f in found if f.rule == EDITION_STALE.id and not f.is_error]
        held = [f for f in found if not f.is_error and f not in errors and f.rule in listed
                and (f.rule != DUTIES or _gives_a_duty(corpus, policy, f.line, f.column))]
        gates.append(Gate(policy, tuple(found), tuple(errors), tuple(held)))
    return gates


def _gives_a_duty(corpus: Corpus, policy: Policy, line: int, column: int) -> bool:
    """Whether the sentence at ``line``:``column`` of ``policy``'s file gives someone a duty: it names a role
    of the roles register (its title or an alias) or staff; or it is one of the duties listed under ``roles``."""
    if line < policy.doc.body_line:  # the frontmatter: a duty under roles is a duty by definition
        return any(policy.doc.position(("roles", role, index))[0] == line
                   for role, duties in policy.roles.items() for index in range(len(duties)))
    names = [name for role in corpus.registers.roles.values() for name in role.names] + ["staff"]
    sentence = _sentence_at(policy, (line, column))
    return any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", sentence, re.IGNORECASE) for name in names if name)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _sentence_at(policy: Policy, place: tuple[int, int]) -> str:
    """The sentence of ``policy``'s prose that holds the file position ``place`` (a sentence may run over
    several lines of a paragraph)."""
    for block in policy.parsed.prose:
        starts = [0] + [m.end() for m in _SENTENCE_END.finditer(block.text)]
        for start, end in zip(starts, [*starts[1:], len(block.text)], strict=True):
            if start < end and block.position(start) <= place <= block.position(end - 1):
                return block.text[start:end]
    return ""


def publication_blockers(findings: Iterable[Finding], block_on_overdue: bool = False) -> list[Finding]:
    """The errors that stop a build: every error, except an overdue review unless ``block_on_overdue``
    (staff still need an overdue policy; lint in CI fails on it all the same), and never what the service
    has not done on time (servicing, checks, risks: ``policybook due`` and lint report those)."""
    return blocking(findings, allow=[*PRACTICE_RULES, *([] if block_on_overdue else [REVIEW_OVERDUE])])


def staff_publication_blockers(corpus: Corpus, findings: Iterable[Finding],
                               block_on_overdue: bool = False) -> list[Finding]:
    """The errors that stop the staff site and the handbooks: as ``publication_blockers``, less those in the
    documents for patients, which neither holds (a leaflet's editions waiting for their update after its new
    major version stop the public site, and fail lint in CI, but never an urgent change to a staff policy)."""
    public = corpus.config.public_path
    folder = public.relative_to(corpus.root).as_posix() if public.is_relative_to(corpus.root) else None
    kept = [f for f in findings if folder is None or not within(f.path, [folder])]
    return publication_blockers(kept, block_on_overdue)


def selected_paths(root: Path, paths: Sequence[str], cwd: Path, changed: bool = False) -> list[str] | None:
    """Relative path prefixes the user asked about (files or folders), or None for everything. A symbolic
    link is named as itself, not as what it points at, so its own finding is reported; with ``changed``
    (paths from a commit), a path that no longer exists (a deleted file) is left out."""
    if not paths:
        return None
    selected = []
    for raw in paths:
        given = cwd / raw if not Path(raw).is_absolute() else Path(raw)
        candidate = given.parent.resolve() / given.name if given.name not in ("", ".", "..") else given.resolve()
        if not candidate.exists() and not candidate.is_symlink():
            if changed:
                continue
            raise PolicybookError(f"{raw}: no such file or folder")
        if not candidate.is_relative_to(root.resolve()):
            raise PolicybookError(f"{raw}: outside the project at {root}")
        selected.append(candidate.relative_to(root.resolve()).as_posix())
    return selected


def lint(root: Path, today: dt.date, paths: Sequence[str] = (), cwd: Path | None = None,
         base_ref: str | None = None, changed: bool = False) -> LintResult:
    """Lint the project at ``root`` (the command line). ``paths`` limit the report; with ``changed`` they
    are the files a commit changes (as pre-commit passes them), and a change outside the policies (a
    register, the settings, the house style) can break any policy, so then every file is reported."""
    only = selected_paths(root, paths, cwd or Path.cwd(), changed)
    if changed and only is not None and len(only) < len(paths):
        only = None  # a file was deleted: what referred to it can be anywhere
    corpus = load_corpus(root, today)
    if changed and only is not None:
        policies = corpus.config.policies_path.resolve().relative_to(root.resolve()).as_posix()
        if not all(within(path, [policies]) for path in only):
            only = None
    return lint_corpus(corpus, options_for(root, base_ref=base_ref, only=only))
