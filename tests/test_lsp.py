"""The language server (`policybook lsp`), driven as an editor drives it: a separate process spoken to in
JSON-RPC with Content-Length framing over its standard input and output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, Run

from policybook.lsp.context import context_at

HAND_HYGIENE = "policies/infection-control/hand-hygiene.md"
ROLES = "registers/roles.yml"
TIMEOUT = 60.0

Message = dict[str, Any]


class Client:
    """A minimal LSP client: frames and sends messages, and keeps what the server sends back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.process = subprocess.Popen(
            [sys.executable, "-m", "policybook", "-C", str(root), "lsp"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "POLICYBOOK_TODAY": TODAY})
        self.messages: list[Message] = []
        self.changed = threading.Condition()
        self.closed = False
        self.next_id = 0
        self.versions: dict[str, int] = {}
        threading.Thread(target=self._read, daemon=True).start()
        self.stderr = b""
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                header = stream.readline()
                if not header:
                    with self.changed:
                        self.closed = True
                        self.changed.notify_all()
                    return
                if header == b"\r\n":
                    break
                name, _, value = header.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            assert length is not None, "a message without Content-Length"
            message = json.loads(stream.read(length))
            with self.changed:
                self.messages.append(message)
                self.changed.notify_all()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr += line

    def send(self, message: Message) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def notify(self, method: str, params: object) -> None:
        self.send({"method": method, "params": params})

    def wait_for(self, found: Callable[[list[Message]], Any], what: str) -> Any:
        """The first truthy ``found(messages)``, waiting for more messages until it comes."""
        deadline = time.monotonic() + TIMEOUT
        with self.changed:
            while True:
                result = found(self.messages)
                if result:
                    return result
                if self.closed or time.monotonic() > deadline:
                    raise AssertionError(f"no {what}; the server sent {self.messages[-5:]}, stderr "
                                         f"{self.stderr.decode(errors='replace')[-2000:]}")
                self.changed.wait(0.2)

    def request(self, method: str, params: object) -> Any:
        self.next_id += 1
        number = self.next_id
        self.send({"id": number, "method": method, "params": params})
        response = self.wait_for(lambda messages: next((m for m in messages if m.get("id") == number
                                                         and "method" not in m), None), f"answer to {method}")
        assert "error" not in response, response
        return response["result"]

    # -- documents ---------------------------------------------------------------------------------------
    def uri(self, rel: str) -> str:
        return (self.root / rel).as_uri()

    def open(self, rel: str, text: str | None = None) -> None:
        text = (self.root / rel).read_text(encoding="utf-8") if text is None else text
        self.versions[rel] = 1
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": self.uri(rel), "languageId": "markdown" if rel.endswith(".md") else "yaml", "version": 1,
            "text": text}})

    def change(self, rel: str, text: str) -> None:
        """Replace the whole text of an open document."""
        self.versions[rel] += 1
        self.notify("textDocument/didChange", {"textDocument": {"uri": self.uri(rel), "version": self.versions[rel]},
                                               "contentChanges": [{"text": text}]})

    def change_range(self, rel: str, line: int, start: int, end: int, new: str) -> None:
        """An incremental change, as editors send while typing: ``new`` in place of line[start:end]."""
        self.versions[rel] += 1
        self.notify("textDocument/didChange", {
            "textDocument": {"uri": self.uri(rel), "version": self.versions[rel]},
            "contentChanges": [{"range": {"start": {"line": line, "character": start},
                                          "end": {"line": line, "character": end}}, "text": new}]})

    def diagnostics(self, rel: str, until: Callable[[list[Message]], bool] = lambda d: True,
                    version: int | None = None) -> list[Message]:
        """The newest diagnostics published for ``rel`` that satisfy ``until``."""
        uri = self.uri(rel)

        def newest(messages: list[Message]) -> list[Message] | None:
            for message in reversed(messages):
                if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                    params = message["params"]
                    if version is not None and params.get("version") != version:
                        return None
                    return [params["diagnostics"]] if until(params["diagnostics"]) else None
            return None

        return self.wait_for(newest, f"diagnostics for {rel}")[0]

    def published(self) -> dict[str, list[Message]]:
        """The last diagnostics published for each file, by path relative to the project."""
        latest: dict[str, list[Message]] = {}
        for message in self.messages:
            if message.get("method") == "textDocument/publishDiagnostics":
                path = Path(message["params"]["uri"].removeprefix("file://"))
                latest[path.relative_to(self.root).as_posix()] = message["params"]["diagnostics"]
        return {rel: found for rel, found in latest.items() if found}

    def errors_logged(self) -> list[str]:
        return [m["params"]["message"] for m in self.messages
                if m.get("method") in ("window/logMessage", "window/showMessage") and m["params"]["type"] == 1]

    def stop(self) -> int:
        """shutdown, exit, and the server's exit code."""
        assert self.request("shutdown", None) is None
        self.notify("exit", None)
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(timeout=TIMEOUT)


@pytest.fixture
def lsp(example: Path) -> Iterator[Client]:
    client = Client(example)
    try:
        result = client.request("initialize", {"processId": os.getpid(), "rootUri": example.as_uri(),
                                               "capabilities": {}})
        assert result["capabilities"]["hoverProvider"] is True
        client.notify("initialized", {})
        yield client
    finally:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait(timeout=TIMEOUT)


def _codes(diagnostics: list[Message]) -> set[str]:
    return {d["code"] for d in diagnostics}


def _start(diagnostic: Message) -> tuple[int, int]:
    return diagnostic["range"]["start"]["line"], diagnostic["range"]["start"]["character"]


def _find(text: str, needle: str) -> tuple[int, int]:
    """0-based line and character of the first ``needle`` in ``text``."""
    index = text.index(needle)
    return text.count("\n", 0, index), index - (text.rfind("\n", 0, index) + 1)


def _lint(root: Path, run: Callable[..., Run]) -> list[dict[str, Any]]:
    result = run("-C", str(root), "lint", "--today", TODAY, "--format", "json")
    return json.loads(result.out)["findings"]


def _as_lint(published: dict[str, list[Message]]) -> set[tuple[str, int, int, str, str]]:
    """Published diagnostics as lint's (path, line, column, rule, message), 1-based."""
    return {(rel, d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1, d["code"], d["message"])
            for rel, found in published.items() for d in found}


def _lint_set(findings: list[dict[str, Any]]) -> set[tuple[str, int, int, str, str]]:
    return {(f["path"], f["line"], f["column"], f["rule"], f["message"]) for f in findings}


def _broken_policy(example: Path) -> str:
    """hand-hygiene.md with an owner the roles register lacks and a foreign emergency number."""
    text = (example / HAND_HYGIENE).read_text(encoding="utf-8")
    assert "owner: ipc-lead\n" in text and "## Purpose\n" in text
    return text.replace("owner: ipc-lead\n", "owner: ward-manager\n").replace(
        "## Purpose\n", "## Purpose\n\nIn an emergency, call 911 at once.\n")


# -- diagnostics ---------------------------------------------------------------------------------------
def test_open_gives_the_findings_lint_gives_at_their_places(lsp: Client, example: Path, tmp_path: Path,
                                                           run: Callable[..., Run]) -> None:
    on_disk = (example / HAND_HYGIENE).read_bytes()
    text = _broken_policy(example)
    lsp.open(HAND_HYGIENE, text)
    found = lsp.diagnostics(HAND_HYGIENE, lambda d: {"unknown-role", "Policybook.EmergencyNumber"} <= _codes(d))
    by_code = {d["code"]: d for d in found}
    assert _start(by_code["unknown-role"]) == _find(text, "owner: ward-manager")
    assert "'ward-manager' is not in the roles register" in by_code["unknown-role"]["message"]
    emergency = by_code["Policybook.EmergencyNumber"]
    line, character = _find(text, "911")
    assert emergency["range"] == {"start": {"line": line, "character": character},
                                  "end": {"line": line, "character": character + 3}}
    assert emergency["severity"] == 1 and emergency["source"] == "policybook"
    # The same text saved in a second copy of the library: lint gives exactly these findings.
    copy = shutil.copytree(example, tmp_path / "saved")
    (copy / HAND_HYGIENE).write_text(text, encoding="utf-8")
    assert _as_lint(lsp.published()) == _lint_set(_lint(copy, run))
    assert (example / HAND_HYGIENE).read_bytes() == on_disk, "the editor's text was written to the file"
    assert lsp.stop() == 0


def test_a_change_that_fixes_the_owner_updates_the_diagnostics(lsp: Client, example: Path) -> None:
    text = _broken_policy(example)
    lsp.open(HAND_HYGIENE, text)
    lsp.diagnostics(HAND_HYGIENE, lambda d: "unknown-role" in _codes(d))
    line, character = _find(text, "ward-manager")
    lsp.change_range(HAND_HYGIENE, line, character, character + len("ward-manager"), "ipc-lead")
    found = lsp.diagnostics(HAND_HYGIENE, version=2)
    assert "unknown-role" not in _codes(found)
    assert "Policybook.EmergencyNumber" in _codes(found)
    assert lsp.stop() == 0


def test_a_register_edit_reports_in_the_policies_that_use_it(lsp: Client, example: Path) -> None:
    roles = (example / ROLES).read_text(encoding="utf-8")
    start = roles.index("  - id: ipc-lead\n")
    end = roles.index("  - id:", start + 1)
    lsp.open(ROLES, roles[:start] + roles[end:])
    found = lsp.diagnostics(HAND_HYGIENE, lambda d: "unknown-role" in _codes(d))
    policy = (example / HAND_HYGIENE).read_text(encoding="utf-8")
    assert _find(policy, "owner: ipc-lead") in {_start(d) for d in found if d["code"] == "unknown-role"}
    lsp.change(ROLES, roles)  # put the role back: the policy's findings are cleared
    assert lsp.diagnostics(HAND_HYGIENE, lambda d: "unknown-role" not in _codes(d)) == []
    assert lsp.stop() == 0


def test_a_register_problem_is_reported_in_the_register(lsp: Client, example: Path) -> None:
    roles = (example / ROLES).read_text(encoding="utf-8")
    lsp.open(ROLES, roles.replace("  - id: nominated-individual\n", "  - id: registered-manager\n", 1))
    found = lsp.diagnostics(ROLES, lambda d: "duplicate-id" in _codes(d))
    assert [_start(d) for d in found if d["code"] == "duplicate-id"] == [
        (_find(roles, "  - id: nominated-individual")[0], 4)]
    assert lsp.stop() == 0


def test_a_duplicate_id_is_reported_in_both_policies(lsp: Client, example: Path) -> None:
    other = next(p for p in (example / "policies").rglob("*.md") if "\nid: IPC-001\n" in p.read_text(encoding="utf-8"))
    text = (example / HAND_HYGIENE).read_text(encoding="utf-8")
    lsp.open(HAND_HYGIENE, text.replace("id: IPC-002\n", "id: IPC-001\n", 1))
    lsp.diagnostics(HAND_HYGIENE, lambda d: "duplicate-id" in _codes(d))
    closed = other.relative_to(example).as_posix()
    assert "duplicate-id" in _codes(lsp.diagnostics(closed, lambda d: "duplicate-id" in _codes(d)))
    lsp.change(HAND_HYGIENE, text)
    assert "duplicate-id" not in _codes(lsp.diagnostics(closed, lambda d: "duplicate-id" not in _codes(d)))
    assert lsp.stop() == 0


def test_every_file_gets_lints_findings_after_a_register_edit(lsp: Client, example: Path, tmp_path: Path,
                                                             run: Callable[..., Run]) -> None:
    """Across the whole library, not only the open file: the published diagnostics are lint's findings."""
    roles = (example / ROLES).read_text(encoding="utf-8")
    edited = roles.replace("  - id: registered-manager\n", "  - id: registered-manger\n", 1)
    lsp.open(ROLES, edited)
    copy = shutil.copytree(example, tmp_path / "saved")
    (copy / ROLES).write_text(edited, encoding="utf-8")
    expected = _lint_set(_lint(copy, run))
    assert len({f[0] for f in expected}) > 10  # the approver of most policies is gone
    lsp.wait_for(lambda _: _as_lint(lsp.published()) == expected, "lint's findings in every file")
    assert lsp.stop() == 0


@pytest.mark.parametrize(("name", "text", "rule"), [
    ("broken YAML", "---\nid: IPC-002\ntitle: [Hand hygiene\n---\n\nBody.\n", "yaml-syntax"),
    ("binary", "---\nid: IPC-002\x00\x01\x02\n---\n", "encoding"),
    ("huge", "---\nid: IPC-002\n---\n\n" + "Wash your hands. " * 70_000, "file-too-large"),
    ("no frontmatter", "", "frontmatter-missing"),
])
def test_bad_text_gives_a_diagnostic_not_a_crash(lsp: Client, example: Path, name: str, text: str,
                                                  rule: str) -> None:
    lsp.open(HAND_HYGIENE)
    lsp.diagnostics(HAND_HYGIENE)
    lsp.change(HAND_HYGIENE, text)
    assert rule in _codes(lsp.diagnostics(HAND_HYGIENE, version=2))
    # Still answering, and nothing went wrong inside it.
    hover = lsp.request("textDocument/hover", {"textDocument": {"uri": lsp.uri(HAND_HYGIENE)},
                                               "position": {"line": 1, "character": 5}})
    assert hover is None
    assert lsp.errors_logged() == []
    assert lsp.stop() == 0
    assert b"Traceback" not in lsp.stderr


# -- completion and hover ------------------------------------------------------------------------------
def _complete(lsp: Client, rel: str, line: int, character: int) -> dict[str, Message]:
    result = lsp.request("textDocument/completion", {"textDocument": {"uri": lsp.uri(rel)},
                                                     "position": {"line": line, "character": character}})
    return {item["label"]: item for item in (result or {"items": []})["items"]}


def test_completion_offers_the_ids_each_field_takes(lsp: Client, example: Path) -> None:
    text = (example / HAND_HYGIENE).read_text(encoding="utf-8")
    text = text.replace("owner: ipc-lead\n", "owner: reg\n").replace("related:\n  - IPC-001\n", "related:\n  - \n")
    text = text.replace("standards:\n", "equipment:\n  - \nstandards:\n")
    lsp.open(HAND_HYGIENE, text)
    lsp.diagnostics(HAND_HYGIENE)
    lines = text.split("\n")

    def at(needle: str, occurrence: int = 0) -> tuple[int, int]:
        index = [i for i, line in enumerate(lines) if line.startswith(needle)][occurrence]
        return index, len(lines[index])

    owner = _complete(lsp, HAND_HYGIENE, *at("owner: reg"))
    assert owner["registered-manager"]["detail"] == "Registered Manager"
    line, end = at("owner: reg")
    assert owner["registered-manager"]["textEdit"] == {
        "range": {"start": {"line": line, "character": len("owner: ")}, "end": {"line": line, "character": end}},
        "newText": "registered-manager"}
    assert "all-staff" not in owner  # an owner is one designated role
    audience = _complete(lsp, HAND_HYGIENE, *at("audience: "))
    assert {"all-staff", "ipc-lead"} <= set(audience)
    role_key = _complete(lsp, HAND_HYGIENE, at("  ipc-lead:")[0], 4)
    assert role_key["ipc-lead"]["detail"].startswith("Infection Prevention")
    assert _complete(lsp, HAND_HYGIENE, at("    - Audits")[0], 10) == {}  # a responsibility is free text
    guidance = _complete(lsp, HAND_HYGIENE, *at("  - national-ipc-manual"))
    assert "who-hand-hygiene-2009" in guidance and "hsca-reg-12" not in guidance
    standards = _complete(lsp, HAND_HYGIENE, *at("  - hsca-reg-12"))
    assert standards["cqc-safe-ipc"]["detail"] and "ipc-lead" not in standards
    equipment = _complete(lsp, HAND_HYGIENE, *at("  - ", occurrence=_item_after(lines, "equipment:")))
    assert equipment and set(equipment) <= {e for e in _register_ids(example, "equipment")}
    related = _complete(lsp, HAND_HYGIENE, *at("  - ", occurrence=_item_after(lines, "related:")))
    assert related["IPC-001"]["detail"] == "Infection prevention and control"
    assert _complete(lsp, HAND_HYGIENE, *at("author: ")) == {}
    assert lsp.stop() == 0


def _item_after(lines: list[str], key: str) -> int:
    """Which `  - ` line (counting from 0) is the first item under ``key``."""
    items = [i for i, line in enumerate(lines) if line.startswith("  - ")]
    return next(n for n, i in enumerate(items) if i > lines.index(key))


def _register_ids(example: Path, name: str) -> set[str]:
    text = (example / "registers" / f"{name}.yml").read_text(encoding="utf-8")
    return {line.split("id:", 1)[1].strip() for line in text.splitlines() if line.startswith("  - id:")}


def test_hover_on_an_id_shows_its_register_entry(lsp: Client, example: Path) -> None:
    text = (example / HAND_HYGIENE).read_text(encoding="utf-8")
    lsp.open(HAND_HYGIENE, text)
    lsp.diagnostics(HAND_HYGIENE)

    def hover(needle: str) -> str | None:
        line, character = _find(text, needle)
        result = lsp.request("textDocument/hover", {"textDocument": {"uri": lsp.uri(HAND_HYGIENE)},
                                                    "position": {"line": line, "character": character + 2}})
        return result["contents"]["value"] if result else None

    role = hover("registered-manager")
    assert role is not None and "**Registered Manager**" in role and "owns most policies" in role
    standard = hover("hsca-reg-12")
    assert standard is not None and "Regulation 12" in standard and "<https://www.legislation.gov.uk/" in standard
    assert "HSCA 2008" in standard
    guidance = hover("who-hand-hygiene-2009")
    assert guidance is not None and "World Health Organization" in guidance
    assert hover("Hannah Okonjo") is None  # an author is not an id
    assert lsp.stop() == 0


def test_exit_without_shutdown_is_an_error_exit(lsp: Client) -> None:
    lsp.notify("exit", None)
    assert lsp.process.stdin is not None
    lsp.process.stdin.close()
    assert lsp.process.wait(timeout=TIMEOUT) == 1


def test_a_file_outside_any_library_gets_nothing(lsp: Client, tmp_path: Path) -> None:
    outside = tmp_path / "notes.md"
    outside.write_text("call 911\n", encoding="utf-8")
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": outside.as_uri(), "languageId": "markdown",
                                                         "version": 1, "text": "call 911\n"}})
    assert lsp.request("textDocument/hover", {"textDocument": {"uri": outside.as_uri()},
                                              "position": {"line": 0, "character": 6}}) is None
    assert not any(m.get("params", {}).get("uri") == outside.as_uri() for m in lsp.messages)
    assert lsp.stop() == 0


# -- where an id belongs, read from half-typed frontmatter ------------------------------------------------
FRONTMATTER = """---
id: IPC-002
owner: ipc-lead
audience: [radiographer, ]
roles:
  all-staff:
    - Clean your hands.
  ipc-lead:
    - Audits: each month.
guidance:
  - id: who-hand-hygiene-2009
    section: Part I
  - national-ipc-manual
standards:
- hsca-reg-12
reviews:
  - date: "2026-01-01"
    by: registered-manager
---

owner: ipc-lead in the body
""".split("\n")


@pytest.mark.parametrize(("line", "character", "expected"), [
    (1, 6, None),  # id: a policy's own id
    (2, 7, ("roles", "owner")),
    (2, 3, None),  # on the field name
    (3, 24, ("roles", "audience")),
    (5, 3, ("roles", "roles")),
    (6, 8, None),  # a responsibility
    (7, 2, ("roles", "roles")),
    (8, 7, None),  # a responsibility with a colon in it
    (10, 10, ("guidance", "guidance")),
    (11, 14, None),  # a section of the guidance
    (12, 6, ("guidance", "guidance")),
    (14, 3, ("standards", "standards")),  # a list item that is not indented
    (16, 12, None),  # the date of a review
    (17, 10, ("roles", "reviews")),
    (20, 8, None),  # the body
])
def test_context_reads_the_field_an_id_belongs_to(line: int, character: int,
                                                  expected: tuple[str, str] | None) -> None:
    context = context_at(FRONTMATTER, line, character)
    assert (None if context is None else (context.kind, context.field)) == expected



def test_a_file_changed_on_disk_is_linted_again_when_the_editor_reports_it(lsp: Client, example: Path) -> None:
    """A checkout or `policybook approve` changes files behind the editor's back; its file watcher says so."""
    lsp.open(HAND_HYGIENE)
    lsp.diagnostics(HAND_HYGIENE)
    other = "policies/infection-control/infection-prevention.md"
    text = (example / other).read_text(encoding="utf-8")
    (example / other).write_text(text.replace("\nowner: ", "\nowner: ward-manager\nx-owner: ", 1), encoding="utf-8")
    lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": lsp.uri(other), "type": 2}]})
    found = lsp.diagnostics(other, lambda d: "unknown-role" in _codes(d))
    assert "schema" in _codes(found)  # x-owner is not a field
    assert lsp.stop() == 0


def test_settings_that_cannot_be_read_are_shown_and_the_server_carries_on(lsp: Client, example: Path) -> None:
    settings = example / "policybook.yml"
    good = settings.read_text(encoding="utf-8")
    settings.write_text("organisation: [\n", encoding="utf-8")
    lsp.open(HAND_HYGIENE, _broken_policy(example))
    shown = lsp.wait_for(lambda messages: [m for m in messages if m.get("method") == "window/showMessage"],
                         "a message about the settings")
    assert shown[0]["params"]["type"] == 1 and "policybook.yml:" in shown[0]["params"]["message"]
    settings.write_text(good, encoding="utf-8")
    lsp.notify("workspace/didChangeWatchedFiles", {"changes": [{"uri": settings.as_uri(), "type": 2}]})
    assert "unknown-role" in _codes(lsp.diagnostics(HAND_HYGIENE, lambda d: bool(d)))
    assert lsp.stop() == 0


def test_a_uri_with_a_nul_is_refused_and_linting_goes_on(lsp: Client, example: Path) -> None:
    bad = example.as_uri() + "/policies/x%00y.md"
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": bad, "languageId": "markdown", "version": 1,
                                                         "text": "---\nid: IPC-099\n---\n"}})
    lsp.notify("textDocument/didChange", {"textDocument": {"uri": bad, "version": 2},
                                          "contentChanges": [{"text": "---\nid: IPC-098\n---\n"}]})
    lsp.open(HAND_HYGIENE)
    lsp.diagnostics(HAND_HYGIENE)
    text = (example / HAND_HYGIENE).read_text(encoding="utf-8")
    lsp.change(HAND_HYGIENE, text.replace("id: IPC-002", "id: IPC-002\nid: IPC-002", 1))
    assert "yaml-duplicate-key" in _codes(lsp.diagnostics(HAND_HYGIENE, version=2))
    assert not any(message.get("params", {}).get("uri") == bad for message in lsp.messages)
    assert lsp.errors_logged() == []
    assert lsp.stop() == 0


def test_a_document_over_the_size_limit_is_not_kept_and_the_server_answers(lsp: Client, example: Path) -> None:
    rel = "policies/infection-control/huge.md"
    huge = "---\nid: IPC-777\n---\n\n" + "Wash your hands before and after every patient.\n" * 450_000  # 22 MB
    (example / rel).write_text("---\nid: IPC-777\n---\n", encoding="utf-8")  # as saved before the paste
    lsp.open(rel, huge)
    [diagnostic] = lsp.diagnostics(rel, version=1)
    assert diagnostic["code"] == "file-too-large" and f"file is {len(huge):,} bytes" in diagnostic["message"]
    started = time.monotonic()
    for _ in range(300):
        lsp.change_range(rel, 5, 0, 0, "x")
    hover = lsp.request("textDocument/hover", {"textDocument": {"uri": lsp.uri(rel)},
                                               "position": {"line": 1, "character": 5}})
    assert hover is None
    assert time.monotonic() - started < 10  # the edits were not applied to 22 MB of text
    # Other documents are linted as before, and replacing the whole text brings the document back.
    lsp.open(HAND_HYGIENE)
    lsp.diagnostics(HAND_HYGIENE)
    lsp.change(rel, "---\nid: IPC-777\ntitle: [Broken\n---\n\nBody.\n")
    assert "yaml-syntax" in _codes(lsp.diagnostics(rel, version=lsp.versions[rel]))
    lsp.change(rel, huge)
    assert _codes(lsp.diagnostics(rel, version=lsp.versions[rel])) == {"file-too-large"}
    assert lsp.errors_logged() == []
    assert lsp.stop() == 0
    assert b"Traceback" not in lsp.stderr


def test_an_alias_added_in_the_editor_defines_an_abbreviation(lsp: Client, example: Path) -> None:
    """The house style counts an abbreviation the registers give as defined: the editor's unsaved roles
    register counts as the saved one would."""
    policy = (example / HAND_HYGIENE).read_text(encoding="utf-8")
    lsp.open(HAND_HYGIENE, policy.rstrip("\n") + "\n\nTell the QXRM at once.\n")
    lsp.diagnostics(HAND_HYGIENE, lambda d: "Policybook.Acronyms" in _codes(d))
    roles = (example / ROLES).read_text(encoding="utf-8")
    assert "aliases: [manager]" in roles
    lsp.open(ROLES, roles.replace("aliases: [manager]", "aliases: [manager, QXRM]", 1))
    lsp.diagnostics(HAND_HYGIENE, lambda d: "Policybook.Acronyms" not in _codes(d))
    assert lsp.stop() == 0


# -- an editor's new file, not yet saved -----------------------------------------------------------------
def _new_policy(example: Path) -> str:
    """A new policy's text as an editor holds it before the first save: hand-hygiene.md's, under a new id."""
    return _broken_policy(example).replace("id: IPC-002\n", "id: IPC-099\n")


def _diagnostics_for(lsp: Client, uri: str, until: Callable[[list[Message]], bool]) -> list[Message]:
    def newest(messages: list[Message]) -> list[list[Message]] | None:
        for message in reversed(messages):
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                return [message["params"]["diagnostics"]] if until(message["params"]["diagnostics"]) else None
        return None

    return lsp.wait_for(newest, f"diagnostics for {uri}")[0]


@pytest.mark.parametrize("rel", ["policies/infection-control/new-policy.md", "policies/estates/new-policy.md"],
                         ids=["in a folder on disk", "in a folder not made yet"])
def test_a_new_file_not_yet_on_disk_is_linted_from_the_editors_text(lsp: Client, example: Path, tmp_path: Path,
                                                                    run: Callable[..., Run], rel: str) -> None:
    text = _new_policy(example)
    lsp.open(rel, text)
    found = lsp.diagnostics(rel, lambda d: {"unknown-role", "Policybook.EmergencyNumber"} <= _codes(d))
    assert _start({d["code"]: d for d in found}["unknown-role"]) == _find(text, "owner: ward-manager")
    # The same text saved in a copy of the library: lint gives exactly these findings for it.
    copy = shutil.copytree(example, tmp_path / "saved")
    (copy / rel).parent.mkdir(exist_ok=True)
    (copy / rel).write_text(text, encoding="utf-8")
    saved = {f for f in _lint_set(_lint(copy, run)) if f[0] == rel}
    assert _as_lint({rel: found}) == saved
    assert not (example / rel).exists(), "the editor's text was written to disk"
    assert (example / rel).parent.exists() == (rel != "policies/estates/new-policy.md")
    lsp.notify("textDocument/didClose", {"textDocument": {"uri": lsp.uri(rel)}})
    assert lsp.diagnostics(rel, lambda d: d == []) == []
    assert lsp.stop() == 0


def test_an_untitled_document_is_linted_in_the_library_the_server_serves(lsp: Client, example: Path,
                                                                         tmp_path: Path,
                                                                         run: Callable[..., Run]) -> None:
    text = _new_policy(example)
    uri = "untitled:Untitled-1"
    lsp.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "markdown", "version": 1,
                                                         "text": text}})
    found = _diagnostics_for(lsp, uri, lambda d: {"unknown-role", "Policybook.EmergencyNumber"} <= _codes(d))
    copy = shutil.copytree(example, tmp_path / "saved")
    (copy / "policies/Untitled-1.md").write_text(text, encoding="utf-8")
    saved = {f[1:] for f in _lint_set(_lint(copy, run)) if f[0] == "policies/Untitled-1.md"}
    assert {f[1:] for f in _as_lint({"untitled": found})} == saved
    assert not (example / "policies/Untitled-1.md").exists()
    # Closed unsaved, its diagnostics are withdrawn.
    lsp.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    assert _diagnostics_for(lsp, uri, lambda d: d == []) == []
    assert lsp.stop() == 0


# -- framing a client cannot be trusted past -------------------------------------------------------------
@pytest.mark.parametrize(("header", "said"), [
    (b"Content-Length: 99999999999\r\n\r\n{}", b"declares Content-Length 99,999,999,999, over the limit of"),
    (b"Content-Length: 268435457\r\n\r\n", b"declares Content-Length 268,435,457, over the limit of"),
    (b"Content-Type: " + b"x" * 5000, b"a message header line is longer than 4,096 bytes"),
], ids=["99,999,999,999", "one byte over", "a header line without an end"])
def test_a_header_over_the_limit_ends_the_session_with_one_line(example: Path, header: bytes, said: bytes) -> None:
    """The server reads the editor's first message, then a header it cannot honour: it says so on stderr
    and exits (status 1, as without a shutdown request) while the stream is still open, instead of
    waiting for the bytes for ever."""
    server = subprocess.Popen([sys.executable, "-m", "policybook", "-C", str(example), "lsp"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert server.stdin is not None and server.stdout is not None and server.stderr is not None
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                           "params": {"processId": None, "rootUri": example.as_uri(), "capabilities": {}}}).encode()
        server.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        server.stdin.flush()
        answer = server.stdout.readline()
        assert answer.startswith(b"Content-Length: ")
        server.stdin.write(header)
        server.stdin.flush()  # and the stream left open, as a client that goes on sending would
        assert server.wait(timeout=30) == 1
        err = server.stderr.read()
        assert said in err and err.count(b"policybook lsp:") == 1 and b"Traceback" not in err
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=TIMEOUT)
