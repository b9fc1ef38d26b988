"""Side by side, in one run, on the same generated files: policybook against the naive pass a user could
write in a few lines, so that a slowdown shows up as a ratio rather than as seconds on some machine.

- lint: `policybook lint` (house style on, workers as the command line chooses them) against
  python-frontmatter loading each policy plus jsonschema (Draft 2020-12, one validator with format
  checks) validating its frontmatter against schemas/policy.schema.json.
- handbook: the staff handbook PDF (pandoc to Typst to PDF/UA-1) against pandoc's own Markdown-to-HTML
  pass (pypandoc, one call) over the same bodies.

Every measurement is a fresh process, the same way for both sides. Lint is timed from outside the
process: what a user waits for, interpreter start and imports included on both sides. The handbook is
timed inside its process from the bodies in memory to the finished output on both sides (loading the
files and the handbook command's lint gate are not counted; each run is a fresh process because Typst
memoises layout within a process, so a second compile there would be unfairly warm). Runs of the two
sides are interleaved and the best of ``--repeat`` is kept, since the machine may be shared.

Each row gives wall-clock seconds and processor seconds (user and system, of the process and of every
process it started: lint's workers, pandoc). On a machine other jobs are using, the processor seconds
are the steadier comparison; the load average is printed before and after.

Run: python tools/bench/versus.py [--sizes 1000 5000] [--handbook 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import REPO, make_corpus

SCHEMA = REPO / "schemas" / "policy.schema.json"
TODAY = "2026-11-26"


def naive_lint(root: Path) -> None:
    """The naive pass: every policy through python-frontmatter and jsonschema; prints files and errors."""
    import frontmatter
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")), format_checker=FormatChecker())
    files = errors = 0
    for path in sorted((root / "policies").rglob("*.md")):
        errors += sum(1 for _ in validator.iter_errors(frontmatter.load(path).metadata))
        files += 1
    print(json.dumps({"files": files, "errors": errors}))


def naive_handbook(root: Path) -> None:
    """pandoc's Markdown-to-HTML pass over the same bodies the handbook holds, timed from memory."""
    import pypandoc

    markdown = "\n\n".join(f"# {title}\n\n{body}" for title, body in _handbook_bodies(root))
    start, cpu = time.perf_counter(), _cpu()
    html = pypandoc.convert_text(markdown, "html", format="commonmark_x",
                                 extra_args=["--standalone", "--metadata", "title=Handbook"])
    print(json.dumps({"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "bytes": len(html)}))


def handbook(root: Path) -> None:
    """The staff handbook, standard edition, from the loaded corpus (as `policybook handbook` builds it
    once lint has passed)."""
    import datetime as dt

    from policybook.corpus import load_corpus
    from policybook.handbook.builder import Variant, build_handbooks

    corpus = load_corpus(root, dt.date.fromisoformat(TODAY))
    out = root / "site" / "handbook" / "staff-handbook.pdf"
    start, cpu = time.perf_counter(), _cpu()
    [written] = build_handbooks(corpus, [Variant(out)])
    print(json.dumps({"seconds": time.perf_counter() - start, "cpu": _cpu() - cpu, "bytes": written.stat().st_size}))


def _cpu() -> float:
    """Processor seconds of this process and of the children it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _handbook_bodies(root: Path) -> list[tuple[str, str]]:
    """(title, body) of every policy the staff handbook holds, read by the policybook loader."""
    import datetime as dt

    from policybook.corpus import load_corpus
    from policybook.handbook.builder import select

    corpus = load_corpus(root, dt.date.fromisoformat(TODAY))
    return [(p.title or "", p.doc.body) for p in select(corpus, None)]


CHILDREN: dict[str, Callable[[Path], None]] = {"naive-lint": naive_lint, "naive-handbook": naive_handbook,
                                               "handbook": handbook}


Timing = tuple[float, float]  # wall-clock seconds, processor seconds


def _run(command: list[str], env: dict[str, str] | None = None) -> tuple[Timing, str]:
    start, cpu = time.perf_counter(), _cpu()
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    timing = (time.perf_counter() - start, _cpu() - cpu)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
    return timing, completed.stdout


def _child(name: str, root: Path) -> list[str]:
    return [sys.executable, __file__, "--child", name, str(root)]


def _lint(root: Path, jobs: str | None = None) -> tuple[Timing, str]:
    env = {**os.environ, "NO_COLOR": "1"}
    if jobs:
        env["POLICYBOOK_JOBS"] = jobs
    timing, out = _run([sys.executable, "-m", "policybook", "-C", str(root), "lint", "--today", TODAY], env)
    return timing, out.strip().splitlines()[-1]


Row = tuple[str, Timing, Timing, str]  # label, best timing, the naive side's best timing, note


def _best(timings: list[Timing]) -> Timing:
    return min(t[0] for t in timings), min(t[1] for t in timings)


def compare_lint(root: Path, size: int, repeat: int, single: bool) -> list[Row]:
    """Best of ``repeat`` interleaved runs of each side on the corpus at ``root``."""
    sides: dict[str, list[Timing]] = {"naive": [], "lint": [], "lint-1": []}
    notes: dict[str, str] = {}
    for _ in range(repeat):
        timing, out = _run(_child("naive-lint", root))
        sides["naive"].append(timing)
        notes["naive"] = "{files} files, {errors} schema errors".format(**json.loads(out))
        timing, notes["lint"] = _lint(root)
        sides["lint"].append(timing)
        if single:
            timing, notes["lint-1"] = _lint(root, "1")
            sides["lint-1"].append(timing)
    naive = _best(sides["naive"])
    rows = [(f"lint {size:,}: naive frontmatter + jsonschema", naive, naive, notes["naive"]),
            (f"lint {size:,}: policybook lint", _best(sides["lint"]), naive, notes["lint"])]
    if single:
        rows.append((f"lint {size:,}: policybook lint, one process", _best(sides["lint-1"]), naive, notes["lint-1"]))
    return rows


def compare_handbook(root: Path, size: int, repeat: int) -> list[Row]:
    pandoc: list[Timing] = []
    built: list[Timing] = []
    for _ in range(repeat):
        out = json.loads(_run(_child("naive-handbook", root))[1])
        pandoc.append((out["seconds"], out["cpu"]))
        out = json.loads(_run(_child("handbook", root))[1])
        built.append((out["seconds"], out["cpu"]))
    base = _best(pandoc)
    return [(f"handbook {size:,}: pandoc Markdown to HTML", base, base, ""),
            (f"handbook {size:,}: policybook handbook (standard edition)", _best(built), base, "")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 5000], help="lint corpus sizes")
    parser.add_argument("--handbook", type=int, nargs="*", default=[1000], help="handbook corpus sizes")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs per side; the best is kept")
    parser.add_argument("--single", action="store_true", help="also time lint in one process (POLICYBOOK_JOBS=1)")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        CHILDREN[args.child[0]](Path(args.child[1]))
        return
    rows: list[Row] = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        corpora = {size: make_corpus(Path(tmp) / f"corpus-{size}", size) for size in {*args.sizes, *args.handbook}}
        for size in args.sizes:
            rows += compare_lint(corpora[size], size, args.repeat, args.single)
        for size in args.handbook:
            rows += compare_handbook(corpora[size], size, args.repeat)
    width = max(len(row[0]) for row in rows)
    print(f"{'measure':<{width}}  {'wall s':>7}  {'ratio':>6}  {'cpu s':>7}  {'ratio':>6}")
    for label, (wall, cpu), (base_wall, base_cpu), note in rows:
        print(f"{label:<{width}}  {wall:>7.2f}  {wall / base_wall:>5.2f}x  {cpu:>7.2f}  {cpu / base_cpu:>5.2f}x"
              f"  {note}")
    print(f"best of {args.repeat} interleaved runs, each a fresh process; "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
