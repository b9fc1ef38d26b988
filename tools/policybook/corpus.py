"""The Corpus: configuration, registers and every policy, loaded once and shared by all commands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from policybook.config import Config, load_config
from policybook.errors import PolicybookError
from policybook.findings import Finding
from policybook.loader import ENCODING, load_markdown, walk
from policybook.model import Policy
from policybook.patients import PublicDocument
from policybook.registers import ALL_STAFF, Registers, load_registers


@dataclass(frozen=True, eq=False)
class Corpus:
    """What the project holds on one day: read once, never changed after. Anything worked out from it
    (the versions in force from git, lint's findings) is worked out by the layer that needs it, from it;
    how a run looks at it (house style, base revision, jobs, paths) is the lint engine's LintOptions.
    Two corpora are the same only if they are the same object."""

    config: Config
    registers: Registers
    policies: list[Policy]
    today: dt.date
    load_findings: list[Finding] = field(default_factory=list)
    public: list[PublicDocument] = field(default_factory=list)
    """Documents for patients and the public and their editions (``paths.public``), in path order."""

    @property
    def root(self) -> Path:
        return self.config.root

    def by_id(self) -> dict[str, Policy]:
        """Policies by id (the first file wins where ids clash; duplicate-id reports the clash)."""
        index: dict[str, Policy] = {}
        for policy in self.policies:
            if policy.id and policy.id not in index:
                index[policy.id] = policy
        return index

    def find(self, key: str) -> Policy:
        """The policy, or document for patients, that ``key`` names: an id (HS-002, PUB-001), an edition's
        key (PUB-001-ar, PUB-001-en-GB-easy-read), or the path of its file. Refuses, by name, a key that
        names nothing or more than one file."""
        found = [p for p in self.policies if p.id == key] + [d for d in self.public if d.statement_key == key]
        if not found and key.endswith(".md"):
            wanted = {(self.root / key).resolve(), (Path.cwd() / key).resolve()}
            found = [p for p in [*self.policies, *self.public] if p.doc.path.resolve() in wanted]
        if len(found) > 1:
            raise PolicybookError(f"'{key}' names {len(found)} files ({', '.join(p.rel for p in found)}): give "
                                  "each its own id (or edition language), or name the file by its path")
        if not found:
            editions = sorted(d.statement_key for d in self.public if d.is_edition and d.statement_key)
            hint = f"; an edition is named by its source, language and format: {', '.join(editions[:4])}" \
                if editions else ""
            raise PolicybookError(f"no policy or document for patients has the id '{key}'{hint}")
        return found[0]

    def role_title(self, role_id: str) -> str:
        """The register's title for a role ("All staff" for everyone), or the id when it is unknown."""
        if role_id == ALL_STAFF:
            return "All staff"
        role = self.registers.roles.get(role_id)
        return role.title if role else role_id

    def published(self) -> list[Policy]:
        """Policies approved in the working files (what lint and signing look at); what staff are given,
        which for a bumped draft is read from git, is evidence.inforce.in_force(corpus)."""
        return [p for p in self.policies if p.in_force]


PolicyCache = dict[Path, tuple[int, int, Policy]]  # path -> (mtime_ns, size, policy)


def load_corpus(root: Path, today: dt.date, config: Config | None = None, cache: PolicyCache | None = None) -> Corpus:
    """Load everything under the project ``root``. With ``cache`` (kept by a long-running preview), files
    whose modification time and size are unchanged are not read or parsed again."""
    config = config or load_config(root)
    for folder, what in ((config.policies_path, "policies"), (config.registers_path, "registers")):
        _inside_project(root, folder, what)
    registers = load_registers(config.registers_path, root, config.max_file_bytes)
    policies = []
    findings: list[Finding] = list(registers.findings)
    paths, linked_folders = walk(config.policies_path, "*.md")
    for folder in linked_folders:
        findings.append(ENCODING.at(folder.relative_to(root).as_posix(), 1, 1,
                                    "symbolic link to a folder: its policies are not read; move them here"))
    for path in paths:
        rel = path.relative_to(root).as_posix()
        stamp = _stamp(path)
        cached = cache.get(path) if cache is not None else None
        if cached is not None and stamp is not None and cached[:2] == stamp:
            policy = cached[2]
        else:
            policy = Policy.from_document(load_markdown(path, rel, config.max_file_bytes))
            if cache is not None and stamp is not None:
                cache[path] = (*stamp, policy)
        findings.extend(policy.doc.findings)
        policies.append(policy)
    public = _load_public(config, findings)
    return Corpus(config=config, registers=registers, policies=policies, today=today,
                  load_findings=findings, public=public)


def _load_public(config: Config, findings: list[Finding]) -> list[PublicDocument]:
    """The public documents folder, read by the same loader as the policies; a project without one has none."""
    folder = config.public_path
    if not folder.is_dir():
        return []
    _inside_project(config.root, folder, "public documents")
    policies = config.policies_path.resolve()
    if folder.resolve().is_relative_to(policies) or policies.is_relative_to(folder.resolve()):
        raise PolicybookError(f"paths.public ({folder.relative_to(config.root).as_posix()}) and paths.policies "
                              f"({config.policies_path.relative_to(config.root).as_posix()}) overlap: keep the "
                              "documents for patients in a folder of their own, apart from the policies")
    paths, linked_folders = walk(folder, "*.md")
    for linked in linked_folders:
        findings.append(ENCODING.at(linked.relative_to(config.root).as_posix(), 1, 1,
                                    "symbolic link to a folder: its documents are not read; move them here"))
    documents = []
    for path in paths:
        doc = PublicDocument.from_document(load_markdown(path, path.relative_to(config.root).as_posix(),
                                                         config.max_file_bytes))
        findings.extend(doc.doc.findings)
        documents.append(doc)
    return documents


def _inside_project(root: Path, folder: Path, what: str) -> None:
    """The policies and registers folders must be real folders inside the project: a link could make
    policybook read, and publish, files from anywhere on the machine."""
    if folder.is_symlink():
        raise PolicybookError(f"the {what} folder {folder} is a symbolic link: use a real folder inside the project")
    if folder.exists() and not folder.resolve().is_relative_to(root.resolve()):
        raise PolicybookError(f"the {what} folder {folder} is outside the project at {root}")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size
