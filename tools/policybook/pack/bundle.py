"""``policybook evidence``: write the pack for a day into a folder, whole or not at all.

The folder holds the index page, the PDF, ``evidence.json``, each policy version's text (with its
governed fields as JSON, so a script without a YAML parser can recompute its fingerprint), the
registers and settings as they stood, the raw records (signed approval statements, ``allowed_signers``,
the chained records), ``verify.py`` (standard library only), ``VERIFY.md`` and ``MANIFEST.sha256``.
The pack is made in a temporary folder beside the destination and moved into place when complete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.evidence.fingerprint import governed_values
from policybook.evidence.signatures import allowed_signers
from policybook.evidence.snapshot import snapshot_at
from policybook.ids import is_policy_id
from policybook.model import Policy
from policybook.pack.collect import FORMAT, Attempts, collect
from policybook.pack.document import build_pdf
from policybook.pack.index import index_page
from policybook.pack.verify_bundle import MANIFEST, Failure, files_in, manifest_lines
from policybook.writing import swap_folder_in

HERE = Path(__file__).parent
VERIFY_SCRIPT = HERE / "verify_bundle.py"
VERIFY_GUIDE = HERE / "VERIFY.md"
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a file name copied into the pack (whole: fullmatch)
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(9899, 12, 31)  # the days a pack's date arithmetic can hold


@dataclass(frozen=True)
class Made:
    folder: Path
    files: int
    policies: int
    gaps: int
    not_known: int  # standards no text in the pack cites while policies known only from their history are in force
    overdue: int | None  # None before the library's git history: not known


def _copy_file(source: Path, target: Path) -> bool:
    """Copy a regular file (never a link) whose name is plain; False when it was left out."""
    if source.is_symlink() or not source.is_file() or not SAFE_NAME.fullmatch(source.name):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return True


def _copy_library_files(snapshot: Corpus, live: Corpus, stage: Path) -> tuple[list[str], list[str]]:
    """The settings, registers and records as they stood (from the snapshot), and the signed approvals and
    their signers' keys as the library holds them now (what proves them): (registers, records) by pack path."""
    _copy_file(snapshot.root / "policybook.yml", stage / "policybook.yml")
    registers = [f"registers/{p.name}" for p in sorted(snapshot.config.registers_path.glob("*.yml"))
                 if _copy_file(p, stage / "registers" / p.name)]
    records = []
    folder = snapshot.root / "records"
    if folder.is_dir() and not folder.is_symlink():
        for path in sorted(p for name in ("*.csv", "*.jsonl") for p in folder.glob(name)):
            if _copy_file(path, stage / "records" / path.name):
                records.append(f"records/{path.name}")
    # The keys the pack's approvals were verified with (the staff register's), not a copy of the file, which
    # may not have been written again since a key was added.
    (stage / "records").mkdir(exist_ok=True)
    (stage / "records" / "allowed_signers").write_text(allowed_signers(live.registers), encoding="utf-8")
    records.append("records/allowed_signers")
    approvals = live.root / "records" / "approvals"
    if approvals.is_dir() and not approvals.is_symlink():
        for policy in sorted(approvals.iterdir()):
            if not is_policy_id(policy.name) or policy.is_symlink() or not policy.is_dir():
                continue
            for path in sorted(policy.iterdir()):
                if path.suffix in (".txt", ".sig"):
                    _copy_file(path, stage / "records" / "approvals" / policy.name / path.name)
    return registers, sorted(records)


def _governed(policy: Policy) -> bytes:
    return json.dumps(governed_values(policy.data), sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def _manifest(stage: Path) -> int:
    lines = []
    for path in sorted(p for p in stage.rglob("*") if p.is_file()):
        name = path.relative_to(stage).as_posix()
        if name != MANIFEST:
            lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {name}")
    (stage / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) + 1


def _is_pack(folder: Path) -> bool:
    """Whether ``folder`` holds a pack and nothing else: its evidence.json is a pack's and its manifest lists
    every file in it, so that replacing it loses nothing anyone put there."""
    try:
        listed = manifest_lines(folder)
        data = json.loads((folder / "evidence.json").read_text(encoding="utf-8"))
        files = files_in(folder)
    except (Failure, OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("format") == FORMAT and all(f in listed or f == MANIFEST
                                                                         for f in files)


def _place(stage: Path, out: Path) -> None:
    """Move the finished pack to ``out``, replacing an earlier pack there (never any other folder)."""
    if (out.exists() or out.is_symlink()) and (out.is_symlink() or not out.is_dir() or not _is_pack(out)):
        raise PolicybookError(f"--out {out}: already exists and is not an evidence pack as policybook wrote it: "
                              "choose another folder")
    swap_folder_in(stage, out)


def make_pack(live: Corpus, day: dt.date, out: Path, generated: dt.date, *, attempts: Attempts | None = None,
              notes: tuple[str, ...] = ()) -> Made:
    """Write the evidence pack for ``day`` to ``out``, with the question attempts when they were read and
    ``notes`` for the reader (why they were not, say)."""
    if day > generated:
        raise PolicybookError(f"--as-of {day}: a pack shows a day that has come, not {day}")
    if day < EARLIEST or generated > LATEST:
        raise PolicybookError(f"--as-of {day}: a pack shows a day from {EARLIEST} to {LATEST}")
    out = out.absolute()
    if out.resolve().is_relative_to(live.config.policies_path.resolve()):
        raise PolicybookError(f"--out {out}: is in the policies folder, where the pack's copies of the policies "
                              "would be read as the library's own: choose a folder outside it")
    try:
        return _make(live, day, out, generated, attempts, notes)
    except OSError as exc:  # --out under a file, on a read-only disk, a disk that is full
        where = f": {exc.filename}" if exc.filename else ""
        raise PolicybookError(f"--out {out}: the pack cannot be written there ({exc.strerror or exc}{where})") from None


def _make(live: Corpus, day: dt.date, out: Path, generated: dt.date, attempts: Attempts | None,
          notes: tuple[str, ...]) -> Made:
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="policybook-snapshot-") as unpacked:
        snapshot = snapshot_at(live.root, day, Path(unpacked))
        collected = collect(live, snapshot, day, generated, attempts)
        data = collected.data
        data["notes"] = [*data["notes"], *notes]
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
        try:
            texts: dict[str, Policy] = {}
            for item, entry in zip(collected.in_force, data["policies"], strict=True):
                if item.policy is None or not entry["file"]:
                    continue  # no text from git, or none that can have a file of its own (collect.py says why)
                rel = entry["file"].removesuffix(".md")
                (stage / rel).parent.mkdir(parents=True, exist_ok=True)
                (stage / f"{rel}.md").write_bytes(collected.policy_files[f"{rel}.md"])
                (stage / f"{rel}.governed.json").write_bytes(_governed(item.policy))
                texts[item.id] = item.policy
            data["registers"], data["records"] = _copy_library_files(snapshot.corpus, live, stage)
            (stage / "evidence.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
            (stage / "index.html").write_text(index_page(data, live.config.locale), encoding="utf-8")
            (stage / "evidence.pdf").write_bytes(build_pdf(live, data, texts))
            shutil.copyfile(VERIFY_SCRIPT, stage / "verify.py")
            shutil.copyfile(VERIFY_GUIDE, stage / "VERIFY.md")
            files = _manifest(stage)
            _place(stage, out)
        except BaseException:
            shutil.rmtree(stage, ignore_errors=True)
            raise
    return Made(out, files, len(data["policies"]), sum(1 for s in data["standards"] if s["gap"]),
                sum(1 for s in data["standards"] if s["not_known"]),
                data["overdue"] if data["due_known"] else None)
