"""Each document on the public site as a PDF, in standard and large print, by the handbook's route: the
sanitised HTML the site shows, read by pandoc and written as Typst, typeset by Typst as PDF/UA-1 (tagged,
with its language and title), with fonts for the scripts the documents use."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import pypandoc
import typst

from policybook.corpus import Corpus
from policybook.dates import long_date
from policybook.errors import PolicybookError
from policybook.handbook.convert import FILTER
from policybook.public_site.catalogue import Entry, Shown
from policybook.public_site.pages import PageMaker
from policybook.typefaces import font_folders, missing_glyph

TEMPLATE = Path(__file__).parent / "leaflet.typ"
HANDBOOK_FONTS = Path(__file__).parent.parent / "handbook" / "fonts"
LARGE_PRINT_PT = 16  # the body size of a large-print PDF (leaflet.typ)


def _lang_and_region(tag: str) -> tuple[str, str | None]:
    parts = tag.split("-")
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    return parts[0].lower(), region


def build_pdfs(corpus: Corpus, maker: PageMaker, entries: list[Entry], docs: Path) -> list[Path]:
    """Write the standard and large-print PDF of every version of every entry into ``docs``, where the
    pages link to them."""
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="policybook-public-pdf-") as tmp:
        build = Path(tmp)
        shutil.copyfile(TEMPLATE, build / "leaflet.typ")
        (build / "bodies").mkdir()
        (build / "images").mkdir()
        compiler = typst.Compiler(root=str(build), font_paths=font_folders(HANDBOOK_FONTS), ignore_system_fonts=True)
        number = 0
        for entry in entries:
            for shown in entry.versions:
                number += 1
                body = f"/bodies/{number}.typ"
                (build / body.lstrip("/")).write_text(_typst_body(maker, shown, build, number), encoding="utf-8")
                for large, target in ((False, shown.pdf), (True, shown.pdf_large)):
                    data = _data(corpus, shown, body, large)
                    name = f"data-{number}-{int(large)}.json"
                    (build / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
                    try:
                        pdf = compiler.compile(str(build / "leaflet.typ"), sys_inputs={"pb-data": f"/{name}"},
                                               pdf_standards=["ua-1"],
                                               timestamp=int(dt.datetime.combine(corpus.today, dt.time()).timestamp()))
                    except Exception as exc:  # the typst binding raises its own error types
                        detail = missing_glyph(str(exc)) or " ".join(str(exc).split())[:300]
                        raise PolicybookError(f"{shown.document.rel}: the PDF could not be typeset: {detail}") from None
                    assert isinstance(pdf, bytes)
                    out = docs / target
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(pdf)
                    written.append(out)
    return written


def _typst_body(maker: PageMaker, shown: Shown, build: Path, number: int) -> str:
    pictures: list[int] = []

    def image(src: str) -> str | None:
        path = maker.image_path(shown, src)
        if path is None:
            return None
        pictures.append(1)
        name = f"{number}-{len(pictures)}{path.suffix.lower()}"
        shutil.copyfile(path, build / "images" / name, follow_symlinks=False)
        return f"/images/{name}"

    html = maker.body(shown, image=image)
    try:
        return str(pypandoc.convert_text(html, "typst", format="html", filters=[str(FILTER)],
                                         extra_args=["--wrap=preserve"]))
    except (RuntimeError, OSError) as exc:
        raise PolicybookError(f"{shown.document.rel}: pandoc could not convert the body: {exc}") from None


def _data(corpus: Corpus, shown: Shown, body: str, large: bool) -> dict[str, object]:
    document = shown.document
    lang, region = _lang_and_region(shown.lang)
    approved = f", approved {long_date(document.approved_on)}" if document.approved_on else ""
    return {
        "title": shown.title,
        "organisation": corpus.config.name,
        "lang": lang,
        "region": region,
        "large": large,
        "easy_read": shown.easy_read,
        "body": body,
        "version_line": f"Version {document.version_text}{approved}.",
        "intro": ("Large print. " if large else "") + f"Version {document.version_text}{approved}. Ask us if you "
                 "need this document in another format or language.",
    }
