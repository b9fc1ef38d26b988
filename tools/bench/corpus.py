"""Generate a realistic policy repository of any size for benchmarks.

Registers and settings are copied from the example organisation; each generated policy has valid
frontmatter and a body whose length is drawn from the example policies' own lengths, with headings,
numbered and bulleted lists, a table and links, in prose that does not repeat between policies.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CATEGORIES = {
    "governance": "GOV", "safeguarding": "SAF", "clinical": "CLN", "infection-control": "IPC",
    "health-safety": "HS", "information": "IG", "workforce": "WF",
}
ROLES = ["registered-manager", "lead-radiographer", "radiographer", "scan-operator", "administrator",
         "ipc-lead", "safeguarding-lead", "unit-driver"]
# Guidance the example's register says serves each category (its `categories`), so that no policy cites
# guidance for another category (guidance-category).
GUIDANCE = {"governance": ["psirf", "mhsw-1999", "irmer-2017"], "safeguarding": ["care-act-2014"],
            "clinical": ["irmer-2017"], "infection-control": ["national-ipc-manual"],
            "health-safety": ["mhsw-1999"], "information": ["dpa-2018"], "workforce": ["cstf", "irmer-2017"]}
STANDARDS = ["hsca-reg-12", "hsca-reg-17", "cqc-safe-ipc", "cqc-well-led-governance", "hsca-reg-13"]
NOUNS = ["record", "patient", "session", "referral", "scan", "audit", "form", "report", "check", "booking",
         "result", "list", "log", "site", "room", "table", "sample", "letter", "plan", "review", "meeting",
         "gown", "folder", "notice", "schedule", "contract", "survey", "leaflet", "course", "register"]
VERBS = ["checks", "records", "signs", "reviews", "updates", "files", "confirms", "sends", "books", "keeps",
         "explains", "closes", "opens", "shares", "tests", "cleans", "labels", "returns", "escalates"]
ADJECTIVES = ["daily", "weekly", "monthly", "written", "signed", "current", "complete", "accurate", "clean",
              "secure", "local", "annual", "clear", "named", "agreed", "printed", "shared", "new", "last"]
SUBJECTS = ["The Registered Manager", "The Lead Radiographer", "The Administrator", "Each Radiographer",
            "The Scan Operator", "The Unit Driver", "Every member of staff", "The Infection Prevention and "
            "Control Lead"]


def _example_lengths() -> list[int]:
    lengths = []
    for path in (REPO / "policies").rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        lengths.append(len(text.split("\n---\n", 1)[-1].split()))
    return lengths or [500]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(SUBJECTS), rng.choice(VERBS), "the", rng.choice(ADJECTIVES), rng.choice(NOUNS)]
    for _ in range(rng.randint(0, 2)):
        words += [rng.choice(["before", "after", "with", "for", "in"]), "the", rng.choice(ADJECTIVES),
                  rng.choice(NOUNS)]
    words.append(f"within {rng.randint(2, 40)} days")
    return " ".join(words) + "."


def _body(rng: random.Random, words: int, index: int, total: int) -> str:
    parts: list[str] = []
    count = 0
    section = 0
    while count < words:
        section += 1
        parts.append(f"## {rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS)} section {section}\n")
        paragraph = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
        parts.append(paragraph + "\n")
        kind = section % 3
        if kind == 0:
            parts.extend(f"{n}. {_sentence(rng)}" for n in range(1, rng.randint(3, 6)))
            parts.append("")
        elif kind == 1:
            parts.append("| Task | Who | When |\n|---|---|---|")
            parts.extend(f"| {rng.choice(NOUNS).title()} {rng.randint(1, 99)} | {rng.choice(SUBJECTS)} | "
                         f"Every {rng.randint(1, 12)} months |" for _ in range(rng.randint(2, 5)))
            parts.append("")
        else:
            parts.extend(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 5)))
            parts.append("")
            other = rng.randrange(total)
            parts.append(f"See also [the related policy]({_policy_id(other)}).\n")
        count = len("\n".join(parts).split())
    return "\n".join(parts)


def _policy_id(index: int) -> str:
    prefixes = list(CATEGORIES.values())
    return f"{prefixes[index % len(prefixes)]}{chr(65 + (index // 7000) % 26)}-{(index // len(prefixes)) % 1000:03d}"


def make_corpus(root: Path, count: int, seed: int = 2026) -> Path:
    """Write ``count`` policies plus settings and registers under ``root``; return ``root``."""
    rng = random.Random(seed)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    config = (REPO / "policybook.yml").read_text(encoding="utf-8")
    for prefix in CATEGORIES.values():
        config = config.replace(f"prefix: {prefix}\n", f"prefix: {prefix}A\n")
    # Generated policies carry no fingerprints or signatures (signature_bench.py adds them).
    config = config.replace("  signatures: required", "  signatures: off", 1)
    (root / "policybook.yml").write_text(config, encoding="utf-8")
    shutil.copytree(REPO / "registers", root / "registers")
    for extra in (".vale.ini", "styles"):
        if (REPO / extra).is_dir():
            shutil.copytree(REPO / extra, root / extra)
        elif (REPO / extra).is_file():
            shutil.copy2(REPO / extra, root / extra)
    lengths = _example_lengths()
    categories = list(CATEGORIES)
    for index in range(count):
        category = categories[index % len(categories)]
        folder = root / "policies" / category
        folder.mkdir(parents=True, exist_ok=True)
        approved = f"2026-0{1 + index % 9}-1{index % 10}"
        review = f"2028-0{1 + index % 9}-1{index % 10}"
        owner = rng.choice(ROLES)
        frontmatter = f"""---
id: {_policy_id(index)}
title: Generated policy number {index}
version: "1.{index % 12}"
status: approved
category: {category}
owner: {owner}
author: Bench Author
created: "2021-04-12"
approved_by: registered-manager
approved_on: "{approved}"
review_interval: 24
next_review: "{review}"
audience: all-staff
roles:
  {owner}:
    - Keeps this policy current and reviews the audit results each quarter.
  all-staff:
    - Follow this policy and report any problem on the same day.
guidance:
  - {rng.choice(GUIDANCE[category])}
standards:
  - {rng.choice(STANDARDS)}
history:
  - version: "1.{index % 12}"
    date: "{approved}"
    author: Bench Author
    summary: Generated for benchmarking.
---

"""
        body = _body(rng, rng.choice(lengths), index, count)
        (folder / f"policy-{index:05d}.md").write_text(frontmatter + body, encoding="utf-8")
    return root


def make_site_project(root: Path, count: int, handbook: bool = True) -> Path:
    """A generated corpus plus the example's docs/ and mkdocs.yml, ready for `policybook build`."""
    make_corpus(root, count)
    shutil.copytree(REPO / "docs", root / "docs")
    config = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    if not handbook:
        config = config.replace("  - policybook\n", "  - policybook:\n      handbook: false\n")
    (root / "mkdocs.yml").write_text(config, encoding="utf-8")
    return root
