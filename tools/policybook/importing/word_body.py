"""What a Word body says that pandoc would add or drop without a word: each is found here, in the
private copy, before pandoc reads it, and listed for the migration report.

- Hidden text (Word's Hidden font setting, ``w:vanish``): pandoc reads it as ordinary text, so words no
  reader of the original saw would be published. It is taken out of the copy, and the report lists it
  as text that was hidden in the original and is not in the policy, so a manager can put back what
  should be read.
- Pending tracked changes (``w:ins``, ``w:del``): pandoc accepts them all. They are counted, and the
  report says they were accepted, so someone compares the policy with the original.
- Linked pictures (``a:blip r:link``, a picture kept in a file outside the document): pandoc drops them
  with their description. The picture is replaced by its description as text, and reported.

The body is read with defusedxml (no DTD, no entities); elements nested deeper than ``MAX_DEPTH`` are
refused before any deeper reading. Changes are spliced in at byte offsets, so the rest of the body
stays byte for byte as it was.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError
from xml.sax.saxutils import escape

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, fromstring

from policybook.errors import PolicybookError
from policybook.importing.blocks import without_controls
from policybook.importing.pandoc import too_deep
from policybook.importing.word_lists import replace_part

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
BODY, STYLES, RELS = "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels"
MAX_DEPTH = 120  # elements; a paragraph in a table cell is 8 deep, each table in a table adds 3
_CHANGES = {"ins": "insertion", "del": "deletion", "moveTo": "insertion", "moveFrom": "deletion"}
_OFF = {"0", "false", "off"}


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


@dataclass
class _Run:
    start: int
    vanish: bool | None = None  # as the run states it; None: as its styles say
    style: str | None = None
    text: list[str] = field(default_factory=list)
    edits: list[tuple[int, int, bytes]] = field(default_factory=list)


@dataclass
class _Paragraph:
    style: str | None = None
    hidden: list[str] = field(default_factory=list)


@dataclass
class _Drawing:
    start: int
    alt: str = ""
    embedded: bool = False
    link: str | None = None


class _Scan:
    """A parser target: one pass over the body, noting what to take out or replace, and where."""

    def __init__(self, body: bytes, styles: dict[str, tuple[str | None, bool | None]], targets: dict[str, str]) -> None:
        self.body, self.styles, self.targets = body, styles, targets
        self.parser: DefusedXMLParser | None = None
        self.path: list[str] = []
        self.runs: list[_Run] = []
        self.paragraphs: list[_Paragraph] = []
        self.drawings: list[_Drawing] = []
        self.deleted = 0  # how many deletions the current element is inside
        self.changes = {"insertion": 0, "deletion": 0}
        self.edits: list[tuple[int, int, bytes]] = []
        self.hidden: list[str] = []
        self.linked: list[str] = []

    def _at(self) -> int:
        assert self.parser is not None
        return int(self.parser.parser.CurrentByteIndex)

    def _end_of(self, at: int) -> int:
        """The offset after the end tag found at ``at`` (an end tag holds no ``>`` before its own)."""
        return self.body.index(b">", at) + 1

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        local = tag[len(W) + 2:] if tag.startswith(f"{{{W}}}") else tag
        parent = self.path[-1] if self.path else ""
        self.path.append(local)
        if len(self.path) > MAX_DEPTH:
            raise _TooDeep
        if local in _CHANGES and not parent.endswith("Pr"):  # not the mark of a changed paragraph or row
            self.changes[_CHANGES[local]] += 1
            self.deleted += _CHANGES[local] == "deletion"
        elif local == "p":
            self.paragraphs.append(_Paragraph())
        elif local == "r":
            self.runs.append(_Run(self._at()))
        elif local == "pStyle" and parent == "pPr" and self.paragraphs:
            self.paragraphs[-1].style = attrib.get(_w("val"))
        elif local == "rStyle" and parent == "rPr" and self.runs:
            self.runs[-1].style = attrib.get(_w("val"))
        elif local == "vanish" and parent == "rPr" and self.runs and self.path[-3:-2] == ["r"]:
            self.runs[-1].vanish = attrib.get(_w("val"), "1").lower() not in _OFF
        elif local == "drawing":
            self.drawings.append(_Drawing(self._at()))
        elif tag == f"{{{WP}}}docPr" and self.drawings:
            alt = without_controls(attrib.get("descr") or attrib.get("title") or "")[0]
            self.drawings[-1].alt = " ".join(alt.split())
        elif tag == f"{{{A}}}blip" and self.drawings:
            self.drawings[-1].embedded = bool(attrib.get(f"{{{R}}}embed"))
            self.drawings[-1].link = attrib.get(f"{{{R}}}link")

    def end(self, tag: str) -> None:
        local = self.path.pop()
        if local in _CHANGES and _CHANGES[local] == "deletion" and self.deleted and not (
                self.path and self.path[-1].endswith("Pr")):
            self.deleted -= 1
        elif local == "drawing" and self.drawings:
            self._drawing(self.drawings.pop())
        elif local == "r" and self.runs:
            self._run(self.runs.pop())
        elif local == "p" and self.paragraphs:
            paragraph = self.paragraphs.pop()
            if paragraph.hidden:
                self.hidden.append(" ".join(without_controls(" ".join(paragraph.hidden))[0].split()))

    def data(self, text: str) -> None:
        if self.path and self.path[-1] == "t" and self.runs:
            self.runs[-1].text.append(text)

    def close(self) -> None:
        return None

    def _drawing(self, drawing: _Drawing) -> None:
        if drawing.link is None or drawing.embedded or not self.runs:
            return
        where = self.targets.get(drawing.link, "")
        words = f"Picture not imported: {drawing.alt}" if drawing.alt else "Picture not imported."
        prefix = re.match(rb"<(?:([^\s:>/]+):)?drawing", self.body[drawing.start:drawing.start + 200])
        tag = (prefix.group(1).decode("ascii") + ":" if prefix and prefix.group(1) else "") + "t"
        text = f'<{tag} xml:space="preserve">{escape(words)}</{tag}>'.encode()
        self.runs[-1].edits.append((drawing.start, self._end_of(self._at()), text))
        self.linked.append(f"picture '{drawing.alt or 'without a description'}' is linked to a file outside the "
                           f"document{f' ({where[:120]})' if where else ''}, not stored in it: its description is "
                           "kept as text; save the picture as PNG and add it by hand")

    def _run(self, run: _Run) -> None:
        text = "".join(run.text)
        if self.deleted or not text.strip() or not self._hidden(run):
            self.edits.extend(run.edits)
            return
        self.edits.append((run.start, self._end_of(self._at()), b""))
        if self.paragraphs:
            self.paragraphs[-1].hidden.append(text)
        else:
            self.hidden.append(" ".join(without_controls(text)[0].split()))

    def _hidden(self, run: _Run) -> bool:
        if run.vanish is not None:
            return run.vanish
        for style in (run.style, self.paragraphs[-1].style if self.paragraphs else None):
            vanish = self._style_vanish(style)
            if vanish is not None:
                return vanish
        return False

    def _style_vanish(self, style: str | None) -> bool | None:
        seen: set[str] = set()
        while style is not None and style in self.styles and style not in seen:
            seen.add(style)
            based_on, vanish = self.styles[style]
            if vanish is not None:
                return vanish
            style = based_on
        return None


class _TooDeep(Exception):
    """The body is nested deeper than ``MAX_DEPTH``."""


def prepare(copy: Path, name: str) -> list[str]:
    """Take hidden text out of the private copy ``copy`` and put linked pictures' descriptions in their
    place; the notes for the migration report."""
    with zipfile.ZipFile(copy) as archive:
        names = set(archive.namelist())
        body = archive.read(BODY)
        styles_part = archive.read(STYLES) if STYLES in names else None
        rels_part = archive.read(RELS) if RELS in names else None
    try:
        scan = _Scan(body, _styles(styles_part) if styles_part else {}, _targets(rels_part) if rels_part else {})
        parser = DefusedXMLParser(target=scan, forbid_dtd=True)
        scan.parser = parser
        parser.feed(body)
        parser.close()
    except _TooDeep:
        raise too_deep(name) from None
    except (ParseError, DefusedXmlException) as exc:
        detail = " ".join(str(exc).split())[:120]
        raise PolicybookError(f"{name}: its body ({BODY}) or styles cannot be read ({detail}): open it in Word "
                              "and save it again") from None
    notes = [f"hidden text in the original (Word's Hidden setting) is not in the policy: '{text[:300]}'"
             for text in scan.hidden]
    if any(scan.changes.values()):
        notes.append(f"the original had {scan.changes['insertion']} tracked insertion(s) and "
                     f"{scan.changes['deletion']} tracked deletion(s) pending: all were accepted (inserted text "
                     "is in the policy, deleted text is not); compare the policy with the original")
    notes.extend(scan.linked)
    if scan.edits:
        if body[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in body[:4]:
            raise PolicybookError(f"{name}: its body is not saved as UTF-8: open it in Word and save it again")
        replace_part(copy, BODY, _splice(body, scan.edits))
    return notes


def _splice(body: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``body`` with each (start, end) range replaced; a range inside one already replaced goes with it."""
    out: list[bytes] = []
    position = 0
    for start, end, text in sorted(edits, key=lambda edit: (edit[0], -edit[1])):
        if start < position:
            continue
        out += [body[position:start], text]
        position = end
    return b"".join([*out, body[position:]])


def _styles(data: bytes) -> dict[str, tuple[str | None, bool | None]]:
    """Each style's id -> (the style it is based on, whether its text is hidden, if it says)."""
    root: Element = fromstring(data, forbid_dtd=True)
    found: dict[str, tuple[str | None, bool | None]] = {}
    for style in root.iter(_w("style")):
        based = style.find(_w("basedOn"))
        vanish = style.find(f"{_w('rPr')}/{_w('vanish')}")
        found[style.get(_w("styleId")) or ""] = (
            based.get(_w("val")) if based is not None else None,
            None if vanish is None else (vanish.get(_w("val"), "1").lower() not in _OFF))
    return found


def _targets(data: bytes) -> dict[str, str]:
    root: Element = fromstring(data, forbid_dtd=True)
    return {rel.get("Id") or "": rel.get("Target") or "" for rel in root}
