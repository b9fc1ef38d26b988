"""Is an image file what its name says, and safe to publish? PNG, JPEG, GIF and WebP are checked by
their first bytes, then their width and height are read from the header alone (with Pillow, which
decodes nothing to do it) and refused above a pixel budget, since a small compressed file can describe
an image that takes gigabytes to decode (a decompression bomb); only then are they decoded by Typst,
the handbook's own typesetter (so an image that would stop the handbook is refused by lint). An SVG is
parsed with defusedxml and refused if it carries a DOCTYPE, processing instructions (an XSLT
stylesheet can build a script), elements from outside SVG, script, event handlers, embedded documents
or references to other files (an SVG opened from the site runs at the site's origin, and the
typesetter would try to read what it refers to). An SVG's declared size needs no budget: it is drawn
as vectors, scaled to the page, and Typst rasterises even a full-canvas filter at the page's size."""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

import typst
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from PIL import GifImagePlugin, Image, ImageFile, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

MAX_IMAGE_BYTES = 10 * 1024 * 1024
# A 40-megapixel photograph is about 7,700 x 5,200 pixels, more than any page or screen shows; decoded, it
# takes 160 MB. The longest side is bounded too, so a thin strip cannot pass the area budget.
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_SIDE = 20_000
# The header reader for each name: constructing it reads the header only, and it refuses another format.
_HEADER_READERS: dict[str, type[ImageFile.ImageFile]] = {
    ".png": PngImagePlugin.PngImageFile, ".jpg": JpegImagePlugin.JpegImageFile,
    ".jpeg": JpegImagePlugin.JpegImageFile, ".gif": GifImagePlugin.GifImageFile,
    ".webp": WebPImagePlugin.WebPImageFile,
}
_MAGIC = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
}
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# Metadata drawing programs write into SVG files; nothing in them runs.
_METADATA_NAMESPACES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://purl.org/dc/elements/1.1/", "http://creativecommons.org/ns#",
    "http://web.resource.org/cc/", "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd", "http://ns.adobe.com/AdobeIllustrator/10.0/",
    "http://ns.adobe.com/Extensibility/1.0/", "http://ns.adobe.com/SaveForWeb/1.0/",
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
        problem = svg_problem(data)
    elif suffix == ".webp":
        problem = None if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else "is not a WebP image"
    elif suffix not in _MAGIC:
        problem = "is not a PNG, JPEG, GIF, WebP or SVG image"
    elif not data.startswith(_MAGIC[suffix]):
        problem = f"is not a {suffix[1:].upper()} image (its content does not match its name)"
    else:
        problem = None
    if problem:
        return problem
    if suffix != ".svg" and (problem := size_problem(data, suffix)):
        return problem
    digest = hashlib.sha256(data).hexdigest()
    if (digest, suffix) not in _DRAWN:  # lint and the build ask about the same file more than once
        _DRAWN[(digest, suffix)] = typesetting_problem(data, suffix)
    return _DRAWN[(digest, suffix)]


_DRAWN: dict[tuple[str, str], str | None] = {}  # (sha256, suffix) -> typesetting problem: no image bytes kept


def size_problem(data: bytes, suffix: str) -> str | None:
    """Why an image is too large in pixels to decode, read from its header before anything decodes it
    (Typst, the browser and the PDF reader would all decode the whole image); or None."""
    try:
        with _HEADER_READERS[suffix](io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own limit, far above ours, refused it before giving the size
        return (f"is an image of more than {(Image.MAX_IMAGE_PIXELS or 0) * 2 // 1_000_000:,} megapixels; keep images "
                f"under {_budget()}")
    except Exception as exc:  # each format's reader raises its own errors on a damaged header
        detail = " ".join(str(exc).split())[:120] or type(exc).__name__
        return (f"cannot be read as a {suffix[1:].upper()} image ({detail}): export it again from the program "
                f"that made it")
    if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
        return (f"is too large to publish: the image is {width:,} x {height:,} pixels; keep images under "
                f"{_budget()} (resize or export it again smaller)")
    return None


def _budget() -> str:
    return f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels and {MAX_IMAGE_SIDE:,} pixels a side"


def typesetting_problem(data: bytes, suffix: str) -> str | None:
    """Why Typst cannot draw the image (a damaged file, an SVG with no size), or None. The image is
    copied alone into an empty folder, which is all Typst may read."""
    with tempfile.TemporaryDirectory(prefix="policybook-image-") as folder:
        (Path(folder) / f"image{suffix}").write_bytes(data)
        source = Path(folder) / "main.typ"
        source.write_text(f'#set page(width: 10cm, height: auto)\n#image("image{suffix}")', encoding="utf-8")
        try:
            typst.compile(str(source), root=folder, format="svg", ignore_system_fonts=True)
        except Exception as exc:  # the typst binding raises its own error types
            detail = " ".join(str(exc).split())[:160]
            return f"cannot be drawn in the handbook ({detail}): export it again from the program that made it"
    return None


def svg_problem(data: bytes) -> str | None:
    """Why an SVG is unsafe to publish, or None."""
    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        return "is an SVG with a DOCTYPE or entities: save it without them (or as PNG)"
    declaration_end = data.find(b"?>") + 2 if data.lstrip().startswith(b"<?xml ") else 0
    if b"<?" in data[declaration_end:]:
        return "is an SVG with processing instructions (such as a stylesheet): save it without (or as PNG)"
    try:
        root = ElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        return f"is not a valid SVG ({str(exc)[:80]})"
    if _local(root.tag) != "svg":
        return "is not an SVG image"
    for element in root.iter():
        namespace = _namespace(element.tag)
        if namespace not in (SVG_NAMESPACE, "") and namespace not in _METADATA_NAMESPACES:
            return f"is an SVG with elements from outside SVG ({namespace}): save it as plain SVG (or as PNG)"
        name = _local(element.tag).lower()
        if name in _ACTIVE_ELEMENTS:
            return f"is an SVG with a <{_local(element.tag)}> element: save it without (or as PNG)"
        if name == "style" and element.text and ("url(" in element.text.lower() or "@import" in element.text.lower()):
            return "is an SVG whose styles load other files: save it without (or as PNG)"
        for attribute, value in element.attrib.items():
            key = _local(attribute).lower()
            if _namespace(attribute) == "http://www.w3.org/1999/XSL/Transform":
                return "is an SVG with stylesheet instructions: save it as plain SVG (or as PNG)"
            if key.startswith("on"):
                return f"is an SVG with an event handler ({_local(attribute)}): save it without (or as PNG)"
            if key == "href" and not value.strip().startswith("#"):
                return "is an SVG that refers to another file or address: embed everything (or save as PNG)"
            if key == "style" and "url(" in value.lower() and "url(#" not in value.lower().replace(" ", ""):
                return "is an SVG whose styles load other files: save it without (or as PNG)"
    return None


def _namespace(tag: object) -> str:
    """An element's or attribute's namespace: a comment's or processing instruction's tag is not text."""
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
