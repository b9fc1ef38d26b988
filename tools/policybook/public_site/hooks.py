"""MkDocs hooks of the public site (public.mkdocs.yml names none: `policybook build` adds this file): each
page says its own language and direction, shows the CQC rating, and carries a Content-Security-Policy."""

from __future__ import annotations

import html
import re
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page

from policybook.public_site.preview import Preview
from policybook.site.csp import HEADER_FILE, header_policy, theme_script_hashes, with_content_security_policy

RATING_MARK = 'data-pb="rating"'
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_HTML_START = re.compile(r'<html lang="[^"]*"')
_BODY_DIR = re.compile(r'<body dir="(?:ltr|rtl)"')
_hashes: set[str] = set()


def _finish(output: str, config: MkDocsConfig, where: str, lang: str, direction: str, content: str) -> str:
    pb = config.extra.get("policybook_public") or {}
    if pb.get("rating") and RATING_MARK not in output:
        raise PluginError(f"policybook: {where} does not show the CQC rating banner that Regulation 20A requires on "
                          "every page: keep the announce block of the public site's main.html")
    if _LANG.fullmatch(lang) and direction in ("ltr", "rtl"):
        output = _HTML_START.sub(f'<html lang="{html.escape(lang)}" dir="{direction}"', output, count=1)
        output = _BODY_DIR.sub(f'<body dir="{direction}"', output, count=1)  # Material sets the theme's on <body>
    hashes = theme_script_hashes(output, content)
    _hashes.update(hashes)
    # A preview (policybook serve --public) lets its live-reload script run by nonce, and gathers the hashes for
    # the policy it sends as a header.
    preview = pb.get("preview")
    if isinstance(preview, Preview):
        preview.hashes.update(hashes)
        return with_content_security_policy(output, hashes, preview.nonce)
    return with_content_security_policy(output, hashes)


def on_post_page(output: str, /, *, page: Page, config: MkDocsConfig) -> str:
    meta: MutableMapping[str, Any] = page.meta
    default = str(config.extra.get("policybook_public", {}).get("lang", "en"))
    return _finish(output, config, page.file.src_uri, str(meta.get("lang", default)), str(meta.get("dir", "ltr")),
                   page.content or "")


def on_post_template(output_content: str, /, *, template_name: str, config: MkDocsConfig) -> str:
    if not template_name.endswith(".html"):
        return output_content
    default = str(config.extra.get("policybook_public", {}).get("lang", "en"))
    return _finish(output_content, config, template_name, default, "ltr", "")


def on_post_build(*, config: MkDocsConfig) -> None:
    (Path(config.site_dir) / HEADER_FILE).write_text(header_policy(_hashes) + "\n", encoding="utf-8")
    _hashes.clear()
