"""The ``policybook`` command line: one module per group of commands, each declaring its commands with
``@command`` beside their handlers. Every failure is one line on stderr and an ExitCode."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from policybook import __version__
from policybook.cli import change, confirm, editor, evidence, guidance, lint, migrate, practice, records, site, start
from policybook.cli.registry import COMMANDS, add_directory_option
from policybook.errors import PolicybookError
from policybook.exitcodes import ExitCode
from policybook.findings import printable

# The command modules, in the order `policybook --help` lists their commands.
GROUPS = (start, lint, site, change, records, practice, evidence, confirm, guidance, migrate, editor)


class _Parser(argparse.ArgumentParser):
    """argparse that exits with ExitCode.USAGE and one line, as the rest of policybook does."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"policybook: {message} (see 'policybook --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="policybook", description="Policies as Markdown: lint, publish, control.")
    parser.add_argument("--version", action="version", version=f"policybook {__version__}")
    add_directory_option(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for group in GROUPS:
        for item in COMMANDS:
            if item.handler.__module__ == group.__name__:
                item.add_to(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return int(exc.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help()
        return ExitCode.USAGE
    try:
        return int(args.handler(args))
    except PolicybookError as exc:
        print(f"policybook: {printable(str(exc))}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        print("policybook: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return ExitCode.OK


if __name__ == "__main__":
    raise SystemExit(main())
