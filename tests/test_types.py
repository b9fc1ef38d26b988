"""The type checker passes on the package: every annotation is read, and each ignore names its error.

mypy's settings are in pyproject.toml ([tool.mypy]); its cache in .mypy_cache keeps a run after the
first one short.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "tools" / "policybook"

pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[dev]' installs it)")


def test_mypy_passes() -> None:
    run = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, f"mypy found problems:\n{run.stdout}{run.stderr}"


def test_every_ignore_names_its_error_and_says_why() -> None:
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "type: ignore" in line and not re.search(r"# type: ignore\[[a-z-]+(, [a-z-]+)*\]\s+#\s*\S", line):
                unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not unexplained, "a `# type: ignore[code]` needs a comment saying why:\n" + "\n".join(unexplained)
