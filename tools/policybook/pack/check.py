"""``policybook evidence verify``: the checks of the pack's own verify.py (the same functions, so the two
cannot drift), with more that need policybook: each policy's frontmatter, read as policybook reads it,
gives the governed fields the pack records and exactly the approval statement that was signed (its
approver, date and earlier history too), and each signature verifies in-process (sshsig), so the
check does not depend on OpenSSH being installed."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import sshsig

from policybook.evidence.fingerprint import fingerprint, governed_values
from policybook.evidence.signatures import NAMESPACE, approval_statement
from policybook.loader import parse_markdown
from policybook.pack.verify_bundle import (
    MANIFEST,
    Failure,
    chains_line,
    check_manifest,
    fingerprints_line,
    policies,
    signatures_line,
    signed_statements,
    statement_fields,
    statement_of,
)

__all__ = ["Failure", "check_pack"]

KEY_TYPE = re.compile(r"^(ssh-|ecdsa-|sk-)")


def _keys(pack: Path) -> list[tuple[list[str], str]]:
    """(principal patterns, public key) for each line of records/allowed_signers that ssh-keygen would use
    to verify a policybook signature: principals, options, key type, key and an optional comment; a line
    for a certificate authority or limited to other namespaces is left out, as ssh-keygen leaves it out."""
    found: list[tuple[list[str], str]] = []
    try:
        text = (pack / "records" / "allowed_signers").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return []  # no signer: every signature then fails, naming its file
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        at = next((i for i, part in enumerate(parts[1:], start=1) if KEY_TYPE.match(part)), None)
        if at is None or at + 1 >= len(parts):
            continue
        options = " ".join(parts[1:at]).lower()
        spaces = re.search(r'namespaces="([^"]*)"', options)
        if "cert-authority" in options or (spaces and NAMESPACE not in spaces.group(1).split(",")):
            continue
        found.append((parts[0].split(","), f"{parts[at]} {parts[at + 1]}"))
    return found


def _allowed(patterns: list[str], signer: str) -> bool:
    """Whether OpenSSH's pattern list (``*``, ``?``, ``!`` to exclude) admits ``signer``."""
    if any(p.startswith("!") and fnmatch.fnmatchcase(signer, p[1:]) for p in patterns):
        return False
    return any(not p.startswith("!") and fnmatch.fnmatchcase(signer, p) for p in patterns)


def _frontmatter(pack: Path) -> int:
    count = 0
    for entry in policies(pack):
        name = entry["file"]
        try:
            text = (pack / name).read_text(encoding="utf-8")
            recorded = json.loads((pack / (name.removesuffix(".md") + ".governed.json")).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise Failure(name, f"cannot be read with its governed fields ({exc})") from None
        doc = parse_markdown(text, pack / name, name)
        if doc.findings or not isinstance(doc.data, dict):
            raise Failure(name, "its frontmatter cannot be read")
        if json.loads(json.dumps(governed_values(doc.data), default=str)) != recorded:
            raise Failure(name, "its frontmatter's governed fields differ from the ones the pack records beside it")
        if entry.get("fingerprint") and fingerprint(doc.data, doc.body) != entry["fingerprint"]:
            raise Failure(name, "its text does not give the fingerprint recorded when it was approved")
        statement = pack / statement_of(entry)
        if statement.is_file():
            try:
                stored = statement.read_text(encoding="utf-8")
            except (OSError, ValueError) as exc:
                raise Failure(statement_of(entry), f"cannot be read ({exc})") from None
            if stored != approval_statement(doc.data, doc.body, statement_fields(stored).get("signer", "")).text:
                raise Failure(name, f"its frontmatter does not give the approval statement that was signed "
                                    f"({statement_of(entry)}): its approver, date or history was changed")
        count += 1
    return count


def _signatures(pack: Path) -> tuple[int, dict[str, set[str]]]:
    keys = _keys(pack)
    count, used = 0, dict[str, set[str]]()
    for name, _, signature, text, armored in signed_statements(pack):
        signer = statement_fields(text).get("signer", "")
        key = _verified_by(text, armored, [key for patterns, key in keys if _allowed(patterns, signer)])
        if key is None:
            raise Failure(signature.relative_to(pack).as_posix(), f"does not verify as {signer}'s signature of {name}")
        used.setdefault(signer, set()).add(key)
        count += 1
    return count, used


def _verified_by(text: str, armored: str, keys: list[str]) -> str | None:
    """The SHA256 fingerprint of the key among ``keys`` whose signature ``armored`` is, or None."""
    public = []
    for key in keys:
        try:
            public.append(sshsig.PublicKey.from_openssh_str(key))
        except Exception:  # a key that cannot be read verifies nothing
            continue
    if not armored or not public:
        return None
    try:
        return str(sshsig.verify(text.encode("utf-8"), armored, public, NAMESPACE).sha256_str())
    except Exception:  # sshsig raises its own error types
        return None


def check_pack(pack: Path) -> list[str]:
    """One line per check passed; raises Failure naming the first file that fails."""
    return [f"manifest: {check_manifest(pack)} files match {MANIFEST}", chains_line(pack), fingerprints_line(pack),
            f"frontmatter: {_frontmatter(pack)} policies' frontmatter gives the governed fields the pack records, "
            "and the signed approval statement where there is one",
            signatures_line(*_signatures(pack))]
