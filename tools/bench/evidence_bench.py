"""Evidence pack benchmark: `policybook evidence` for a generated library of N policies under git, for
its last day, for a day before its git history began (every version still in force) and for a day a
year back (before any generated version was approved). The target: under 120 s each for 1,000
policies (under 30 s for the example).

Run: python tools/bench/evidence_bench.py [--policies 1000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import REPO, make_corpus

DAY = "2026-11-26"


def _git(root: Path, *args: str) -> None:
    stamp = f"{DAY}T12:00:00+00:00"
    subprocess.run(["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.invalid", *args], cwd=root,
                   check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp})


def _pack(root: Path, out: Path, *extra: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "policybook", "-C", str(root), "evidence", "--today", DAY,
                           "--out", str(out), *extra], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO / "tools")})
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return seconds, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_corpus(Path(tmp) / "project", args.policies)
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "library")
        # The generated versions were approved from January to September 2026 and committed on DAY: on
        # 1 October every one is in force, read before the library's git history began.
        for label, extra in (("today", ()), ("before its git history", ("--as-of", "2026-10-01")),
                             ("a year back", ("--as-of", "2025-11-26"))):
            seconds, said = _pack(root, Path(tmp) / label.replace(" ", "-"), *extra)
            print(f"evidence pack, {args.policies} policies, {label}: {seconds:.1f} s")
            print(f"  {said}")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-I", "verify.py"], cwd=Path(tmp) / "today", check=True, capture_output=True)
        print(f"verify.py on the pack for today: {time.perf_counter() - start:.1f} s")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of a pack's process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
