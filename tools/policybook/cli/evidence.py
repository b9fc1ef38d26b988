"""``policybook evidence``: the inspector's evidence pack for a day (see pack/), and ``evidence verify``,
which checks a pack as its own verify.py does, reading each policy's frontmatter as policybook reads it."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from policybook.cli.context import corpus_for
from policybook.cli.registry import command
from policybook.corpus import Corpus
from policybook.errors import PolicybookError
from policybook.exitcodes import ExitCode

if TYPE_CHECKING:
    from policybook.pack.collect import Attempts


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("words", nargs="*", metavar="verify DIR",
                        help="'verify DIR' checks a pack instead of writing one")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", help="the day the pack shows (default today)")
    parser.add_argument("--out", metavar="DIR", help="where to write it (default evidence-pack-DAY in this folder)")


@command("evidence", "write the evidence pack for a day (an inspection, a Regulation 17(3) request); "
         "'evidence verify DIR' checks one", options=_options, today="the day made (default today, or "
         "POLICYBOOK_TODAY)")
def cmd_evidence(args: argparse.Namespace) -> ExitCode:
    if args.words[:1] == ["verify"]:
        if len(args.words) != 2:
            raise PolicybookError("usage: policybook evidence verify DIR")
        return _verify(Path(args.words[1]))
    if args.words:
        raise PolicybookError("usage: policybook evidence [--as-of DATE] [--out DIR] | evidence verify DIR")
    from policybook.pack.bundle import make_pack

    corpus = corpus_for(args)
    try:
        day = dt.date.fromisoformat(args.as_of) if args.as_of else corpus.today
    except ValueError:
        raise PolicybookError(f"--as-of '{args.as_of}' is not a date: write YYYY-MM-DD") from None
    out = Path(args.out) if args.out else Path.cwd() / f"evidence-pack-{day.isoformat()}"
    attempts, notes = _attempts(corpus, day)
    made = make_pack(corpus, day, out, corpus.today, attempts=attempts, notes=notes)
    print(f"wrote the evidence pack for {day} to {made.folder}: {made.policies} policies in force, "
          f"{made.gaps} standard{'s' if made.gaps != 1 else ''} with no evidence"
          f"{f' ({made.not_known} not known)' if made.not_known else ''}, "
          f"{'overdue not known' if made.overdue is None else f'{made.overdue} overdue'}, "
          f"{made.files} files (check it with: policybook evidence verify {made.folder})")
    return ExitCode.OK


def _attempts(corpus: Corpus, day: dt.date) -> tuple[Attempts | None, tuple[str, ...]]:
    """The question attempts the confirmations service holds, when the library runs it; else a note why
    the pack shows none. The database is only read: never created, migrated or written."""
    settings = corpus.config.confirmations
    if settings is None:
        return None, ("Question attempts are not shown: this library does not run the confirmations service, "
                      "which keeps them.",)
    unread = "Question attempts are not shown: the confirmations service's database could not be read"
    try:
        from policybook.confirm.database import connect, database_url
        from policybook.confirm.ledger import attempts_until

        url = database_url(settings, corpus.root)
    except (ImportError, PolicybookError) as exc:
        return None, (f"{unread} ({exc}).",)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return None, (f"{unread} (there is no {url.removeprefix('sqlite:///')} on this machine).",)
    try:
        engine = connect(url)
        try:
            return attempts_until(engine, day), ()
        finally:
            engine.dispose()
    except Exception as exc:  # a database that cannot be reached or has no attempts yet: a note, not a traceback
        return None, (f"{unread} ({' '.join(str(exc).split())[:200]}).",)


def _verify(folder: Path) -> ExitCode:
    import sys

    from policybook.pack.check import Failure, check_pack

    if not folder.is_dir():
        raise PolicybookError(f"{folder}: no such folder")
    try:
        for line in check_pack(folder):
            print(line)
    except Failure as failure:
        print(f"{folder / failure.path}: {failure.reason}", file=sys.stderr)
        return ExitCode.FINDINGS
    print("the evidence pack verifies")
    return ExitCode.OK
