"""How a command is declared: its name, help, options and handler in one place, in its own module.

Options every command shares are declared once here: ``-C`` (on the main parser), ``--today`` and
``--format`` (each command says whether it takes them, with its own help and choices).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from policybook.exitcodes import ExitCode

Handler = Callable[[argparse.Namespace], ExitCode]
_Parser = TypeVar("_Parser", bound=argparse.ArgumentParser)  # the main parser's class, which its commands share
Options = Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    handler: Handler
    options: Options | None = None
    today: str | None = None  # help for --today, when the command takes it
    formats: Sequence[str] = ()  # choices for --format (the first is the default), when it takes it
    format_help: str | None = None

    def add_to(self, subparsers: argparse._SubParsersAction[_Parser]) -> None:
        parser = subparsers.add_parser(self.name, help=self.help)
        if self.options is not None:
            self.options(parser)
        if self.formats:
            parser.add_argument("--format", choices=list(self.formats), default=self.formats[0], help=self.format_help)
        if self.today is not None:
            parser.add_argument("--today", metavar="YYYY-MM-DD", help=self.today)
        parser.set_defaults(handler=self.handler)


COMMANDS: list[Command] = []

AS_ON_TODAY = "as on this day (default today, or POLICYBOOK_TODAY)"


def command(name: str, help: str, *, options: Options | None = None, today: str | None = None,
            formats: Sequence[str] = (), format_help: str | None = None) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of ``policybook NAME``."""

    def register(handler: Handler) -> Handler:
        if any(c.name == name for c in COMMANDS):
            raise ValueError(f"command '{name}' is declared twice")
        COMMANDS.append(Command(name, help, handler, options, today, formats, format_help))
        return handler

    return register


def add_directory_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-C", dest="directory", metavar="DIR",
                        help="run in the project at DIR (default: the nearest folder with policybook.yml)")
