"""Precision report: how noisy each rule is on real documents, before it reaches a manager.

Run: python tools/bench/precision.py FOLDER [FOLDER...] [--sample 5] [--json findings.json]

Each FOLDER is a set of real policy documents written elsewhere (Markdown, with or without a
frontmatter of their own). Each becomes a library of its own: the example organisation's settings
and registers, and every document given a valid synthetic frontmatter (its own frontmatter, if any,
is dropped; its body is kept exactly as written). Lint runs on each library, and the report gives the
findings per rule, per folder, with a random sample of each rule's findings and the line they point
at, so that a rule that is wrong more often than right is seen before it ships. ``--json`` writes
every finding with its source line, for judging a sample by hand.

Keep the documents outside the repository: they are other organisations' text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import yaml

from policybook.corpus import load_corpus
from policybook.lint import lint_corpus
from policybook.style.locales import ini_for_locale

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 26)
PREFIXES = {"governance": "GOV", "information": "IG", "workforce": "WF", "health-safety": "HS",
            "clinical": "CLN", "safeguarding": "SAF", "infection-control": "IPC"}
_HEADER_END = re.compile(r"^(?:---|\.\.\.)\s*$", re.M)
_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


def split_document(text: str) -> tuple[dict[str, object], str]:
    """The document's own header (a YAML block between `---` lines, or a bare YAML block ended by
    `---`, as some policy tools write) and its body as written."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    lines = text.split("\n")
    start = 1 if lines and lines[0].strip() == "---" else 0
    if start or re.match(r"^[A-Za-z_][\w-]*:", lines[0] if lines else ""):
        rest = "\n".join(lines[start:])
        end = _HEADER_END.search(rest)
        if end is not None and rest[:end.start()].count("\n") < 80:
            try:
                header = yaml.safe_load(rest[:end.start()])
            except yaml.YAMLError:
                header = None
            if isinstance(header, dict):
                return header, rest[end.end():].lstrip("\n")
    return {}, text


def _title(header: dict[str, object], body: str, path: Path, used: set[str]) -> str:
    found = header.get("title") or header.get("name")
    heading = _H1.search(body)
    title = str(found) if found else (heading.group(1) if heading else path.stem.replace("-", " ").replace("_", " "))
    title = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", title).split())[:120] or path.stem
    candidate, number = title, 1
    while candidate.casefold() in used:
        number += 1
        candidate = f"{title} ({number})"
    used.add(candidate.casefold())
    return candidate


def _frontmatter(policy_id: str, title: str, category: str, version: str, audience: str = "all-staff") -> str:
    return f"""---
id: {policy_id}
title: {json.dumps(title, ensure_ascii=False)}
version: "{version}"
status: approved
category: {category}
owner: registered-manager
author: Precision Bench
created: "2025-01-06"
approved_by: registered-manager
approved_on: "2026-01-15"
review_interval: 24
next_review: "2028-01-15"
audience: {audience}
roles:
  registered-manager:
    - Keeps this policy current.
guidance:
  - dpa-2018
history:
  - version: "{version}"
    date: "2026-01-15"
    author: Precision Bench
    summary: Brought in to measure the rules.
---

"""


def make_library(source: Path, root: Path, locale: str | None = None, audience: str = "all-staff") -> dict[str, str]:
    """A library at ``root`` holding every Markdown file under ``source``, each document written for
    ``audience`` (a role id, or all-staff); returns policy path -> source."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    config = (REPO / "policybook.yml").read_text(encoding="utf-8")
    config = config.replace("  signatures: required", "  signatures: off", 1)
    if locale:
        config = re.sub(r"(?m)^locale: .*$", f"locale: {locale}", config, count=1)
    (root / "policybook.yml").write_text(config, encoding="utf-8")
    shutil.copytree(REPO / "registers", root / "registers")
    if (REPO / "styles").is_dir() and (REPO / ".vale.ini").is_file():
        shutil.copytree(REPO / "styles", root / "styles")
        ini = (REPO / ".vale.ini").read_text(encoding="utf-8")
        if locale:  # as `policybook init --locale` writes it
            ini = ini_for_locale(ini, root / "styles", locale)
        (root / ".vale.ini").write_text(ini, encoding="utf-8")
    categories = list(PREFIXES)
    used: set[str] = set()
    origin: dict[str, str] = {}
    documents = sorted(p for p in source.rglob("*.md") if p.is_file())
    for index, path in enumerate(documents):
        header, body = split_document(path.read_text(encoding="utf-8", errors="replace"))
        category = categories[index % len(categories)]
        policy_id = f"{PREFIXES[category]}-{index // len(categories) + 1:03d}"
        folder = root / "policies" / category
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{re.sub(r'[^a-z0-9-]+', '-', path.stem.lower()).strip('-') or 'document'}-{index}.md"
        target.write_text(_frontmatter(policy_id, _title(header, body, path, used), category, "1.0",
                                                   audience) + body,
                          encoding="utf-8")
        origin[target.relative_to(root).as_posix()] = path.relative_to(source).as_posix()
    return origin


def _line(root: Path, rel: str, line: int) -> str:
    try:
        return (root / rel).read_text(encoding="utf-8").split("\n")[line - 1].strip()
    except (OSError, IndexError):
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, metavar="FOLDER")
    parser.add_argument("--sample", type=int, default=5, help="findings shown per rule (default 5)")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the random sample")
    parser.add_argument("--locale", help="the libraries' locale (default: the example's, en-GB)")
    parser.add_argument("--audience", default="all-staff",
                        help="the role every document is written for (default all-staff; a single role "
                             "such as registered-manager measures role-not-listed)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every finding, with its line, here")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build the libraries here and keep them")
    args = parser.parse_args(argv)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        parser.error(f"not a folder: {', '.join(missing)}")
    rng = random.Random(args.seed)
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    rows: list[dict[str, object]] = []
    names = []
    files = Counter[str]()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        for folder in args.folders:
            name = folder.resolve().name
            names.append(name)
            root = base / name
            origin = make_library(folder, root, args.locale, args.audience)
            files[name] = len(origin)
            result = lint_corpus(load_corpus(root, TODAY))
            for finding in result.findings:
                per_rule[finding.rule][name] += 1
                rows.append({"library": name, "source": origin.get(finding.path, finding.path),
                             "path": finding.path, "line": finding.line, "column": finding.column,
                             "rule": finding.rule, "severity": finding.severity.value,
                             "message": finding.message, "text": _line(root, finding.path, finding.line)})
    width = max([len(r) for r in per_rule] + [12])
    header = f"{'rule':<{width}}  " + "  ".join(f"{n[:12]:>12}" for n in names) + f"  {'total':>7}"
    print(f"{sum(files.values())} documents: " + ", ".join(f"{n} {files[n]}" for n in names))
    print(header)
    print("-" * len(header))
    for rule in sorted(per_rule, key=lambda r: (-sum(per_rule[r].values()), r)):
        counts = per_rule[rule]
        print(f"{rule:<{width}}  " + "  ".join(f"{counts[n]:>12}" for n in names) + f"  {sum(counts.values()):>7}")
    total = len(rows)
    print(f"{'all rules':<{width}}  " + "  ".join(f"{sum(c[n] for c in per_rule.values()):>12}" for n in names)
          + f"  {total:>7}")
    for rule in sorted(per_rule):
        found = [r for r in rows if r["rule"] == rule]
        print(f"\n{rule}: {len(found)} findings; a sample of {min(args.sample, len(found))}")
        for row in rng.sample(found, min(args.sample, len(found))):
            print(f"  {row['library']}/{row['source']}:{row['line']}  {row['message']}")
            print(f"      | {str(row['text'])[:160]}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
