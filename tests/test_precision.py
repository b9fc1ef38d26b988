"""The precision benchmark (tools/bench/precision.py): documents written elsewhere become a library with
valid synthetic frontmatter and their bodies as written, and the report counts findings per rule with a
sample of each. The documents here are written for the test (fictional)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from conftest import REPO

from policybook.corpus import load_corpus
from policybook.lint import lint_corpus


def _bench():
    spec = importlib.util.spec_from_file_location("precision_bench", REPO / "tools/bench/precision.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


BENCH = _bench()

BODY = "# Visitors\n\nVisitors sign in at reception. The organization keeps the book for a year.\n"


@pytest.mark.parametrize(("text", "header", "body"), [
    (BODY, {}, BODY),
    ("---\ntitle: Visitors policy\nowner: Facilities\n---\n" + BODY, {"title": "Visitors policy",
                                                                      "owner": "Facilities"}, BODY),
    # Some policy tools write a bare YAML header closed by a single line of dashes.
    ("name: Visitors Policy\nacronym: VP\n---\n" + BODY, {"name": "Visitors Policy", "acronym": "VP"}, BODY),
    ("Scope: all sites\n\nThis is prose, not a header.\n", {}, "Scope: all sites\n\nThis is prose, not a header.\n"),
])
def test_a_documents_own_header_is_dropped_and_its_body_kept(text: str, header: dict[str, str], body: str) -> None:
    assert BENCH.split_document(text) == (header, body)


def _documents(folder: Path) -> Path:
    folder.mkdir()
    (folder / "visitors.md").write_text("name: Visitors Policy\n---\n" + BODY, encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "parking.md").write_text(
        "# Parking\n\nStaff park in the rear car park. We use a 3rd party for permits, dated 03/04/24.\n",
        encoding="utf-8")
    (folder / "sub" / "duplicate.md").write_text("# Visitors\n\nA second page with the same title.\n",
                                                 encoding="utf-8")
    return folder


def test_each_document_becomes_a_valid_policy_with_its_body_as_written(tmp_path: Path) -> None:
    source = _documents(tmp_path / "docs")
    origin = BENCH.make_library(source, tmp_path / "lib")
    assert sorted(origin.values()) == ["sub/duplicate.md", "sub/parking.md", "visitors.md"]
    result = lint_corpus(load_corpus(tmp_path / "lib", BENCH.TODAY))
    rules = {f.rule for f in result.findings}
    # Nothing about the synthetic frontmatter: only what the bodies say.
    assert not rules & {"schema", "frontmatter-missing", "duplicate-id", "duplicate-title", "history",
                        "missing-guidance", "unknown-role"}, result.findings
    assert {"Policybook.Spelling", "Policybook.Dates", "heading-structure"} <= rules
    policy = next(rel for rel, src in origin.items() if src == "visitors.md")
    assert (tmp_path / "lib" / policy).read_text(encoding="utf-8").endswith("---\n\n" + BODY)


def test_the_report_counts_findings_per_rule_and_samples_each(tmp_path: Path, capsys) -> None:
    source = _documents(tmp_path / "docs")
    out = tmp_path / "findings.json"
    assert BENCH.main([str(source), "--sample", "1", "--json", str(out)]) == 0
    report = capsys.readouterr().out
    rows = json.loads(out.read_text(encoding="utf-8"))
    spelling = [r for r in rows if r["rule"] == "Policybook.Spelling"]
    assert [(r["source"], r["text"]) for r in spelling] == [
        ("visitors.md", "Visitors sign in at reception. The organization keeps the book for a year.")]
    table = report.split("\n\n", 1)[0]
    assert "3 documents: docs 3" in table
    assert any(line.split() == ["Policybook.Spelling", "1", "1"] for line in table.splitlines())
    assert "Policybook.Dates: 1 findings; a sample of 1" in report
    assert "docs/sub/parking.md:" in report and "'03/04/24' is ambiguous" in report


def test_the_locale_option_gives_the_library_that_locale(tmp_path: Path) -> None:
    source = _documents(tmp_path / "docs")
    BENCH.make_library(source, tmp_path / "lib", "en-US")
    result = lint_corpus(load_corpus(tmp_path / "lib", BENCH.TODAY))
    assert "Policybook.Spelling" not in {f.rule for f in result.findings}
    assert "locale: en-US" in (tmp_path / "lib/policybook.yml").read_text(encoding="utf-8")


def test_the_audience_option_writes_every_document_for_that_role(tmp_path: Path) -> None:
    source = tmp_path / "docs"
    source.mkdir()
    (source / "first-aid.md").write_text("# First aid\n\nThe first aiders restock the kit each week.\n",
                                         encoding="utf-8")
    BENCH.make_library(source, tmp_path / "lib", audience="registered-manager")
    result = lint_corpus(load_corpus(tmp_path / "lib", BENCH.TODAY))
    assert [f.rule for f in result.findings if f.rule == "role-not-listed"] == ["role-not-listed"]
    BENCH.make_library(source, tmp_path / "all")
    result = lint_corpus(load_corpus(tmp_path / "all", BENCH.TODAY))
    assert "role-not-listed" not in {f.rule for f in result.findings}
