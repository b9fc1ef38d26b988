"""Practice benchmark: what a large staff register, course register and training record cost lint.

The same generated corpus of policies is linted twice, in fresh processes: once with no practice data
(no courses, no training records, the example's few staff), once with ``--staff`` members of staff,
``--courses`` courses required of their roles and ``--records`` chained training records, with
appraisals switched on. The target is that the second stays within 10% of the first. ``--reading`` also
switches on reading deadlines with nobody having confirmed anything: every person owes every policy
(200 staff x 1,000 policies is 200,000 items of the due list), the worst case, reported for its cost.
Runs of the two are interleaved and the best of ``--repeat`` is kept, since the machine may be shared.

Run: python tools/bench/practice_bench.py [--policies 1000] [--staff 200] [--courses 40] [--records 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import make_corpus
from lint_bench import measure

from policybook.evidence.ledger import chain_value
from policybook.evidence.practice import TRAINING

ROLES = ["registered-manager", "lead-radiographer", "radiographer", "scan-operator", "administrator",
         "unit-driver", "first-aider", "fire-warden", "ipc-lead", "safeguarding-lead"]
TODAY = dt.date(2026, 11, 26)


def _settings(root: Path, practice: str) -> None:
    """The settings with ``practice`` as their practice section (the example's own is left out)."""
    config = root / "policybook.yml"
    text = config.read_text(encoding="utf-8")
    if "\npractice:" in text:
        start = text.index("\npractice:") + 1
        end = next((i for i in range(start + 1, len(text)) if text[i - 1] == "\n" and text[i] not in " #\n"),
                   len(text))
        text = text[:start] + text[end:]
    config.write_text(text.rstrip("\n") + "\n" + practice, encoding="utf-8")


def _without_practice(root: Path) -> None:
    _settings(root, "")
    for name in ("checks", "risks", "training"):
        (root / "registers" / f"{name}.yml").write_text(f"{name}: []\n", encoding="utf-8")
    for name in ("checks", "training", "servicing"):
        (root / "records" / f"{name}.csv").unlink(missing_ok=True)


def _with_practice(root: Path, staff: int, courses: int, records: int, reading: bool, seed: int = 2026) -> None:
    rng = random.Random(seed)
    (root / "records").mkdir(exist_ok=True)
    members = [f"s{index:04d}" for index in range(staff)]
    lines = ["staff:"]
    for member in members:
        roles = rng.sample(ROLES, k=rng.randint(1, 3))
        joined = TODAY - dt.timedelta(days=rng.randint(60, 3000))
        lines += [f"  - id: {member}", f"    name: Generated Person {member[1:]}", f"    roles: [{', '.join(roles)}]",
                  f'    joined: "{joined.isoformat()}"',
                  f'    last_appraisal: "{(TODAY - dt.timedelta(days=rng.randint(1, 400))).isoformat()}"']
    (root / "registers" / "staff.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    course_ids = [f"course-{index:02d}" for index in range(courses)]
    lines = ["training:"]
    for course in course_ids:
        roles = ["all-staff"] if rng.random() < 0.2 else rng.sample(ROLES, k=rng.randint(1, 4))
        lines += [f"  - id: {course}", f"    title: Generated course {course[-2:]}", f"    roles: [{', '.join(roles)}]",
                  f"    renew_months: {rng.choice([12, 24, 36])}"]
    (root / "registers" / "training.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = [",".join(TRAINING.header)]
    previous = ""
    days = sorted(TODAY - dt.timedelta(days=rng.randint(1, 1500)) for _ in range(records))
    seen = set()
    for day in days:
        fields = [rng.choice(members), rng.choice(course_ids), day.isoformat(), ""]
        if tuple(fields[:3]) in seen:
            continue
        seen.add(tuple(fields[:3]))
        previous = chain_value(previous, fields)
        rows.append(",".join([*fields, previous]))
    (root / "records" / "training.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    _settings(root, "practice:\n  appraisal_interval_months: 12\n" + ("  read_within_days: 14\n" if reading else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--staff", type=int, default=200)
    parser.add_argument("--courses", type=int, default=40)
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-style", action="store_true", help="lint without the house style")
    parser.add_argument("--reading", action="store_true", help="reading deadlines on, and nothing confirmed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain = make_corpus(Path(tmp) / "plain", args.policies)
        _without_practice(plain)
        practice = Path(tmp) / "practice"
        shutil.copytree(plain, practice)
        _with_practice(practice, args.staff, args.courses, args.records, args.reading)
        style = not args.no_style
        runs: dict[str, list[dict[str, float]]] = {"without": [], "with": []}
        for _ in range(args.repeat):
            runs["without"].append(measure(plain, style))
            runs["with"].append(measure(practice, style))
        best = {name: min(r["seconds"] for r in found) for name, found in runs.items()}
        print(f"{args.policies} policies; with: {args.staff} staff, {args.courses} courses, "
              f"{args.records} training records{', reading deadlines' if args.reading else ''} "
              f"(best of {args.repeat})")
        for name in ("without", "with"):
            found = runs[name]
            print(f"  {name:<8} {best[name]:>6.2f} s   peak {max(r['peak_mb'] for r in found):>5.0f} MB   "
                  f"{int(found[0]['findings'])} findings")
        print(f"  ratio    {best['with'] / best['without']:.3f} (target: at most 1.10)")


if __name__ == "__main__":
    main()
