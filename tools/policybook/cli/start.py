"""``policybook init``: start a new policy library (see scaffold.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from policybook.cli.registry import command
from policybook.exitcodes import ExitCode
from policybook.style.locales import DEFAULT_LOCALE, LOCALES


def _init_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", nargs="?", default=".", metavar="DIR",
                        help="where to create the library (default: this folder); made if missing")
    parser.add_argument("--name", required=True, metavar="ORGANISATION",
                        help="the organisation's name, as staff and inspectors know it")
    parser.add_argument("--github", action="store_true",
                        help="add a GitHub Actions workflow: lint with annotations and SARIF, daily run, deploy")
    parser.add_argument("--gitlab", action="store_true", help="add a GitLab CI file: lint, then GitLab Pages")
    parser.add_argument("--pre-commit", action="store_true", help="add .pre-commit-config.yaml (lint before commit)")
    parser.add_argument("--vscode", action="store_true",
                        help="add .vscode/: language server, lint task with problem matcher, snippets")
    parser.add_argument("--site-url", metavar="URL",
                        help="the staff site's address (https://...): printed copies and the handbook point to it")
    parser.add_argument("--locale", choices=LOCALES, default=DEFAULT_LOCALE,
                        help="the variety of English the policies are written in, which decides the house style "
                        "(en-GB: UK spelling and 999, the default; en-US: US spelling and 911)")
    parser.add_argument("--install-from", metavar="SPEC",
                        help="where CI and pre-commit install policybook from (a pip requirement such as "
                        "'policybook @ git+https://...@v0.1.0'); default: where this one came from")


@command("init", "start a new policy library in DIR", options=_init_options)
def cmd_init(args: argparse.Namespace) -> ExitCode:
    from policybook.scaffold import plan_library, write_library

    base = Path(args.directory) if args.directory else Path.cwd()
    root = (base / args.folder).resolve() if not Path(args.folder).is_absolute() else Path(args.folder)
    kits = [kit for kit, chosen in (("github", args.github), ("gitlab", args.gitlab),
                                    ("pre-commit", args.pre_commit), ("vscode", args.vscode)) if chosen]
    plan = plan_library(root, args.name, kits, args.install_from, args.locale, args.site_url)
    written = write_library(plan)
    print(f"created a policy library for {' '.join(args.name.split())} in {root} ({len(written)} files)")
    for note in plan.notes:
        print(note)
    print("next: policybook new --category governance --title \"...\" to write the first policy, "
          "policybook lint to check, policybook serve to preview")
    return ExitCode.OK
