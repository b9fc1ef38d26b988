"""Check a policybook evidence pack with nothing but Python's standard library (and OpenSSH's
ssh-keygen, when it is installed, for the signatures). Run it inside the pack:

    python3 verify.py            (or: python3 verify.py PATH-TO-PACK)

It checks, in this order, and stops at the first file that fails, naming it:

1. every file is listed in MANIFEST.sha256 with the sha256 it has, and every listed file is there;
2. every chained records file (records/*.csv, records/confirmations.jsonl) is an unbroken hash chain;
3. each policy version's text gives the fingerprint its signed approval statement names (the body as
   written, and the governed fields as the pack records them beside it in VERSION.governed.json), and
   every policy text in the pack is one that evidence.json lists;
4. each approval statement's signature verifies against records/allowed_signers (ssh-keygen -Y verify).

It names what it cannot vouch for: records files with no hash chain, policy texts with no signed
approval, and the key of each signer (compare those with the signers themselves: anyone who can
rewrite the pack can also put a key of their own in records/allowed_signers).

policybook writes this file into every pack; `policybook evidence verify DIR` runs the same checks.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

MANIFEST = "MANIFEST.sha256"
NAMESPACE = "policybook"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # a policy id as it names a folder of the pack
VERSION = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
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
        if name in listed or name == MANIFEST:
            # sha256sum -c checks every line: a second line for a file could hide a first that fails
            raise Failure(MANIFEST, f"line {number} lists {name} "
                                    f"{'itself' if name == MANIFEST else 'a second time'}")
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


def check_csv_chain(pack: Path, name: str) -> int | None:
    """Each line's last field is the sha256 of the line before's and this line's fields; None when the
    file carries no chain (its header's last column is not ``chain``)."""
    text = (pack / name).read_bytes().decode("utf-8")
    rows = list(csv.reader(text.split("\n")))
    if not rows or [c.strip() for c in rows[0]][-1:] != ["chain"]:
        return None
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
        if (not isinstance(row["seq"], int) or isinstance(row["seq"], bool) or not isinstance(row.get("hash"), str)
                or not isinstance(row["previous_hash"], str)):
            raise Failure(name, f"line {number} is not a confirmation row")
        if expected is not None and row["seq"] != expected:
            raise Failure(name, f"line {number}: row {row['seq']} where row {expected} was expected")
        if row["previous_hash"] != previous or hashlib.sha256(payload.encode("utf-8")).hexdigest() != row["hash"]:
            raise Failure(name, f"line {number}: row {row['seq']} does not follow the row before or was changed")
        previous, expected, count = row["hash"], row["seq"] + 1, count + 1
    return count


def check_chains(pack: Path) -> tuple[int, list[str]]:
    """(records that follow one another, the records files that carry no chain)."""
    count, unchained = 0, []
    names = [p.relative_to(pack).as_posix() for p in sorted((pack / "records").glob("*.csv"))]
    service = "records/confirmations.jsonl"
    for name in [*names, *([service] if (pack / service).is_file() else [])]:
        try:
            found = check_service_chain(pack, name) if name == service else check_csv_chain(pack, name)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise Failure(name, f"cannot be read ({exc})") from None
        if found is None:
            unchained.append(name)
        else:
            count += found
    return count, unchained


def chains_line(pack: Path) -> str:
    count, unchained = check_chains(pack)
    line = f"records: {count} chained records follow one another"
    if unchained:
        line += f"; no hash chain, so an edit to them would not show: {', '.join(unchained)}"
    return line


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
    """The policies evidence.json lists with a text in the pack, each text at ``policies/ID/VERSION.md``."""
    try:
        data = json.loads((pack / "evidence.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Failure("evidence.json", f"cannot be read ({exc})") from None
    listed = data.get("policies") if isinstance(data, dict) else None
    if not isinstance(listed, list):
        raise Failure("evidence.json", "lists no policies")
    for number, entry in enumerate(listed, start=1):
        if not isinstance(entry, dict):
            raise Failure("evidence.json", f"policy {number} is not a policy's entry")
        if entry.get("file") is None:
            continue  # no text in the pack (known only from the policy's own history, say)
        ok = isinstance(entry.get("id"), str) and isinstance(entry.get("version"), str)
        if not ok or not NAME.fullmatch(entry["id"]) or not VERSION.fullmatch(entry["version"]):
            raise Failure("evidence.json", f"policy {number} has a text but no plain id and MAJOR.MINOR version")
        if entry["file"] != f"policies/{entry['id']}/{entry['version']}.md":
            raise Failure("evidence.json", f"policy {number} ({entry['id']}) names its text somewhere other than "
                                           f"policies/{entry['id']}/{entry['version']}.md")
        if entry.get("statement") not in (None, statement_of(entry)):
            raise Failure("evidence.json", f"policy {number} ({entry['id']}) names an approval other than "
                                           f"{statement_of(entry)}")
        yield entry


def statement_of(entry: dict[str, str]) -> str:
    """Where a policy version's signed approval is in the pack (whatever evidence.json says of it)."""
    return f"records/approvals/{entry['id']}/{entry['version']}.txt"


def check_fingerprints(pack: Path) -> tuple[int, list[str]]:
    """(texts that give their approved fingerprint, the "ID VERSION" of those no signed approval covers).
    Every policy text in the pack must be one evidence.json lists, so none goes unchecked."""
    count, unsigned, checked = 0, [], set()
    for entry in policies(pack):
        name = entry["file"]
        governed_name = name.removesuffix(".md") + ".governed.json"
        statement = statement_of(entry) if (pack / statement_of(entry)).is_file() else None
        checked |= {name, governed_name}
        try:
            text = (pack / name).read_text(encoding="utf-8")
            governed = json.loads((pack / governed_name).read_text(encoding="utf-8"))
            fields = statement_fields((pack / statement).read_text(encoding="utf-8")) if statement else {}
        except (OSError, ValueError) as exc:
            raise Failure(name, f"cannot be read with its statement ({exc})") from None
        if statement and (fields.get("policy") != entry["id"] or fields.get("version") != entry["version"]):
            raise Failure(statement, f"does not state {entry['id']} version {entry['version']}")
        # Unsigned (a library that does not sign approvals): the fingerprint its frontmatter recorded,
        # which shows an accidental change but proves nothing (anyone can compute a fingerprint).
        expected = fields.get("fingerprint") if statement else entry.get("fingerprint")
        if expected and fingerprint(governed, body_of(text)) != expected:
            where = f"its signed approval ({statement})" if statement else "its approval"
            raise Failure(name, f"its text does not give the fingerprint {where} states: it was changed after "
                                "it was approved")
        if not statement:
            unsigned.append(f"{entry['id']} {entry['version']}")
        count += 1
    texts = pack / "policies"
    for path in sorted(texts.rglob("*") if texts.is_dir() else []):
        name = path.relative_to(pack).as_posix()
        if path.is_file() and name not in checked:
            raise Failure(name, "belongs to no policy text that evidence.json lists, so nothing checks it")
    return count - len(unsigned), unsigned


def fingerprints_line(pack: Path) -> str:
    signed, unsigned = check_fingerprints(pack)
    line = f"policies: {signed} texts give the fingerprints their signed approvals state"
    if unsigned:
        line += f"; no signed approval, so nothing proves the text: {', '.join(unsigned)}"
    return line


# -- 4. signatures --------------------------------------------------------------------------------
def signed_statements(pack: Path) -> Iterator[tuple[str, Path, Path, str, str]]:
    """(pack path, statement, signature, statement text, armored signature) for each policy's signed
    approval the pack holds; a statement with no signature beside it, or one that cannot be read, fails."""
    for entry in policies(pack):
        name = statement_of(entry)
        statement = pack / name
        if not statement.is_file():
            continue
        signature = statement.with_suffix(".sig")
        if not signature.is_file():
            raise Failure(name, "has no signature beside it")
        try:
            yield name, statement, signature, statement.read_text(encoding="utf-8"), signature.read_text("ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise Failure(name, f"cannot be read with its signature ({exc})") from None


def check_signatures(pack: Path) -> tuple[int, dict[str, set[str]]] | None:
    """ssh-keygen -Y verify for each approval statement: (how many verified, {signer: fingerprints of the
    keys that verified}); None when OpenSSH is not installed."""
    program = shutil.which("ssh-keygen")
    if program is None:
        return None
    count, keys = 0, dict[str, set[str]]()
    signers = pack / "records" / "allowed_signers"
    for name, statement, signature, text, _ in signed_statements(pack):
        signer = statement_fields(text).get("signer", "")
        try:
            with open(statement, "rb") as message:
                done = subprocess.run([program, "-Y", "verify", "-f", str(signers), "-I", signer, "-n", NAMESPACE,
                                       "-s", str(signature)], stdin=message, capture_output=True, check=False)
        except (OSError, ValueError):  # a signer no command line can hold (a NUL byte)
            raise Failure(name, "names a signer that cannot be checked") from None
        if done.returncode != 0:
            raise Failure(signature.relative_to(pack).as_posix(), f"does not verify as {signer}'s signature of {name}")
        found = re.search(r"key (SHA256:[A-Za-z0-9+/=]+)", done.stdout.decode("utf-8", "replace"))
        keys.setdefault(signer, set()).add(found.group(1) if found else "(key not shown)")
        count += 1
    return count, keys


def signatures_line(count: int, keys: dict[str, set[str]]) -> str:
    """How many approvals verified, and with whose keys: nothing in the pack proves a key is its signer's
    (whoever can rewrite the pack can add a key to records/allowed_signers), so the reader is asked."""
    line = f"signatures: {count} approvals verify with records/allowed_signers"
    if keys:
        listed = "; ".join(f"{signer} {', '.join(sorted(found))}" for signer, found in sorted(keys.items()))
        line += f", made with these keys: {listed} (confirm each with its signer: ssh-keygen -lf THEIR-KEY.pub)"
    return line


def verify(pack: Path) -> list[str]:
    """One line per check passed; raises Failure at the first file that fails."""
    lines = [f"manifest: {check_manifest(pack)} files match {MANIFEST}", chains_line(pack), fingerprints_line(pack)]
    signed = check_signatures(pack)
    lines.append(signatures_line(*signed) if signed is not None
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
