"""The one loader: UTF-8 only, exact positions, no silent surprises, never an exception."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from policybook.loader import (
    Document,
    decode,
    load_markdown,
    load_yaml,
    parse_markdown,
    parse_markdown_bytes,
    parse_yaml,
    parse_yaml_bytes,
)

POLICY = """---
id: ABC-001
title: Example
version: 1.10
history:
  - version: "1.10"
    date: 2025-01-02
---

## Body
"""


def _load(tmp_path: Path, content: bytes | str, name: str = "p.md") -> Document:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return load_markdown(path, name)


def test_version_110_is_read_as_written_not_as_a_float(tmp_path: Path) -> None:
    doc = _load(tmp_path, POLICY)
    assert doc.data["version"] == "1.10"
    assert doc.data["history"][0]["date"] == "2025-01-02"


def test_key_positions_are_file_lines_and_columns(tmp_path: Path) -> None:
    doc = _load(tmp_path, POLICY)
    assert doc.position(("title",)) == (3, 1)
    assert doc.position(("history", 0, "date")) == (7, 5)
    assert doc.position(("history", 0)) == (6, 5)
    assert doc.body_line == 9
    assert doc.body.startswith("\n## Body")


def test_bom_and_crlf_are_accepted_with_the_same_positions(tmp_path: Path) -> None:
    doc = _load(tmp_path, b"\xef\xbb\xbf" + POLICY.replace("\n", "\r\n").encode())
    assert doc.findings == []
    assert doc.position(("history", 0, "date")) == (7, 5)


def test_lone_cr_line_endings_are_lines(tmp_path: Path) -> None:
    doc = _load(tmp_path, POLICY.replace("\n", "\r"))
    assert doc.findings == [] and doc.data["title"] == "Example"


def test_duplicate_key_is_reported_and_the_first_value_kept(tmp_path: Path) -> None:
    doc = _load(tmp_path, "---\ntitle: One\nid: X\ntitle: Two\n---\n")
    assert [(f.rule, f.line, f.column) for f in doc.findings] == [("yaml-duplicate-key", 4, 1)]
    assert "first on line 2" in doc.findings[0].message
    assert doc.data["title"] == "One"


def test_yaml_bomb_is_refused_quickly(tmp_path: Path) -> None:
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for n in range(1, 10):
        levels.append(f"{chr(97 + n)}: &{chr(97 + n)} [" + ",".join([f"*{chr(96 + n)}"] * 9) + "]")
    started = time.perf_counter()
    doc = _load(tmp_path, "---\n" + "\n".join(levels) + "\n---\n")
    assert time.perf_counter() - started < 2
    assert doc.data is None
    assert [f.rule for f in doc.findings] == ["yaml-syntax"]
    assert "aliases" in doc.findings[0].message


def test_custom_tags_are_refused(tmp_path: Path) -> None:
    doc = _load(tmp_path, "---\ntitle: !!python/object:os.system echo\n---\n")
    assert [(f.rule, f.line) for f in doc.findings] == [("yaml-syntax", 2)]


def test_syntax_error_reports_the_real_line(tmp_path: Path) -> None:
    doc = _load(tmp_path, "---\nid: X\ntitle: [unclosed\nstatus: draft\n---\n")
    assert doc.findings[0].rule == "yaml-syntax"
    assert doc.findings[0].line in (3, 4, 5)


def test_missing_and_unclosed_frontmatter(tmp_path: Path) -> None:
    assert [f.rule for f in _load(tmp_path, "## Just a body\n").findings] == ["frontmatter-missing"]
    assert [f.rule for f in _load(tmp_path, "---\nid: X\n").findings] == ["yaml-syntax"]
    assert [f.rule for f in _load(tmp_path, "").findings] == ["frontmatter-missing"]


def test_non_utf8_inputs_are_encoding_findings() -> None:
    assert decode("---\nid: x\n".encode("utf-16"), "p.md")[1][0].rule == "encoding"
    assert decode(b"---\nid: x\x00\n", "p.md")[1][0].rule == "encoding"
    text, problems = decode(b"---\ntitle: caf\xe9\n", "p.md")
    assert text is None and (problems[0].line, problems[0].column) == (2, 11)


def test_a_list_where_a_mapping_belongs_is_a_finding(tmp_path: Path) -> None:
    doc = _load(tmp_path, "---\n- a\n- b\n---\n")
    assert doc.data is None and [f.rule for f in doc.findings] == ["schema"]


def test_plain_yaml_register(tmp_path: Path) -> None:
    path = tmp_path / "roles.yml"
    path.write_text("# comment\nroles:\n  - id: a\n    title: A\n", encoding="utf-8")
    doc = load_yaml(path, "roles.yml")
    assert doc.data == {"roles": [{"id": "a", "title": "A"}]}
    assert doc.position(("roles", 0, "title")) == (4, 5)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    text, _problems = decode(raw, "fuzz.md")
    if text is not None:
        parse_markdown(text, Path("fuzz.md"), "fuzz.md")


_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
_yaml_values = st.recursive(
    _scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_yaml_values)
def test_arbitrary_yaml_never_raises(value: object) -> None:
    text = "---\n" + yaml.safe_dump({"data": value}, allow_unicode=True) + "---\nBody\n"
    doc = parse_markdown(text, Path("fuzz.md"), "fuzz.md")
    assert doc.data is not None or doc.findings


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_frontmatter_text_never_raises(body: str) -> None:
    parse_markdown("---\n" + body + "\n---\n", Path("fuzz.md"), "fuzz.md")


Reader = tuple[Callable[..., Document], Callable[..., Document], Callable[..., Document]]
MARKDOWN: Reader = (load_markdown, parse_markdown_bytes, parse_markdown)
YAML: Reader = (load_yaml, parse_yaml_bytes, parse_yaml)


@pytest.mark.parametrize(("reader", "raw"), [
    (MARKDOWN, b"---\nid: GOV-001\ntitle: A policy\nroles:\n  registered-manager: [Approves it.]\n---\n\n## Scope\n"),
    (MARKDOWN, b"---\nid: GOV-001\r\nid: GOV-002\r\n---\r\nBody\r\n"),  # a key given twice, Windows line ends
    (MARKDOWN, b"no frontmatter at all\n"),
    (MARKDOWN, b"---\nopened: and never closed\n"),
    (MARKDOWN, b"\xef\xbb\xbf---\ntitle: caf\xc3\xa9\n---\nBody\n"),  # a byte order mark
    (MARKDOWN, b"---\ntitle: caf\xe9\n---\n"),  # Latin-1, not UTF-8
    (YAML, b"roles:\n  - id: rm\n    title: Manager\n"),
    (YAML, b"roles: [\n"),
    (YAML, b"a: 1\na: 2\n"),
    (YAML, b"\xff\xfe"),
], ids=lambda value: "" if isinstance(value, bytes) else value[0].__name__)
def test_text_is_read_exactly_as_the_file_holding_it(tmp_path: Path, reader: Reader, raw: bytes) -> None:
    """An editor's unsaved text, a version from git and a file on disk make the same Document."""
    load, from_bytes, from_text = reader
    path = tmp_path / "file"
    path.write_bytes(raw)
    expected = load(path, "policies/file")
    documents = [from_bytes(raw, path, "policies/file")]
    text, _ = decode(raw, "policies/file")
    if text is not None:
        documents.append(from_text(text, path, "policies/file"))
    for document in documents:
        for field in ("data", "body", "body_line", "start_line", "key_positions", "findings", "text"):
            assert getattr(document, field) == getattr(expected, field), field
