"""``policybook evidence verify``: the checks of the pack's own verify.py (the same functions, so the two
cannot drift), with two more that need policybook: each policy's frontmatter, read as policybook reads
it, gives the governed fields the pack records, and each signature verifies in-process (sshsig), so
the check does not depend on OpenSSH being installed."""

from __future__ import annotations

import json
from pathlib import Path

from policybook.evidence.fingerprint import fingerprint, governed_values
from policybook.evidence.signatures import verify
from policybook.loader import parse_markdown
from policybook.pack.verify_bundle import (
    Failure,
    check_chains,
    check_fingerprints,
    check_manifest,
    policies,
    statement_fields,
)

__all__ = ["Failure", "check_pack"]


def _keys(pack: Path) -> dict[str, tuple[str, ...]]:
    """{signer: public keys} from records/allowed_signers (principal, options, key type, key)."""
    found: dict[str, list[str]] = {}
    path = pack / "records" / "allowed_signers"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return {}  # no signer: every signature then fails, naming its file
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and not line.startswith("#"):
            found.setdefault(parts[0], []).append(" ".join(parts[-2:]))
    return {signer: tuple(keys) for signer, keys in found.items()}


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
        count += 1
    return count


def _signatures(pack: Path) -> int:
    keys = _keys(pack)
    count = 0
    for entry in policies(pack):
        if not entry.get("statement"):
            continue
        statement = pack / entry["statement"]
        signature = statement.with_suffix(".sig")
        try:
            text = statement.read_text(encoding="utf-8")
            armored = signature.read_text(encoding="ascii") if signature.is_file() else ""
        except (OSError, ValueError) as exc:
            raise Failure(entry["statement"], f"cannot be read with its signature ({exc})") from None
        signer = statement_fields(text).get("signer", "")
        if not armored or not verify(text, armored, keys.get(signer, ())):
            raise Failure(signature.relative_to(pack).as_posix(),
                          f"does not verify as {signer}'s signature of {entry['statement']}")
        count += 1
    return count


def check_pack(pack: Path) -> list[str]:
    """One line per check passed; raises Failure naming the first file that fails."""
    return [f"manifest: {check_manifest(pack)} files match MANIFEST.sha256",
            f"records: {check_chains(pack)} chained records follow one another",
            f"policies: {check_fingerprints(pack)} texts give the fingerprints their approvals state",
            f"frontmatter: {_frontmatter(pack)} policies' governed fields match the pack's record of them",
            f"signatures: {_signatures(pack)} approvals verify with records/allowed_signers"]
