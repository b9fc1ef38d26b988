"""Is an image file what its name says, and safe to publish? PNG, JPEG, GIF and WebP are checked by
their first bytes; an SVG is parsed with defusedxml and refused if it carries a DOCTYPE, script,
event handlers, embedded documents or references to other files (an SVG opened from the site runs
at the site's origin, and the handbook's typesetter would try to read what it refers to)."""

from __future__ import annotations

from pathlib import Path

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

MAX_IMAGE_BYTES = 10 * 1024 * 1024
_MAGIC = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}
_ACTIVE_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "handler", "listener", "audio",
                    "video", "animate", "set", "animatetransform", "animatemotion"}


def image_problem(path: Path) -> str | None:
    """Why ``path`` cannot be published as an image, or None when it can."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            return f"is over {MAX_IMAGE_BYTES // (1024 * 1024)} MB"
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if suffix == ".svg":
        return svg_problem(data)
    if suffix == ".webp":
        return None if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else "is not a WebP image"
    magic = _MAGIC.get(suffix)
    if magic is None:
        return "is not a PNG, JPEG, GIF, WebP or SVG image"
    if not data.startswith(magic):
        return f"is not a {suffix[1:].upper()} image (its content does not match its name)"
    return None


def svg_problem(data: bytes) -> str | None:
    """Why an SVG is unsafe to publish, or None."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        return "is an SVG with a DOCTYPE or entities: save it without them (or as PNG)"
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        return f"is not a valid SVG ({str(exc)[:80]})"
    if _local(root.tag) != "svg":
        return "is not an SVG image"
    for element in root.iter():
        name = _local(element.tag).lower()
        if name in _ACTIVE_ELEMENTS:
            return f"is an SVG with a <{_local(element.tag)}> element: save it without (or as PNG)"
        if name == "style" and element.text and ("url(" in element.text.lower() or "@import" in element.text.lower()):
            return "is an SVG whose styles load other files: save it without (or as PNG)"
        for attribute, value in element.attrib.items():
            key = _local(attribute).lower()
            if key.startswith("on"):
                return f"is an SVG with an event handler ({_local(attribute)}): save it without (or as PNG)"
            if key == "href" and not value.strip().startswith("#"):
                return "is an SVG that refers to another file or address: embed everything (or save as PNG)"
            if key == "style" and "url(" in value.lower() and "url(#" not in value.lower().replace(" ", ""):
                return "is an SVG whose styles load other files: save it without (or as PNG)"
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
