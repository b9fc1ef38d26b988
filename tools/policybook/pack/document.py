"""The evidence pack as one PDF: the pack's data (evidence.json) typeset by a static Typst template, with
the text of every policy in force converted as the handbook converts it, to the handbook's standard
(tagged, PDF/UA-1)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import typst

from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.handbook.builder import FONTS, HELPERS
from policybook.handbook.convert import BodyConverter
from policybook.model import Policy
from policybook.typefaces import FALLBACK_FAMILIES, font_folders, missing_glyph
from policybook.views.addresses import site_urls

TEMPLATE = Path(__file__).parent / "evidence.typ"
BODY_PRELUDE = '#import "/pb.typ": pb-link\n'


def build_pdf(corpus: Corpus, data: dict[str, Any], texts: dict[str, Policy]) -> bytes:
    """The PDF of ``data``, with the body of each policy in ``texts`` (by id) after the report."""
    with tempfile.TemporaryDirectory(prefix="policybook-evidence-") as tmp:
        build = Path(tmp)
        (build / "bodies").mkdir()
        ordered = [texts[key] for key in sorted(texts)]
        converter = BodyConverter(build, set(texts), site_urls(corpus), root=corpus.root,
                                  policies_dir=corpus.config.policies_path, by_id=dict(texts),
                                  site_url=corpus.config.site_url)
        workers = min(4, os.cpu_count() or 1)
        size = max(1, -(-len(ordered) // workers))  # one pandoc process for each share of the bodies
        with ThreadPoolExecutor(max_workers=workers) as pool:
            shares = pool.map(converter.convert_all, [ordered[i:i + size] for i in range(0, len(ordered), size)])
            bodies = [body for share in shares for body in share]
        files = {}
        for index, (policy, body) in enumerate(zip(ordered, bodies, strict=True)):
            name = f"bodies/{index:04d}.typ"
            (build / name).write_text(BODY_PRELUDE + body, encoding="utf-8")
            files[policy.id] = name
        shown = {**data, "policies": [{**p, "body": files.get(p["id"])} for p in data["policies"]]}
        (build / "xrefs.json").write_text(json.dumps(converter.xrefs, ensure_ascii=False), encoding="utf-8")
        shown["fallback_fonts"] = list(FALLBACK_FAMILIES)
        (build / "data.json").write_text(json.dumps(shown, ensure_ascii=False), encoding="utf-8")
        shutil.copyfile(TEMPLATE, build / "evidence.typ")
        shutil.copyfile(HELPERS, build / "pb.typ")
        compiler = typst.Compiler(root=str(build), font_paths=font_folders(FONTS), ignore_system_fonts=True)
        day = dt.date.fromisoformat(data["generated_on"])
        try:
            pdf = compiler.compile(str(build / "evidence.typ"), sys_inputs={"pb-data": "/data.json"},
                                   pdf_standards=["ua-1"],
                                   timestamp=int(dt.datetime.combine(day, dt.time()).timestamp()))
        except Exception as exc:  # the typst binding raises its own error types
            detail = missing_glyph(str(exc)) or " ".join(str(exc).split())[:300]
            raise PolicybookError(f"the evidence pack's PDF could not be typeset: {detail}") from None
        assert isinstance(pdf, bytes)  # one PDF, returned because no output path is given
        return pdf
