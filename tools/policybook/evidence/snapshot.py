"""The library as it stood on a day, read from git: the project folder at the last commit made on or
before that day, unpacked into a folder of its own and loaded as a corpus for that day.

A library's git history often starts after the day asked about (it was adopted later). No commit
shows the registers as they stood then, so the snapshot says so (``before_git``) and holds the library
as committed now. In every snapshot each records file is cut at its first line dated after the day, so
nothing done later is counted: records are appended in order, so the lines kept are a prefix of the
file and their hash chain still verifies.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path

from policybook.config import load_config
from policybook.corpus import Corpus, load_corpus
from policybook.errors import PolicybookError
from policybook.evidence.git import archive, commit_day, first_commit, head_commit, last_commit_by

RECORD_FILES = ("records/acknowledgements.csv", "records/servicing.csv", "records/checks.csv",
                "records/training.csv")
SERVICE_EVIDENCE = "records/confirmations.jsonl"


@dataclass(frozen=True)
class Snapshot:
    """The library on ``corpus.today``: which commit it was read from, and whether that commit is later
    than the day (the library's git history starts after it)."""

    corpus: Corpus
    commit: str
    commit_day: dt.date
    before_git: bool

    @property
    def source(self) -> str:
        """Where the snapshot comes from, in a sentence for the reader."""
        made = self.commit_day.isoformat()
        if self.before_git:
            return (f"The library's git history starts after this day, so no commit shows its registers as they "
                    f"stood: the registers and settings are those of commit {self.commit[:10]} of {made}, the "
                    "records are cut at the day, and what fell due on the day is not shown.")
        return f"Read from git: commit {self.commit[:10]} of {made}, the last made on or before this day."


def snapshot_at(root: Path, day: dt.date, folder: Path) -> Snapshot:
    """Unpack ``root`` as it stood on ``day`` into ``folder`` (empty, and the caller's to remove) and load it."""
    first = first_commit(root, "policybook.yml")
    if first is None:
        raise PolicybookError("the evidence pack is read from git, and no commit holds this library's "
                              "policybook.yml yet: commit the library first (git add -A && git commit)")
    before_git = dt.date.fromisoformat(commit_day(root, first)) > day
    commit = (head_commit(root) or first) if before_git else (last_commit_by(root, day.isoformat()) or first)
    with tarfile.open(fileobj=io.BytesIO(archive(root, commit)), mode="r:") as tar:
        tar.extractall(folder, filter=_inside)
    if not (folder / "policybook.yml").is_file():
        raise PolicybookError(f"commit {commit[:10]} holds no policybook.yml in this folder: the library was "
                              "removed from git by that day")
    for name in RECORD_FILES:
        _cut_csv(folder / name, day)
    _cut_service_evidence(folder / SERVICE_EVIDENCE, day)
    corpus = load_corpus(folder, day, load_config(folder))
    return Snapshot(corpus, commit, dt.date.fromisoformat(commit_day(root, commit)), before_git)


def _inside(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """The "data" filter (no link or path may leave the folder), leaving out what it refuses, such as a
    committed link to a file elsewhere on the machine, rather than failing on it."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        return None


def _after(text: str, day: dt.date) -> bool:
    try:
        return dt.date.fromisoformat(text.strip()[:10]) > day
    except ValueError:
        return False  # a line that is not a record is lint's to report, not the snapshot's to drop


def _cut_csv(path: Path, day: dt.date) -> None:
    """Keep the lines of a chained records file up to the first dated after ``day``."""
    if not path.is_file() or path.is_symlink():
        return
    lines = path.read_bytes().decode("utf-8", "replace").split("\n")
    header = [c.strip() for c in next(csv.reader(lines[:1]), [])]
    if "date" not in header:
        return
    column = header.index("date")
    for number, line in enumerate(lines[1:], start=1):
        row = next(csv.reader([line]), [])
        if len(row) > column and _after(row[column], day):
            path.write_text("\n".join(lines[:number]) + "\n", encoding="utf-8")
            return


def _cut_service_evidence(path: Path, day: dt.date) -> None:
    """Keep the confirmations service's rows up to the first confirmed after ``day``."""
    if not path.is_file() or path.is_symlink():
        return
    lines = path.read_bytes().decode("utf-8", "replace").splitlines(keepends=True)
    for number, line in enumerate(lines):
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and _after(str(row.get("confirmed_at", "")), day):
            path.write_text("".join(lines[:number]), encoding="utf-8")
            return
