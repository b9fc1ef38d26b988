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
                        help="record today's date and the new fingerprint of each page read")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for each page (default 20)")


@command("guidance", "check cited guidance against the publishers' pages: guidance check [IDS] [--write]",
         options=_options, today=AS_ON_TODAY, formats=("text", "json"))
def cmd_guidance(args: argparse.Namespace) -> ExitCode:
    from policybook.watch.check import check, record
    from policybook.watch.fetch import client, fetch

    corpus = corpus_for(args)
    with client(args.timeout) as http:
        outcomes = check(corpus, args.ids, lambda url: fetch(http, url).body)
    if args.write:
        record(corpus.config.registers_path / "guidance.yml", outcomes, corpus.today)
    if args.format == "json":
        print(json.dumps([{"id": o.entry.id, "problem": o.problem, "changed": o.changed, "citing": o.citing,
                           "fingerprint": o.fingerprint} for o in outcomes], indent=2))
    else:
        for outcome in outcomes:
            if outcome.problem or outcome.changed:
                print(outcome.line(), file=sys.stderr if outcome.problem else sys.stdout)
        read = sum(1 for o in outcomes if not o.problem)
        changed = sum(1 for o in outcomes if o.changed)
        print(f"{changed} changed of {read} pages read; {len(outcomes) - read} could not be read")
    return ExitCode.FINDINGS if any(o.changed or o.problem for o in outcomes) else ExitCode.OK
