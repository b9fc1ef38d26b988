"""Signed approvals: an OpenSSH signature by a named member of staff over a statement of what was
approved, kept in the repository beside the policies.

For each approved version, ``records/approvals/<ID>/<version>.txt`` holds the statement and
``<version>.sig`` its SSHSIG signature (namespace ``policybook``); a review adds
``<version>-review-<date>.txt`` and ``.sig``. ``records/allowed_signers`` lists the staff's keys in
OpenSSH's format, so an inspector can check any approval with ``ssh-keygen -Y verify`` alone.

Signing runs OpenSSH's ``ssh-keygen -Y sign`` (this module is the only one that runs ssh-keygen) through
the agent that holds the key (evidence/keys.py: one passphrase prompt per command);
lint verifies with the sshsig library, which reads the same format in-process, so a library of a
thousand policies is checked without a thousand processes.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import sshsig

from policybook.errors import PolicybookError
from policybook.evidence.fingerprint import fingerprint
from policybook.evidence.keys import OpenKey
from policybook.model import accepted_of
from policybook.programs import run_program
from policybook.registers import Registers, StaffMember
from policybook.schemas import load_schema, strict_validator

NAMESPACE = "policybook"
APPROVALS = Path("records") / "approvals"
ALLOWED_SIGNERS = Path("records") / "allowed_signers"


@dataclass(frozen=True)
class Statement:
    """What a signature vouches for, as the exact text that is signed."""

    kind: str  # "approval" or "review"
    policy: str
    version: str
    fingerprint: str
    role: str
    day: str
    signer: str
    earlier_history: str
    accepted: tuple[tuple[str, str], ...] = ()  # (rule, because): warnings the signer accepted, in order

    @property
    def text(self) -> str:
        """The signed text. A statement without acceptances is exactly as it always was (so signatures made
        before acceptances existed still verify); each acceptance adds a line ``accepted: RULE: reason``."""
        who = "approved" if self.kind == "approval" else "reviewed"
        return (f"policybook {self.kind} v1\n"
                f"policy: {self.policy}\n"
                f"version: {self.version}\n"
                f"fingerprint: {self.fingerprint}\n"
                f"{who}_by: {self.role}\n"
                f"{who}_on: {self.day}\n"
                f"signer: {self.signer}\n"
                f"earlier_history: {self.earlier_history}\n"
                + "".join(f"accepted: {rule}: {because}\n" for rule, because in self.accepted))

    @property
    def stem(self) -> str:
        return self.version if self.kind == "approval" else f"{self.version}-review-{self.day}"


def earlier_history_hash(data: dict[str, Any]) -> str:
    """A hash of the history entries of earlier versions (all but the first, newest, entry): signing it
    means an older entry cannot be rewritten later without breaking the signature."""
    history = data.get("history")
    earlier = history[1:] if isinstance(history, list) else []
    canonical = json.dumps(earlier, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def current_entry(data: dict[str, Any]) -> dict[str, Any] | None:
    """The history entry of the current version (the first entry, when it names that version)."""
    history = data.get("history")
    first = history[0] if isinstance(history, list) and history else None
    if isinstance(first, dict) and str(first.get("version")) == str(data.get("version")):
        return first
    return None


def approval_statement(data: dict[str, Any], body: str, signer: str, key: str | None = None) -> Statement:
    """The approval statement of the version in ``data``. ``key`` names the document when its id does not (an
    edition for patients is named by its source's id, language and format: Policy.statement_key)."""
    return Statement("approval", str(data.get("id", "")) if key is None else key, str(data.get("version", "")),
                     fingerprint(data, body),
                     str(data.get("approved_by", "")), str(data.get("approved_on", "")), signer,
                     earlier_history_hash(data), accepted_of(current_entry(data)))


def review_statement(data: dict[str, Any], body: str, review: dict[str, Any], signer: str,
                     key: str | None = None) -> Statement:
    return Statement("review", str(data.get("id", "")) if key is None else key, str(data.get("version", "")),
                     fingerprint(data, body),
                     str(review.get("by", "")), str(review.get("date", "")), signer, earlier_history_hash(data),
                     accepted_of(review))


_KEY = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def names_a_folder(key: str) -> bool:
    """Whether ``key`` can name a folder of records/approvals/: letters, digits and single hyphens, at most 100
    of them, so that no id or language read from a file can point a statement anywhere else or past the
    length of a file name."""
    return len(key) <= 100 and _KEY.fullmatch(key) is not None


def statement_paths(root: Path, statement: Statement) -> tuple[Path, Path]:
    if not names_a_folder(statement.policy):
        raise PolicybookError(f"'{statement.policy}' cannot name a file of signed statements: an id is letters, "
                              "digits and hyphens")
    folder = root / APPROVALS / statement.policy
    return folder / f"{statement.stem}.txt", folder / f"{statement.stem}.sig"


def signer_of(text: str) -> str | None:
    """The staff id a stored statement names as its signer."""
    for line in text.splitlines():
        if line.startswith("signer: "):
            return line[len("signer: "):].strip()
    return None


# -- keys --------------------------------------------------------------------------------------------
def _ssh_keygen(*args: str, env: dict[str, str] | None = None) -> bytes:
    return run_program("ssh-keygen", args, timeout=60, missing="ssh-keygen (OpenSSH) is needed to sign", env=env)


def key_matches(public: str, listed: str) -> bool:
    return public.split()[:2] == listed.split()[:2]


def signer_for(registers: Registers, public: str, role: str) -> StaffMember:
    """The member of staff whose listed key this is; they must hold ``role``. Refuses otherwise, and
    refuses a key listed for more than one person: a signature could not say which of them signed."""
    owners = [m for m in registers.staff.values() if any(key_matches(public, k) for k in m.signing_keys)]
    if not owners:
        raise PolicybookError("the signing key is not listed for anyone in registers/staff.yml (signing_keys)")
    if len(owners) > 1:
        raise PolicybookError(f"the signing key is listed for {' and '.join(m.id for m in owners)} in "
                              "registers/staff.yml: one key belongs to one person (shared-signing-key)")
    member = owners[0]
    if role not in member.roles:
        raise PolicybookError(f"{member.name} ({member.id}) does not hold the role '{role}', so cannot sign for it")
    return member


def sign(statement: Statement, key: OpenKey) -> str:
    """The armored SSHSIG signature of the statement, made by OpenSSH through the agent holding ``key``
    (evidence/keys.py), so that signing asks for no passphrase."""
    with tempfile.TemporaryDirectory(prefix="policybook-sign-") as folder:
        message = Path(folder) / "statement.txt"
        message.write_text(statement.text, encoding="utf-8")
        _ssh_keygen("-Y", "sign", "-q", "-f", str(key.public_file), "-n", NAMESPACE, str(message),
                    env=key.environment())
        return (Path(folder) / "statement.txt.sig").read_text(encoding="ascii")


def verify(text: str, armored: str, keys: tuple[str, ...]) -> bool:
    """True when ``armored`` is a valid signature of ``text`` by one of ``keys``, in our namespace."""
    public_keys = []
    for key in keys:
        try:
            public_keys.append(sshsig.PublicKey.from_openssh_str(key))
        except Exception:
            continue
    if not public_keys:
        return False
    try:
        sshsig.verify(text.encode("utf-8"), armored, public_keys, NAMESPACE)
    except Exception:
        return False
    return True


@cache
def _staff_rule(name: str) -> jsonschema.Draft202012Validator:
    """The staff schema's rule for one field of an entry (a key: for one item of ``signing_keys``)."""
    field = load_schema("staff")["properties"]["staff"]["items"]["properties"][name]
    return strict_validator(field.get("items", field))


def _listable_id(staff_id: str) -> bool:
    """Whether the schema allows this staff id. A JSON Schema pattern's ``$`` also matches before a final
    line break, so spaces and line breaks are refused here too: each would start another field, or another
    line, of allowed_signers."""
    return not any(c.isspace() for c in staff_id) and _staff_rule("id").is_valid(staff_id)


def _listable_key(key: str) -> str | None:
    """``TYPE BASE64`` of a listed key, as allowed_signers holds it, or None when the schema refuses it."""
    fields = key.split()
    public = " ".join(fields[:2])
    return public if len(fields) >= 2 and _staff_rule("signing_keys").is_valid(public) else None


def signer_line_problems(registers: Registers) -> list[str]:
    """Why a member of staff could not be written into records/allowed_signers as they are: a staff id
    (the principal) or a key the staff schema refuses. A principal with a wildcard, comma, quote, option
    or line break would let OpenSSH accept one person's signature as another's."""
    problems = []
    for member in registers.staff.values():
        if not member.signing_keys:
            continue
        if not _listable_id(member.id):
            problems.append(f"the staff id {member.id!r} cannot name a signer in records/allowed_signers: an id "
                            "is lower-case letters, digits and hyphens (registers/staff.yml)")
        problems += [f"a signing key of {member.id!r} is not an OpenSSH public key (registers/staff.yml, "
                     "signing_keys)" for key in member.signing_keys if _listable_key(key) is None]
    return problems


def allowed_signers(registers: Registers) -> str:
    """OpenSSH's allowed-signers file for the staff register: one line per key, for ``policybook``. An
    entry the staff schema refuses (signer_line_problems) is left out, never written as it stands."""
    lines = ["# Written by policybook from registers/staff.yml: who may sign approvals (ssh-keygen -Y verify)."]
    for member in sorted(registers.staff.values(), key=lambda m: m.id):
        if _listable_id(member.id):
            lines += [f'{member.id} namespaces="{NAMESPACE}" {public}' for public in map(_listable_key,
                                                                                       member.signing_keys) if public]
    return "\n".join(lines) + "\n"


def checked_allowed_signers(registers: Registers) -> str:
    """allowed_signers for writing: refuses, with the first reason, a register it cannot be written from
    whole (nothing is written rather than a file that leaves someone out or lets a forgery through)."""
    problems = signer_line_problems(registers)
    if problems:
        raise PolicybookError(f"{problems[0]}; records/allowed_signers is not written")
    return allowed_signers(registers)
