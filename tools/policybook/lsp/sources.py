"""Unsaved editor text, read exactly as lint reads the same bytes from disk.

The editor's copy of a file is what the person sees, so diagnostics come from it, not from the last save.
A policy's text goes through the loader's own decoding and frontmatter split (only the size limit, which
the loader checks on the file's size, is checked here on the text's bytes). The registers have no reader
for text, so an edited register is written to a private temporary folder laid out like the project and
read there by the registers' own loader. The person's own files are never written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from policybook.config import Config
from policybook.findings import Finding
from policybook.loader import FILE_TOO_LARGE, Document, load_markdown, parse_markdown_bytes
from policybook.model import Policy
from policybook.registers import Registers, load_registers, register_names


def as_bytes(text: str) -> bytes:
    """The bytes an editor would save (a lone surrogate stays invalid UTF-8, for lint to report)."""
    return text.encode("utf-8", "surrogatepass")


def policy_from_text(path: Path, rel: str, text: str, max_bytes: int) -> Policy:
    """The policy at ``path`` as ``text`` makes it, with the findings lint would give that text."""
    if path.is_symlink():  # lint refuses a link whatever it points at; the editor's text does not change that
        return Policy.from_document(load_markdown(path, rel, max_bytes))
    raw = as_bytes(text)
    if len(raw) > max_bytes:
        return too_large_policy(path, rel, len(raw), max_bytes)
    return Policy.from_document(parse_markdown_bytes(raw, path, rel))


def too_large_finding(rel: str, size: int, max_bytes: int) -> Finding:
    """Lint's finding for a file of ``size`` bytes, over the limit."""
    return FILE_TOO_LARGE.at(rel, 1, 1, f"file is {size:,} bytes; the limit is {max_bytes:,} (limits.max_file_bytes)")


def too_large_policy(path: Path, rel: str, size: int, max_bytes: int) -> Policy:
    """The policy lint makes of a file over the size limit: nothing but that finding."""
    doc = Document(path=path, rel=rel)
    doc.findings.append(too_large_finding(rel, size, max_bytes))
    return Policy.from_document(doc)


def register_path(config: Config, name: str) -> Path:
    return config.registers_path / f"{name}.yml"


def registers_with_texts(config: Config, on_disk: Registers, texts: Mapping[Path, str]) -> Registers:
    """``on_disk`` with each register that has an entry in ``texts`` read from that text instead."""
    folder = config.registers_path
    if not folder.is_relative_to(config.root):
        return on_disk
    edited_names = [name for name in register_names()
                    if register_path(config, name) in texts and not register_path(config, name).is_symlink()]
    if not edited_names:
        return on_disk
    with tempfile.TemporaryDirectory(prefix="policybook-lsp-") as scratch:
        mirror_root = Path(scratch)
        mirror = mirror_root / folder.relative_to(config.root)
        mirror.mkdir(parents=True, exist_ok=True)
        for name in edited_names:
            (mirror / f"{name}.yml").write_bytes(as_bytes(texts[register_path(config, name)]))
        edited = load_registers(mirror, mirror_root, config.max_file_bytes)
    edited_rels = {register_path(config, name).relative_to(config.root).as_posix() for name in edited_names}
    merged = Registers()
    for name in register_names():
        source = edited if name in edited_names else on_disk
        merged.tables[name] = source.table(name)
        if name in source.documents:
            doc = source.documents[name]
            if source is edited:
                doc.path = register_path(config, name)
            merged.documents[name] = doc
    merged.findings = ([f for f in on_disk.findings if f.path not in edited_rels]
                       + [f for f in edited.findings if f.path in edited_rels])
    return merged
