"""Site benchmark: `policybook build` of N generated policies against a plain `mkdocs build` of the
same Markdown pages with the same theme and no policybook plugin, measured in one run.

Run: python tools/bench/site_bench.py [--policies 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import REPO, make_site_project

BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "POLICYBOOK_TODAY": "2026-11-26"}


def _timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - start


def plain_copy(project: Path, target: Path) -> None:
    """The same pages as plain Markdown: docs/ plus each policy file, and mkdocs.yml minus the plugin."""
    shutil.copytree(project / "docs", target / "docs")
    for policy in (project / "policies").rglob("*.md"):
        destination = target / "docs" / "policies" / policy.relative_to(project / "policies")
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(policy.read_text(encoding="utf-8"), encoding="utf-8")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8").replace("  - policybook\n", "")
    (target / "mkdocs.yml").write_text(config.replace("strict: true", "strict: false"), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # The handbook PDFs are measured by handbook_bench.py; here the site alone is compared.
        project = make_site_project(Path(tmp) / "project", args.policies, handbook=False)
        plain = Path(tmp) / "plain"
        plain_copy(project, plain)
        ours, baseline = [], []
        for _ in range(args.repeat):
            ours.append(_timed([str(BIN / "policybook"), "build"], project))
            baseline.append(_timed([str(BIN / "mkdocs"), "build", "--quiet"], plain))
        best, base = min(ours), min(baseline)
        print(f"{'build':<34} {'seconds':>8}")
        print(f"{'plain mkdocs build (baseline)':<34} {base:>8.2f}")
        print(f"{'policybook build (plugin)':<34} {best:>8.2f}")
        print(f"{'ratio (target <= 1.30)':<34} {best / base:>8.2f}")
        print(f"policies: {args.policies}; best of {args.repeat} runs each")


if __name__ == "__main__":
    main()
