"""Pictures in an imported document: taken from where pandoc extracted them (or from beside a Markdown
file), checked as lint checks any image, and given new plain names in a folder beside the policy.

A picture's name and path come from the document, so neither is trusted: only a file that really lies
inside the folder the picture may come from (no ``..``, no absolute path, no symbolic link) is read,
and the copy is always named ``image-N`` with the suffix of a format policybook publishes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from policybook.files import IMAGE_SUFFIXES, SAFE_SCHEMES, scheme_of
from policybook.images import image_problem


@dataclass(frozen=True)
class Picture:
    relative: str  # where the policy links to it, relative to the policy file
    data: bytes


@dataclass
class Pictures:
    """The pictures one document brings, to be written beside its policy."""

    base: Path  # the folder a picture may come from
    folder: str  # the folder beside the policy they go into, relative to the policy file
    taken: list[Picture] = field(default_factory=list)
    by_source: dict[Path, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def take(self, source: str, alt: str) -> str | None:
        """The new link target of the picture at ``source``, or None when it cannot come in (why is noted)."""
        shown = alt or source
        scheme = scheme_of(source)
        if scheme is not None or source.startswith("//"):
            if scheme in SAFE_SCHEMES:
                self.notes.append(f"picture '{shown}' is on another website ({source}): it is linked, not shown; "
                                  "save it beside the policy to show it")
            else:
                self.notes.append(f"picture '{shown}' is not a file ({scheme or 'no'} address): its text is kept")
            return None
        path = self._inside(source)
        if path is None:
            self.notes.append(f"picture '{shown}' ({source}) is not a file inside the document's folder: not imported")
            return None
        if path in self.by_source:
            return self.by_source[path]
        suffix = path.suffix.lower()
        problem = image_problem(path) if suffix in IMAGE_SUFFIXES else (
            f"is in {suffix[1:].upper() or 'an unknown'} format, not PNG, JPEG, GIF, WebP or SVG")
        if problem:
            self.notes.append(f"picture '{shown}' {problem}: save it as PNG and add it by hand; its text is kept")
            return None
        relative = f"{self.folder}/image-{len(self.taken) + 1}{'.jpg' if suffix == '.jpeg' else suffix}"
        self.taken.append(Picture(relative, path.read_bytes()))
        self.by_source[path] = relative
        if not alt:
            self.notes.append(f"picture {relative} has no alternative text: describe what it shows, in the "
                              "square brackets")
        return relative

    def _inside(self, source: str) -> Path | None:
        text = unquote(source.split("#", 1)[0].split("?", 1)[0])
        if not text or "\x00" in text or "\\" in text:
            return None
        base = Path(os.path.abspath(self.base))
        path = Path(os.path.abspath(base / text)) if not os.path.isabs(text) else Path(os.path.abspath(text))
        if not path.is_relative_to(base) or not path.is_file():
            return None
        current = base
        for part in path.relative_to(base).parts:  # no symbolic link on the way
            current = current / part
            if current.is_symlink():
                return None
        return path
