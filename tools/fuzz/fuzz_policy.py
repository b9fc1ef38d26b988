"""Coverage-guided fuzzing with atheris (libFuzzer) of everything that reads a policy file: decoding,
the frontmatter loader, the Markdown prose map and the house style runner. Any exception is a crash.

Run: python tools/fuzz/fuzz_policy.py -runs=20000   (or -max_total_time=60; libFuzzer flags)
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from policybook.loader import parse_markdown_bytes
    from policybook.model import Policy
    from policybook.style.runner import Style, check_policy

REPO = Path(__file__).resolve().parents[2]
STYLE = Style.load(REPO)


def test_one_input(data: bytes) -> None:
    doc = parse_markdown_bytes(data, Path("fuzz.md"), "policies/fuzz.md")
    if not doc.text:
        return
    policy = Policy.from_document(doc)
    policy.parsed  # noqa: B018 - parse the body
    if STYLE is not None:
        for item in check_policy(STYLE, policy):
            assert item.line >= 1 and item.column >= 1


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
