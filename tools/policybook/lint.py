"""Lint: attach the house style, run every check, keep the findings for the paths asked about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policybook.checks import RULES, run_checks
from policybook.corpus import Corpus, load_corpus
from policybook.errors import PolicybookError
from policybook.findings import Finding, Rule, Severity
from policybook.style.runner import Style


@dataclass
class LintResult:
    findings: list[Finding]
    files: int
    rules: dict[str, Rule] = field(default_factory=lambda: dict(RULES))
    packaged_style: bool = False  # no .vale.ini: the house style shipped with policybook was applied

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


def _selected(root: Path, paths: Sequence[str], cwd: Path, changed: bool = False) -> list[str] | None:
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


def _within(path: str, only: list[str]) -> bool:
    return any(path == p or p in ("", ".") or path.startswith(p.rstrip("/") + "/") for p in only)


def lint_corpus(corpus: Corpus, only: list[str] | None = None, jobs: int | None = None,
                house_style: bool = True) -> LintResult:
    """Lint a loaded corpus. The house style is loaded here (once per corpus) unless ``house_style``
    is False; ``only`` keeps the findings for those path prefixes."""
    if house_style and corpus.style is None:
        corpus.style = Style.load(corpus.root)
    elif not house_style:
        corpus.style = None
    selected = None if only is None else (lambda rel: _within(rel, only))
    findings = sorted(set(run_checks(corpus, jobs, selected)), key=lambda f: (f.path, f.line, f.column, f.rule))
    if only is not None:
        findings = [f for f in findings if _within(f.path, only)]
        files = sum(1 for p in corpus.policies if _within(p.rel, only))
    else:
        files = len(corpus.policies) + len(corpus.registers.documents)
    rules = dict(RULES) | (corpus.style.catalogue() if corpus.style else {})
    return LintResult(findings, files, rules, packaged_style=bool(corpus.style and corpus.style.packaged))


def lint(root: Path, today: dt.date, paths: Sequence[str] = (), cwd: Path | None = None,
         base_ref: str | None = None, changed: bool = False) -> LintResult:
    """Lint the project at ``root``. ``paths`` limit the report; with ``changed`` they are the files a
    commit changes (as pre-commit passes them), and a change outside the policies (a register, the
    settings, the house style) can break any policy, so then every file is reported."""
    only = _selected(root, paths, cwd or Path.cwd(), changed)
    if changed and only is not None and len(only) < len(paths):
        only = None  # a file was deleted: what referred to it can be anywhere
    corpus = load_corpus(root, today)
    if changed and only is not None:
        policies = corpus.config.policies_path.resolve().relative_to(root.resolve()).as_posix()
        if not all(_within(path, [policies]) for path in only):
            only = None
    corpus.base_ref = base_ref
    return lint_corpus(corpus, only)
