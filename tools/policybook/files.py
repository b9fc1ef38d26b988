"""Files a policy refers to: where a link or an image points, and whether it can be published.

Lint, the site and the handbook classify every link target here, so they agree on what is a policy,
an attachment, an image or a mistake. A target is resolved without following symbolic links and must
stay inside the project, under the policies folder: nothing outside it is ever read or published.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote

from policybook.ids import POLICY_ID

SAFE_SCHEMES = {"http", "https", "mailto"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}
# Files a policy may link to for staff to download. Nothing a browser would run as a page or script.
ATTACHMENT_SUFFIXES = IMAGE_SUFFIXES | {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods",
                                        ".odp", ".rtf", ".txt", ".csv"}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_POLICY_TARGET = re.compile(rf"^(?P<id>{POLICY_ID})(?:#(?P<fragment>.*))?$")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")


class Kind(StrEnum):
    ANCHOR = "anchor"  # #heading in the same policy
    EXTERNAL = "external"  # https, http or mailto
    POLICY = "policy"  # another policy, by id (IPC-002) or by file (../ipc/hand-hygiene.md)
    FILE = "file"  # a file stored under the policies folder: an attachment or an image
    REFUSED = "refused"  # anything else: ``problem`` says why


@dataclass(frozen=True)
class Target:
    kind: Kind
    href: str
    fragment: str = ""
    policy_id: str | None = None
    path: Path | None = None  # the file (for POLICY by file, and FILE)
    problem: str = ""


T = TypeVar("T")


def linked_policy(target: Target, by_id: Mapping[str, T], by_path: Mapping[Path, T]) -> T | None:
    """The policy a POLICY target names, by its id or by its file (None when there is none)."""
    if target.policy_id:
        return by_id.get(target.policy_id)
    return by_path.get(target.path.resolve()) if target.path is not None else None


def scheme_of(href: str) -> str | None:
    """The URL scheme as a browser reads it: after decoding character references and dropping the
    spaces and control characters browsers ignore (so `jav&#x61;script:` is `javascript`)."""
    match = _SCHEME.match(_INVISIBLE.sub("", html.unescape(href)))
    return match.group(1).lower() if match else None


def _split(href: str) -> tuple[str, str]:
    path, _, fragment = href.partition("#")
    return path.split("?", 1)[0], fragment


def classify(href: str, source: Path, root: Path, policies: Path, *, image: bool = False) -> Target:
    """What ``href``, written in the policy file ``source``, points at."""
    target = href.strip()
    if not target:
        return Target(Kind.REFUSED, href, problem="the link has no target")
    if target.startswith("#"):
        return Target(Kind.ANCHOR, href, fragment=unquote(target[1:]))
    scheme = scheme_of(target)
    if scheme is not None or target.startswith("//"):
        if image:
            return Target(Kind.REFUSED, href, problem="is not a file in the repository: store the image beside the "
                          "policy and link to it by name, so the site and the handbook show the same picture")
        if scheme in SAFE_SCHEMES:
            return Target(Kind.EXTERNAL, href)
        if scheme is None:
            return Target(Kind.REFUSED, href, problem="write the full address, starting https://")
        return Target(Kind.REFUSED, href, problem=f"'{scheme}:' links are not allowed: use https, http or mailto")
    by_id = _POLICY_TARGET.match(target)
    if by_id and not image:
        return Target(Kind.POLICY, href, fragment=unquote(by_id.group("fragment") or ""), policy_id=by_id.group("id"))
    raw_path, fragment = _split(target)
    path_text = unquote(raw_path)
    if path_text.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:[\\/]", path_text):
        return Target(Kind.REFUSED, href, problem="is an absolute path: link to files relative to the policy")
    if "\\" in path_text or "\x00" in path_text:
        return Target(Kind.REFUSED, href, problem="write paths with forward slashes")
    base = Path(os.path.abspath(root))
    joined_abs = Path(os.path.abspath(source.parent / path_text))  # lexical: links are checked, not followed
    if not _within(joined_abs, base):
        return Target(Kind.REFUSED, href, problem="is outside the repository")
    if _through_link(joined_abs, base):
        return Target(Kind.REFUSED, href, problem="goes through a symbolic link: store the file itself here")
    if not joined_abs.is_file():
        return Target(Kind.REFUSED, href, problem="does not exist" if not joined_abs.exists() else "is not a file")
    if not _within(joined_abs, Path(os.path.abspath(policies))):
        return Target(Kind.REFUSED, href, problem="is not published on the staff site: only policies and files "
                      "stored under the policies folder are")
    if joined_abs.suffix.lower() == ".md" and not image:
        return Target(Kind.POLICY, href, fragment=unquote(fragment), path=joined_abs)
    allowed = IMAGE_SUFFIXES if image else ATTACHMENT_SUFFIXES
    if joined_abs.suffix.lower() not in allowed or any(p.startswith(".") for p in joined_abs.relative_to(
            Path(os.path.abspath(policies))).parts):
        kinds = "PNG, JPEG, GIF, WebP or SVG" if image else "PDF, Word, Excel, PowerPoint, OpenDocument, text or image"
        return Target(Kind.REFUSED, href, problem=f"is not a {kinds} file, so it is not published")
    if joined_abs.stat().st_size > MAX_ATTACHMENT_BYTES:
        return Target(Kind.REFUSED, href, problem=f"is over {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB")
    return Target(Kind.FILE, href, fragment=unquote(fragment), path=joined_abs)


def _within(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _through_link(path: Path, root: Path) -> bool:
    """True when ``path`` or any folder between ``root`` and it is a symbolic link."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return True
    current = root
    for part in parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


# Files among the site's own pages that a browser would run, not show.
ACTIVE_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml", ".js", ".mjs", ".xml", ".xsl", ".xslt", ".swf"}


def unsafe_site_files(folder: Path) -> list[tuple[Path, str]]:
    """(path, why) for each file under the site's own pages (``folder``, mkdocs' docs_dir) that cannot be
    published safely: symbolic links (MkDocs would follow them out of the project), files a browser
    would run as a page or script, and images that are unsafe or broken. Walked without recursion."""
    from policybook.images import image_problem

    found: list[tuple[Path, str]] = []
    if folder.is_symlink():
        return [(folder, "is a symbolic link: the site's pages must be a real folder in the project")]
    pending = [folder] if folder.is_dir() else []
    while pending:
        current = pending.pop()
        for entry in sorted(os.scandir(current), key=lambda e: e.name):
            path = Path(entry.path)
            if entry.is_symlink():
                found.append((path, "is a symbolic link: MkDocs would publish what it points at, which may be "
                                    "outside the project; copy the file here instead"))
            elif entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif path.suffix.lower() in ACTIVE_SUFFIXES:
                found.append((path, "would run in the browser as a page or script: write the page in Markdown"))
            elif path.suffix.lower() in IMAGE_SUFFIXES:
                problem = image_problem(path)
                if problem:
                    found.append((path, problem))
    return sorted(found)
