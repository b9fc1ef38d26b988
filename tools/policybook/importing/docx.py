"""Word documents (.docx) through pandoc.

The file is checked before pandoc sees it: it must be a zip archive with a Word body, of a sensible
size. The sizes a zip declares are not trusted (an entry can declare 61 bytes and inflate to
gigabytes, with the checksum of its first 61 bytes): every entry is inflated here, its real bytes
counted against a limit per entry and in total and against what it declares, and its checksum
compared. pandoc reads a copy re-packed from those verified entries only, never the original, so it
never inflates more than was counted. It reads the copy into a document tree, extracting its pictures
into a private folder for ``pictures.py`` to check.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from policybook.errors import PolicybookError
from policybook.importing import word_body
from policybook.importing.blocks import Node, node, para, plain_text
from policybook.importing.fields import AUTHOR, ISSUED, TITLE, Facts
from policybook.importing.pandoc import check_depth, read_docx
from policybook.importing.word_lists import WordLists

MAX_DOCX_BYTES = 50 * 1024 * 1024
MAX_ENTRY_BYTES = 64 * 1024 * 1024  # one part, unpacked (a body of 64 MB is thousands of pages)
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # all parts together, unpacked
MAX_ENTRIES = 10_000
WORD_BODY = "word/document.xml"
CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4s5HL2L2H")  # zip's local file header, 30 bytes
_LOCAL_SIGNATURE = b"PK\x03\x04"


def is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def repack(path: Path, target: Path | None, name: str, max_text: int = MAX_UNPACKED_BYTES) -> None:
    """Write to ``target`` a zip of ``path``'s entries, each inflated here and checked: its real size
    within the limits and equal to what it declares, its checksum right, and its text parts (the XML
    pandoc holds in memory, many times over) within ``max_text`` bytes together. One line for anything else."""
    size = path.stat().st_size
    if size > MAX_DOCX_BYTES:
        raise PolicybookError(f"{name}: is {size:,} bytes; documents over {MAX_DOCX_BYTES // (1024 * 1024)} MB are "
                              "not imported")
    try:
        with zipfile.ZipFile(path) as archive, path.open("rb") as raw:
            entries = archive.infolist()
            if sum(e.file_size for e in entries if _is_text(e.filename)) > max_text:
                raise too_much_text(name, max_text)
            if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
                raise PolicybookError(f"{name}: unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB or "
                                      f"{MAX_ENTRIES:,} parts: not imported")
            names = [e.filename for e in entries]
            if WORD_BODY not in names:
                raise PolicybookError(f"{name}: is a zip archive but not a Word document (it has no {WORD_BODY})")
            if len(set(names)) != len(names):
                raise PolicybookError(f"{name}: is damaged (it holds two parts of the same name): open it in Word "
                                      "and save it again")
            _copy_entries(raw, entries, target, name, max_text)
    except zipfile.BadZipFile as exc:
        raise PolicybookError(f"{name}: is not a readable Word document ({exc}): open it in Word and save it "
                              "again as .docx") from None
    except (OSError, EOFError, NotImplementedError, ValueError, zlib.error, struct.error) as exc:
        raise PolicybookError(f"{name}: cannot be read as a Word document ({exc})") from None


def _copy_entries(raw: BinaryIO, entries: list[zipfile.ZipInfo], target: Path | None, name: str,
                  max_text: int) -> None:
    total = text = 0
    out = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) if target is not None else None
    try:
        for info in entries:
            if info.is_dir():
                continue
            sink = out.open(zipfile.ZipInfo(info.filename, info.date_time), "w", force_zip64=False) if out else None
            try:
                for chunk in _inflate(raw, info, name, MAX_UNPACKED_BYTES - total):
                    total += len(chunk)
                    if _is_text(info.filename):
                        text += len(chunk)
                        if text > max_text:
                            raise too_much_text(name, max_text)
                    if sink is not None:
                        sink.write(chunk)
            finally:
                if sink is not None:
                    sink.close()
    finally:
        if out is not None:
            out.close()


def _is_text(part: str) -> bool:
    """A part of text (the body, styles, lists, notes, relationships), not a picture or other media."""
    return part.lower().endswith((".xml", ".rels"))


def too_much_text(name: str, limit: int) -> PolicybookError:
    return PolicybookError(f"{name}: unpacks to more than {limit:,} bytes of text (limits.import_max_text_bytes): "
                           "not imported")


def _inflate(raw: BinaryIO, info: zipfile.ZipInfo, name: str, room: int) -> Iterator[bytes]:
    """The real bytes of one entry, read from its own compressed data, never more than it declares
    (nor than the limits allow), checked against its checksum at the end."""
    part = info.filename
    if info.flag_bits & 0x1:
        raise PolicybookError(f"{name}: is encrypted ({part}): save it without a password and import it again")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise PolicybookError(f"{name}: cannot be read as a Word document ({part} is compressed in a way Word does "
                              "not use)")
    limit = min(MAX_ENTRY_BYTES, room)
    if info.file_size > limit:
        raise PolicybookError(f"{name}: {part} unpacks to more than {limit // (1024 * 1024)} MB: not imported")
    raw.seek(info.header_offset)
    header = _LOCAL_HEADER.unpack(raw.read(_LOCAL_HEADER.size))
    if header[0] != _LOCAL_SIGNATURE:
        raise PolicybookError(f"{name}: is damaged ({part} is not where the archive says): open it in Word and "
                              "save it again")
    raw.seek(header[9] + header[10], 1)  # the name and extra field of the local header
    left = info.compress_size
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    crc, count = 0, 0
    while inflater is None or not inflater.eof:
        feed = inflater.unconsumed_tail if inflater is not None else b""
        if not feed and left > 0:
            feed = raw.read(min(CHUNK, left))
            left = left - len(feed) if feed else 0
        data = inflater.decompress(feed, CHUNK) if inflater is not None else feed
        if not data:
            if feed:
                continue
            break
        count += len(data)
        if count > info.file_size:
            raise PolicybookError(f"{name}: {part} declares {info.file_size:,} bytes but unpacks to more: the file "
                                  "is damaged or made to exhaust the computer; not imported")
        crc = zlib.crc32(data, crc)
        yield data
    if (inflater is not None and not inflater.eof) or count != info.file_size or crc != info.CRC:
        raise PolicybookError(f"{name}: is damaged ({part} does not match its checksum or size): open it in "
                              "Word and save it again")


def read(path: Path, media: Path, name: str, notes: list[str], max_text: int = MAX_UNPACKED_BYTES) -> dict[str, Any]:
    """The document tree of a checked Word file, pictures extracted under ``media``, its lists nested as
    Word shows them (see ``word_lists.py``). What a reader of the original saw but the policy will not
    hold (hidden text, pending tracked changes, linked pictures) goes into ``notes``."""
    lists = WordLists()

    def make(copy: Path) -> None:
        repack(path, copy, name, max_text)
        notes.extend(word_body.prepare(copy, name))
        lists.mark(copy)

    tree = read_docx(make, media, name)
    lists.apply(tree)
    check_depth(tree, name)  # nesting lists by indentation can make them deeper
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
