"""Word documents (.docx) through pandoc.

The file is checked before pandoc sees it: it must be a zip archive with a Word body, of a sensible
size when unpacked (a small file that unpacks to gigabytes is refused), and intact. pandoc then reads
it into a document tree, extracting its pictures into a private folder for ``pictures.py`` to check.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any

from policybook.errors import PolicybookError
from policybook.importing.blocks import Node, node, para, plain_text
from policybook.importing.fields import AUTHOR, ISSUED, TITLE, Facts
from policybook.importing.pandoc import read_docx
from policybook.importing.word_lists import WordLists

MAX_DOCX_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_ENTRIES = 10_000
WORD_BODY = "word/document.xml"


def is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def check_docx(path: Path, name: str) -> None:
    """Refuse, in one line, anything that is not an intact Word document of a sensible size."""
    size = path.stat().st_size
    if size > MAX_DOCX_BYTES:
        raise PolicybookError(f"{name}: is {size:,} bytes; documents over {MAX_DOCX_BYTES // (1024 * 1024)} MB are "
                              "not imported")
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
                raise PolicybookError(f"{name}: unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB or "
                                      f"{MAX_ENTRIES:,} parts: not imported")
            if WORD_BODY not in archive.namelist():
                raise PolicybookError(f"{name}: is a zip archive but not a Word document (it has no {WORD_BODY})")
            damaged = archive.testzip()
            if damaged is not None:
                raise PolicybookError(f"{name}: is damaged ({damaged} does not match its checksum): open it in Word "
                                      "and save it again")
    except zipfile.BadZipFile as exc:
        raise PolicybookError(f"{name}: is not a readable Word document ({exc}): open it in Word and save it "
                              "again as .docx") from None
    except (OSError, EOFError, NotImplementedError, ValueError, zlib.error) as exc:
        raise PolicybookError(f"{name}: cannot be read as a Word document ({exc})") from None


def read(path: Path, media: Path, name: str) -> dict[str, Any]:
    """The document tree of a checked Word file, pictures extracted under ``media``, its lists nested as
    Word shows them (see ``word_lists.py``)."""
    check_docx(path, name)
    lists = WordLists()
    tree = read_docx(path, media, name, prepare=lists.mark)
    lists.apply(tree)
    return tree


def take_metadata(tree: dict[str, Any], facts: Facts) -> list[Node]:
    """pandoc lifts paragraphs styled Title, Subtitle, Author, Date and Abstract out of the body into
    metadata. The title, author and date are facts; the subtitle and abstract are text, and go back at
    the top of the body so that no paragraph is lost; anything else is reported."""
    lead: list[Node] = []
    for key, value in (tree.get("meta") or {}).items():
        where = f"the document's {key} paragraph"
        if key == "title":
            facts.add(TITLE, _meta_text(value), where)
        elif key == "author":
            facts.add(AUTHOR, _meta_text(value), where)
        elif key == "date":
            facts.add(ISSUED, _meta_text(value), where)
        elif key in ("subtitle", "abstract"):
            lead.extend(_meta_blocks(value))
        else:
            facts.unmapped.append((key, _meta_text(value), "the document's properties"))
    return lead


def _meta_text(value: Any) -> str:
    if isinstance(value, dict) and value.get("t") == "MetaList":
        return ", ".join(_meta_text(item) for item in value.get("c", []))
    if isinstance(value, dict) and value.get("t") in ("MetaString", "MetaBool"):
        return str(value.get("c"))
    return plain_text(value.get("c", []) if isinstance(value, dict) else [])


def _meta_blocks(value: Any) -> list[Node]:
    if isinstance(value, dict) and value.get("t") == "MetaBlocks":
        return list(value.get("c", []))
    if isinstance(value, dict) and value.get("t") == "MetaInlines":
        return [node("Para", value.get("c", []))]
    text = _meta_text(value)
    return [para(text)] if text else []
