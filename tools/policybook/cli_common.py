"""What every command needs: the project root, the day to check against, the loaded corpus."""

from __future__ import annotations

import argparse
from pathlib import Path

from policybook.config import find_root
from policybook.corpus import Corpus, load_corpus
from policybook.dates import today_from
from policybook.errors import PolicybookError


def root_from(args: argparse.Namespace) -> Path:
    if args.directory:
        folder = Path(args.directory)
        if not folder.is_dir():
            raise PolicybookError(f"-C {args.directory}: no such folder")
        return find_root(folder)
    return find_root(Path.cwd())


def corpus_for(args: argparse.Namespace) -> Corpus:
    return load_corpus(root_from(args), today_from(getattr(args, "today", None)))
