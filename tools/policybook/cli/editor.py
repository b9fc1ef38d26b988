"""Commands for editors: ``lsp``, the language server an editor starts to lint policies as they are typed."""

from __future__ import annotations

import argparse

from policybook.cli.context import root_from, today, today_if_given
from policybook.cli.registry import command
from policybook.exitcodes import ExitCode


def _lsp_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true",
                        help="talk over standard input and output (the only way; accepted because editors pass it)")


@command("lsp", "language server for editors: lint as you type, complete and explain ids (over stdio)",
         options=_lsp_options, today="check review dates as on this day (default today, or POLICYBOOK_TODAY)")
def cmd_lsp(args: argparse.Namespace) -> ExitCode:
    from policybook.lsp.server import serve

    today(args)  # a POLICYBOOK_TODAY that is not a date is refused now, not at the first edit
    pinned = root_from(args) if args.directory else None
    return ExitCode.OK if serve(pinned, today_if_given(args)) == 0 else ExitCode.FINDINGS
