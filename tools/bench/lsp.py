"""Language server benchmark: in a library of N generated policies, the time from starting `policybook lsp`
to the first diagnostics of an opened policy, and from each edit (didChange) of that policy to its
diagnostics (publishDiagnostics of that version), with the debounce included. Edits alternate between
adding a sentence that breaks the house style and taking it out again. A few edits of the roles register,
which make every policy's per-policy checks run again, are timed too.

The server is driven over stdio by pygls's own client, as an editor would drive it.

Run: python tools/bench/lsp.py [--policies 1000] [--edits 40] [--register-edits 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import make_corpus

BIN = Path(sys.executable).parent
TARGET_SECONDS = 0.3


class Bench:
    """A client that notes when each document's diagnostics arrive."""

    def __init__(self) -> None:
        self.client = LanguageClient("policybook-bench", "1")
        self.arrived: dict[tuple[str, int | None], float] = {}
        self.event = asyncio.Event()

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def diagnostics(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            self.arrived[(params.uri, params.version)] = time.perf_counter()
            self.event.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def log(ls: LanguageClient, params: types.LogMessageParams) -> None:
            if params.type is types.MessageType.Error:
                print(params.message, file=sys.stderr)

    async def wait(self, uri: str, version: int | None, timeout: float = 900) -> float:
        deadline = time.perf_counter() + timeout
        while (uri, version) not in self.arrived:
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), max(0.01, deadline - time.perf_counter()))
        return self.arrived[(uri, version)]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _run(root: Path, edits: int, register_edits: int) -> tuple[float, list[float], list[float]]:
    bench = Bench()
    client = bench.client
    started = time.perf_counter()
    await client.start_io(str(BIN / "policybook"), "-C", str(root), "lsp",
                          env={**os.environ, "POLICYBOOK_TODAY": "2026-11-26"})
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                         root_uri=root.as_uri(), process_id=os.getpid()))
    client.initialized(types.InitializedParams())
    policies = sorted((root / "policies").rglob("*.md"))
    target = policies[len(policies) // 2]
    uri, text = target.as_uri(), target.read_text(encoding="utf-8")
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="markdown", version=1, text=text)))
    first = await bench.wait(uri, 1) - started
    updates = []
    for version in range(2, edits + 2):
        await asyncio.sleep(0.2)  # a pause in typing, longer than the debounce
        changed = text + (f"\nIn an emergency call 911 (edit {version}).\n" if version % 2 == 0 else "")
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=changed)]))
        updates.append(await bench.wait(uri, version) - sent)
    roles = root / "registers" / "roles.yml"
    roles_uri, roles_text = roles.as_uri(), roles.read_text(encoding="utf-8")
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=roles_uri, language_id="yaml", version=1, text=roles_text)))
    await bench.wait(roles_uri, 1)
    register_updates = []
    for version in range(2, register_edits + 2):
        await asyncio.sleep(0.2)
        changed = roles_text + f"  - id: bench-role-{version}\n    title: Bench role {version}\n" \
                               f"    description: Added by the benchmark.\n"
        sent = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=roles_uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=changed)]))
        register_updates.append(await bench.wait(roles_uri, version) - sent)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return first, updates, register_updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--register-edits", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_corpus(Path(tmp) / "corpus", args.policies)
        first, updates, register_updates = asyncio.run(_run(root, args.edits, args.register_edits))
    print(f"policies: {args.policies}")
    print(f"start to first diagnostics:             {first:8.2f} s")
    print(f"policy edit to diagnostics, median:     {statistics.median(updates):8.3f} s "
          f"({len(updates)} edits; target under {TARGET_SECONDS} s)")
    print(f"policy edit to diagnostics, p95:        {_percentile(updates, 0.95):8.3f} s")
    print(f"policy edit to diagnostics, slowest:    {max(updates):8.3f} s")
    if register_updates:
        print(f"register edit to diagnostics, median:   {statistics.median(register_updates):8.3f} s "
              f"({len(register_updates)} edits; every policy's checks run again)")


if __name__ == "__main__":
    main()
