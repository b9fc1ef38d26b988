"""The evidence pack's index page: one self-contained HTML file (no script, no outside resource, readable
offline from the pack's folder) drawn from the pack's data, every value escaped by Jinja2."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


def _web(url: object) -> str:
    """An address a reader may follow: http or https only, else nothing (no script in a link)."""
    text = str(url or "")
    return text if urlsplit(text).scheme in ("http", "https") else ""


def index_page(data: dict[str, Any], lang: str = "en-GB") -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                              trim_blocks=False, lstrip_blocks=False)
    environment.filters["web"] = _web
    by_id = {p["id"]: p for p in data["policies"]}
    return environment.get_template("index.html").render(d=data, by_id=by_id, lang=lang)
