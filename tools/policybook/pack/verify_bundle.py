"""Check a policybook evidence pack with nothing but Python's standard library (and OpenSSH's
ssh-keygen, when it is installed, for the signatures). Run it inside the pack:

    python3 verify.py            (or: python3 verify.py PATH-TO-PACK)

It checks, in this order, and stops at the first file that fails, naming it:

1. every file is listed in MANIFEST.sha256 with the sha256 it has, and every listed file is there;
2. every chained records file (records/*.csv, records/confirmations.jsonl) is an unbroken hash chain;
3. each policy version's text gives the fingerprint its signed approval statement names (the body as
   written, and the governed fields as the pack records them beside it in VERSION.governed.json);
4. each approval statement's signature verifies against records/allowed_signers (ssh-keygen -Y verify).

policybook writes this file into every pack; `policybook evidence verify DIR` runs the same checks.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

MANIFEST = "MANIFEST.sha256"
NAMESPACE = "policybook"
SERVICE_FIELDS = ("seq", "staff", "policy", "version", "fingerprint", "confirmed_at", "method", "client",
                  "user_agent")


class Failure(Exception):
    """The first file that fails, and why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


# -- 1. the manifest ------------------------------------------------------------------------------
def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_lines(pack: Path) -> dict[str, str]:
    """{path: sha256} as MANIFEST.sha256 lists them (sha256sum's format: 64 hex digits, two spaces, path)."""
    listed: dict[str, str] = {}
    try:
        text = (pack / MANIFEST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Failure(MANIFEST, f"cannot be read ({exc})") from None
    for number, line in enumerate(text.splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name or name.startswith("/") or ".." in Path(name).parts:
            raise Failure(MANIFEST, f"line {number} is not 'SHA256  PATH' inside the pack")
        listed[name] = digest.lower()
    return listed


def files_in(pack: Path) -> list[str]:
    return sorted(p.relative_to(pack).as_posix() for p in pack.rglob("*") if p.is_file() or p.is_symlink())


def check_manifest(pack: Path) -> int:
    listed = manifest_lines(pack)
    for name in files_in(pack):
        if name == MANIFEST:
            continue
        path = pack / name
        if path.is_symlink():
            raise Failure(name, "is a symbolic link: a pack holds files only")
        if name not in listed:
            raise Failure(name, f"is not listed in {MANIFEST}: it was added after the pack was made")
        if sha256_of(path) != listed[name]:
            raise Failure(name, f"its sha256 differs from {MANIFEST}: the file was changed")
    for name in listed:
        if not (pack / name).is_file():
            raise Failure(name, f"is listed in {MANIFEST} but missing")
    return len(listed)


# -- 2. the record chains -------------------------------------------------------------------------
def chain_value(previous: str, fields: list[str]) -> str:
    return hashlib.sha256("\n".join([previous, *fields]).encode("utf-8")).hexdigest()


def check_csv_chain(pack: Path, name: str) -> int:
    """Each line's last field is the sha256 of the line before's and this line's fields."""
    text = (pack / name).read_bytes().decode("utf-8")
    rows = list(csv.reader(text.split("\n")))
    if not rows or [c.strip() for c in rows[0]][-1:] != ["chain"]:
        return 0
    width, previous, count = len(rows[0]), "", 0
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip():
            continue
        if len(row) != width or row[-1].strip() != chain_value(previous, [c.strip() for c in row[:-1]]):
            raise Failure(name, f"line {number} does not follow from the one before: a record was edited, "
                                "removed or inserted")
        previous, count = row[-1].strip(), count + 1
    return count


def check_service_chain(pack: Path, name: str) -> int:
    """The confirmations service's rows: each hash covers the previous hash and every field."""
    previous, expected, count = "", None, 0
    for number, line in enumerate((pack / name).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            payload = json.dumps([row["previous_hash"], *(row[f] for f in SERVICE_FIELDS)], ensure_ascii=False,
                                 separators=(",", ":"))
        except (ValueError, KeyError, TypeError):
            raise Failure(name, f"line {number} is not a confirmation row") from None
        if expected is not None and row["seq"] != expected:
            raise Failure(name, f"line {number}: row {row['seq']} where row {expected} was expected")
        if row["previous_hash"] != previous or hashlib.sha256(payload.encode("utf-8")).hexdigest() != row["hash"]:
            raise Failure(name, f"line {number}: row {row['seq']} does not follow the row before or was changed")
        previous, expected, count = row["hash"], row["seq"] + 1, count + 1
    return count


def check_chains(pack: Path) -> int:
    count = 0
    names = [p.relative_to(pack).as_posix() for p in sorted((pack / "records").glob("*.csv"))]
    service = "records/confirmations.jsonl"
    for name in [*names, *([service] if (pack / service).is_file() else [])]:
        try:
            count += check_service_chain(pack, name) if name == service else check_csv_chain(pack, name)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise Failure(name, f"cannot be read ({exc})") from None
    return count


# -- 3. fingerprints ------------------------------------------------------------------------------
def body_of(text: str) -> str:
    """The text after the frontmatter's closing '---' (or '...') line, as policybook reads it."""
    lines = text.removeprefix("\ufeff").split("\n")
    if not lines or lines[0].rstrip() != "---":
        return text
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[index + 1:])
    return ""


def normalise_body(body: str) -> str:
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n")


def fingerprint(governed: object, body: str) -> str:
    payload = json.dumps(governed, sort_keys=True, ensure_ascii=False, default=str) + "\n\n" + normalise_body(body)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def statement_fields(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines()[1:]:
        key, _, value = line.partition(": ")
        fields[key] = value
    return fields


def policies(pack: Path) -> Iterator[dict[str, str]]:
    try:
        data = json.loads((pack / "evidence.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Failure("evidence.json", f"cannot be read ({exc})") from None
    for entry in data.get("policies", []):
        if isinstance(entry, dict) and entry.get("file"):
            yield entry


def check_fingerprints(pack: Path) -> int:
    count = 0
    for entry in policies(pack):
        name, statement = entry["file"], entry.get("statement")
        governed_name = name.removesuffix(".md") + ".governed.json"
        try:
            text = (pack / name).read_text(encoding="utf-8")
            governed = json.loads((pack / governed_name).read_text(encoding="utf-8"))
            fields = statement_fields((pack / statement).read_text(encoding="utf-8")) if statement else {}
        except (OSError, ValueError) as exc:
            raise Failure(name, f"cannot be read with its statement ({exc})") from None
        if statement and (fields.get("policy") != entry["id"] or fields.get("version") != entry["version"]):
            raise Failure(statement, f"does not state {entry['id']} version {entry['version']}")
        # Unsigned (a library that does not sign approvals): the fingerprint its frontmatter recorded.
        expected = fields.get("fingerprint") if statement else entry.get("fingerprint")
        if expected and fingerprint(governed, body_of(text)) != expected:
            where = f"its signed approval ({statement})" if statement else "its approval"
            raise Failure(name, f"its text does not give the fingerprint {where} states: it was changed after "
                                "it was approved")
        count += 1
    return count


# -- 4. signatures --------------------------------------------------------------------------------
def check_signatures(pack: Path) -> int | None:
    """ssh-keygen -Y verify for each approval statement; None when OpenSSH is not installed."""
    program = shutil.which("ssh-keygen")
    if program is None:
        return None
    count = 0
    signers = pack / "records" / "allowed_signers"
    for entry in policies(pack):
        if not entry.get("statement"):
            continue
        statement = pack / entry["statement"]
        signature = statement.with_suffix(".sig")
        if not signature.is_file():
            raise Failure(entry["statement"], "has no signature beside it")
        try:
            signer = statement_fields(statement.read_text(encoding="utf-8")).get("signer", "")
        except (OSError, UnicodeDecodeError) as exc:
            raise Failure(entry["statement"], f"cannot be read ({exc})") from None
        with open(statement, "rb") as message:
            done = subprocess.run([program, "-Y", "verify", "-f", str(signers), "-I", signer, "-n", NAMESPACE,
                                   "-s", str(signature)], stdin=message, capture_output=True, check=False)
        if done.returncode != 0:
            raise Failure(signature.relative_to(pack).as_posix(),
                          f"does not verify as {signer}'s signature of {entry['statement']}")
        count += 1
    return count


def verify(pack: Path) -> list[str]:
    """One line per check passed; raises Failure at the first file that fails."""
    lines = [f"manifest: {check_manifest(pack)} files match {MANIFEST}",
             f"records: {check_chains(pack)} chained records follow one another",
             f"policies: {check_fingerprints(pack)} texts give the fingerprints their approvals state"]
    signed = check_signatures(pack)
    lines.append(f"signatures: {signed} approvals verify with records/allowed_signers" if signed is not None
                 else "signatures: not checked, ssh-keygen (OpenSSH) is not installed")
    return lines


def main(argv: list[str]) -> int:
    pack = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    try:
        for line in verify(pack):
            print(line)
    except Failure as failure:
        print(f"FAILED: {failure.path}: {failure.reason}")
        return 1
    print("the evidence pack verifies")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
