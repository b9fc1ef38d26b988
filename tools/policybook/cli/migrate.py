"""Bringing existing documents in: ``import`` (see importing/)."""

from __future__ import annotations

import argparse

from policybook.cli.context import corpus_for
from policybook.cli.registry import AS_ON_TODAY, command
from policybook.exitcodes import ExitCode


def _import_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="Word (.docx) or Markdown documents")
    parser.add_argument("--category", required=True, help="a category id from policybook.yml")
    parser.add_argument("--approved", action="store_true",
                        help="keep the document's recorded approval in the history (it still comes in as a draft)")
    parser.add_argument("--owner", metavar="ROLE",
                        help="the accountable role (default: the document's owner if it is a registered role, "
                             "else registered-manager)")
    parser.add_argument("--author", metavar="NAME",
                        help="who wrote it (default: the document's author, else git config user.name)")
    parser.add_argument("--guidance", metavar="ID", action="append", help="external guidance id (repeatable)")


@command("import", "bring existing documents in as draft policies, with a migration report",
         options=_import_options, today=AS_ON_TODAY)
def cmd_import(args: argparse.Namespace) -> ExitCode:
    from policybook.importing.draft import Choices
    from policybook.importing.run import import_documents

    choices = Choices(args.category, args.approved, args.owner, args.author, tuple(args.guidance or ()))
    for imported in import_documents(corpus_for(args), args.files, choices):
        print(imported.summary)
        for line in imported.report.printed():
            print(line)
        print(f"  report: {imported.report_file}")
    return ExitCode.OK
