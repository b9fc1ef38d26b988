"""`policybook serve --public`: the public site served on this machine with live reload, as `policybook build`
would build it, with drafts shown in place of the approved version (marked as drafts) and lint errors printed
rather than stopping it, so that an author sees what they are writing. The pages are made from the documents,
so MkDocs cannot watch them itself: the preview watches the documents for patients, the policies (those marked
public), the registers and the settings, and makes the pages again before each rebuild; MkDocs' own live-reload
server serves them and reloads the browser."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policybook.corpus import Corpus, load_corpus
from policybook.errors import PolicybookError

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger("mkdocs.policybook")


@dataclass
class Preview:
    """What the pages of a preview carry for its live-reload script: the nonce that lets it run under the
    site's Content-Security-Policy, and the hashes of the theme's scripts for the policy sent as a header."""

    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    hashes: set[str] = field(default_factory=set)


def serve_public_site(root: Path, today: dt.date, address: str) -> int:
    """Serve the public site at ``address`` (IP:PORT) until stopped (Ctrl+C or SIGTERM); 0 when stopped, 1 when
    the first build fails. A rebuild that fails (a broken page) keeps the last good site."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.livereload import LiveReloadServer

    from policybook.public_site.build import public_config, write_pages
    from policybook.site.csp import allow_live_reload
    from policybook.site.publish import logging_to_stderr

    preview = Preview()
    with tempfile.TemporaryDirectory(prefix="policybook-public-preview-") as tmp, logging_to_stderr():
        docs, site = Path(tmp) / "docs", Path(tmp) / "site"

        def configured() -> tuple[Corpus, MkDocsConfig]:
            corpus = load_corpus(root, today)
            _log_errors(corpus, root)
            shutil.rmtree(docs, ignore_errors=True)
            docs.mkdir()
            config = public_config(corpus, write_pages(corpus, docs, drafts=True), docs, site, dev_addr=address,
                                   strict=False)
            config.extra["policybook_public"]["preview"] = preview
            return corpus, config

        try:
            corpus, config = configured()
        except (exceptions.ConfigurationError, exceptions.Abort) as exc:  # MkDocs has logged what is wrong
            raise PolicybookError(f"cannot preview the public site: {exc}") from exc
        host, port = config.dev_addr
        serve_url = f"http://{host}:{port}/"

        def make(config: MkDocsConfig) -> None:
            config.site_url = serve_url
            try:
                build(config, serve_url=serve_url)
            finally:
                config.plugins.on_shutdown()

        def builder() -> None:
            """A rebuild after a change: a failure is told in one line, and the last good site stays."""
            try:
                make(configured()[1])
            except (PolicybookError, exceptions.ConfigurationError, exceptions.Abort, exceptions.BuildError) as exc:
                log.error("policybook: %s: the preview keeps the last good site", str(exc) or "the build stopped")

        server = LiveReloadServer(builder=builder, host=host, port=port, root=str(site))
        allow_live_reload(server, preview.nonce, preview.hashes)
        try:
            make(config)
        except (exceptions.Abort, exceptions.BuildError) as exc:
            print(f"Error: {exc}" if str(exc) else "Aborted.", file=sys.stderr)
            return 1
        for path in _watched(corpus):
            server.watch(str(path))
        with _stopped_by_sigterm():
            try:
                server.serve()
            except KeyboardInterrupt:
                log.info("Shutting down...")
            except OSError as exc:
                raise PolicybookError(f"cannot serve the public site at {address}: {exc.strerror or exc}") from exc
            finally:
                server.shutdown()
    return 0


def _log_errors(corpus: Corpus, root: Path) -> None:
    """Print the lint errors that would stop `policybook build` publishing the site. A preview goes on: its author
    is fixing them (not through MkDocs' logger, which would count them as the build's own warnings)."""
    from policybook.lint import lint_corpus, options_for, publication_blockers

    for finding in publication_blockers(lint_corpus(corpus, options_for(root)).findings):
        print(f"policybook lint: {finding.brief()}", file=sys.stderr, flush=True)


def _watched(corpus: Corpus) -> list[Path]:
    """What the public pages are made from: the documents for patients, the policies (one marked public), the
    registers (staff names, roles), the settings and the public site's own MkDocs file."""
    config = corpus.config
    paths = [config.public_path, config.policies_path, config.registers_path, config.root / "policybook.yml",
             config.root / "public.mkdocs.yml"]
    return [path for path in paths if path.exists()]


@contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM stops the preview as Ctrl+C does: the server closes and its temporary folder is removed."""
    def interrupt(number: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
