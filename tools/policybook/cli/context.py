"""What command handlers need from the arguments: the project root, the day, the loaded corpus."""

from __future__ import annotations

import argparse
import datetime as dt
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


def today(args: argparse.Namespace) -> dt.date:
    """``--today``, else POLICYBOOK_TODAY, else the real date."""
    return today_from(getattr(args, "today", None))


def today_if_given(args: argparse.Namespace) -> dt.date | None:
    """``--today`` when given (the site then reads POLICYBOOK_TODAY or the real date itself)."""
    return today_from(args.today) if getattr(args, "today", None) else None


def corpus_for(args: argparse.Namespace) -> Corpus:
    return load_corpus(root_from(args), today(args))
