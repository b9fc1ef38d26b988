"""Lint benchmark: time and peak memory of `policybook lint` on generated corpora.

Run: python tools/bench/lint_bench.py [--sizes 100 1000 5000] [--no-style]
Each measurement runs in a fresh process so that peak memory (max RSS of the process or of any
worker it forks) is that run's alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import make_corpus

_CHILD = r"""
import json, resource, sys, time, datetime
from pathlib import Path
from policybook.corpus import load_corpus
from policybook.lint import lint_corpus, options_for
root = Path(sys.argv[1]); style = sys.argv[2] == "1"
start = time.perf_counter()
corpus = load_corpus(root, datetime.date(2026, 11, 26))
result = lint_corpus(corpus, options_for(root, house_style=style))
seconds = time.perf_counter() - start
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
           resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "findings": len(result.findings)}))
"""


def measure(root: Path, style: bool) -> dict[str, float]:
    completed = subprocess.run([sys.executable, "-c", _CHILD, str(root), "1" if style else "0"],
                               capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the best time is shown")
    args = parser.parse_args()
    print(f"{'policies':>8}  {'mode':<18}  {'seconds':>8}  {'per 1,000':>9}  {'peak MB':>8}  findings")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            root = make_corpus(Path(tmp) / f"corpus-{size}", size)
            for style in (False, True):
                runs = [measure(root, style) for _ in range(args.repeat)]
                best = min(runs, key=lambda r: r["seconds"])
                mode = "schema+registers" if not style else "with style"
                print(f"{size:>8}  {mode:<18}  {best['seconds']:>8.2f}  {best['seconds'] * 1000 / size:>9.2f}"
                      f"  {max(r['peak_mb'] for r in runs):>8.0f}  {best['findings']}")


if __name__ == "__main__":
    main()
