"""Bytes to Document: the only place that reads YAML.

Built on PyYAML's composer (libyaml when available) so that every key keeps its line and column.
Values are converted by hand rather than by PyYAML's constructor, because the constructor would
turn ``version: 1.10`` into the float 1.1, silently keep the last of two duplicate keys and expand
alias bombs. Nothing here raises on bad input: problems become findings on the Document.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policybook.findings import Finding, Rule, Scope, Severity, declare
from policybook.schemas import SCHEMA

FRONTMATTER_MISSING = declare(
    "frontmatter-missing", Severity.ERROR, Scope.FILE,
    'The file does not start with a frontmatter block between `---` lines.')
YAML_SYNTAX = declare(
    "yaml-syntax", Severity.ERROR, Scope.FILE,
    'The frontmatter or a register is not valid YAML, is never closed, or uses aliases, merge keys or custom tags.')
YAML_DUPLICATE_KEY = declare(
    "yaml-duplicate-key", Severity.ERROR, Scope.FILE,
    'The same key twice in one mapping. YAML would silently keep only one.')
ENCODING = declare(
    "encoding", Severity.ERROR, Scope.FILE,
    'The file is not UTF-8 text: binary, UTF-16, Latin-1, NUL bytes, or a symbolic link.')
FILE_TOO_LARGE = declare(
    "file-too-large", Severity.ERROR, Scope.FILE,
    'The file is over `limits.max_file_bytes`, or holds an absurd number of YAML values.')

try:  # libyaml is an order of magnitude faster; PyYAML's wheels include it.
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _YamlLoader = yaml.SafeLoader

DEFAULT_MAX_BYTES = 1024 * 1024
MAX_NODES = 20_000  # more YAML nodes than any policy needs: stops pathological files quickly

KeyPath = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_TAG + t for t in ("str", "int", "bool", "null", "float", "timestamp", "binary")}


@dataclass
class Document:
    """One source file: its data, its Markdown body and where every key stands in the file."""

    path: Path
    rel: str
    data: Any = None
    body: str = ""
    body_line: int = 1  # file line number of the body's first line
    start_line: int = 1  # file line of the opening '---' (or 1 for plain YAML)
    key_positions: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    text: str = ""

    @property
    def ok(self) -> bool:
        """True when the data could be read (it may still break the schema)."""
        return isinstance(self.data, dict)

    def position(self, key_path: KeyPath) -> tuple[int, int]:
        """Line and column of the key at ``key_path``, or of its nearest present ancestor."""
        path = tuple(key_path)
        while path:
            if path in self.key_positions:
                return self.key_positions[path]
            path = path[:-1]
        return (self.start_line, 1)


class _Refused(Exception):
    def __init__(self, rule: Rule, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.rule, self.line, self.column, self.message = rule, line, column, message


def too_large(rel: str, size: int, max_bytes: int) -> Finding:
    """The finding for a file (or an editor's text) of ``size`` bytes, over the limit."""
    return FILE_TOO_LARGE.at(rel, 1, 1, f"file is {size:,} bytes; the limit is {max_bytes:,} (limits.max_file_bytes)")


def read_text(path: Path, rel: str, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str | None, list[Finding]]:
    """Read a file as UTF-8 text with LF line ends, or explain why it cannot be read."""
    try:
        if path.is_symlink():
            target = path.resolve()
            return None, [ENCODING.at(rel, 1, 1, f"symbolic link to {target}: policies must be real files")]
        size = path.stat().st_size
        if size > max_bytes:
            return None, [too_large(rel, size, max_bytes)]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [ENCODING.at(rel, 1, 1, f"cannot read file: {exc.strerror or exc}")]
    return decode(raw, rel)


def decode(raw: bytes, rel: str) -> tuple[str | None, list[Finding]]:
    """Decode UTF-8 (BOM accepted, CRLF and lone CR normalised) or return an ``encoding`` finding."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [ENCODING.at(rel, 1, 1, "file is UTF-16; save it as UTF-8")]
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        return None, [ENCODING.at(rel, line, 1, "file contains NUL bytes: it is binary, not text")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [ENCODING.at(rel, line, column,
                              f"byte 0x{raw[exc.start]:02x} is not UTF-8 (Latin-1 or Windows-1252?); "
                              "save the file as UTF-8")]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


def load_markdown(path: Path, rel: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Load a policy file: YAML frontmatter between '---' lines, then a Markdown body."""
    text, problems = read_text(path, rel, max_bytes)
    if text is None:
        return Document(path=path, rel=rel, findings=problems)
    return parse_markdown(text, path, rel)


def parse_markdown(text: str, path: Path, rel: str) -> Document:
    """A policy's Document made from ``text`` exactly as ``load_markdown`` makes it from the file: for an
    editor's unsaved text, a version read from git, or a file about to be written."""
    doc = Document(path=path, rel=rel)
    _fill_markdown(doc, text)
    return doc


def parse_markdown_bytes(raw: bytes, path: Path, rel: str, max_bytes: int | None = None) -> Document:
    """``parse_markdown`` of bytes (from git, or an editor): bytes over ``max_bytes``, or that cannot be
    decoded, are a finding, as they are for a file."""
    text, refused = _text_of(raw, path, rel, max_bytes)
    return refused if text is None else parse_markdown(text, path, rel)


def _text_of(raw: bytes, path: Path, rel: str, max_bytes: int | None) -> tuple[str | None, Document]:
    """The text of ``raw``, or None and the Document that says why it has none (too large, not UTF-8)."""
    if max_bytes is not None and len(raw) > max_bytes:
        return None, Document(path=path, rel=rel, findings=[too_large(rel, len(raw), max_bytes)])
    text, problems = decode(raw, rel)
    return text, Document(path=path, rel=rel, findings=problems)


def _fill_markdown(doc: Document, text: str) -> None:
    """Split ``text`` into frontmatter and body and fill ``doc``."""
    doc.text = text
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        doc.findings.append(FRONTMATTER_MISSING.at(doc.rel, 1, 1,
                                    "no frontmatter: the file must start with a '---' line, "
                                    "the policy's YAML fields, and a closing '---' line"))
        doc.body = text
        return
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if close is None:
        doc.findings.append(YAML_SYNTAX.at(doc.rel, 1, 1,
                                    "frontmatter opened on line 1 is never closed with a '---' line"))
        return
    doc.start_line = 1
    doc.body_line = close + 2
    doc.body = "\n".join(lines[close + 1:])
    yaml_text = "\n".join(lines[1:close])
    if not yaml_text.strip():
        doc.findings.append(SCHEMA.at(doc.rel, 1, 1, "the frontmatter is empty"))
        doc.data = {}
        return
    _parse_yaml(doc, yaml_text, line_offset=2)
    if doc.data is not None and not isinstance(doc.data, dict):
        doc.findings.append(SCHEMA.at(doc.rel, 2, 1,
                                    "the frontmatter must be a set of 'field: value' lines"))
        doc.data = None


def load_yaml(path: Path, rel: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Load a plain YAML file (a register or the configuration)."""
    text, problems = read_text(path, rel, max_bytes)
    if text is None:
        return Document(path=path, rel=rel, findings=problems)
    return parse_yaml(text, path, rel)


def parse_yaml(text: str, path: Path, rel: str) -> Document:
    """A YAML file's Document made from ``text`` exactly as ``load_yaml`` makes it from the file."""
    doc = Document(path=path, rel=rel, text=text)
    _parse_yaml(doc, text, line_offset=1)
    return doc


def parse_yaml_bytes(raw: bytes, path: Path, rel: str, max_bytes: int | None = None) -> Document:
    """``parse_yaml`` of bytes: bytes over ``max_bytes``, or that cannot be decoded, are a finding."""
    text, refused = _text_of(raw, path, rel, max_bytes)
    return refused if text is None else parse_yaml(text, path, rel)


def _parse_yaml(doc: Document, yaml_text: str, line_offset: int) -> None:
    try:
        node = yaml.compose(yaml_text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line if mark else 0) + line_offset
        column = (mark.column if mark else 0) + 1
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "\t" in problem or "tab" in problem:
            problem += " (use spaces, not tabs, to indent)"
        doc.findings.append(YAML_SYNTAX.at(doc.rel, line, column, f"invalid YAML: {problem}"))
        return
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        doc.findings.append(YAML_SYNTAX.at(doc.rel, line_offset, 1, f"invalid YAML: {exc}"))
        return
    if node is None:
        doc.data = None
        return
    converter = _Converter(doc, line_offset)
    try:
        doc.data = converter.convert(node, ())
    except _Refused as refused:
        doc.findings.append(refused.rule.at(doc.rel, refused.line, refused.column, refused.message))
        doc.data = None
    except RecursionError:
        doc.findings.append(YAML_SYNTAX.at(doc.rel, line_offset, 1, "YAML nested too deeply"))
        doc.data = None


class _Converter:
    """Turn composed YAML nodes into plain data, recording positions and refusing surprises."""

    def __init__(self, doc: Document, line_offset: int) -> None:
        self.doc = doc
        self.offset = line_offset
        self.seen: set[int] = set()
        self.count = 0

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + self.offset, node.start_mark.column + 1

    def convert(self, node: yaml.Node, path: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Refused(FILE_TOO_LARGE, *self.pos(node),
                           f"more than {MAX_NODES:,} YAML values: this is not a policy")
        if id(node) in self.seen:
            raise _Refused(YAML_SYNTAX, *self.pos(node),
                           "YAML aliases (*name) are not allowed: write the value out in full")
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.doc.key_positions[(*path, index)] = self.pos(item)
                items.append(self.convert(item, (*path, index)))
            return items
        assert isinstance(node, yaml.ScalarNode)  # the composer makes mappings, sequences and scalars only
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(YAML_SYNTAX, *self.pos(key_node), "keys must be plain words")
            if key_node.tag == _TAG + "merge":
                raise _Refused(YAML_SYNTAX, *self.pos(key_node),
                               "YAML merge keys (<<) are not allowed: write the fields out in full")
            key = str(key_node.value)
            if key in result:
                first = self.doc.key_positions.get((*path, key), (0, 0))[0]
                line, column = self.pos(key_node)
                self.doc.findings.append(YAML_DUPLICATE_KEY.at(self.doc.rel, line, column,
                    f"duplicate key '{key}' (first on line {first}); keep one and delete the other"))
                self.count += 1
                continue
            self.doc.key_positions[(*path, key)] = self.pos(key_node)
            result[key] = self.convert(value_node, (*path, key))
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag not in _PLAIN_TAGS:
            raise _Refused(YAML_SYNTAX, *self.pos(node), f"YAML tag '{tag}' is not allowed here")
        if node.style is not None and tag == _TAG + "str":
            return value  # quoted or block scalar: text as written
        if tag == _TAG + "int":
            try:
                return int(value.replace("_", ""), 0) if value[:2] in ("0x", "0o") else int(
                    value.replace("_", ""))
            except ValueError:
                return value
        if tag == _TAG + "bool":
            return value.lower() in ("true", "yes", "on", "y")
        if tag == _TAG + "null":
            return None
        # str, float and timestamp stay exactly as written: '1.10' is version ten, and dates are
        # checked as text so that 'May' or '2026-13-45' can be reported as written.
        return value


def iter_files(root: Path, pattern: str) -> list[Path]:
    """Files under ``root`` matching ``pattern``, sorted, never following links out of ``root``."""
    return walk(root, pattern)[0]


def walk(root: Path, pattern: str) -> tuple[list[Path], list[Path]]:
    """(files matching ``pattern``, symbolic links to folders) under ``root``, sorted. Iterative, so any
    depth of folders is fine; links are never followed; hidden folders are skipped."""
    if not root.is_dir() or root.is_symlink():
        return [], []
    files: list[Path] = []
    linked: list[Path] = []
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                if path.is_dir():
                    linked.append(path)
                elif path.match(pattern):
                    files.append(path)  # read_text reports it as a symbolic link
            elif entry.is_dir(follow_symlinks=False):
                if not entry.name.startswith("."):
                    pending.append(path)
            elif path.match(pattern):
                files.append(path)
    return sorted(files), sorted(linked)
