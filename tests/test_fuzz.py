"""Bounded fuzzing with hypothesis: the Markdown prose map, the style runner and the Markdown to
Typst path never raise on arbitrary text, and positions always point inside the file."""

from __future__ import annotations

from pathlib import Path

import typst
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policybook.handbook.convert import BodyConverter
from policybook.loader import parse_markdown
from policybook.markdown import parse_body
from policybook.model import Policy
from policybook.style.runner import Style, check_policy

STYLE = Style.load(REPO)
MARKDOWN_BITS = st.sampled_from(["# ", "## ", "- ", "1. ", "> ", "| a | b |\n|---|---|\n", "```\n", "`", "*", "_",
                                 "[x](y)", "![alt](img.png)", "<div>", "</div>", "<!-- vale off -->", "\n\n",
                                 "911", "probably", "etc.", "03/04/24", "#", "$", "\\", "@", "<", "{{", "%}"])
TEXT = st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=20)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_prose_positions_stay_inside_the_body(body: str) -> None:
    parsed = parse_body(body, 10)
    lines = body.split("\n")
    for block in parsed.prose:
        for index in range(len(block.text)):
            line, column = block.position(index)
            assert 10 <= line < 10 + len(lines) and column >= 1


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_style_runner_never_raises(body: str) -> None:
    assert STYLE is not None
    doc = parse_markdown("---\nid: ZZ-001\n---\n" + body, Path("fuzz.md"), "policies/fuzz.md")
    for item in check_policy(STYLE, Policy.from_document(doc)):
        assert item.line >= 1 and item.column >= 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(TEXT.filter(lambda t: "![" not in t))
def test_markdown_to_typst_always_compiles(tmp_path: Path, body: str) -> None:
    """Whatever the body says, pandoc's Typst output compiles as plain content: nothing runs."""
    doc = parse_markdown("---\nid: ZZ-001\n---\n" + body, tmp_path / "p.md", "p.md")
    source = BodyConverter(tmp_path, set(), {}, root=tmp_path, policies_dir=tmp_path,
                           by_id={}).convert(Policy.from_document(doc))
    typst.compile(("#set page(width: 10cm, height: auto)\n" + source).encode("utf-8"), format="svg")


def test_atheris_fuzzes_the_policy_reader_for_a_bounded_run(tmp_path: Path) -> None:
    """libFuzzer-driven: a fixed number of runs from a seed corpus of the example's own files."""
    import subprocess
    import sys

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for index, source in enumerate(sorted((REPO / "policies").rglob("*.md"))[:5]):
        (seeds / f"seed-{index}").write_bytes(source.read_bytes())
    completed = subprocess.run([sys.executable, str(REPO / "tools/fuzz/fuzz_policy.py"), "-runs=3000",
                                "-seed=1", "-max_len=4096", f"-artifact_prefix={tmp_path}/", str(seeds)],
                               capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Done 3000 runs" in completed.stderr
