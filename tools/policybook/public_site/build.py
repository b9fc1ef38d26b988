"""`policybook build`'s second site: the public site, from public.mkdocs.yml (or the packaged default), into
site-public/ (``paths.public_site``). Lint runs first, and any error stops the build, as for the staff site;
the pages are made in a folder of their own, so that no staff page can be among them."""

from __future__ import annotations

import datetime as dt
import html
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policybook.corpus import Corpus, load_corpus
from policybook.dates import long_date, parse_date
from policybook.errors import PolicybookError
from policybook.lint import lint_corpus, options_for, publication_blockers
from policybook.public_site.catalogue import Entry, catalogue
from policybook.public_site.leaflets import build_pdfs
from policybook.public_site.pages import PageMaker
from policybook.writing import current_umask, swap_folder_in

if TYPE_CHECKING:  # mkdocs itself is imported only when a site is built
    from mkdocs.config.defaults import MkDocsConfig

PUBLIC_MKDOCS_YML = "public.mkdocs.yml"
HERE = Path(__file__).parent
DEFAULT_CONFIG = HERE / "mkdocs.yml"
HOOKS = HERE / "hooks.py"
OVERRIDES = HERE / "overrides"
ASSETS = HERE / "assets"
CSS = "assets/policybook-public/public.css"


def build_public_site(root: Path, today: dt.date, out: Path | None = None) -> int:
    """Build the public site; 0 on success, 1 when lint finds an error or MkDocs fails (the last good site is
    left in place: the new one is built beside it and swapped in)."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build

    corpus = load_corpus(root, today)
    if not passes_gate(corpus, root):
        return 1
    target = out if out is not None else corpus.config.root / corpus.config.public_site_dir
    target = target if target.is_absolute() else Path.cwd() / target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="policybook-public-") as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
        staging.chmod(0o777 & ~current_umask())
        try:
            config = public_config(corpus, write_pages(corpus, docs), docs, staging)
            build(config)
            config.plugins.on_shutdown()
        except (exceptions.Abort, exceptions.ConfigurationError, exceptions.BuildError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            print(f"Error: {exc}" if str(exc) else "Aborted.", file=sys.stderr)
            return 1
        except PolicybookError:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    swap_folder_in(staging, target)
    return 0


def passes_gate(corpus: Corpus, root: Path) -> bool:
    """Whether lint lets the public site be built; if not, the errors are printed. The staff site's gate: every
    error stops it, except an overdue review and the service's own due work."""
    errors = publication_blockers(lint_corpus(corpus, options_for(root)).findings)
    if errors:
        listing = "\n".join(f"  {f.brief()}" for f in errors)
        print(f"Error: policybook lint found {len(errors)} error(s); fix them to publish the public site:\n{listing}",
              file=sys.stderr)
    return not errors


def write_pages(corpus: Corpus, docs: Path, drafts: bool = False) -> list[Entry]:
    """Write the site's pages, leaflet PDFs and style sheet into the empty folder ``docs`` (drafts too, marked as
    such, for a preview); the documents shown."""
    entries = catalogue(corpus, drafts)
    maker = PageMaker(corpus, entries, docs)
    (docs / "index.md").write_text(maker.home_page(), encoding="utf-8")
    for entry in entries:
        for shown in entry.versions:
            page = docs / shown.page
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(maker.document_page(entry, shown), encoding="utf-8")
    build_pdfs(corpus, maker, entries, docs)
    for asset in ASSETS.iterdir():
        (docs / CSS).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(asset, docs / CSS.rsplit("/", 1)[0] / asset.name)
    return entries


def public_config(corpus: Corpus, entries: list[Entry], docs: Path, site: Path, **overrides: Any) -> MkDocsConfig:
    """The public site's MkDocs configuration (public.mkdocs.yml, or the packaged default) for the pages in
    ``docs``, built into ``site``: its theme overrides, style sheet, hooks and navigation added."""
    from mkdocs.config import load_config

    config_file = corpus.config.root / PUBLIC_MKDOCS_YML
    settings: dict[str, Any] = {"strict": True, "docs_dir": str(docs), "site_dir": str(site),
                                "use_directory_urls": False, "hooks": [str(HOOKS)], **overrides}
    config = load_config(str(config_file if config_file.is_file() else DEFAULT_CONFIG), **settings)
    config.theme.dirs.insert(1 if config.theme.custom_dir else 0, str(OVERRIDES))
    config.extra_css.append(CSS)
    rating = corpus.config.cqc_rating
    config.extra["policybook_public"] = {
        "lang": corpus.config.locale,
        "rating": rating.__dict__ if rating else None,
        "rating_date": long_date(parse_date(rating.date)) if rating else "",
    }
    # The navigation lists each document once, in its own language; editions are reached from it.
    config.nav = [{"Home": "index.md"},
                  *({html.escape(entry.source.title): entry.source.page} for entry in entries)]
    return config
