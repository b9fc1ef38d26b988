"""Unsaved editor text, read exactly as lint reads the same bytes from disk.

The editor's copy of a file is what the person sees, so diagnostics come from it, not from the last save.
A policy's text goes through the loader's own decoding and frontmatter split (only the size limit, which
the loader checks on a file's size, it checks on the text's bytes), and an edited register goes through
the registers' own loader, which reads text as well as files. The person's own files are never
written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from policybook.config import Config
from policybook.loader import Document, load_markdown, parse_markdown_bytes, too_large
from policybook.model import Policy
from policybook.registers import Registers, load_registers, register_names


def as_bytes(text: str) -> bytes:
    """The bytes an editor would save (a lone surrogate stays invalid UTF-8, for lint to report)."""
    return text.encode("utf-8", "surrogatepass")


def policy_from_text(path: Path, rel: str, text: str, max_bytes: int) -> Policy:
    """The policy at ``path`` as ``text`` makes it, with the findings lint would give that text."""
    if path.is_symlink():  # lint refuses a link whatever it points at; the editor's text does not change that
        return Policy.from_document(load_markdown(path, rel, max_bytes))
    return Policy.from_document(parse_markdown_bytes(as_bytes(text), path, rel, max_bytes))


def too_large_policy(path: Path, rel: str, size: int, max_bytes: int) -> Policy:
    """The policy lint makes of a file over the size limit: nothing but that finding."""
    doc = Document(path=path, rel=rel)
    doc.findings.append(too_large(rel, size, max_bytes))
    return Policy.from_document(doc)


def register_path(config: Config, name: str) -> Path:
    return config.registers_path / f"{name}.yml"


def registers_with_texts(config: Config, on_disk: Registers, texts: Mapping[Path, str]) -> Registers:
    """``on_disk`` with each register that has an entry in ``texts`` read from that text instead (the
    registers' own loader reads the text; the files on disk are not written)."""
    folder = config.registers_path
    if not folder.is_relative_to(config.root):
        return on_disk
    edited = {path: as_bytes(texts[path]) for name in register_names()
              if (path := register_path(config, name)) in texts and not path.is_symlink()}
    if not edited:
        return on_disk
    return load_registers(folder, config.root, config.max_file_bytes, texts=edited)
