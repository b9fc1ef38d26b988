"""The language server: pygls handlers that keep every project's lint findings published as diagnostics,
and answer completion and hover in policy frontmatter.

Diagnostics are published for every file with findings, not only the open ones, because an edit to one
file (a register, a policy's id) changes findings in others; a file whose findings are gone gets an empty
list. Edits are relinted after a short pause, so a burst of keystrokes costs one relint. Nothing a client
sends may stop the server: a failure is logged to the client (window/logMessage) and the server goes on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import os
import re
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol.language_server import LanguageServerProtocol, lsp_method
from pygls.uris import from_fs_path, to_fs_path

from policybook import __version__
from policybook.config import CONFIG_NAME
from policybook.errors import PolicybookError
from policybook.findings import Finding, printable
from policybook.loader import DEFAULT_MAX_BYTES, read_text
from policybook.lsp.completion import complete
from policybook.lsp.diagnostics import to_diagnostics
from policybook.lsp.framing import BoundedInput
from policybook.lsp.hover import hover
from policybook.lsp.positions import clean_lines
from policybook.lsp.sources import as_bytes
from policybook.lsp.workspace import Project, Projects, normalise

DEBOUNCE_SECONDS = 0.015  # a relint waits this long, so that changes already sent arrive first and share it
TRIGGER_CHARACTERS = [" ", "[", ","]
# What to hear about from the editor's file watcher: policies, registers, settings, house style, records
# and the images policies show (anything else cannot change a finding).
WATCHED = ("**/*.{md,yml,yaml}", "**/.vale.ini", "**/styles/**", "**/records/**",
           "**/*.{png,jpg,jpeg,gif,svg,webp,pdf}")

T = TypeVar("T")


class PolicybookServer(LanguageServer):
    """The server's state: the projects, what each editor document is, and what was last published."""

    def __init__(self, projects: Projects) -> None:
        super().__init__("policybook", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=PolicybookProtocol)
        self.projects = projects
        self.shut_down = False
        self._uris: dict[Path, str] = {}  # open documents: the path lint knows, and the editor's uri
        self._published: dict[str, tuple[object, ...]] = {}  # uri -> the findings and version last sent
        self._sent_for: dict[Path, set[str]] = {}  # project root -> uris with diagnostics
        self._timers: dict[Path, asyncio.TimerHandle] = {}
        self._forced: dict[Path, set[str]] = {}  # project root -> uris to publish even if unchanged
        self._refusal: dict[Path, str] = {}  # project root -> the last settings problem shown
        self._active: set[Path] = set()  # roots of the projects the editor has opened a file in
        self.too_large: dict[str, int] = {}  # open documents over the size limit, whose text is not kept: version
        self._untitled: dict[str, tuple[Project, Path]] = {}  # untitled: uri -> where it is linted

    # -- messages to the client -------------------------------------------------------------------------
    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def guarded(self, what: str, action: Callable[[], T], default: T) -> T:
        """``action()``, or ``default`` after logging the failure: bad input never stops the server."""
        try:
            return action()
        except Exception:
            self.log(f"policybook: {what} failed:\n{traceback.format_exc()}", types.MessageType.Error)
            return default

    # -- documents --------------------------------------------------------------------------------------
    def document(self, uri: str) -> tuple[Project, Path] | None:
        """The project and normalised path of a file: uri, or None outside any policy library; an untitled:
        document (an editor's new file never saved) where the server can tell its library."""
        if uri.startswith("untitled:"):
            return self._untitled.get(uri) or self._place_untitled(uri)
        fs_path = to_fs_path(uri) if uri.startswith("file:") else None
        if fs_path is None or "\x00" in fs_path:  # no file can have a NUL in its name (file:///x%00y.md)
            return None
        path = normalise(Path(fs_path))
        project = self.projects.for_path(path)
        return (project, path) if project is not None else None

    def _place_untitled(self, uri: str) -> tuple[Project, Path] | None:
        """Where an untitled document is linted: as a new policy at the top of the policies folder of the
        library given with ``-C``, or else of the only library a file is open in, named after the document
        (``untitled:Untitled-1`` as Untitled-1.md). None when the server cannot tell the library, or a file
        of that name is already there (the document's text must not stand in for it)."""
        project = self.projects.pinned
        if project is None and len(self._active) == 1:
            project = self.projects.for_path(next(iter(self._active)) / CONFIG_NAME)
        if project is None:
            return None
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", unquote(uri.removeprefix("untitled:"))).strip("-")[:80]
        try:
            folder = project.config.policies_path
        except PolicybookError:  # the settings cannot be read: the library cannot be linted either
            return None
        path = normalise(folder / f"{name or 'untitled'}.md")
        if path.exists() or path.is_symlink() or path in self._uris:
            return None
        self._untitled[uri] = (project, path)
        return project, path

    def opened(self, uri: str) -> None:
        found = self.document(uri)
        if found is None:
            return
        project, path = found
        self._uris[path] = uri
        self._active.add(project.root)
        project.reread()  # files may have changed on disk since the last look, in an editor without watchers
        project.set_text(path, self.workspace.get_text_document(uri).source)
        self._forced.setdefault(project.root, set()).add(uri)
        self.relint(project)

    def oversize(self, uri: str, text: str) -> int | None:
        """The size in bytes of ``text``, the editor's text of ``uri``, when it is over its library's limit
        (lint reports such a file as too large and reads nothing of it); None when it is within the limit
        or outside any library."""
        found = self.document(uri)
        if found is None:
            return None
        try:
            limit = found[0].config.max_file_bytes
        except PolicybookError:  # the settings cannot be read: the relint says why
            limit = DEFAULT_MAX_BYTES
        if len(text) <= limit // 4:  # UTF-8 takes at most four bytes a character: no need to encode
            return None
        size = len(as_bytes(text))
        return size if size > limit else None

    def opened_too_large(self, uri: str, size: int, version: int) -> None:
        """A document over the size limit: its only diagnostic says so, until it is closed or replaced whole
        by a smaller text; edits to it are not applied."""
        self.too_large[uri] = version
        found = self.document(uri)
        if found is None:
            return
        project, path = found
        self._uris[path] = uri
        self._active.add(project.root)
        project.reread()
        project.set_oversized(path, size)
        self._forced.setdefault(project.root, set()).add(uri)
        self.schedule(project)

    def changed(self, uri: str) -> None:
        found = self.document(uri)
        if found is None:
            return
        project, path = found
        project.set_text(path, self.workspace.get_text_document(uri).source)
        if self._accepts(project, path):
            self._forced.setdefault(project.root, set()).add(uri)
            self.schedule(project)

    def saved(self, uri: str) -> None:
        found = self.document(uri)
        if found is not None:
            found[0].touched(found[1])
            self.schedule(found[0])

    def closed(self, uri: str) -> None:
        self.too_large.pop(uri, None)
        found = self.document(uri)
        self._untitled.pop(uri, None)
        if found is None:
            return
        project, path = found
        self._uris.pop(path, None)
        project.forget(path)
        self.schedule(project)

    def files_changed(self, changes: Sequence[types.FileEvent]) -> None:
        touched: dict[Path, Project] = {}
        for change in changes:
            found = self.document(change.uri)
            if found is not None and found[0].root in self._active:  # a library nobody works on is left alone
                found[0].touched(found[1])
                touched[found[0].root] = found[0]
        for project in touched.values():
            self.schedule(project)

    def _accepts(self, project: Project, path: Path) -> bool:
        """Whether an edit of ``path`` can change findings (when the settings cannot be read to tell, the
        relint says why)."""
        try:
            return project.accepts(path)
        except PolicybookError:
            return True

    # -- linting and publishing -------------------------------------------------------------------------
    def schedule(self, project: Project) -> None:
        """Relint ``project`` after a pause; a further edit in the pause moves the relint later."""
        pending = self._timers.pop(project.root, None)
        if pending is not None:
            pending.cancel()
        loop = asyncio.get_running_loop()
        self._timers[project.root] = loop.call_later(DEBOUNCE_SECONDS, self.relint, project)

    def relint(self, project: Project) -> None:
        self._timers.pop(project.root, None)
        first = project.corpus is None
        try:
            project.relint()
        except PolicybookError as refusal:  # settings or house style that cannot be read: lint refuses too
            self._refused(project, refusal)
            return
        except Exception:
            self.log(f"policybook: linting {project.root} failed:\n{traceback.format_exc()}", types.MessageType.Error)
            return
        self._refusal.pop(project.root, None)
        if first and project.timing is not None:
            self.log(f"policybook: {project.root}: {project.timing.policies:,} policies linted in "
                     f"{project.timing.seconds:.2f} s", types.MessageType.Info)
        self.guarded("publishing diagnostics", lambda: self.publish(project), None)

    def _refused(self, project: Project, refusal: PolicybookError) -> None:
        message = f"policybook: {printable(str(refusal))}"
        if self._refusal.get(project.root) != message:
            self._refusal[project.root] = message
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=message))
        self.log(message, types.MessageType.Error)

    def publish(self, project: Project) -> None:
        """Send each file's diagnostics when they differ from what the editor has (or it asked for them)."""
        forced = self._forced.pop(project.root, set())
        texts = _corpus_texts(project)
        sent: set[str] = set()
        for rel, findings in project.findings.items():
            path = project.root / rel
            uri = self._uris.get(path) or from_fs_path(str(path)) or path.as_uri()
            sent.add(uri)
            self._send(uri, findings, forced, functools.partial(self._lines, path, rel, texts, project))
        for uri in (self._sent_for.get(project.root, set()) - sent) | (forced - sent):
            self._send(uri, [], forced, lambda: None)
        self._sent_for[project.root] = sent

    def _send(self, uri: str, findings: list[Finding], forced: set[str],
              lines: Callable[[], Sequence[str] | None]) -> None:
        document = self.workspace.text_documents.get(uri)
        version = document.version if document is not None else self.too_large.get(uri)
        key = (tuple(findings), version)
        if uri not in forced and self._published.get(uri) == key:
            return
        self._published[uri] = key
        diagnostics = to_diagnostics(findings, lines(), self.workspace.position_codec)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics,
                                                                              version=version))

    def _lines(self, path: Path, rel: str, texts: dict[str, str], project: Project) -> Sequence[str] | None:
        """The lines of a file as the editor shows it: the open document, else the text lint read."""
        uri = self._uris.get(path)
        if uri is not None and uri in self.workspace.text_documents:
            return clean_lines(self.workspace.get_text_document(uri).lines)
        if rel in texts:
            return texts[rel].split("\n")
        if not path.is_file():
            return None
        text, _ = read_text(path, rel, project.config.max_file_bytes)
        return text.split("\n") if text is not None else None

    # -- completion and hover ---------------------------------------------------------------------------
    def at(self, uri: str, position: types.Position) -> tuple[Project, list[str], int, int] | None:
        """The project, the document's lines and the position in characters, for a request about ``uri``."""
        found = self.document(uri)
        if found is None or found[0].corpus is None or uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
        lines = clean_lines(document.lines) or [""]
        where = self.workspace.position_codec.position_from_client_units(lines, position)
        return found[0], lines, where.line, where.character

    def completion(self, params: types.CompletionParams) -> types.CompletionList | None:
        found = self.at(params.text_document.uri, params.position)
        if found is None:
            return None
        project, lines, line, character = found
        if project.corpus is None:
            return None
        items = complete(project.corpus, lines, line, character, self.workspace.position_codec)
        return None if items is None else types.CompletionList(is_incomplete=False, items=items)

    def hover(self, params: types.HoverParams) -> types.Hover | None:
        found = self.at(params.text_document.uri, params.position)
        if found is None:
            return None
        project, lines, line, character = found
        if project.corpus is None:
            return None
        return hover(project.corpus, lines, line, character, self.workspace.position_codec)

    def watch_files(self) -> None:
        """Ask the editor to report files changed outside it (a checkout, ``policybook approve``)."""
        capabilities = self.client_capabilities.workspace
        watching = capabilities.did_change_watched_files if capabilities else None
        if not (watching and watching.dynamic_registration):
            return
        options = types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED])
        self.client_register_capability(types.RegistrationParams(registrations=[types.Registration(
            id="policybook-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=options)]))


class PolicybookProtocol(LanguageServerProtocol):
    """pygls's protocol, except that the text of a document over its library's size limit is not kept: pygls
    would apply every edit to its copy, at a cost that grows with the size (300 edits to a 22 MB file took
    a minute), and lint reads nothing of such a file anyway. A document outside any library is not kept
    either, since nothing reads it."""

    _server: PolicybookServer

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Iterator[Any]:
        server, document = self._server, params.text_document
        if server.guarded("measuring a document", lambda: server.document(document.uri) is None, True):
            return
        size = server.guarded("measuring a document", lambda: server.oversize(document.uri, document.text), None)
        if size is not None:
            self.workspace.remove_text_document(document.uri)
            server.guarded("opening a large document",
                           lambda: server.opened_too_large(document.uri, size, document.version), None)
            return
        server.too_large.pop(document.uri, None)
        yield from super().lsp_text_document__did_open(params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Iterator[Any]:
        server, uri, changes = self._server, params.text_document.uri, list(params.content_changes)
        if uri in server.too_large or unquote(uri) not in self.workspace.text_documents:  # pygls keys them so
            # Only a change that replaces the whole text can bring the document back within the limit.
            whole = [i for i, change in enumerate(changes)
                     if isinstance(change, types.TextDocumentContentChangeWholeDocument)]
            if uri not in server.too_large or not whole:
                return
            changes = changes[whole[-1]:]
            self.workspace.put_text_document(types.TextDocumentItem(
                uri=uri, language_id="", version=params.text_document.version, text=changes[0].text))
            changes = changes[1:]
        for change in changes:
            self.workspace.update_text_document(params.text_document, change)
        text = self.workspace.get_text_document(uri).source
        size = server.guarded("measuring a document", lambda: server.oversize(uri, text), None)
        if size is not None:
            self.workspace.remove_text_document(uri)
            server.guarded("reading a large change",
                           lambda: server.opened_too_large(uri, size, params.text_document.version), None)
            return
        if uri in server.too_large:
            del server.too_large[uri]
            server.guarded("reopening a document", lambda: server.opened(uri), None)
            return
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None


def _corpus_texts(project: Project) -> dict[str, str]:
    """The text lint read for each policy and register, by path, to place findings in closed files."""
    corpus = project.corpus
    if corpus is None:
        return {}
    texts = {policy.rel: policy.doc.text for policy in corpus.policies if policy.doc.text}
    texts.update((doc.rel, doc.text) for doc in corpus.registers.documents.values() if doc.text)
    return texts


def build_server(projects: Projects) -> PolicybookServer:
    """The server with its handlers registered."""
    server = PolicybookServer(projects)

    def quietly(what: str, action: Callable[[], Any]) -> None:
        server.guarded(what, action, None)

    @server.feature(types.INITIALIZED)
    def initialized(params: types.InitializedParams) -> None:
        quietly("watching files", server.watch_files)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        quietly("opening a document", lambda: server.opened(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(params: types.DidChangeTextDocumentParams) -> None:
        quietly("reading a change", lambda: server.changed(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        quietly("reading a save", lambda: server.saved(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        quietly("closing a document", lambda: server.closed(params.text_document.uri))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(params: types.DidChangeWatchedFilesParams) -> None:
        quietly("reading changed files", lambda: server.files_changed(params.changes))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS))
    def completion(params: types.CompletionParams) -> types.CompletionList | None:
        return server.guarded("completion", lambda: server.completion(params), None)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def on_hover(params: types.HoverParams) -> types.Hover | None:
        return server.guarded("hover", lambda: server.hover(params), None)

    @server.feature(types.SHUTDOWN)
    def shutdown(params: None) -> None:
        server.shut_down = True

    return server


def _claim_stdio() -> tuple[BinaryIO, BinaryIO]:
    """The protocol's own copies of stdin and stdout. Standard output then goes to standard error, so a
    stray print cannot corrupt the protocol, and standard input reads nothing, so the per-policy checks'
    forked workers never touch the stream the protocol is reading."""
    rpc_in = os.fdopen(os.dup(0), "rb")
    rpc_out = os.fdopen(os.dup(1), "wb")
    nothing = os.open(os.devnull, os.O_RDONLY)
    os.dup2(nothing, 0)
    os.close(nothing)
    os.dup2(2, 1)
    return rpc_in, rpc_out


def serve(pinned: Path | None = None, today: dt.date | None = None) -> int:
    """Run the server over stdio until the client says exit: 0 after a shutdown request, 1 without."""
    rpc_in, rpc_out = _claim_stdio()
    server = build_server(Projects(pinned, today))
    server.start_io(BoundedInput(rpc_in), rpc_out)  # type: ignore[arg-type]  # pygls reads readline and read
    return 0 if server.shut_down else 1
