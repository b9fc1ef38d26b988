"""Handbook benchmark: the staff handbook for N generated policies (pandoc -> Typst -> PDF/UA-1),
beside pandoc -> LaTeX -> PDF when a LaTeX engine is installed, else beside pandoc -> HTML alone.

Run: python tools/bench/handbook_bench.py [--policies 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pypandoc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import make_corpus

from policybook.corpus import load_corpus
from policybook.handbook.builder import Variant, build_handbooks, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--policies", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_corpus(Path(tmp) / "project", args.policies)
        corpus = load_corpus(root, dt.date(2026, 11, 26))
        policies = select(corpus, None)
        rows = []
        for label, variants in (("handbook, standard", [Variant(Path(tmp) / "standard.pdf")]),
                                ("handbook, large print", [Variant(Path(tmp) / "large.pdf", True)]),
                                ("handbook, both editions", [Variant(Path(tmp) / "a.pdf"),
                                                             Variant(Path(tmp) / "b.pdf", True)])):
            start = time.perf_counter()
            written = build_handbooks(corpus, variants)
            rows.append((label, time.perf_counter() - start, written[0].stat().st_size))
        markdown = "\n\n".join(f"# {p.title}\n\n{p.doc.body}" for p in policies)
        engine = next((e for e in ("xelatex", "lualatex", "pdflatex") if shutil.which(e)), None)
        start = time.perf_counter()
        if engine:
            out = Path(tmp) / "latex.pdf"
            pypandoc.convert_text(markdown, "pdf", format="commonmark_x", outputfile=str(out),
                                  extra_args=[f"--pdf-engine={engine}"])
            rows.append((f"pandoc -> LaTeX ({engine}) -> PDF", time.perf_counter() - start, out.stat().st_size))
        else:
            html = pypandoc.convert_text(markdown, "html", format="commonmark_x", extra_args=["--standalone",
                                         "--metadata", "title=Handbook"])
            rows.append(("pandoc -> HTML only (no LaTeX here)", time.perf_counter() - start, len(html)))
        print(f"{'build':<38} {'seconds':>8} {'bytes':>12}")
        for label, seconds, size in rows:
            print(f"{label:<38} {seconds:>8.2f} {size:>12,}")
        print(f"policies in the handbook: {len(policies)} of {args.policies} generated "
              "(targets: under 15 s for 200 policies, under 60 s for 1,000)")


if __name__ == "__main__":
    main()
