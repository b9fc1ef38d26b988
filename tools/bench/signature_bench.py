"""Signed approvals benchmark: lint on N generated policies, each approved with a fingerprint, first
with approvals.signatures off, then with every approval signed and signatures required. Both runs
include the house style. Signing the corpus (N runs of ssh-keygen) is setup, not measured.

Run: python tools/bench/signature_bench.py [--policies 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import REPO, make_corpus
from lint_bench import measure

from policybook.evidence.fingerprint import fingerprint
from policybook.evidence.keys import OpenKey, key_session, open_key
from policybook.evidence.signatures import allowed_signers, approval_statement, sign, statement_paths
from policybook.loader import load_markdown
from policybook.registers import load_registers


def _set_signatures(root: Path, mode: str) -> None:
    config = root / "policybook.yml"
    text = config.read_text(encoding="utf-8")
    current = "required" if "  signatures: required" in text else "off"
    config.write_text(text.replace(f"  signatures: {current}", f"  signatures: {mode}", 1), encoding="utf-8")


def fingerprint_all(root: Path) -> list[Path]:
    paths = sorted((root / "policies").rglob("*.md"))
    for path in paths:
        doc = load_markdown(path, path.name)
        text = path.read_text(encoding="utf-8")
        head, body = text.split("\n---\n", 1)
        path.write_text(f'{head}\nfingerprint: "{fingerprint(doc.data, doc.body)}"\n---\n{body}', encoding="utf-8")
    return paths


def sign_all(root: Path, paths: list[Path], key: Path) -> None:
    with key_session():
        opened = open_key(str(key))
        for path in paths:
            _sign_one(root, path, opened)
    registers = load_registers(root / "registers", root, 1024 * 1024)
    (root / "records/allowed_signers").write_text(allowed_signers(registers), encoding="utf-8")


def _sign_one(root: Path, path: Path, opened: OpenKey) -> None:
    doc = load_markdown(path, path.name)
    statement = approval_statement(doc.data, doc.body, "pl")
    text_path, signature_path = statement_paths(root, statement)
    text_path.parent.mkdir(parents=True, exist_ok=True)
    text_path.write_text(statement.text, encoding="utf-8")
    signature_path.write_text(sign(statement, opened), encoding="ascii")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_corpus(Path(tmp) / "corpus", args.policies)
        paths = fingerprint_all(root)
        key = Path(tmp) / "pl-key"
        shutil.copyfile(REPO / "tests/keys/pl-fictional-ed25519", key)
        key.chmod(0o600)
        _set_signatures(root, "off")
        unsigned = [measure(root, True) for _ in range(args.repeat)]
        sign_all(root, paths, key)
        _set_signatures(root, "required")
        signed = [measure(root, True) for _ in range(args.repeat)]
        base, with_signatures = min(r["seconds"] for r in unsigned), min(r["seconds"] for r in signed)
        print(f"{'lint of ' + str(args.policies) + ' policies':<40} {'seconds':>8}  findings")
        print(f"{'signatures off':<40} {base:>8.2f}  {unsigned[0]['findings']}")
        print(f"{'every approval signed, signatures required':<40} {with_signatures:>8.2f}  {signed[0]['findings']}")
        print(f"{'cost of verifying (target under 10%)':<40} {100 * (with_signatures / base - 1):>7.1f}%")


if __name__ == "__main__":
    main()
