"""``policybook guidance check``: compare the cited guidance's pages with the register (the one command
that uses the network)."""

from __future__ import annotations

import argparse
import json
import sys

from policybook.cli.context import corpus_for
from policybook.cli.registry import AS_ON_TODAY, command
from policybook.exitcodes import ExitCode


def _options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("check",), help="check: compare each entry's page with the register")
    parser.add_argument("ids", nargs="*", metavar="ID", help="guidance ids (default: every entry)")
    parser.add_argument("--write", action="store_true",
                        help="record what was found: checked_on, fingerprint and edition of each page read, "
                             "changed_on for a changed page (citing policies are then due for review), the "
                             "status and replacement of withdrawn or replaced guidance, and the main text "
                             "under records/guidance/")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for each page (default 20)")


@command("guidance", "check cited guidance against the publishers' pages: guidance check [IDS] [--write]",
         options=_options, today=AS_ON_TODAY, formats=("text", "json"))
def cmd_guidance(args: argparse.Namespace) -> ExitCode:
    from policybook.watch.check import check
    from policybook.watch.fetch import client, fetch
    from policybook.watch.record import write_register

    corpus = corpus_for(args)
    with client(args.timeout) as http:
        outcomes = check(corpus, args.ids, lambda url: fetch(http, url))
    if args.write:
        write_register(corpus, outcomes, corpus.today)
    if args.format == "json":
        print(json.dumps([o.as_json() for o in outcomes], indent=2))
    else:
        for outcome in outcomes:
            if outcome.problem:
                print(*outcome.lines(), sep="\n", file=sys.stderr)
            elif outcome.changed or outcome.superseded:
                print(*outcome.lines(), sep="\n")
        read = sum(1 for o in outcomes if not o.problem)
        changed = sum(1 for o in outcomes if o.changed)
        gone = sum(1 for o in outcomes if o.superseded)
        print(f"{changed} changed, {gone} withdrawn or replaced, of {read} page{'' if read == 1 else 's'} read; "
              f"{len(outcomes) - read} could not be read")
        if args.write and (changed or gone):
            print("recorded in registers/guidance.yml: lint now asks for a review of each citing policy")
    return ExitCode.FINDINGS if any(o.changed or o.problem or o.superseded for o in outcomes) else ExitCode.OK
