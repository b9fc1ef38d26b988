"""Each project's corpus kept in memory between edits, relinted with only what changed read again.

The first lint of a project loads everything, as ``policybook lint`` does. After that, typing in a policy
re-parses only that document and puts it in place of the copy in memory; the disk is read again (through
the PolicyCache, the preview's cache keyed by path, modification time and size, so only changed files are
parsed) when a file is opened, saved, closed or reported changed by the editor's file watcher. Each policy
keeps its per-policy findings for as long as its parsed form is the same object, and only the cross-file
checks, which need every policy, run again in full. A change to the registers, the settings, the house
style or the date reruns the per-policy checks everywhere. The result is lint's: the same load findings
and checks, deduplicated and sorted the same way.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from policybook.checks.run import LintOptions
from policybook.config import CONFIG_NAME, Config, find_root, load_config
from policybook.corpus import Corpus, PolicyCache, load_corpus
from policybook.dates import today_from
from policybook.errors import PolicybookError
from policybook.findings import Finding
from policybook.lint import LintEngine
from policybook.loader import too_large
from policybook.lsp.sources import (
    policy_from_text,
    register_path,
    registers_with_texts,
    too_large_policy,
)
from policybook.model import Policy
from policybook.registers import register_names
from policybook.style.runner import VALE_INI, Style

Stamp = tuple[int, int]


def stamp(path: Path) -> Stamp | None:
    """Modification time and size, as the PolicyCache keys a file; None when it is not on disk."""
    try:
        status = path.stat()
    except (OSError, ValueError):  # ValueError: a name no file can have (an embedded NUL)
        return None
    return status.st_mtime_ns, status.st_size


@dataclass(frozen=True)
class Timing:
    """How long the last relint took and how many policies it ran the per-policy checks on."""

    seconds: float
    rechecked: int
    policies: int


class Project:
    """One policy library (the folder holding policybook.yml) and the editor's unsaved text in it."""

    def __init__(self, root: Path, today: dt.date | None = None) -> None:
        self.root = root
        self.corpus: Corpus | None = None
        self.findings: dict[str, list[Finding]] = {}  # path relative to the root -> lint's findings
        self.timing: Timing | None = None
        self._fixed_today = today
        self._config: Config | None = None
        self._style: Style | None = None
        self._settings_stamps: tuple[Stamp | None, ...] | None = None
        self._cache: PolicyCache = {}
        self._disk: Corpus | None = None  # the corpus as last read from disk (with the editor's text then)
        self._texts: dict[Path, str] = {}  # unsaved editor text, by path
        self._oversized: dict[Path, int] = {}  # open documents over the size limit (text not kept), by path
        self._parsed: dict[Path, tuple[str, Policy]] = {}  # the policy each text was last parsed into
        self._engine = LintEngine()  # keeps each unchanged policy's per-policy findings between relints

    # -- what the editor has open -----------------------------------------------------------------------
    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.root)
        return self._config

    def is_policy(self, path: Path) -> bool:
        return path.suffix == ".md" and path.is_relative_to(self.config.policies_path)

    def register_name(self, path: Path) -> str | None:
        """The register ``path`` holds (``roles`` for registers/roles.yml), or None."""
        return next((name for name in register_names() if path == register_path(self.config, name)), None)

    def accepts(self, path: Path) -> bool:
        """Whether the editor's text of ``path`` is linted: a policy or a register."""
        return self.is_policy(path) or self.register_name(path) is not None

    def set_text(self, path: Path, text: str) -> None:
        """The editor's text of ``path``; only that of policies and registers is linted."""
        self._oversized.pop(path, None)
        self._texts[path] = text

    def set_oversized(self, path: Path, size: int) -> None:
        """The editor's text of ``path`` is ``size`` bytes, over the limit: it is reported as too large, as
        lint reports such a file, and its text is neither kept nor parsed."""
        self._texts.pop(path, None)
        self._parsed.pop(path, None)
        self._oversized[path] = size

    def forget(self, path: Path) -> None:
        """The editor closed ``path``: lint the file on disk again."""
        self._texts.pop(path, None)
        self._oversized.pop(path, None)
        self._parsed.pop(path, None)
        self._cache.pop(path, None)
        self._disk = None

    def reread(self) -> None:
        """Read the disk again at the next relint (changed files only, by their modification time)."""
        self._disk = None

    def touched(self, path: Path) -> None:
        """A file changed on disk. A policy or register is read again if its modification time has
        changed; any other file (the settings, the house style, an image, the records) may change any
        policy's findings, so the per-policy checks all run again."""
        self._disk = None
        try:
            ours = self.accepts(path)
        except PolicybookError:  # the settings cannot be read: the next relint says why
            ours = False
        if ours:
            return
        if path.name in (CONFIG_NAME, VALE_INI) or path.suffix in (".yml", ".yaml", ".txt"):
            self._settings_stamps = None  # settings, a house style rule or a vocabulary: read them again
        self._engine = LintEngine()  # anything else (an image, the records) may change any policy's findings

    # -- linting ----------------------------------------------------------------------------------------
    def relint(self) -> dict[str, list[Finding]]:
        """Lint the project as it stands in the editor; returns (and keeps) the findings by path."""
        started = time.perf_counter()
        self._load_settings()
        config = self.config
        today = self._fixed_today or today_from(None)
        corpus = self._with_edited_registers(self._read(config, today), config)
        result = self._engine.run(corpus, LintOptions(style=self._style))
        by_path: dict[str, list[Finding]] = defaultdict(list)
        for finding in result.findings:
            by_path[finding.path].append(finding)
        self.corpus, self.findings = corpus, dict(by_path)
        self.timing = Timing(time.perf_counter() - started, result.rechecked, len(corpus.policies))
        return self.findings

    def _load_settings(self) -> None:
        """Read policybook.yml and the house style again when either has changed on disk."""
        stamps = (stamp(self.root / CONFIG_NAME), stamp(self.root / VALE_INI))
        if stamps == self._settings_stamps and self._config is not None:
            return
        self._config = load_config(self.root)
        self._style = Style.load(self.root)
        self._settings_stamps = stamps
        self._engine = LintEngine()
        self._cache.clear()  # the size limit may have changed: read every file again
        self._parsed.clear()
        self._disk = None

    def _read(self, config: Config, today: dt.date) -> Corpus:
        """The corpus with the editor's text in place of the files it edits."""
        edited = {path: self._policy(path, text, config) for path, text in self._texts.items() if self.is_policy(path)}
        edited.update((path, too_large_policy(path, self._rel(path), size, config.max_file_bytes))
                      for path, size in self._oversized.items() if self.is_policy(path))
        if self._disk is None:
            for path, policy in edited.items():
                if (found := stamp(path)) is not None:  # a file not yet saved is not linted, as lint skips it
                    self._cache[path] = (*found, policy)
            self._disk = load_corpus(self.root, today, config, cache=self._cache)
        disk = self._disk
        policies = [edited.get(policy.doc.path, policy) for policy in disk.policies]
        known = {policy.doc.path for policy in disk.policies}
        unsaved = [policy for path, policy in edited.items() if path not in known and self._unsaved_policy(path)]
        if unsaved:  # an editor's new file, not yet on disk: linted where lint will find it once saved
            policies = sorted([*policies, *unsaved], key=lambda policy: policy.doc.path)
        rels = {policy.rel for policy in disk.policies}
        # load_corpus's findings: the registers', folders it could not read, then each policy's own.
        findings = [f for f in disk.load_findings if f.path not in rels]
        findings.extend(f for policy in policies for f in policy.doc.findings)
        return replace(disk, policies=policies, today=today, load_findings=findings)

    def _unsaved_policy(self, path: Path) -> bool:
        """Whether ``path`` is a policy not yet on disk that lint would read once it is saved there: not in
        a hidden folder, nor below a symbolic link (lint reads neither)."""
        if stamp(path) is not None or path.is_symlink():
            return False
        folder = self.config.policies_path
        inside = path.relative_to(folder).parts
        if any(part.startswith(".") for part in inside[:-1]):
            return False
        return not any((folder / Path(*inside[:depth])).is_symlink() for depth in range(1, len(inside)))

    def _policy(self, path: Path, text: str, config: Config) -> Policy:
        """The policy parsed from the editor's text, parsed again only when the text has changed."""
        parsed = self._parsed.get(path)
        if parsed is None or parsed[0] != text:
            parsed = (text, policy_from_text(path, self._rel(path), text, config.max_file_bytes))
            self._parsed[path] = parsed
        return parsed[1]

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def _with_edited_registers(self, corpus: Corpus, config: Config) -> Corpus:
        texts = {path: text for path, text in self._texts.items() if self.register_name(path)}
        registers = registers_with_texts(config, corpus.registers, texts)
        # A register too large in the editor: the file on disk stands in, and the editor shows why.
        too_large = {self._rel(path): too_large(self._rel(path), size, config.max_file_bytes)
                     for path, size in self._oversized.items() if self.register_name(path)}
        if registers is corpus.registers and not too_large:
            return corpus
        rels = {register_path(config, name).relative_to(config.root).as_posix() for name in register_names()}
        kept = [f for f in corpus.load_findings if f.path not in rels]
        findings = [f for f in registers.findings if f.path not in too_large] + list(too_large.values())
        return replace(corpus, registers=registers, load_findings=findings + kept)


class Projects:
    """The projects the editor has files open in, each found from a file by its nearest policybook.yml
    (or the one folder given with ``-C``)."""

    def __init__(self, pinned: Path | None = None, today: dt.date | None = None) -> None:
        self._pinned = pinned.resolve() if pinned else None
        self._today = today
        self._projects: dict[Path, Project] = {}
        self._roots: dict[Path, Path | None] = {}

    @property
    def pinned(self) -> Project | None:
        """The one library given with ``-C``, if any."""
        return self.for_path(self._pinned / CONFIG_NAME) if self._pinned is not None else None

    def __iter__(self) -> Iterator[Project]:
        return iter(list(self._projects.values()))

    def for_path(self, path: Path) -> Project | None:
        """The project ``path`` belongs to, or None outside any policy library."""
        if self._pinned is not None:
            root: Path | None = self._pinned if path.is_relative_to(self._pinned) else None
        else:
            # A new file may be in a folder not made yet: the library is that of its nearest folder on disk.
            folder = next((f for f in path.parents if f.is_dir()), path.parent)
            if folder not in self._roots:
                try:
                    self._roots[folder] = find_root(folder) if folder.is_dir() else None
                except PolicybookError:
                    self._roots[folder] = None
            root = self._roots[folder]
        if root is None:
            return None
        if root not in self._projects:
            self._projects[root] = Project(root, self._today)
        return self._projects[root]


def normalise(path: Path) -> Path:
    """The path as the corpus spells it: the folder resolved (the root is), the file itself not (lint
    refuses a policy that is a symbolic link, so it must not be resolved away)."""
    path = Path(os.path.abspath(path))
    return path.parent.resolve() / path.name
